//! The request journal over HTTP: list (newest first), count, clear.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::state::AppState;
use crate::state::journal::{JournalFilter, RecordedRequest};

use super::docs::{ControlAuth, ControlErrorBody, JournalFilters};
use super::error::{ControlError, Result};
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
    /// `[name, value]` pairs in arrival order.
    headers: Vec<(String, String)>,
    body: String,
    body_truncated: bool,
    /// `null` when the connection was dropped.
    status: Option<u16>,
    publisher: Option<String>,
    offer: Option<String>,
}

impl From<RecordedRequest> for WireRequest {
    fn from(r: RecordedRequest) -> Self {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let (publisher, offer) = r.publisher_and_offer();
        Self {
            seq: r.seq,
            time: r.time.to_string(),
            method: r.method.to_string(),
            path: r.path().to_owned(),
            query: r.query().map(str::to_owned),
            headers: r
                .headers()
                .map(|(name, value)| (text(name), text(value)))
                .collect(),
            body: text(&r.body),
            body_truncated: r.body_truncated,
            status: r.status,
            publisher,
            offer,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Listing {
    pub(crate) count: usize,
    /// Requests dropped to keep the cap since the last clear.
    pub(crate) dropped: u64,
    pub(crate) requests: Vec<WireRequest>,
}

/// Filters from the query: `method`, `pathPrefix`, `publisher`, `offer`, `status`.
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
            other => {
                return Err(ControlError::BadRequest(format!(
                    "'{other}' is not a journal filter: use method, pathPrefix, publisher, offer or status."
                )));
            }
        }
    }
    Ok(filter)
}

pub(crate) fn list(state: &AppState, filter: &JournalFilter) -> Listing {
    let (requests, dropped) = state.with_world(|w| (w.journal.list(filter), w.journal.dropped()));
    Listing {
        count: requests.len(),
        dropped,
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
pub(crate) async fn get_journal(State(state): State<AppState>, uri: Uri) -> Result<Response> {
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
pub(crate) async fn get_count(State(state): State<AppState>, uri: Uri) -> Result<Response> {
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
pub(crate) async fn delete_journal(State(state): State<AppState>) -> Response {
    clear(&state);
    StatusCode::NO_CONTENT.into_response()
}
