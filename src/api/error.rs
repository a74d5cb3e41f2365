//! `ApiError`: the one way the CPP plane answers an error, in the CPP error format
//! `{"error": {"code", "message"}}` (docs/behaviour.md#errors).

use std::sync::{Arc, LazyLock};

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::DomainError;
use crate::reply::{
    INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE, X_MOCK_REASON, json, json_bytes, json_response,
    kind_status,
};
use crate::state::Unsaved;
use crate::state::journal::{AnsweredError, ErrorText};

/// The one api-version this emulator speaks (docs/behaviour.md#url-and-api-version).
pub(crate) const API_VERSION: &str = "2017-10-31";

const DENIED: &str = "Authorization has been denied for this request.";

pub(crate) type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("{DENIED}")]
    Unauthorized {
        /// A token was sent but is not one the fixtures list (strict mode).
        invalid_token: bool,
    },

    /// A token the emulated sign-in issued that does not hold (strict mode): why, for the
    /// `WWW-Authenticate` challenge.
    #[error("{DENIED}")]
    InvalidToken(String),

    #[error(
        "Invalid api version{}. The query parameter 'api-version' is required. Allowed values are [{API_VERSION}].",
        given.as_deref().map(|g| format!(" '{g}'")).unwrap_or_default()
    )]
    InvalidApiVersion { given: Option<String> },

    /// The service's own sentence first (recorded in 2022), then which publisher.
    #[error(
        "User does not have the required permissions: this token is not granted the publisher '{publisher}'."
    )]
    Forbidden { publisher: String },

    /// A request the API refuses, with its reason code (docs/reasons.md) and message.
    #[error("{1}")]
    BadRequest(&'static str, String),

    /// No route: `nearest` names the routes closest to what was asked, if any.
    #[error("No resource matches {method} {path}.{nearest}")]
    NoRoute {
        method: String,
        path: String,
        nearest: String,
    },

    #[error("The method {method} is not allowed on {path}.")]
    MethodNotAllowed { method: String, path: String },

    #[error("The request body is larger than the server accepts.")]
    PayloadTooLarge,

    /// A failure of the server itself (a handler's panic); its detail is logged, not sent.
    #[error("{INTERNAL_ERROR_MESSAGE}")]
    Internal,

    /// The request changed the state, and the change could not be written to the state file
    /// (docs/reliability.md#the-state-file).
    #[error("{}", .0.message())]
    Unsaved(#[from] Unsaved),

    /// An unknown offer's GET as the service answered it in 2022: Partner Center's
    /// `{"Product": …}` body, not the CPP error (docs/behaviour.md#profiles).
    #[error("CPP product {offer} not found in current PC environment.")]
    ProductNotFound { offer: String },

    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl ApiError {
    pub(crate) fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized { .. } | ApiError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            ApiError::InvalidApiVersion { .. } | ApiError::BadRequest(..) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NoRoute { .. } | ApiError::ProductNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal | ApiError::Unsaved(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Domain(e) => kind_status(e.kind()),
        }
    }

    /// The stable reason code (docs/reasons.md), sent in `x-mock-reason`.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            ApiError::Unauthorized {
                invalid_token: false,
            } => "auth.missing-bearer",
            ApiError::Unauthorized {
                invalid_token: true,
            } => "auth.unknown-token",
            ApiError::InvalidToken(_) => "auth.invalid-token",
            ApiError::InvalidApiVersion { given: None } => "api-version.missing",
            ApiError::InvalidApiVersion { given: Some(_) } => "api-version.unsupported",
            ApiError::Forbidden { .. } => "auth.publisher-not-granted",
            ApiError::BadRequest(reason, _) => reason,
            ApiError::NoRoute { .. } => "route.unknown",
            ApiError::ProductNotFound { .. } => "offer.not-found",
            ApiError::MethodNotAllowed { .. } => "route.method-not-allowed",
            ApiError::PayloadTooLarge => "body.too-large",
            ApiError::Internal => "internal.panic",
            ApiError::Unsaved(_) => "state-file.unwritten",
            ApiError::Domain(e) => e.reason(),
        }
    }

    /// The stable error code of the catalogue (docs/behaviour.md#errors).
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } | ApiError::InvalidToken(_) => "Unauthorized",
            ApiError::InvalidApiVersion { .. } => "InvalidAPIVersion",
            ApiError::Forbidden { .. } => "Forbidden",
            ApiError::MethodNotAllowed { .. } => "MethodNotAllowed",
            ApiError::PayloadTooLarge => "PayloadTooLarge",
            ApiError::Internal | ApiError::Unsaved(_) => INTERNAL_ERROR_CODE,
            ApiError::BadRequest(..)
            | ApiError::NoRoute { .. }
            | ApiError::ProductNotFound { .. }
            | ApiError::Domain(_) => match self.status_code() {
                StatusCode::NOT_FOUND => "NotFound",
                StatusCode::CONFLICT => "Conflict",
                StatusCode::PRECONDITION_FAILED => "PreconditionFailed",
                StatusCode::UNPROCESSABLE_ENTITY => "UnprocessableEntity",
                _ => "BadRequest",
            },
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    /// The ASP.NET authorisation filter's shape, kept on 401 only (docs/behaviour.md#authorization).
    #[serde(rename = "Message", skip_serializing_if = "Option::is_none")]
    legacy_message: Option<&'a str>,
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

