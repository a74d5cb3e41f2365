//! Starting and canceling long-running operations: publish (E8), go-live (E9), cancel (E10).
//! Each answers with `Location` and `Operation-Location` (docs/behaviour.md#response-headers).

use std::fmt::Write as _;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::config::{CancelMode, OperationLocationStyle};
use crate::domain::{
    self, Cancel, Notify, OperationAddress, SubmissionType, json_terms, json_type,
};
use crate::state::{AppState, InWorld};

use super::caller::Caller;
use super::docs::{
    ApiVersionQuery, CppError, CppErrors, LocationHeaders, MetadataBody, OfferPath, StartErrors,
};
use super::error::{API_VERSION, ApiError, Result};
use super::extract::{Host, Origin, Path, RawBody};

/// The optional body of publish, go-live and cancel: empty (or blank), JSON `null`, or
/// `{"metadata": {"notification-emails": "…"}}` (`MetadataBody` in the document); other keys
/// are ignored, as the service did.
fn parse_notify(body: &[u8]) -> Result<Notify> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Notify::default());
    }
    let bad = |message: String| Err(ApiError::BadRequest("body.invalid", message));
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(
            "body.invalid-json",
            format!("The request body is not valid JSON: {}.", json_terms(&e)),
        )
    })?;
    let metadata = match &value {
        Value::Null => return Ok(Notify::default()),
        Value::Object(fields) => fields.get("metadata"),
        other => {
            return bad(format!(
                "The request body must be a JSON object such as {{\"metadata\": {{\"notification-emails\": \"a@example.com\"}}}}, or empty; it is {}.",
                json_type(other)
            ));
        }
    };
    let emails = match metadata {
        None | Some(Value::Null) => None,
        Some(Value::Object(fields)) => fields.get("notification-emails"),
        Some(other) => {
            return bad(format!(
                "'metadata' must be an object, not {}.",
                json_type(other)
            ));
        }
    };
    let notification_emails = match emails {
        None | Some(Value::Null) => None,
        Some(Value::String(emails)) => Some(emails.clone()),
        Some(other) => {
            return bad(format!(
                "'metadata.notification-emails' must be a string of comma-separated addresses, not {}.",
                json_type(other)
            ));
        }
    };
    Ok(Notify {
        notification_emails,
    })
}

/// Starts a publish or a go-live and answers `202` with the headers that lead to it. Finds the
/// offer (404), then checks the body (400), then starts the operation: the order of checks
/// (docs/behaviour.md "Order of checks"), under one lock so racing requests start one
/// operation.
fn start_operation(
    state: &AppState,
    publisher: &str,
    offer: &str,
    origin: Origin,
    body: &[u8],
    kind: SubmissionType,
) -> Result<Response> {
    let notify = parse_notify(body);
    let now = state.now();
    let address = state.change(|world| {
        let loc = world.store.locate_offer(publisher, offer)?;
        let notify = notify?;
        let started = match kind {
            SubmissionType::Publish => domain::publish(&mut world.store, loc, notify, now),
            SubmissionType::GoLive => domain::go_live(&mut world.store, loc, notify, now),
        };
        Ok::<_, ApiError>(started?)
    })?;
    Ok(with_location(
        state,
        &origin,
        StatusCode::ACCEPTED,
        Some(&address),
    ))
}

/// E8 `POST /api/publishers/{publisherId}/offers/{offerId}/publish`: publishes the draft to
/// preview.
#[utoipa::path(
    post,
    path = "/api/publishers/{publisherId}/offers/{offerId}/publish",
    tag = "cpp",
    summary = "Publish the draft to preview",
    description = "Answers 202 with the address of the new publish, or of the publish of the same draft already running.",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery),
    request_body(content = Option<MetadataBody>, content_type = "application/json", description = "Optional notification e-mails"),
    responses(
        (status = 202, response = LocationHeaders),
        (status = 422, description = "The offer fails validation", body = CppError),
        StartErrors,
        CppErrors,
    )
)]
pub(crate) async fn publish(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
    origin: Origin,
    RawBody(body): RawBody,
) -> Result<Response> {
    start_operation(
        &state,
        &publisher,
        &offer,
        origin,
        &body,
        SubmissionType::Publish,
    )
}

/// E9 `POST /api/publishers/{publisherId}/offers/{offerId}/golive`: pushes the version waiting
/// in preview to production.
#[utoipa::path(
    post,
    path = "/api/publishers/{publisherId}/offers/{offerId}/golive",
    tag = "cpp",
    summary = "Push what waits in preview to production",
    description = "Answers 202 with the address of the new go-live.",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery),
    request_body(content = Option<MetadataBody>, content_type = "application/json", description = "Optional notification e-mails"),
    responses(
        (status = 202, response = LocationHeaders),
        StartErrors,
        CppErrors,
    )
)]
pub(crate) async fn go_live(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
    origin: Origin,
    RawBody(body): RawBody,
) -> Result<Response> {
    start_operation(
        &state,
        &publisher,
        &offer,
        origin,
        &body,
        SubmissionType::GoLive,
    )
}

