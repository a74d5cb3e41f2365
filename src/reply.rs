//! What both HTTP planes share: JSON answers with the content type CPP sends
//! (docs/behaviour.md#response-headers), and the status of each class of domain error.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use crate::config::SuccessStatus;
use crate::domain::{ErrorKind, OperationStatus};
use axum::response::Response;
use serde::Serialize;

/// Why an answer is not a success: a stable reason code (docs/reasons.md).
pub(crate) static X_MOCK_REASON: HeaderName = HeaderName::from_static("x-mock-reason");

const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

/// The code and message the service answered its own failures with (docs/behaviour.md
/// "Errors"): a handler's panic, a fault rule's 500 that names no message.
pub(crate) const INTERNAL_ERROR_CODE: &str = "InternalServerError";
pub(crate) const INTERNAL_ERROR_MESSAGE: &str =
    "We cannot complete the request now, please try again later.";

/// The token of an `Authorization: Bearer <token>` header — the scheme case-insensitive (RFC
/// 7235 §2.1), the token non-empty, spaces around either ignored: the one reading of a bearer
/// token, for the CPP API, the control token and the choice of a world by tenant.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `value` as a JSON body with `Content-Type: application/json; charset=utf-8`.
pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match json_bytes(value) {
        Some(bytes) => json_response(status, Bytes::from(bytes)),
        // Our wire types hold only strings, numbers and lists: serialising them cannot fail,
        // but if it ever did the client gets a CPP-shaped 500 rather than a panic.
        None => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            Bytes::from(format!(
                r#"{{"error":{{"code":"{INTERNAL_ERROR_CODE}","message":"{INTERNAL_ERROR_MESSAGE}"}}}}"#
            )),
        ),
    }
}

/// `value` serialised as JSON; `None` if it cannot be.
pub(crate) fn json_bytes(value: &impl Serialize) -> Option<Vec<u8>> {
    // Most bodies (an operation, an offer) fit in 2 KiB: one allocation, no regrowth.
    let mut bytes = Vec::with_capacity(2048);
    serde_json::to_writer(&mut bytes, value).ok()?;
    Some(bytes)
}

/// A JSON body already serialised, with the CPP content type.
pub(crate) fn json_response(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, JSON_UTF8);
    response
}

/// The first value of the non-standard header `name`, if there is one. Most requests have
/// none, and a lookup would hash the name first: a walk over a request's few names, most of
/// them standard ones, only compares their kind.
pub(crate) fn custom_header<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Option<&'a HeaderValue> {
    if headers.keys().any(|candidate| candidate == name) {
        headers.get(name)
    } else {
        None
    }
}

/// The HTTP status of a class of domain errors.
pub(crate) fn kind_status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Operation status on the wire; success is spelt as configured (docs/behaviour.md#enumerations).
pub(crate) fn status_str(status: OperationStatus, success: SuccessStatus) -> &'static str {
    match status {
        OperationStatus::Running => "running",
        OperationStatus::Complete => success.as_str(),
        OperationStatus::Failed => "failed",
        OperationStatus::Canceled => "canceled",
    }
}

/// `text` made safe inside HTML text and attribute values (the reports' pages).
pub(crate) fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let token = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            bearer_token(&headers).map(str::to_owned)
        };
        assert_eq!(token("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(token("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(token("BEARER abc").as_deref(), Some("abc"));
        assert_eq!(token("Bearer ").as_deref(), None);
        assert_eq!(token("Basic abc").as_deref(), None);
        assert_eq!(token("Bearer").as_deref(), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
