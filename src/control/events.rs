//! `GET /_mock/events`: the world's domain events as server-sent events (docs/events.md), each
//! with its sequence number as its id, so a client resumes with `Last-Event-ID`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream;

use crate::state::events::Event;
use crate::state::{AppState, Watch};

use super::docs::ControlAuth;
use super::error::{ControlError, Result};

/// The longest a stream sleeps without looking again.
const MAX_TICK: Duration = Duration::from_secs(1);

/// What one stream holds: a cursor and the events fetched but not yet sent — at most what the
/// world keeps, whatever the client's speed.
struct Reader {
    state: AppState,
    watch: Watch,
    cursor: u64,
    pending: VecDeque<Arc<Event>>,
    done: bool,
}

impl Reader {
    /// The next event to send; `None` ends the stream (after a `dropped` event, when the
    /// client fell further behind than the world keeps).
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(sse(&event));
            }
            // A deleted world's stream ends, letting go of it.
            if self.done || !self.state.is_current() {
                return None;
            }
            let state = &self.state;
            let mut fetched = (Vec::new(), false);
            let cursor = self.cursor;
            self.watch
                .next(|| {
                    let now = state.now();
                    let due;
                    (fetched, due) = state.with_world_quietly(|w| {
                        w.catch_up_events(now);
                        (w.events.after(cursor), w.events.next_due())
                    });
                    if !fetched.0.is_empty() || fetched.1 {
                        return None;
                    }
                    // Woken by a change (a request, a clock advance), or just past the end of
                    // the next step of an operation followed, when the clock runs; at least
                    // every second in any case.
                    Some(match due {
                        Some(due) if !state.clock().is_frozen() => {
                            (due.since(now) + Duration::from_millis(1)).min(MAX_TICK)
                        }
                        _ => MAX_TICK,
                    })
                })
                .await;
            let (events, lost) = fetched;
            if lost {
                self.done = true;
                return Some(
                    SseEvent::default()
                        .event("dropped")
                        .data("the client fell behind: events it had not read were dropped"),
                );
            }
            if let Some(last) = events.last() {
                self.cursor = last.seq;
            }
            self.pending.extend(events);
        }
    }
}

fn sse(event: &Event) -> SseEvent {
    SseEvent::default()
        .id(event.seq.to_string())
        .event(event.kind)
        .data(&*event.data)
}

/// `GET /_mock/events`.
#[utoipa::path(
    get,
    path = "/_mock/events",
    tag = "control",
    summary = "The world's domain events, as server-sent events",
    params(
        ("since" = Option<i64>, Query, description = "Send the events after this sequence number (as Last-Event-ID does); default: from now", minimum = 0),
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event read: resume after it"),
    ),
    responses(
        (status = 200, description = "An event stream (text/event-stream)", content_type = "text/event-stream", body = String),
        (status = 400, description = "since or Last-Event-ID is not a sequence number", body = super::docs::ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let given = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("x").to_owned())
        .or_else(|| {
            form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                .find(|(key, _)| key == "since")
                .map(|(_, value)| value.into_owned())
        });
    let cursor = match given {
        Some(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| {
                ControlError::BadRequest(format!(
                    "'{text}' is not a sequence number (a whole number ≥ 0)."
                ))
            })?,
        None => state.with_world_quietly(|w| w.journal.last_seq()),
    };
    let reader = Reader {
        watch: state.watch(),
        state,
        cursor,
        pending: VecDeque::new(),
        done: false,
    };
    let events = stream::unfold(reader, |mut reader| async move {
        let event = reader.next().await?;
        Some((Ok::<_, Infallible>(event), reader))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}
