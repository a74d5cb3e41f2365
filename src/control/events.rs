//! `GET /_mock/events`: the world's domain events as server-sent events (docs/events.md), each
//! with its sequence number as its id, so a client resumes with `Last-Event-ID`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream;

use crate::state::events::{Event, REQUEST_ANSWERED};
use crate::state::{AppState, InWorld, Watch};

use super::docs::ControlAuth;
use super::error::{ControlError, Result, decimal, not_ahead, sequence_number};

/// The longest a stream sleeps without looking again.
const MAX_TICK: Duration = Duration::from_secs(1);

/// The longest `timeoutMs` a stream takes: five minutes, as a wait.
const MAX_TIMEOUT_MS: u64 = 300_000;

/// What one stream holds: a cursor and the events fetched but not yet sent — at most what the
/// world keeps, whatever the client's speed.
pub(crate) struct Reader {
    state: AppState,
    watch: Watch,
    cursor: u64,
    pending: VecDeque<Arc<Event>>,
    done: bool,
    /// When the stream ends (`timeoutMs`); `None`: when the client goes.
    deadline: Option<Instant>,
    /// Whether it sends `request.answered` events (`?requests=true`).
    requests: bool,
}

/// What a stream sends: an event, or word that events it had not read were dropped (then
/// it ends).
pub(crate) enum Item {
    Event(Arc<Event>),
    Dropped,
}

/// The data of the `dropped` item.
pub(crate) const DROPPED: &str = "the client fell behind: events it had not read were dropped";

impl Reader {
    /// A reader of `state`'s events after `cursor`, ending at `deadline` if one is given.
    pub(crate) fn new(state: AppState, cursor: u64, deadline: Option<Instant>) -> Self {
        Self::with_requests(state, cursor, deadline, false)
    }

    /// As `new`, with a `request.answered` event for every recorded request when `requests`.
    pub(crate) fn with_requests(
        state: AppState,
        cursor: u64,
        deadline: Option<Instant>,
        requests: bool,
    ) -> Self {
        Self {
            requests,
            watch: state.watch(),
            state,
            cursor,
            pending: VecDeque::new(),
            done: false,
            deadline,
        }
    }

    /// The next item to send; `None` ends the stream (after a `dropped` item, when the
    /// client fell further behind than the world keeps).
    pub(crate) async fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Item::Event(event));
            }
            // A deleted world's stream ends, letting go of it.
            if self.done || !self.state.is_current() {
                return None;
            }
            // Past a deadline, one last look at what is kept.
            let left = self
                .deadline
                .map_or(MAX_TICK, |d| d.saturating_duration_since(Instant::now()));
            let state = &self.state;
            let mut fetched = (Vec::new(), false);
            let cursor = self.cursor;
            self.watch
                .next(|| {
                    let now = state.now();
                    let due;
                    (fetched, due) = state.with_world_quietly(|w| {
                        w.events.catch_up(&mut w.journal, &w.store, now);
                        (w.events.after(cursor), w.events.next_due())
                    });
                    if !fetched.0.is_empty() || fetched.1 || left.is_zero() {
                        return None;
                    }
                    // Woken by a change (a request, a clock advance), or just past the end of
                    // the next step of an operation followed, when the clock runs; at least
                    // every second in any case.
                    let tick = match due {
                        Some(due) if !state.clock().is_frozen() => {
                            (due.since(now) + Duration::from_millis(1)).min(MAX_TICK)
                        }
                        _ => MAX_TICK,
                    };
                    Some(tick.min(left))
                })
                .await;
            let (events, lost) = fetched;
            if lost {
                self.done = true;
                return Some(Item::Dropped);
            }
            if let Some(last) = events.last() {
                self.cursor = last.seq;
            }
            let requests = self.requests;
            self.pending.extend(
                events
                    .into_iter()
                    .filter(|event| requests || event.kind != REQUEST_ANSWERED),
            );
            let expired = self.deadline.is_some_and(|d| Instant::now() >= d);
            if self.pending.is_empty() && expired {
                return None;
            }
        }
    }
}

/// `requests`: `true` or `false`.
fn flag(text: &str) -> Result<bool> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ControlError::BadRequest(format!(
            "requests '{text}' is neither true nor false."
        ))),
    }
}

/// `timeoutMs`: a whole number of milliseconds up to five minutes.
fn timeout_ms(text: &str) -> Result<Duration> {
    decimal(text)
        .filter(|ms| *ms <= MAX_TIMEOUT_MS)
        .map(Duration::from_millis)
        .ok_or_else(|| {
            ControlError::BadRequest(format!(
                "timeoutMs '{text}' is not a whole number of milliseconds up to {MAX_TIMEOUT_MS}."
            ))
        })
}

fn sse(item: &Item) -> SseEvent {
    match item {
        Item::Event(event) => SseEvent::default()
            .id(event.seq.to_string())
            .event(event.kind)
            .data(&*event.data),
        Item::Dropped => SseEvent::default().event("dropped").data(DROPPED),
    }
}

/// Where a stream starts: after `since` (refused past the last sequence number given out),
/// or from now.
pub(crate) fn cursor(state: &AppState, since: Option<u64>) -> Result<u64> {
    let last = state.with_world_quietly(|w| w.journal.last_seq());
    match since {
        Some(since) => not_ahead(since, last),
        None => Ok(last),
    }
}

/// `GET /_mock/events`.
#[utoipa::path(
    get,
    path = "/_mock/events",
    tag = "control",
    summary = "The world's domain events, as server-sent events",
    params(
        ("since" = Option<i64>, Query, description = "Send the events after this sequence number (as Last-Event-ID does); default: from now", minimum = 0),
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event read: resume after it", pattern = "^[0-9]+$"),
        ("requests" = Option<bool>, Query, description = "Also send a request.answered event for every recorded /api request (the console's live journal); default false"),
        ("timeoutMs" = Option<u64>, Query, description = "End the stream after this many milliseconds (at most 300 000; 0: send what is kept and end); default: the stream lasts until the client goes", minimum = 0, maximum = 300_000),
    ),
    responses(
        (status = 200, description = "An event stream (text/event-stream)", content_type = "text/event-stream", body = String),
        (status = 400, description = "since or Last-Event-ID is not a sequence number or is past the last one; timeoutMs is not a whole number up to 300 000", body = super::docs::ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_events(
    InWorld(state): InWorld,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let mut since = None;
    let mut timeout = None;
    let mut requests = false;
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "since" => since = Some(sequence_number("since", &value)?),
            "timeoutMs" => timeout = Some(timeout_ms(&value)?),
            "requests" => requests = flag(&value)?,
            _ => {}
        }
    }
    if let Some(id) = headers.get("last-event-id") {
        let text = String::from_utf8_lossy(id.as_bytes());
        since = Some(sequence_number("Last-Event-ID", &text)?);
    }
    let cursor = cursor(&state, since)?;
    let deadline = timeout.map(|t| Instant::now() + t);
    let reader = Reader::with_requests(state, cursor, deadline, requests);
    let events = stream::unfold(reader, |mut reader| async move {
        let item = reader.next().await?;
        Some((Ok::<_, Infallible>(sse(&item)), reader))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}
