//! What keeps a flood of connections from taking the server down
//! (docs/reliability.md#limits): the descriptor limit raised at start, a cap on connections
//! kept below it, connections past it served briefly for `/_mock/health` only, and accept
//! errors backed off and logged once per burst.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The most connections past the cap served at once, for `/_mock/health` only, each for at
/// most `OVERFLOW_LIFETIME`: a container's health check gets through a flood that holds every
/// other connection, since a flood's own connections past the cap leave within that time.
/// A quarter of the descriptors left at most, 16 at least.
const OVERFLOW_MAX: u64 = 4096;
const OVERFLOW_MIN: u64 = 16;

/// How long a connection past the cap may stay idle, and stay at all.
pub(super) const OVERFLOW_IDLE: Duration = Duration::from_millis(500);
pub(super) const OVERFLOW_LIFETIME: Duration = Duration::from_secs(2);

/// Descriptors left for what is not a connection (listeners, state files, the runtime).
const SPARE_DESCRIPTORS: u64 = 64;

/// What a connection past every cap is told before it is closed, without a task of its own.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json; charset=utf-8\r\n\
retry-after: 1\r\n\
x-mock-reason: server.connections\r\n\
connection: close\r\n\
content-length: 117\r\n\r\n\
{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"The server is serving as many connections as it may. Retry later.\"}}";

/// Raises the soft limit on open descriptors to the hard limit, and gives the soft limit now
/// (`None` where it cannot be read).
pub(super) fn raise_descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            let raised = Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            };
            if let Err(e) = setrlimit(Resource::Nofile, raised) {
                tracing::debug!(error = %e, "the descriptor limit could not be raised");
            }
        }
        // `None` in a field means no limit.
        Some(getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connections served at once and those past them served for health: `asked`
/// (`--max-connections`), less what the descriptor limit leaves room for (each connection is
/// one descriptor; the overflow and a few spare ones set aside).
pub(super) fn connection_caps(asked: u32, descriptors: Option<u64>) -> (usize, usize) {
    let room = descriptors.map_or(u64::MAX, |limit| limit.saturating_sub(SPARE_DESCRIPTORS));
    let overflow = (room / 4).clamp(OVERFLOW_MIN, OVERFLOW_MAX);
    let cap = u64::from(asked).min(room.saturating_sub(overflow)).max(1);
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    (size(cap), size(overflow))
}

/// A connection's place, under the cap or past it (served for health only, briefly); given
/// back when dropped.
#[derive(Debug)]
pub(super) struct Place {
    _held: OwnedSemaphorePermit,
    /// Past the cap: the connection is answered for `/_mock/health` only.
    pub(super) health_only: bool,
}

/// The places of connections: the cap, then the overflow.
#[derive(Debug, Clone)]
pub(super) struct Places {
    served: Arc<Semaphore>,
    health: Arc<Semaphore>,
}

impl Places {
    pub(super) fn new((cap, overflow): (usize, usize)) -> Self {
        Self {
            served: Arc::new(Semaphore::new(cap)),
            health: Arc::new(Semaphore::new(overflow)),
        }
    }

    /// The place of a new connection, if one is left; it keeps it until dropped.
    pub(super) fn take(&self) -> Option<Place> {
        if let Ok(held) = Arc::clone(&self.served).try_acquire_owned() {
            return Some(Place {
                _held: held,
                health_only: false,
            });
        }
        let held = Arc::clone(&self.health).try_acquire_owned().ok()?;
        Some(Place {
            _held: held,
            health_only: true,
        })
    }
}

/// The answer to a request, other than for health, on a connection past the cap.
pub(super) fn busy_response() -> axum::response::Response {
    let body = REFUSED
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(&REFUSED[..0], |at| &REFUSED[at + 4..]);
    axum::response::Response::builder()
        .status(axum::http::StatusCode::SERVICE_UNAVAILABLE)
        .header("content-type", "application/json; charset=utf-8")
        .header("retry-after", "1")
        .header("x-mock-reason", "server.connections")
        .header("connection", "close")
        .body(axum::body::Body::from(body))
        .unwrap_or_default()
}

/// Tells `stream` the server is full and closes it: one write that cannot wait (a new
/// connection's send buffer is empty), no task.
pub(super) fn refuse(stream: TcpStream) {
    let _ = stream.try_write(REFUSED);
}

/// Accept errors (out of descriptors and the like): the first of a burst logged, the rest
/// counted, and the loop waiting longer after each (10 ms doubling to 1 s) rather than
/// spinning; the end of the burst logged with its count.
#[derive(Debug, Default)]
pub(super) struct AcceptErrors {
    in_a_row: u32,
}

impl AcceptErrors {
    /// How long to wait after `error`.
    pub(super) fn failed(&mut self, error: &io::Error) -> Duration {
        if self.in_a_row == 0 {
            tracing::warn!(error = %error, "accept failed; until it succeeds again, failures are counted, not logged");
        }
        self.in_a_row = self.in_a_row.saturating_add(1);
        let exponent = (self.in_a_row - 1).min(7);
        Duration::from_millis(10 << exponent).min(Duration::from_secs(1))
    }

    pub(super) fn succeeded(&mut self) {
        if self.in_a_row > 0 {
            tracing::warn!(failures = self.in_a_row, "accepting again");
            self.in_a_row = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caps_stay_below_the_descriptor_limit() {
        assert_eq!(connection_caps(1024, Some(20_000)), (1024, 4096));
        assert_eq!(connection_caps(1024, Some(1024)), (720, 240));
        assert_eq!(connection_caps(1024, None), (1024, 4096));
        assert_eq!(connection_caps(1024, Some(10)), (1, 16));
    }

    #[test]
    fn the_refusal_is_a_whole_http_answer() {
        let text = std::str::from_utf8(REFUSED).expect("text");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length: "))
            .and_then(|n| n.parse().ok())
            .expect("a length");
        assert_eq!(body.len(), length);
        let body: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(body["error"]["code"], "ServiceUnavailable");
    }

    #[test]
    fn places_past_the_cap_are_for_health_then_refused() {
        let places = Places::new((2, 3));
        let taken: Vec<Option<Place>> = (0..6).map(|_| places.take()).collect();
        let health_only = |place: &Option<Place>| place.as_ref().map(|p| p.health_only);
        assert_eq!(health_only(&taken[0]), Some(false));
        assert_eq!(health_only(&taken[1]), Some(false));
        assert_eq!(health_only(&taken[2]), Some(true));
        assert_eq!(health_only(&taken[4]), Some(true));
        assert_eq!(health_only(&taken[5]), None);
        drop(taken);
        assert_eq!(health_only(&places.take()), Some(false));
    }

    #[test]
    fn accept_errors_back_off_to_a_second() {
        let mut errors = AcceptErrors::default();
        let error = io::Error::other("EMFILE");
        let waits: Vec<Duration> = (0..10).map(|_| errors.failed(&error)).collect();
        assert_eq!(waits[0], Duration::from_millis(10));
        assert_eq!(waits[1], Duration::from_millis(20));
        assert_eq!(waits[9], Duration::from_secs(1));
        errors.succeeded();
        assert_eq!(errors.failed(&error), Duration::from_millis(10));
    }
}
