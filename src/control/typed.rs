//! What [`Control`](super::Control) takes and hands back: the control plane's JSON as Rust
//! types with named fields, the same shapes the `/_mock` endpoints write (each is read back
//! from that JSON, so the two cannot differ), and the builder of a wait (a fault rule's is in
//! `fault_rule.rs`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::fault_rule::Fault;

/// One recorded `/api` request with what was answered (`GET /_mock/journal`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JournalEntry {
    /// Arrival order, from 1 (the sequence `since` filters and events share).
    pub seq: u64,
    /// When it arrived, on the mock's clock (RFC 3339).
    pub time: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Whether the target was longer than the 4 KiB kept.
    pub target_truncated: bool,
    /// `(name, value)` in arrival order, credentials redacted.
    pub headers: Vec<(String, String)>,
    pub headers_truncated: bool,
    pub body: String,
    pub body_truncated: bool,
    /// `None` when the connection was dropped.
    pub status: Option<u16>,
    pub publisher: Option<String>,
    pub offer: Option<String>,
    pub request_id: Option<String>,
    /// The CPP error answered, if the answer was one.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The `Location` answered (an operation a 202 started), and that operation's id.
    pub location: Option<String>,
    pub operation_id: Option<String>,
    /// The fault rule that answered or delayed it.
    pub fault_rule: Option<String>,
    /// Why the answer was not a success (`x-mock-reason`, docs/reasons.md).
    pub reason: Option<String>,
}

impl JournalEntry {
    /// The last value of header `name` (any case), as recorded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One operation of `GET /_mock/operations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OperationSummary {
    pub id: String,
    pub publisher: String,
    pub offer: String,
    /// `publish` or `goLive`.
    #[serde(rename = "type")]
    pub kind: String,
    /// As the CPP API would answer it now: `running`, `complete` (or the success status
    /// set), `failed`, `canceled`.
    pub status: String,
    pub publishing_version: u32,
    pub created: String,
}

/// `GET /_mock/health`: what the world holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Health {
    pub status: String,
    pub ready: bool,
    pub version: String,
    pub publishers: usize,
    pub offers: usize,
    pub operations: usize,
    pub fault_rules: usize,
}

/// `GET /_mock/conformance`: how the client behaved, per client rule (docs/conformance.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Conformance {
    pub world: String,
    pub requests: usize,
    /// Whether every request so far was judged (none dropped by the journal).
    pub complete: bool,
    pub poll_interval_ms: u64,
    pub rules: Vec<ConformanceRule>,
}

/// One client rule of a [`Conformance`] report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConformanceRule {
    /// A stable id, e.g. `client.poll-too-fast`.
    pub id: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub statement: String,
    pub evidence: String,
    /// `passed`, `violated` or `notExercised`.
    pub status: String,
    pub violations: Vec<ConformanceViolation>,
}

/// A breach of a rule: the journal's sequence numbers that show it, and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ConformanceViolation {
    pub seqs: Vec<u64>,
    pub sentence: String,
}

impl Conformance {
    /// The rule `id`, if the report has it.
    pub fn rule(&self, id: &str) -> Option<&ConformanceRule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// The violated rules whose severity is `severity` or higher (`info` < `warning` <
    /// `error`).
    pub fn violated_at_least(&self, severity: &str) -> Vec<&ConformanceRule> {
        let rank = |s: &str| ["info", "warning", "error"].iter().position(|r| *r == s);
        let floor = rank(severity).unwrap_or(0);
        self.rules
            .iter()
            .filter(|rule| rule.status == "violated" && rank(&rule.severity) >= Some(floor))
            .collect()
    }
}

/// One world of `GET /_mock/worlds`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorldSummary {
    pub name: String,
    /// The tenant whose tokens (issued by the mock) select this world.
    pub tenant_id: Option<String>,
    pub publishers: usize,
    pub offers: usize,
    pub operations: usize,
    /// Requests in its journal.
    pub journal: usize,
    pub clock_offset_seconds: f64,
}

/// A fault rule in force (`GET /_mock/faults`): its id, where it came from, its counters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FaultRule {
    /// `f1`, `f2`…: what [`Control::remove_fault`](super::Control::remove_fault) takes.
    pub id: String,
    /// `fixture` or `control`.
    pub source: String,
    pub fired: u64,
    /// Firings left, for a rule with `times`.
    pub remaining: Option<u32>,
    pub rule: Fault,
}

