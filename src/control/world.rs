//! Health, readiness, reset, replacing the fixtures, and how operations advance.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::fixtures::{self, Sources};
use crate::state::{AppState, InWorld};

use super::docs::{ControlAuth, ControlErrorBody};
use super::error::{ControlError, Result, parse};
use crate::reply::json;

/// What the server holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Counts {
    status: &'static str,
    ready: bool,
    version: &'static str,
    publishers: usize,
    offers: usize,
    operations: usize,
    fault_rules: usize,
}

pub(crate) fn counts(state: &AppState) -> Counts {
    let (publishers, offers, operations, fault_rules) = state.with_world(|w| {
        let (p, o, ops) = w.store.counts();
        (p, o, ops, w.faults.rules().len())
    });
    Counts {
        status: "ok",
        // The server binds only once its fixtures are loaded, and a reload is all or nothing.
        ready: true,
        version: env!("CARGO_PKG_VERSION"),
        publishers,
        offers,
        operations,
        fault_rules,
    }
}

/// `GET /_mock/health`.
#[utoipa::path(
    get,
    path = "/_mock/health",
    tag = "control",
    summary = "Liveness and what the server holds (never needs the control token)",
    responses((status = 200, description = "Alive and loaded", body = Counts))
)]
pub(crate) async fn health(InWorld(state): InWorld) -> Response {
    json(StatusCode::OK, &counts(&state))
}

/// `GET /_mock/ca.pem`: the mock's CA certificate, for clients to trust (docs/https.md); open,
/// like health, since it is public. Its key is never served.
#[utoipa::path(
    get,
    path = "/_mock/ca.pem",
    tag = "control",
    summary = "The mock's CA certificate, PEM (never needs the control token)",
    responses(
        (status = 200, description = "The CA certificate", content_type = "application/x-pem-file", body = String),
        (status = 404, description = "The server has no CA (see its log)", body = ControlErrorBody),
    )
)]
pub(crate) async fn get_ca(InWorld(state): InWorld) -> Result<Response> {
    let pem = state.settings().ca_pem.clone().ok_or_else(|| {
        ControlError::NotFound(
            "The server has no CA: its directory (--ca-dir) could not be used; its log says why."
                .to_owned(),
        )
    })?;
    let content_type = [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")];
    Ok(axum::response::IntoResponse::into_response((
        content_type,
        pem.to_string(),
    )))
}

/// `GET /_mock/ready`: the same answer as [`health`], behind the control token when one is set.
#[utoipa::path(
    get,
    path = "/_mock/ready",
    tag = "control",
    summary = "Readiness: the same answer as /_mock/health (behind the control token when one is set)",
    responses((status = 200, description = "Ready and loaded", body = Counts))
)]
pub(crate) async fn ready(state: InWorld) -> Response {
    health(state).await
}

/// Loads `sources` and puts them in place of everything, or changes nothing.
pub(crate) fn replace(state: &AppState, sources: Sources) -> Result<Counts> {
    let settings = state.settings();
    let options = settings.load_options(state.world_name());
    let loaded = fixtures::load_sources(&sources, options, state.now())?;
    state.replace_world(loaded.store, loaded.faults, Arc::new(sources))?;
    Ok(counts(state))
}

/// Back to the fixtures as loaded: store, fault rules, journal and clock.
pub(crate) fn reset(state: &AppState) -> Result<Counts> {
    let sources = state.with_world(|w| w.fixtures.as_ref().clone());
    replace(state, sources)
}

/// `POST /_mock/reset`.
#[utoipa::path(
    post,
    path = "/_mock/reset",
    tag = "control",
    summary = "Reset to the fixtures",
    responses(
        (status = 200, description = "Back to the fixtures as loaded", body = Counts),
        ControlAuth,
    )
)]
pub(crate) async fn post_reset(InWorld(state): InWorld) -> Result<Response> {
    Ok(json(StatusCode::OK, &reset(&state)?))
}

/// `PUT /_mock/fixtures`: a publisher document or an array of them, checked like fixture
/// files.
#[utoipa::path(
    put,
    path = "/_mock/fixtures",
    tag = "control",
    summary = "Replace the fixtures",
    request_body(content = fixtures::FixtureBody, content_type = "application/json", description = "A publisher document or an array of them"),
    responses(
        (status = 200, description = "The new fixture set is in place", body = Counts),
        (status = 400, description = "Refused whole; nothing changed", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn put_fixtures(InWorld(state): InWorld, body: Bytes) -> Result<Response> {
    let sources = fixtures::split_body("request body", &body)?;
    Ok(json(StatusCode::OK, &replace(&state, sources)?))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Progress {
    /// Operations started from now on end on this read; `null`: as their plans say.
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub(crate) advance_by_polls: Option<u32>,
}

pub(crate) fn set_progress(state: &AppState, progress: Progress) -> Result<Progress> {
    if progress
        .advance_by_polls
        .is_some_and(|n| !(1..=1_000_000).contains(&n))
    {
        return Err(ControlError::BadRequest(
            "advanceByPolls must be from 1 to 1000000, or null.".to_owned(),
        ));
    }
    state.change(|w| {
        w.store.set_advance_by_polls(progress.advance_by_polls);
        Ok::<_, ControlError>(progress)
    })
}

/// `GET /_mock/progress`.
#[utoipa::path(
    get,
    path = "/_mock/progress",
    tag = "control",
    summary = "How operations advance: by time, or by polls",
    responses(
        (status = 200, description = "The setting in force (advanceByPolls null: by time); a reset goes back to time", body = Progress),
        ControlAuth,
    )
)]
pub(crate) async fn get_progress(InWorld(state): InWorld) -> Response {
    let advance_by_polls = state.with_world(|w| w.store.advance_by_polls());
    json(StatusCode::OK, &Progress { advance_by_polls })
}

/// `PUT /_mock/progress`.
#[utoipa::path(
    put,
    path = "/_mock/progress",
    tag = "control",
    summary = "Make operations advance by polls",
    request_body(content = Progress, content_type = "application/json"),
    responses(
        (status = 200, description = "The setting in force", body = Progress),
        (status = 400, description = "Not a valid setting", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn put_progress(InWorld(state): InWorld, body: Bytes) -> Result<Response> {
    let progress = set_progress(&state, parse(&body)?)?;
    Ok(json(StatusCode::OK, &progress))
}
