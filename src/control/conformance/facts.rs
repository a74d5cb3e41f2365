//! What the rules read: the journal's requests, oldest first, each with what it aimed at (an
//! operation, an offer's status page…) and, for a read of an operation, that operation's
//! status when it was read — worked out once per report from the journal and the store.

use std::time::Duration;

use axum::body::Bytes;
use percent_encoding::percent_decode_str;

use crate::domain::{Operation, OperationId, OperationKey, OperationStatus, Store, Timestamp};
use crate::state::journal::Entry;

/// What a request aimed at, from its method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A read of one operation, by the name in its path (a GUID or a `$` key, decoded and in
    /// lower case).
    Operation(String),
    /// A read of an offer's status page, or of its operations (`…/operations`,
    /// `…/submissions`): `publisher/offer`, in lower case.
    OfferProgress(String),
    /// A PUT of an offer: `publisher/offer`, in lower case.
    OfferPut(String),
    Other,
}

/// One journaled request as the rules read it.
#[derive(Debug)]
pub(super) struct Request {
    pub(super) seq: u64,
    pub(super) time: Timestamp,
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: Option<String>,
    pub(super) body: Bytes,
    /// `None`: the connection was dropped.
    pub(super) status: Option<u16>,
    pub(super) reason: Option<String>,
    pub(super) target: Target,
    pub(super) if_match: bool,
    /// When a `429`/`503` said the client may try again.
    pub(super) retry_at: Option<Timestamp>,
    pub(super) retry_after: Option<String>,
    /// A PUT that made the offer.
    pub(super) created: bool,
    /// The operation a `202` started (or named): its name, as a read's [`Target`] has it, the
    /// `publisher/offer` of the request, and the path of its `Location` (the world's prefix
    /// left out).
    pub(super) started: Option<Started>,
    /// For a read of an operation the store knows: its status at the read.
    pub(super) seen: Option<OperationStatus>,
}

#[derive(Debug)]
pub(super) struct Started {
    pub(super) name: String,
    pub(super) offer: String,
    pub(super) location: String,
}

impl Request {
    /// Whether `later` asks the same thing again: the same method, path and query.
    pub(super) fn same_call(&self, later: &Request) -> bool {
        self.method == later.method && self.path == later.path && self.query == later.query
    }

    /// Whether its answer was a failure worth a retry: a `5xx`, `408`, `429` or no answer.
    pub(super) fn failed_transiently(&self) -> bool {
        self.status
            .is_none_or(|status| status >= 500 || status == 408 || status == 429)
    }

    /// `METHOD /path`, for sentences.
    pub(super) fn call(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The journal's `entries` (newest first, as it lists them) as the rules read them, oldest
/// first; read without the world's lock ([`note_statuses`] takes it, briefly).
pub(super) fn requests(entries: Vec<Entry>) -> Vec<Request> {
    entries.into_iter().rev().map(request).collect()
}

/// Notes, for each read of an operation `store` knows, its status when it was read (operations
/// that advance by polls left out: their status follows reads, not time).
pub(super) fn note_statuses(requests: &mut [Request], store: &Store) {
    for request in requests {
        if let Target::Operation(name) = &request.target {
            request.seen = operation_named(store, name)
                .filter(|op| op.polls().is_none())
                .map(|op| op.status_at(request.time));
        }
    }
}

/// The operation `name` (a GUID or a `$` key) names in `store`.
pub(super) fn operation_named<'a>(store: &'a Store, name: &str) -> Option<&'a Operation> {
    match OperationId::parse(name) {
        Ok(id) => store.find_operation(id),
        Err(_) => store.find_by_key(&OperationKey::parse(name).ok()?),
    }
}