/// E10 `POST /api/publishers/{publisherId}/offers/{offerId}/cancel`: cancels the running
/// operation: `202` with its `Location`, canceled after the cancel delay (`cancelRequested`
/// meanwhile), or, in sync cancel mode, `200` and canceled at once; `202` when nothing runs.
#[utoipa::path(
    post,
    path = "/api/publishers/{publisherId}/offers/{offerId}/cancel",
    tag = "cpp",
    summary = "Cancel the running operation",
    description = "Answers 202 with the running operation's address; it says cancelRequested until the cancel delay has passed (at once at time scale 0), then canceled. In sync cancel mode: 200, canceled at once. With nothing running: 202 with the newest operation's address, or none.",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery),
    request_body(content = Option<MetadataBody>, content_type = "application/json", description = "Optional notification e-mails"),
    responses(
        (status = 200, response = LocationHeaders),
        (status = 202, response = LocationHeaders),
        (status = 409, description = "The operation cannot be canceled", body = CppError),
        CppErrors,
    )
)]
pub(crate) async fn cancel(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
    origin: Origin,
    RawBody(body): RawBody,
) -> Result<Response> {
    let notify = parse_notify(&body);
    let synchronous = state.settings().config.cancel_mode == CancelMode::Sync;
    let now = state.now();
    let outcome = state.change(|world| {
        let loc = world.store.locate_offer(&publisher, &offer)?;
        notify?;
        Ok::<_, ApiError>(crate::domain::cancel(
            &mut world.store,
            loc,
            now,
            synchronous,
        )?)
    })?;
    let (status, address) = match &outcome {
        Cancel::Done(address) => (StatusCode::OK, Some(address)),
        Cancel::Requested(address) => (StatusCode::ACCEPTED, Some(address)),
        Cancel::NothingRunning(address) => (StatusCode::ACCEPTED, address.as_ref()),
    };
    Ok(with_location(&state, &origin, status, address))
}

/// An empty answer with the headers that lead to the operation, if there is one.
fn with_location(
    state: &AppState,
    origin: &Origin,
    status: StatusCode,
    address: Option<&OperationAddress>,
) -> Response {
    let mut response = status.into_response();
    let Some(address) = address else {
        return response;
    };
    let path = operation_path(origin.prefix.as_deref(), address);
    let settings = state.settings();
    let operation_location = match settings.config.operation_location {
        OperationLocationStyle::Off => None,
        OperationLocationStyle::Relative => Some(path.clone()),
        OperationLocationStyle::Absolute => {
            // Room for any plausible base: one allocation.
            let mut url = String::with_capacity(path.len() + 128);
            match (&origin.host, &settings.config.public_base_url) {
                // Inside TLS the mock terminated, the host the client asked for, as the real
                // service wrote it.
                (Host::Secure(host), _) => {
                    url.push_str("https://");
                    url.push_str(host);
                }
                (Host::Plain(_), Some(base)) => url.push_str(base),
                (Host::Plain(host), None) => {
                    if let Some(host) = host.as_ref().and_then(usable_host) {
                        url.push_str("http://");
                        url.push_str(host);
                    }
                }
            }
            url.push_str(&path);
            Some(url)
        }
    };
    let out = response.headers_mut();
    // Ids are validated slugs and GUIDs, so the values are always valid header text.
    if let Ok(value) = HeaderValue::try_from(path) {
        out.insert(header::LOCATION, value);
    }
    if let Some(Ok(value)) = operation_location.map(HeaderValue::try_from) {
        out.insert(OPERATION_LOCATION.clone(), value);
    }
    response
}

static OPERATION_LOCATION: HeaderName = HeaderName::from_static("operation-location");

/// The `Host` header's text, when it can start an absolute URL: absolute URLs of plain requests
/// are the configured public base URL, else `http://` and this host (behind a TLS proxy of
/// your own, configure the base URL), else the path alone.
fn usable_host(host: &HeaderValue) -> Option<&str> {
    let host = host.to_str().ok()?;
    let plausible = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'?' && b != b'#');
    plausible.then_some(host)
}

/// The host-relative path of an operation, with its api-version
/// (docs/behaviour.md#migrated-and-non-migrated-offers), after the world `prefix` if the
/// request's path began with one.
fn operation_path(prefix: Option<&str>, address: &OperationAddress) -> String {
    let mut path = String::with_capacity(160);
    path.push_str(prefix.unwrap_or_default());
    match address {
        OperationAddress::Migrated {
            publisher,
            offer,
            id,
        } => {
            for part in [
                "/api/publishers/",
                publisher,
                "/offers/",
                offer,
                "/operations/",
                id.hyphenated(&mut uuid::Uuid::encode_buffer()),
            ] {
                path.push_str(part);
            }
        }
        OperationAddress::Keyed(key) => {
            path.push_str("/api/operations/");
            // Writing to a String cannot fail.
            let _ = write!(path, "{key}");
        }
    }
    path.push_str("?api-version=");
    path.push_str(API_VERSION);
    path
}
