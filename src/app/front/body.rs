//! The front's reading of a request body: whole, within the request timeout (`408`), the
//! body limit (`413`), `--body-bytes-in-flight` (`503`) and the JSON depth the server keeps
//! (`400`).

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::{ApiError, error_response};
use crate::domain::{MAX_JSON_DEPTH, nests_too_deep};
use crate::reply::X_MOCK_REASON;
use crate::state::AppState;

/// Largest request body read: axum's default limit, so handlers see the same.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The whole body, if there is one: `408` (CPP body) when it takes longer than the request
/// timeout to arrive, `413` past `BODY_LIMIT`, `400` when it nests deeper than any JSON
/// document the server keeps (`MAX_JSON_DEPTH`: what was accepted must read back from the
/// state file), whatever the route. A request without a body sets no timer.
pub(super) async fn read_body(state: &AppState, body: Body) -> Result<Bytes, Response> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let limit = state.settings().request_timeout;
    let refused = match tokio::time::timeout(limit, axum::body::to_bytes(body, BODY_LIMIT)).await {
        Ok(Ok(bytes)) if nests_too_deep(&bytes) => {
            // The connection can carry on: the body was read whole.
            return Err(ApiError::BadRequest(
                "body.too-deep",
                format!(
                    "The request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep, more than the service keeps."
                ),
            )
            .into_response());
        }
        Ok(Ok(bytes)) => return Ok(bytes),
        Ok(Err(_)) => ApiError::PayloadTooLarge.into_response(),
        Err(_) => {
            let mut timeout = error_response(
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeout",
                &format!(
                    "The request body took longer than {} s to arrive.",
                    limit.as_secs_f64()
                ),
            );
            timeout.headers_mut().insert(
                X_MOCK_REASON.clone(),
                HeaderValue::from_static("body.timeout"),
            );
            timeout
        }
    };
    // The rest of the body is not read: the connection cannot carry another request, and
    // the client must not send one on it.
    Err(closing(refused))
}

/// The most a body can take of `--body-bytes-in-flight`: its `Content-Length`, or (chunked)
/// the body limit; one byte past the limit at most, which is refused once read.
pub(super) fn declared_size(headers: &axum::http::HeaderMap) -> usize {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(BODY_LIMIT, |length| length.min(BODY_LIMIT + 1))
}

/// `503` with `Retry-After`: the bodies being read already fill `--body-bytes-in-flight`.
pub(super) fn no_room_for_body() -> Response {
    let mut busy = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        "The server is reading as many request bodies as it may hold at once. Retry later.",
    );
    let headers = busy.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(
        X_MOCK_REASON.clone(),
        HeaderValue::from_static("body.no-room"),
    );
    busy
}

/// `response` with `Connection: close`.
pub(super) fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
