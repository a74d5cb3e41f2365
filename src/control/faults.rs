//! Fault rules over HTTP: list, add, delete one, delete all.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::FaultSpec;
use crate::state::{AppState, InWorld};

use super::docs::{ControlAuth, ControlErrorBody};
use super::error::{ControlError, Result, parse};
use crate::reply::json;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireRule {
    pub(crate) id: String,
    pub(crate) source: &'static str,
    pub(crate) fired: u64,
    /// Firings left, for a rule with `times`.
    pub(crate) remaining: Option<u32>,
    pub(crate) rule: FaultSpec,
}

pub(crate) fn list(state: &AppState) -> Vec<WireRule> {
    state.with_world(|w| {
        w.faults
            .rules()
            .iter()
            .map(|r| WireRule {
                id: r.id.clone(),
                source: r.source,
                fired: r.fired,
                remaining: r.remaining(),
                rule: r.spec.clone(),
            })
            .collect()
    })
}

/// Checks and adds a rule; returns its id.
pub(crate) fn add(state: &AppState, spec: FaultSpec) -> Result<String> {
    spec.validate().map_err(|(field, reason)| {
        ControlError::BadRequest(if field.is_empty() {
            format!("The fault rule is not valid: {reason}.")
        } else {
            format!("The fault rule is not valid: {field}: {reason}.")
        })
    })?;
    Ok(state.with_world(|w| w.faults.add(spec, "control")))
}

pub(crate) fn remove(state: &AppState, id: &str) -> Result<()> {
    if state.with_world(|w| w.faults.remove(id)) {
        Ok(())
    } else {
        Err(ControlError::NotFound(format!(
            "There is no fault rule '{id}'."
        )))
    }
}

/// `GET /_mock/faults`.
#[utoipa::path(
    get,
    path = "/_mock/faults",
    tag = "control",
    summary = "List fault rules",
    responses(
        (status = 200, description = "The rules, in the order they apply", body = Vec<WireRule>),
        ControlAuth,
    )
)]
pub(crate) async fn get_faults(InWorld(state): InWorld) -> Response {
    json(StatusCode::OK, &list(&state))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Created {
    id: String,
}

/// `POST /_mock/faults`: `201` with the new rule's id.
#[utoipa::path(
    post,
    path = "/_mock/faults",
    tag = "control",
    summary = "Add a fault rule",
    request_body(content = FaultSpec, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 400, description = "Not a valid rule", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn post_fault(InWorld(state): InWorld, body: Bytes) -> Result<Response> {
    let id = add(&state, parse(&body)?)?;
    Ok(json(StatusCode::CREATED, &Created { id }))
}

/// `DELETE /_mock/faults/{id}`.
#[utoipa::path(
    delete,
    path = "/_mock/faults/{id}",
    tag = "control",
    summary = "Delete a fault rule",
    params(("id" = String, Path, description = "The rule's id, e.g. f1")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such rule", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn delete_fault(
    InWorld(state): InWorld,
    Path(id): Path<String>,
) -> Result<Response> {
    remove(&state, &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /_mock/faults`.
#[utoipa::path(
    delete,
    path = "/_mock/faults",
    tag = "control",
    summary = "Delete every fault rule",
    responses(
        (status = 204, description = "All deleted"),
        ControlAuth,
    )
)]
pub(crate) async fn delete_faults(InWorld(state): InWorld) -> Response {
    state.with_world(|w| w.faults.clear());
    StatusCode::NO_CONTENT.into_response()
}
