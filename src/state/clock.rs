//! `Clock`: the only reader of system time — wall time plus an offset the control plane can
//! move forward; the domain receives `now` from here, log lines the wall time alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::domain::Timestamp;

/// Nanoseconds since the Unix epoch by the system's clock, without the offset.
pub(crate) fn wall_nanos() -> u64 {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX)
}

#[derive(Debug, Default)]
pub(crate) struct Clock {
    /// Nanoseconds added to the wall time. Advances only add to it, so `now()` goes back only
    /// when a reset returns it to zero (the wall time).
    offset: AtomicU64,
    /// `--frozen-clock`: the instant that stands in for the wall time.
    frozen: Option<Timestamp>,
}

impl Clock {
    /// A clock at the wall time, or standing at `frozen`.
    pub(crate) fn new(frozen: Option<Timestamp>) -> Self {
        Self {
            offset: AtomicU64::new(0),
            frozen,
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        let base = match self.frozen {
            Some(frozen) => frozen.unix_nanos(),
            None => wall_nanos(),
        };
        Timestamp::from_unix_nanos(base.saturating_add(self.offset.load(Ordering::Relaxed)))
    }

    /// Whether the clock stands still (`--frozen-clock`).
    pub(crate) fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }

    /// Moves the clock forward by `by`.
    pub(crate) fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(nanos))
            });
    }

    /// How far ahead of the wall time the clock runs.
    pub(crate) fn offset(&self) -> Duration {
        Duration::from_nanos(self.offset.load(Ordering::Relaxed))
    }

    /// Back to the wall time.
    pub(crate) fn reset(&self) {
        self.offset.store(0, Ordering::Relaxed);
    }
}
