//! The request journal over HTTP: list (newest first), count, clear.

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::state::journal::{Entry, JournalFilter};
use crate::state::{AppState, InWorld};

use super::docs::{ControlAuth, ControlErrorBody, JournalFilters};
use super::error::{ControlError, Result, sequence_number};
use crate::reply::json;

/// A recorded request on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireRequest {
    seq: u64,
    time: String,
    method: String,
    path: String,
    query: Option<String>,
    /// Whether the target (path and query) was longer than the 4 KiB kept.
    target_truncated: bool,
    /// `[name, value]` pairs in arrival order, credentials redacted.
    headers: Vec<(String, String)>,
    /// Whether a value was longer than the 1 KiB kept, or headers past 16 KiB were left out.
    headers_truncated: bool,
    body: String,
    body_truncated: bool,
    /// `null` when the connection was dropped.
    status: Option<u16>,
    publisher: Option<String>,
    offer: Option<String>,
    /// The request's `x-request-id`: the client's, or the one the mock answered with.
    request_id: Option<String>,
    /// The CPP error code and message answered, if the answer was an error.
    error_code: Option<String>,
    error_message: Option<String>,
    /// The `Location` answered (an operation a 202 started), and the operation's id.
    location: Option<String>,
    operation_id: Option<String>,
    /// The fault rule that answered or delayed the request.
    fault_rule: Option<String>,
    /// Why the answer was not a success: its `x-mock-reason` (docs/reasons.md).
    reason: Option<String>,
}

impl From<Entry> for WireRequest {
    fn from(Entry { request: r, answer }: Entry) -> Self {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let (publisher, offer) = r.publisher_and_offer();
        let error = answer.error.as_deref();
        Self {
            seq: r.seq,
            time: r.time.to_string(),
            method: r.method.to_string(),
            path: r.path().to_owned(),
            query: r.query().map(str::to_owned),
            target_truncated: r.target_truncated,
            headers: r
                .headers()
                .map(|(name, value)| (text(name), text(value)))
                .collect(),
            headers_truncated: r.headers_truncated,
            body: text(&r.body),
            body_truncated: r.body_truncated,
            status: r.status,
            publisher,
            offer,
            request_id: r.request_id().map(text),
            error_code: error.map(|e| e.code.to_string()),
            error_message: error.map(|e| e.message.to_string()),
            location: answer.location().map(str::to_owned),
            operation_id: answer.operation_id().map(str::to_owned),
            fault_rule: answer.fault_rule.as_deref().map(str::to_owned),
            reason: answer.reason().map(str::to_owned),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Listing {
    pub(crate) count: usize,
    /// Requests dropped to keep the cap (in entries or in bytes) since the last clear.
    pub(crate) dropped: u64,
    /// The bytes the journal holds, of the `--journal-bytes` it may.
    pub(crate) bytes: usize,
    /// The sequence number of the last request recorded (0: none yet): pass it as `since` to
    /// list only what comes after.
    pub(crate) last_seq: u64,
    pub(crate) requests: Vec<WireRequest>,
}

/// Filters from the query: `method`, `pathPrefix`, `publisher`, `offer`, `status`,
/// `requestId`, `errorCode`, `since`.
pub(crate) fn filter_from_query(query: &str) -> Result<JournalFilter> {
    let mut filter = JournalFilter::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "method" => filter.method = Some(value),
            "pathPrefix" => filter.path_prefix = Some(value),
            "publisher" => filter.publisher = Some(value),
            "offer" => filter.offer = Some(value),
            "status" => {
                let status = value
                    .parse::<u16>()
                    .ok()
                    .filter(|s| (100..=599).contains(s))
                    .ok_or_else(|| {
                        ControlError::BadRequest(format!(
                            "status '{value}' is not an HTTP status (100-599)."
                        ))
                    })?;
                filter.status = Some(status);
            }
            "requestId" => filter.request_id = Some(value),
            "errorCode" => filter.error_code = Some(value),
            "since" => filter.since = Some(sequence_number("since", &value)?),
            other => {
                return Err(ControlError::BadRequest(format!(
                    "'{other}' is not a journal filter: use method, pathPrefix, publisher, offer, status, requestId, errorCode or since."
                )));
            }
        }
    }
    Ok(filter)
}

pub(crate) fn list(state: &AppState, filter: &JournalFilter) -> Listing {
    let (requests, dropped, bytes, last_seq) = state.with_world(|w| {
        let journal = &w.journal;
        let listed = journal.list(filter);
        (
            listed,
            journal.dropped(),
            journal.bytes(),
            journal.last_seq(),
        )
    });
    Listing {
        count: requests.len(),
        dropped,
        bytes,
        last_seq,
        requests: requests.into_iter().map(WireRequest::from).collect(),
    }
}

/// `GET /_mock/journal`.
#[utoipa::path(
    get,
    path = "/_mock/journal",
    tag = "control",
    summary = "List recorded requests",
    params(JournalFilters),
    responses(
        (status = 200, description = "Recorded /api requests, newest first", body = Listing),
        (status = 400, description = "An unknown filter", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_journal(InWorld(state): InWorld, uri: Uri) -> Result<Response> {
    let filter = filter_from_query(uri.query().unwrap_or(""))?;
    Ok(json(StatusCode::OK, &list(&state, &filter)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Count {
    count: usize,
}

/// `GET /_mock/journal/count`.
#[utoipa::path(
    get,
    path = "/_mock/journal/count",
    tag = "control",
    summary = "Count recorded requests",
    params(JournalFilters),
    responses(
        (status = 200, description = "How many recorded requests match", body = Count),
        (status = 400, description = "An unknown filter", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_count(InWorld(state): InWorld, uri: Uri) -> Result<Response> {
    let filter = filter_from_query(uri.query().unwrap_or(""))?;
    let count = state.with_world(|w| w.journal.count(&filter));
    Ok(json(StatusCode::OK, &Count { count }))
}

pub(crate) fn clear(state: &AppState) {
    state.with_world(|w| w.journal.clear());
}

/// `DELETE /_mock/journal`.
#[utoipa::path(
    delete,
    path = "/_mock/journal",
    tag = "control",
    summary = "Empty the journal",
    responses(
        (status = 204, description = "Emptied"),
        ControlAuth,
    )
)]
pub(crate) async fn delete_journal(InWorld(state): InWorld) -> Response {
    clear(&state);
    StatusCode::NO_CONTENT.into_response()
}