/// Writes the CPP error body for any status; used for `ApiError` and for the errors that
/// tower layers produce (panics).
pub(crate) fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    explained(
        json(status, &error_body(status, code, message)),
        code,
        message,
    )
}

/// The code and message of the fixed `401` (no token, or one not accepted).
static DENIED_ERROR: LazyLock<Arc<ErrorText>> =
    LazyLock::new(|| Arc::new(ErrorText::new("Unauthorized", DENIED)));

/// The CPP error an `/api` answer gave, if it is one: its [`AnsweredError`] or, for the one
/// error answer that carries none — the fixed `401`, which costs nothing to build, since
/// every request without a token gets it — that `401`'s.
pub(crate) fn answered_error(response: &Response) -> Option<&Arc<ErrorText>> {
    match response.extensions().get::<AnsweredError>() {
        Some(error) => Some(&error.0),
        None if response.status() == StatusCode::UNAUTHORIZED => Some(&DENIED_ERROR),
        None => None,
    }
}

/// `response` with its [`AnsweredError`].
fn explained(mut response: Response, code: &str, message: &str) -> Response {
    let error = Arc::new(ErrorText::new(code, message));
    response.extensions_mut().insert(AnsweredError(error));
    response
}

/// The CPP error body; a 401 also carries the ASP.NET `Message`.
fn error_body<'a>(status: StatusCode, code: &'a str, message: &'a str) -> ErrorBody<'a> {
    ErrorBody {
        legacy_message: (status == StatusCode::UNAUTHORIZED).then_some(message),
        error: ErrorDetail { code, message },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The answers of a request without a usable token: the same bytes every time, so
        // written once, headers too (a copy of a ready map costs less than three inserts).
        if let ApiError::Unauthorized { invalid_token } = self {
            static DENIED_BODY: LazyLock<Bytes> = LazyLock::new(|| {
                let body = error_body(StatusCode::UNAUTHORIZED, "Unauthorized", DENIED);
                json_bytes(&body).map_or_else(Bytes::new, Bytes::from)
            });
            static MISSING: LazyLock<HeaderMap> =
                LazyLock::new(|| denied_headers("Bearer", "auth.missing-bearer"));
            static UNKNOWN: LazyLock<HeaderMap> = LazyLock::new(|| {
                denied_headers("Bearer error=\"invalid_token\"", "auth.unknown-token")
            });
            // No `AnsweredError`: `answered_error` knows this answer by its status.
            let mut response = Response::new(Body::from(DENIED_BODY.clone()));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            let headers: &HeaderMap = if invalid_token { &UNKNOWN } else { &MISSING };
            *response.headers_mut() = headers.clone();
            return response;
        }
        let mut response = match &self {
            ApiError::ProductNotFound { .. } => product_not_found(&self.to_string()),
            _ => error_response(self.status_code(), self.code(), &self.to_string()),
        };
        let headers = response.headers_mut();
        if let ApiError::InvalidToken(why) = &self {
            let challenge = HeaderValue::try_from(format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                why.replace('"', "'")
            ));
            if let Ok(challenge) = challenge {
                headers.insert(header::WWW_AUTHENTICATE, challenge);
            }
        }
        headers.insert(
            X_MOCK_REASON.clone(),
            HeaderValue::from_static(self.reason()),
        );
        if let ApiError::Unsaved(unsaved) = self {
            // For the front's log line, with the request's id (never sent).
            response.extensions_mut().insert(unsaved);
        }
        response
    }
}

/// Partner Center's 404 for a CPP product it does not have, as recorded in 2022
/// (tests/recorded/): `{"Product": {"serviceName", "error", "exceptionCode", "httpStatusCode"}}`,
/// `error` the exception's first line (the recording's stack trace left out).
fn product_not_found(message: &str) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Product<'a> {
        service_name: &'a str,
        error: String,
        exception_code: &'a str,
        http_status_code: &'a str,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(rename = "Product")]
        product: Product<'a>,
    }
    let body = Body {
        product: Product {
            service_name: "Product",
            error: format!("Microsoft.Ingestion.Api.Common.Exceptions.Http404Exception: {message}"),
            exception_code: "Http404Exception",
            http_status_code: "NotFound",
        },
    };
    explained(json(StatusCode::NOT_FOUND, &body), "NotFound", message)
}

/// The headers of a fixed `401`: its JSON type, its challenge, its reason.
fn denied_headers(challenge: &'static str, reason: &'static str) -> HeaderMap {
    let mut headers = json_response(StatusCode::UNAUTHORIZED, Bytes::new())
        .headers()
        .clone();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    headers.insert(X_MOCK_REASON.clone(), HeaderValue::from_static(reason));
    headers
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(
            "path.invalid",
            format!("The request path is not valid: {}", rejection.body_text()),
        )
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(
                "body.unreadable",
                format!(
                    "The request body could not be read: {}",
                    rejection.body_text()
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> Bytes {
        axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body")
    }

    /// The 401 body is written once; it must stay what `error_response` writes for it.
    #[tokio::test]
    async fn the_kept_401_body_is_the_one_error_response_writes() {
        for invalid_token in [false, true] {
            let error = ApiError::Unauthorized { invalid_token };
            let written = error_response(error.status_code(), error.code(), &error.to_string());

            let kept = error.into_response();

            assert_eq!(kept.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(
                kept.headers()[header::CONTENT_TYPE],
                "application/json; charset=utf-8"
            );
            assert_eq!(body(kept).await, body(written).await);
        }
    }
}
