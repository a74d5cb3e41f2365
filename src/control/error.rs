//! `ControlError`: how the `/_mock` control plane answers an error,
//! `{"error": {"code", "message"}}` (plus `file` and `path` for fixtures).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use serde::de::DeserializeOwned;

use crate::domain::{DomainError, json_terms, without_bom};
use crate::fixtures::FixtureError;
use crate::reply::{X_MOCK_REASON, json, kind_status};
use crate::state::{Unsaved, WorldError};

pub(crate) type Result<T, E = ControlError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ControlError {
    #[error("The control plane needs 'Authorization: Bearer <control token>'.")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("The fixtures were refused, and the running state is unchanged: {0}")]
    Fixtures(#[from] FixtureError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    World(#[from] WorldError),
    /// The change could not be written to the state file (docs/reliability.md#the-state-file).
    #[error("{}", .0.message())]
    Unsaved(#[from] Unsaved),
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

impl ControlError {
    /// The stable reason code (docs/reasons.md), sent in `x-mock-reason`.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            ControlError::Unauthorized => "control.token-missing",
            ControlError::BadRequest(_) => "control.bad-request",
            ControlError::NotFound(_) => "control.not-found",
            ControlError::Fixtures(_) => "fixtures.invalid",
            ControlError::Domain(e) => e.reason(),
            ControlError::Unsaved(_) => "state-file.unwritten",
            ControlError::World(e) => match e {
                WorldError::InvalidName(_) => "world.invalid-name",
                WorldError::Limit(_) => "world.limit",
                WorldError::NotFound(_) | WorldError::NotMade { .. } => "world.not-found",
                WorldError::Default => "world.default",
                WorldError::Broken { .. } => "world.broken",
            },
        }
    }

    pub(crate) fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ControlError::Unauthorized => (StatusCode::UNAUTHORIZED, "Unauthorized"),
            ControlError::BadRequest(_) => (StatusCode::BAD_REQUEST, "BadRequest"),
            ControlError::NotFound(_) => (StatusCode::NOT_FOUND, "NotFound"),
            ControlError::Fixtures(_) => (StatusCode::BAD_REQUEST, "InvalidFixtures"),
            ControlError::World(e) => match e {
                WorldError::Limit(_) => (StatusCode::TOO_MANY_REQUESTS, "TooManyWorlds"),
                WorldError::InvalidName(_) => (StatusCode::BAD_REQUEST, "InvalidWorld"),
                WorldError::NotFound(_) | WorldError::NotMade { .. } => {
                    (StatusCode::NOT_FOUND, "NotFound")
                }
                WorldError::Default => (StatusCode::CONFLICT, "Conflict"),
                WorldError::Broken { .. } => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError")
                }
            },
            ControlError::Unsaved(_) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
            ControlError::Domain(e) => {
                let status = kind_status(e.kind());
                let code = match status {
                    StatusCode::NOT_FOUND => "NotFound",
                    StatusCode::CONFLICT => "Conflict",
                    _ => "BadRequest",
                };
                (status, code)
            }
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let (file, path) = match &self {
            ControlError::Fixtures(e) => (Some(e.file.as_str()), Some(e.path.as_str())),
            _ => (None, None),
        };
        let body = Body {
            error: Detail {
                code,
                message: self.to_string(),
                file,
                path,
            },
        };
        let mut response = json(status, &body);
        response.headers_mut().insert(
            X_MOCK_REASON.clone(),
            HeaderValue::from_static(self.reason()),
        );
        if let ControlError::Unsaved(unsaved) = self {
            // For the front's log line, with the request's id (never sent).
            response.extensions_mut().insert(unsaved);
        }
        response
    }
}

/// A sequence number given in a query or a header (`what` names it): decimal digits only,
/// within int64, as the OpenAPI document says.
pub(crate) fn sequence_number(what: &str, text: &str) -> Result<u64> {
    decimal(text)
        .filter(|n| i64::try_from(*n).is_ok())
        .ok_or_else(|| {
            ControlError::BadRequest(format!(
                "{what} '{text}' is not a sequence number (a whole number ≥ 0)."
            ))
        })
}

/// `text` as a whole number written in decimal digits only (no sign, no spaces), if it fits.
pub(crate) fn decimal(text: &str) -> Option<u64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse::<u64>().ok())
        .flatten()
}

/// Refuses a `since` past `last`, the last sequence number given out: what comes after it
/// would never be seen (a number kept from before a restart without the journal, or a typo).
pub(crate) fn not_ahead(since: u64, last: u64) -> Result<u64> {
    if since > last {
        return Err(ControlError::BadRequest(format!(
            "since {since} is past the last sequence number, {last}: nothing after it has happened yet."
        )));
    }
    Ok(since)
}

/// A JSON request body (a leading byte-order mark dropped), refused with a clear 400 (an
/// empty one too: every control route that reads a body needs one).
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    let body = without_bom(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ControlError::BadRequest(
            "The request body is missing: this route takes a JSON object.".to_owned(),
        ));
    }
    // A JSON object, not the array serde's derive also reads a struct from.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ControlError::BadRequest(
            "The request body is not a JSON object, which this route takes.".to_owned(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ControlError::BadRequest(format!(
            "The request body is not valid: {}.",
            json_terms(&e)
        ))
    })
}
