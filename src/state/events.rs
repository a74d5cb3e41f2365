//! The world's domain events (docs/events.md): what `GET /_mock/events` streams. They are
//! worked out when a stream asks — from the journal (an offer written, an operation started,
//! a fault rule fired) and from the operations those started, as the clock moves them (a
//! step started or finished, the operation ended) — so requests pay nothing for them. Their
//! ids come from the journal's sequence: one sequence orders requests and events.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::domain::{OperationId, OperationStatus, StepStatus, Store, Timestamp};

use super::journal::{Journal, JournalFilter};

/// How many events a world keeps for streams to read, and the most bytes they may hold
/// together; a stream that falls further behind is dropped.
pub(crate) const EVENTS_KEPT: usize = 10_000;
pub(crate) const EVENTS_BYTES: usize = 2 << 20;
/// The event of every recorded request, sent only to the streams that ask for it
/// (docs/events.md).
pub(crate) const REQUEST_ANSWERED: &str = "request.answered";

/// What an event costs besides its data (its fields, its `Arc`, the deque's slot).
const EVENT_OVERHEAD: usize = 64;

/// One event: its sequence number, its type, its JSON data (rendered once, when it is made).
/// Kept behind an `Arc`: every stream shares the world's events instead of copying them.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) seq: u64,
    pub(crate) kind: &'static str,
    pub(crate) data: Box<str>,
}

impl Event {
    fn new(seq: u64, kind: &'static str, data: &serde_json::Value) -> Self {
        Self {
            seq,
            kind,
            data: data.to_string().into(),
        }
    }

    fn size(&self) -> usize {
        self.data.len() + EVENT_OVERHEAD
    }
}

/// An operation a request started and that has not ended: the step statuses last seen.
#[derive(Debug, Clone)]
struct Open {
    id: OperationId,
    steps: Vec<StepStatus>,
}

#[derive(Debug, Default)]
pub(crate) struct EventLog {
    events: VecDeque<Arc<Event>>,
    /// The bytes `events` hold.
    bytes: usize,
    /// The sequence number of the last event dropped to keep `EVENTS_KEPT` (0: none).
    dropped_up_to: u64,
    /// The journal's sequence number up to which its entries were read.
    read_up_to: u64,
    open: Vec<Open>,
    /// When the next step of an open operation ends, as of the last catch-up.
    next_due: Option<Timestamp>,
}

impl EventLog {
    /// When a step of an operation being followed next ends (or its cancel takes effect),
    /// as of the last catch-up: when a stream has something to look at without a change.
    pub(crate) fn next_due(&self) -> Option<Timestamp> {
        self.next_due
    }

    /// The events after `seq` (shared, not copied), and whether any the stream had not read
    /// were dropped.
    pub(crate) fn after(&self, seq: u64) -> (Vec<Arc<Event>>, bool) {
        let lost = seq < self.dropped_up_to;
        let events = self
            .events
            .iter()
            .filter(|event| event.seq > seq)
            .cloned()
            .collect();
        (events, lost)
    }
}

impl EventLog {
    /// Brings the events up to `now`: the journal's new entries, then the operations' steps.
    pub(crate) fn catch_up(&mut self, journal: &mut Journal, store: &Store, now: Timestamp) {
        let since = JournalFilter {
            since: Some(self.read_up_to),
            ..JournalFilter::default()
        };
        let mut entries = journal.list(&since);
        entries.reverse();
        let mut found = Vec::new();
        for entry in entries {
            let request = &entry.request;
            self.read_up_to = request.seq;
            let (publisher, offer) = request.publisher_and_offer();
            let answered = request.status.unwrap_or(0);
            let event =
                |kind: &'static str, data: serde_json::Value| Event::new(request.seq, kind, &data);
            // Every request, for the streams that ask for them (`?requests=true`).
            found.push(event(
                REQUEST_ANSWERED,
                serde_json::json!({"method": request.method.as_str(), "path": request.path(),
                                   "status": request.status, "reason": entry.answer.reason(),
                                   "errorCode": entry.answer.error_code(),
                                   "publisher": publisher, "offer": offer}),
            ));
            if let Some(rule) = &entry.answer.fault_rule {
                found.push(event(
                    "fault.fired",
                    serde_json::json!({"rule": &**rule, "method": request.method.as_str(),
                                       "path": request.path(), "status": answered}),
                ));
                continue;
            }
            if request.method == "PUT" && matches!(answered, 200 | 201) {
                found.push(event(
                    "offer.written",
                    serde_json::json!({"publisher": publisher, "offer": offer}),
                ));
            }
            let started = entry
                .answer
                .operation_id()
                .and_then(|id| OperationId::parse(id).ok());
            if let (Some(id), 202) = (started, answered) {
                if let Some(operation) = store.find_operation(id) {
                    found.push(event(
                        "operation.started",
                        serde_json::json!({"operationId": id.to_string(), "publisher": publisher,
                                           "offer": offer, "type": operation.kind().as_str()}),
                    ));
                    if !self.open.iter().any(|open| open.id == id) {
                        self.open.push(Open {
                            id,
                            steps: Vec::new(),
                        });
                    }
                }
            }
        }
        for event in found {
            self.push(event);
        }
        self.step_events(journal, store, now);
    }

