//! `ControlError`: how the `/_mock` control plane answers an error,
//! `{"error": {"code", "message"}}` (plus `file` and `path` for fixtures).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use serde::de::DeserializeOwned;

use crate::domain::{DomainError, json_terms, without_bom};
use crate::fixtures::FixtureError;
use crate::reply::{json, kind_status};
use crate::state::WorldError;

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
    pub(crate) fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ControlError::Unauthorized => (StatusCode::UNAUTHORIZED, "Unauthorized"),
            ControlError::BadRequest(_) => (StatusCode::BAD_REQUEST, "BadRequest"),
            ControlError::NotFound(_) => (StatusCode::NOT_FOUND, "NotFound"),
            ControlError::Fixtures(_) => (StatusCode::BAD_REQUEST, "InvalidFixtures"),
            ControlError::World(e) => match e {
                WorldError::Limit(_) => (StatusCode::TOO_MANY_REQUESTS, "TooManyWorlds"),
                WorldError::InvalidName(_) => (StatusCode::BAD_REQUEST, "InvalidWorld"),
                WorldError::NotFound(_) => (StatusCode::NOT_FOUND, "NotFound"),
                WorldError::Default => (StatusCode::CONFLICT, "Conflict"),
                WorldError::Broken { .. } => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError")
                }
            },
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
        json(status, &body)
    }
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
    serde_json::from_slice(body).map_err(|e| {
        ControlError::BadRequest(format!(
            "The request body is not valid: {}.",
            json_terms(&e)
        ))
    })
}
