//! The named worlds (docs/worlds.md): list, make, delete. These calls act on the server's
//! set of worlds, whichever world the request selected.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::state::{AppState, InWorld, WorldSummary};

use super::docs::{ControlAuth, ControlErrorBody, WorldPath};
use super::error::Result;
use crate::reply::json;

/// The worlds of the server.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorldList {
    /// Named worlds (the default one is not counted).
    count: usize,
    /// How many named worlds may exist at once (`--max-worlds`).
    max: usize,
    /// The default world first, then the named ones by name.
    pub(super) worlds: Vec<WorldSummary>,
}

pub(crate) fn list(state: &AppState) -> WorldList {
    let worlds = state.worlds();
    WorldList {
        count: worlds.len() - 1,
        max: state.max_worlds(),
        worlds,
    }
}

/// `GET /_mock/worlds`.
#[utoipa::path(
    get,
    path = "/_mock/worlds",
    tag = "control",
    summary = "List the worlds",
    responses(
        (status = 200, description = "The default world and the named ones", body = WorldList),
        ControlAuth,
    )
)]
pub(crate) async fn get_worlds(InWorld(state): InWorld) -> Response {
    json(StatusCode::OK, &list(&state))
}

/// Makes the world `name` if it does not exist; whether it was made.
pub(crate) fn make(state: &AppState, name: &str) -> Result<bool> {
    let existed = state.has_world(name);
    state.world(name)?;
    Ok(!existed)
}

/// `PUT /_mock/worlds/{name}`: makes the world now (a world chosen by the tenant of a token
/// must exist first).
#[utoipa::path(
    put,
    path = "/_mock/worlds/{name}",
    tag = "control",
    summary = "Make a world",
    params(WorldPath),
    responses(
        (status = 201, description = "Made, from the default world's fixture set"),
        (status = 200, description = "It existed already; unchanged"),
        (status = 400, description = "Not a world name", body = ControlErrorBody),
        (status = 429, description = "As many worlds as --max-worlds allows exist", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn put_world(
    InWorld(state): InWorld,
    Path(name): Path<String>,
) -> Result<Response> {
    let made = make(&state, &name)?;
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(status.into_response())
}

/// `DELETE /_mock/worlds/{name}`.
#[utoipa::path(
    delete,
    path = "/_mock/worlds/{name}",
    tag = "control",
    summary = "Delete a world",
    params(WorldPath),
    responses(
        (status = 204, description = "Deleted, with everything in it"),
        (status = 400, description = "Not a world name", body = ControlErrorBody),
        (status = 404, description = "No such world", body = ControlErrorBody),
        (status = 409, description = "The default world, which cannot be deleted", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn delete_world(
    InWorld(state): InWorld,
    Path(name): Path<String>,
) -> Result<Response> {
    state.delete_world(&name)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
