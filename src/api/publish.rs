//! Starting long-running operations: go-live (E9). Each answers `202` with `Location` and
//! `Operation-Location` (cpp-api.md §2.4, decision 1).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::config::OperationLocationStyle;
use crate::domain::{GoLiveRequest, OperationAddress, go_live as start_go_live};
use crate::state::AppState;

use super::error::{API_VERSION, ApiError, Result};
use super::extract::{Path, RawBody};

/// The optional body of publish, go-live and cancel: `{"metadata": {"notification-emails": "…"}}`.
#[derive(Debug, Default, Deserialize)]
struct MetadataBody {
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    #[serde(rename = "notification-emails", default)]
    notification_emails: Option<String>,
}

/// An empty (or blank) body is no body; anything else must be the JSON object above.
fn parse_metadata(body: &[u8]) -> Result<MetadataBody> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(MetadataBody::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The request body is not valid: {e}.")))
}

/// E9 `POST /api/publishers/{publisherId}/offers/{offerId}/golive`: pushes the version waiting
/// in preview to production.
pub(crate) async fn go_live(
    State(state): State<AppState>,
    Path((publisher, offer)): Path<(String, String)>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response> {
    let body = parse_metadata(&body);
    let now = state.now();
    let started = state.with_world(|world| {
        let loc = world.store.locate_offer(&publisher, &offer)?;
        let request = GoLiveRequest {
            notification_emails: body?.metadata.and_then(|m| m.notification_emails),
        };
        Ok::<_, ApiError>(start_go_live(&mut world.store, loc, request, now)?)
    })?;
    Ok(accepted(&state, &headers, &started))
}

/// `202 Accepted`, empty body, with the headers that lead to the operation.
fn accepted(state: &AppState, headers: &HeaderMap, address: &OperationAddress) -> Response {
    let path = operation_path(address);
    let mut response = StatusCode::ACCEPTED.into_response();
    let settings = state.settings();
    let operation_location = match settings.operation_location {
        OperationLocationStyle::Off => None,
        OperationLocationStyle::Relative => Some(path.clone()),
        OperationLocationStyle::Absolute => Some(
            match public_base(settings.public_base_url.as_deref(), headers) {
                Some(base) => format!("{base}{path}"),
                None => path.clone(),
            },
        ),
    };
    let out = response.headers_mut();
    // Ids are validated slugs and GUIDs, so the values are always valid header text.
    if let Ok(value) = HeaderValue::try_from(path) {
        out.insert(header::LOCATION, value);
    }
    if let Some(Ok(value)) = operation_location.map(HeaderValue::try_from) {
        out.insert("operation-location", value);
    }
    response
}

/// The base of absolute URLs: the configured public base URL, else `http://` and the
/// request's `Host` (the mock serves plain HTTP; behind TLS, configure the base URL).
fn public_base(configured: Option<&str>, headers: &HeaderMap) -> Option<String> {
    if let Some(base) = configured {
        return Some(base.to_owned());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plausible = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'?' && b != b'#');
    plausible.then(|| format!("http://{host}"))
}

/// The host-relative path of an operation, with its api-version (cpp-api.md §2.8).
pub(crate) fn operation_path(address: &OperationAddress) -> String {
    match address {
        OperationAddress::Migrated {
            publisher,
            offer,
            id,
        } => {
            format!(
                "/api/publishers/{publisher}/offers/{offer}/operations/{id}?api-version={API_VERSION}"
            )
        }
        OperationAddress::Keyed(key) => format!("/api/operations/{key}?api-version={API_VERSION}"),
    }
}
