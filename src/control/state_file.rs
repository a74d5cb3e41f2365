//! The state file over HTTP: what it holds, and a compaction on demand.

use axum::http::StatusCode;
use axum::response::Response;

use crate::reply::json;
use crate::state::{AppState, InWorld, StateFile, StateFileStatus};

use super::docs::{ControlAuth, ControlErrorBody};
use super::error::{ControlError, Result};

/// The world's state file, or the `404` of a server without one.
pub(super) fn file_of(state: &AppState) -> Result<&StateFile> {
    state.state_file().ok_or_else(|| {
        ControlError::NotFound(
            "The server runs without --state-file: there is no state file.".to_owned(),
        )
    })
}

/// `GET /_mock/state-file`.
#[utoipa::path(
    get,
    path = "/_mock/state-file",
    tag = "control",
    summary = "Read the state file's sizes and compactions",
    responses(
        (status = 200, description = "The world's state file", body = StateFileStatus),
        (status = 404, description = "No --state-file", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_state_file(InWorld(state): InWorld) -> Result<Response> {
    Ok(json(StatusCode::OK, &file_of(&state)?.status()))
}

/// `POST /_mock/state-file/compact`.
#[utoipa::path(
    post,
    path = "/_mock/state-file/compact",
    tag = "control",
    summary = "Fold the log into a new snapshot now, in the background",
    responses(
        (status = 202, description = "A compaction started", body = StateFileStatus),
        (status = 200, description = "None started: one runs already, or the log is empty", body = StateFileStatus),
        (status = 404, description = "No --state-file", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn post_compact(InWorld(state): InWorld) -> Result<Response> {
    let file = file_of(&state)?;
    let status = if file.compact() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &file.status()))
}