fn request(entry: Entry) -> Request {
    let Entry { request: r, answer } = entry;
    let method = r.method.as_str().to_owned();
    let path = r.path().to_owned();
    let target = target_of(&method, &path);
    let started = answer.operation_id().and_then(|id| {
        let location = answer.location()?;
        let location = location.split('?').next().unwrap_or(location);
        let location = location
            .find("/api/")
            .map_or(location, |at| &location[at..]);
        Some(Started {
            name: decoded(id),
            offer: offer_of(&path)?,
            location: location.to_owned(),
        })
    });
    let retry_after = answer.retry_after.as_deref().map(str::to_owned);
    Request {
        seq: r.seq,
        time: r.time,
        query: r.query().map(str::to_owned),
        body: r.body.clone(),
        status: r.status,
        reason: answer.reason().map(str::to_owned),
        if_match: r
            .headers()
            .any(|(name, _)| name.eq_ignore_ascii_case(b"if-match")),
        retry_at: retry_after.as_deref().and_then(|v| retry_at(r.time, v)),
        retry_after,
        created: answer.created,
        started,
        seen: None,
        method,
        path,
        target,
    }
}

/// When `Retry-After: value`, answered at `at`, lets the client try again: after so many
/// seconds, or at an HTTP date (read on the mock's clock).
fn retry_at(at: Timestamp, value: &str) -> Option<Timestamp> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(at.plus(Duration::from_secs(seconds)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    let nanos = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some(Timestamp::from_unix_nanos(u64::try_from(nanos).ok()?))
}

/// The segments of `path`, empty ones (a trailing slash) left out.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// A path segment decoded, in lower case.
fn decoded(segment: &str) -> String {
    percent_decode_str(segment)
        .decode_utf8_lossy()
        .to_ascii_lowercase()
}

/// `publisher/offer` of a path under `/api/publishers/{p}/offers/{o}`.
fn offer_of(path: &str) -> Option<String> {
    match segments(path).as_slice() {
        ["api", "publishers", publisher, "offers", offer, ..] => {
            Some(format!("{}/{}", decoded(publisher), decoded(offer)))
        }
        _ => None,
    }
}

fn target_of(method: &str, path: &str) -> Target {
    let segments: Vec<String> = segments(path)
        .into_iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let offer = || offer_of(path).unwrap_or_default();
    match (method, segments.as_slice()) {
        ("GET", ["api", "operations", name])
        | ("GET", ["api", "publishers", _, "offers", _, "operations", name])
        | (
            "GET",
            [
                "api",
                "publishers",
                _,
                "offers",
                _,
                "submissions",
                "operations",
                name,
            ],
        ) => Target::Operation(decoded(name)),
        (
            "GET",
            [
                "api",
                "publishers",
                _,
                "offers",
                _,
                "status" | "operations" | "submissions",
            ],
        ) => Target::OfferProgress(offer()),
        ("PUT", ["api", "publishers", _, "offers", _]) => Target::OfferPut(offer()),
        _ => Target::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_told_apart_by_what_they_aim_at() {
        let op = "/api/publishers/Contoso/offers/O/operations/AB%24c/";
        assert_eq!(target_of("GET", op), Target::Operation("ab$c".into()));
        assert_eq!(
            target_of("GET", "/api/operations/contoso$o$2$preview"),
            Target::Operation("contoso$o$2$preview".into())
        );
        assert_eq!(
            target_of("GET", "/api/publishers/c/offers/o/submissions/operations/x"),
            Target::Operation("x".into())
        );
        assert_eq!(
            target_of("GET", "/api/publishers/C/offers/O/status"),
            Target::OfferProgress("c/o".into())
        );
        assert_eq!(
            target_of("PUT", "/api/publishers/c/offers/o"),
            Target::OfferPut("c/o".into())
        );
        assert_eq!(target_of("POST", op), Target::Other);
        assert_eq!(
            target_of("GET", "/api/publishers/c/offers/o"),
            Target::Other
        );
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        let at = Timestamp::from_unix_nanos(1_000_000_000_000_000_000);
        assert_eq!(retry_at(at, " 2 "), Some(at.plus(Duration::from_secs(2))));
        assert_eq!(
            retry_at(at, "Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Timestamp::from_unix_nanos(784_111_777_000_000_000))
        );
        assert_eq!(retry_at(at, "soon"), None);
    }
}