/// A condition to wait for with [`Control::wait`](super::Control::wait) (`POST
/// /_mock/wait`, docs/wait.md), and how long at most (10 s unless set).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Wait {
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<OperationCondition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requests: Option<RequestsCondition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offer: Option<OfferCondition>,
    timeout_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct OperationCondition {
    id: String,
    status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestsCondition {
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<u64>,
    count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct OfferCondition {
    publisher: String,
    offer: String,
    status: String,
}

impl Wait {
    fn of() -> Self {
        Self {
            operation: None,
            requests: None,
            offer: None,
            timeout_ms: 10_000,
        }
    }

    /// Operation `id` reaches `status`: `running`, `complete`, `failed`, `canceled`, or
    /// `ended` (any of the last three).
    pub fn operation(id: &str, status: &str) -> Self {
        Self {
            operation: Some(OperationCondition {
                id: id.to_owned(),
                status: status.to_owned(),
            }),
            ..Self::of()
        }
    }

    /// At least `count` journaled `/api` requests (narrowed with
    /// [`method`](Self::method), [`path_prefix`](Self::path_prefix), [`since`](Self::since)).
    pub fn requests(count: u32) -> Self {
        Self {
            requests: Some(RequestsCondition {
                method: None,
                path_prefix: None,
                since: None,
                count,
            }),
            ..Self::of()
        }
    }

    /// Only requests with this method (a [`requests`](Self::requests) wait).
    pub fn method(mut self, method: &str) -> Self {
        if let Some(requests) = &mut self.requests {
            requests.method = Some(method.to_owned());
        }
        self
    }

    /// Only requests whose path starts so (a [`requests`](Self::requests) wait).
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        if let Some(requests) = &mut self.requests {
            requests.path_prefix = Some(prefix.to_owned());
        }
        self
    }

    /// Only requests after sequence number `seq` (a [`requests`](Self::requests) wait).
    pub fn since(mut self, seq: u64) -> Self {
        if let Some(requests) = &mut self.requests {
            requests.since = Some(seq);
        }
        self
    }

    /// An offer reaches `status`: `neverPublished`, `running`, `succeeded`, `canceled`,
    /// `failed`.
    pub fn offer(publisher: &str, offer: &str, status: &str) -> Self {
        Self {
            offer: Some(OfferCondition {
                publisher: publisher.to_owned(),
                offer: offer.to_owned(),
                status: status.to_owned(),
            }),
            ..Self::of()
        }
    }

    /// Waits this long at most (whole milliseconds; at most five minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self
    }
}

/// How a [`Wait`] ended.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Waited {
    /// Whether the condition held (`false`: the timeout passed first).
    pub met: bool,
    /// What was seen last: `{"status": …}` or `{"count": …}`.
    pub seen: serde_json::Value,
    pub waited_ms: u64,
}

/// One item of [`Control::events`](super::Control::events): a domain event as `GET
/// /_mock/events` sends it (docs/events.md), or `dropped` (no id) when the stream fell
/// further behind than the world keeps, after which it ends.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// Its number in the sequence the journal's `seq` belongs to; `None` for `dropped`.
    pub id: Option<u64>,
    /// `offer.written`, `operation.started`, `step.started`, `step.finished`,
    /// `operation.ended`, `fault.fired`, or `dropped`.
    pub kind: String,
    pub data: serde_json::Value,
}

/// The world's events as they happen, from [`Control::events`](super::Control::events): a
/// `futures` `Stream`, or [`next`](Self::next) in a loop. Dropping it ends the stream.
#[derive(Debug)]
pub struct EventStream {
    pub(super) events: tokio::sync::mpsc::Receiver<Event>,
}

impl EventStream {
    /// The next event; `None` once the stream ended (the world was deleted, the server
    /// stopped, or it fell behind).
    pub async fn next(&mut self) -> Option<Event> {
        self.events.recv().await
    }
}

impl futures_util::Stream for EventStream {
    type Item = Event;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Event>> {
        self.events.poll_recv(cx)
    }
}

/// `value` (one of the control plane's wire types) as the public type `T` with the same JSON.
pub(super) fn retyped<T: serde::de::DeserializeOwned>(
    value: &impl Serialize,
) -> Result<T, serde_json::Error> {
    serde_json::to_value(value).and_then(serde_json::from_value)
}