    /// The steps started and finished, and the operations ended, since last seen.
    fn step_events(&mut self, journal: &mut Journal, store: &Store, now: Timestamp) {
        let mut open = std::mem::take(&mut self.open);
        let mut next_due = None;
        open.retain_mut(|tracked| {
            let Some(operation) = store.find_operation(tracked.id) else {
                return false;
            };
            let snapshot = operation.snapshot(now);
            let id = tracked.id.to_string();
            for (i, step) in snapshot.steps.iter().enumerate() {
                let before = tracked
                    .steps
                    .get(i)
                    .copied()
                    .unwrap_or(StepStatus::NotStarted);
                if before == step.status {
                    continue;
                }
                let name = step.step.id();
                if before == StepStatus::NotStarted && step.status != StepStatus::NotStarted {
                    let seq = journal.take_seq();
                    self.push(Event::new(
                        seq,
                        "step.started",
                        &serde_json::json!({"operationId": id, "step": name}),
                    ));
                }
                if !matches!(step.status, StepStatus::NotStarted | StepStatus::InProgress) {
                    let seq = journal.take_seq();
                    self.push(Event::new(
                        seq,
                        "step.finished",
                        &serde_json::json!({"operationId": id, "step": name,
                                            "status": step.status.as_str()}),
                    ));
                }
            }
            tracked.steps = snapshot.steps.iter().map(|s| s.status).collect();
            if snapshot.status == OperationStatus::Running {
                next_due = Timestamp::earliest(next_due, operation.next_change_after(now));
                return true;
            }
            let seq = journal.take_seq();
            let status = match snapshot.status {
                OperationStatus::Complete => "complete",
                OperationStatus::Failed => "failed",
                OperationStatus::Canceled => "canceled",
                OperationStatus::Running => "running",
            };
            self.push(Event::new(
                seq,
                "operation.ended",
                &serde_json::json!({"operationId": id, "status": status}),
            ));
            false
        });
        self.open = open;
        self.next_due = next_due;
    }
}

impl EventLog {
    /// Keeps `event`, dropping the oldest past `EVENTS_KEPT` or `EVENTS_BYTES`.
    fn push(&mut self, event: Event) {
        let size = event.size();
        while self.events.len() >= EVENTS_KEPT
            || (!self.events.is_empty() && self.bytes + size > EVENTS_BYTES)
        {
            if let Some(dropped) = self.events.pop_front() {
                self.bytes -= dropped.size();
                self.dropped_up_to = dropped.seq;
            }
        }
        self.bytes += size;
        self.events.push_back(Arc::new(event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64) -> Event {
        Event::new(seq, "step.started", &serde_json::Value::Null)
    }

    #[test]
    fn a_reader_is_told_of_a_loss_only_when_events_it_had_not_read_were_dropped() {
        let mut log = EventLog::default();
        // Gaps in the numbers are requests that made no event: nothing is lost.
        for seq in [3, 7, 8] {
            log.push(event(seq));
        }
        let (events, lost) = log.after(0);
        assert_eq!((events.len(), lost), (3, false));
        for seq in 9..(9 + EVENTS_KEPT as u64) {
            log.push(event(seq));
        }
        assert!(log.after(7).1, "3, 7 and 8 were dropped");
        assert!(!log.after(8).1, "read up to the last dropped");
        assert_eq!(log.after(8).0.len(), EVENTS_KEPT);
    }

    #[test]
    fn the_events_kept_hold_at_most_their_bytes_and_are_shared() {
        let mut log = EventLog::default();
        let path = "p".repeat(60_000);
        for seq in 1..=100 {
            log.push(Event::new(
                seq,
                "fault.fired",
                &serde_json::json!({"path": path}),
            ));
        }
        assert!(log.bytes <= EVENTS_BYTES, "{}", log.bytes);
        let (first, lost) = log.after(0);
        assert!(lost, "the oldest were dropped");
        assert!(first.len() < 100 && !first.is_empty());
        let (again, _) = log.after(0);
        assert!(
            Arc::ptr_eq(&first[0], &again[0]),
            "readers share the events"
        );
        assert_eq!(log.after(99).0.len(), 1);
    }
}
