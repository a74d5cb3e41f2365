//! Ending an operation from the control plane: complete it, fail it at a step, cancel it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::domain::{Force, OperationId, force};
use crate::state::AppState;

use super::docs::{ControlAuth, ControlErrorBody, OperationPath};
use super::error::{Result, parse};
use crate::reply::json;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Forced {
    id: String,
    ended: &'static str,
}

/// The answers of a forced ending, as the OpenAPI document describes them.
#[derive(Debug, utoipa::IntoResponses)]
#[expect(
    dead_code,
    reason = "describes the answers in the OpenAPI document; never built"
)]
pub(crate) enum ForcedAnswers {
    /// Ended
    #[response(status = 200)]
    Ended(Forced),
    /// Not a GUID, or not a step of this operation
    #[response(status = 400)]
    BadRequest(ControlErrorBody),
    /// No such operation
    #[response(status = 404)]
    NotFound(ControlErrorBody),
    /// It had already ended
    #[response(status = 409)]
    Conflict(ControlErrorBody),
}

/// Ends the running operation `id` as `how` says.
pub(crate) fn end(state: &AppState, id: &str, how: Force) -> Result<()> {
    let id = OperationId::parse(id)?;
    let now = state.now();
    state.with_world(|w| force(&mut w.store, id, how, now))?;
    Ok(())
}

fn answer(id: String, ended: &'static str) -> Response {
    json(StatusCode::OK, &Forced { id, ended })
}

/// `POST /_mock/operations/{id}/complete`.
#[utoipa::path(
    post,
    path = "/_mock/operations/{id}/complete",
    tag = "control",
    summary = "Complete an operation now",
    params(OperationPath),
    responses(ForcedAnswers, ControlAuth,)
)]
pub(crate) async fn complete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    end(&state, &id, Force::Complete)?;
    Ok(answer(id, "complete"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fail {
    step: String,
    message: Option<String>,
}

/// `POST /_mock/operations/{id}/fail` with `{"step": "live", "message": "…"}`.
#[utoipa::path(
    post,
    path = "/_mock/operations/{id}/fail",
    tag = "control",
    summary = "Fail an operation now at a step",
    params(OperationPath),
    request_body(content = Fail, content_type = "application/json"),
    responses(
        ForcedAnswers,
        ControlAuth,
    )
)]
pub(crate) async fn fail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let Fail { step, message } = parse(&body)?;
    let message = message.unwrap_or_else(|| format!("The operation failed at step '{step}'."));
    end(&state, &id, Force::Fail { step, message })?;
    Ok(answer(id, "failed"))
}

/// `POST /_mock/operations/{id}/cancel`.
#[utoipa::path(
    post,
    path = "/_mock/operations/{id}/cancel",
    tag = "control",
    summary = "Cancel an operation now",
    params(OperationPath),
    responses(ForcedAnswers, ControlAuth,)
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    end(&state, &id, Force::Cancel)?;
    Ok(answer(id, "canceled"))
}
