//! Fault rules over HTTP: list, add, delete one, delete all.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::faults::FaultSpec;
use crate::state::AppState;

use super::error::{ControlError, Result};
use super::parse;
use crate::wire::json;

#[derive(Debug, Serialize)]
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
pub(crate) async fn get_faults(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, &list(&state))
}

/// `POST /_mock/faults`: `201` with the new rule's id.
pub(crate) async fn post_fault(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    #[derive(Serialize)]
    struct Created {
        id: String,
    }
    let id = add(&state, parse(&body)?)?;
    Ok(json(StatusCode::CREATED, &Created { id }))
}

/// `DELETE /_mock/faults/{id}`.
pub(crate) async fn delete_fault(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    remove(&state, &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /_mock/faults`.
pub(crate) async fn delete_faults(State(state): State<AppState>) -> Response {
    state.with_world(|w| w.faults.clear());
    StatusCode::NO_CONTENT.into_response()
}
