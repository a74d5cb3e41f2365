//! The `/_mock` control plane: health, reset and fixtures, the request journal, fault rules,
//! the clock, ending operations and the state file — every route on one screen. Never behind
//! CPP auth; its own optional token.

pub(crate) mod clock;
mod conformance;
mod console;
mod docs;
mod error;
pub(crate) mod events;
mod fault_rule;
pub(crate) mod faults;
mod handle;
pub(crate) mod journal;
pub(crate) mod operations;
mod state_file;
mod typed;
pub(crate) mod wait;
pub(crate) mod world;
pub(crate) mod worlds;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::reply::bearer_token;
use crate::state::AppState;

pub(crate) use docs::ControlAuth;
pub(crate) use error::ControlError;
pub use fault_rule::{Fault, FaultHeader, FaultMatch, FaultResponse};
pub use handle::{Control, ControlFailure};
pub use typed::{
    Conformance, ConformanceRule, ConformanceViolation, Event, EventStream, FaultRule, Health,
    JournalEntry, OperationSummary, Wait, Waited, WorldSummary,
};

/// Every control route, each registered with its OpenAPI description (one table for the
/// router and the document). The control token's check needs the state; the document, built
/// without one, does not.
pub(crate) fn routes(state: Option<&AppState>) -> OpenApiRouter<AppState> {
    let mut guarded = OpenApiRouter::new()
        .routes(routes!(world::ready))
        .routes(routes!(world::post_reset))
        .routes(routes!(world::put_fixtures))
        .routes(routes!(world::get_progress, world::put_progress))
        .routes(routes!(journal::get_journal, journal::delete_journal))
        .routes(routes!(journal::get_count))
        .routes(routes!(
            faults::get_faults,
            faults::post_fault,
            faults::delete_faults
        ))
        .routes(routes!(faults::delete_fault))
        .routes(routes!(clock::get_clock))
        .routes(routes!(clock::post_advance))
        .routes(routes!(wait::post_wait))
        .routes(routes!(events::get_events))
        .routes(routes!(worlds::get_worlds))
        .routes(routes!(worlds::put_world, worlds::delete_world))
        .routes(routes!(operations::get_operations))
        .routes(routes!(operations::complete))
        .routes(routes!(operations::fail))
        .routes(routes!(operations::cancel))
        .routes(routes!(state_file::get_state_file))
        .routes(routes!(state_file::post_compact))
        .routes(routes!(conformance::get_conformance))
        .routes(routes!(conformance::get_conformance_html));
    if let Some(state) = state {
        guarded = guarded.route_layer(from_fn_with_state(state.clone(), require_control_token));
    }
    // Health stays open: container health checks carry no token. So does the console, which
    // holds nothing: its calls carry the token.
    OpenApiRouter::new()
        .routes(routes!(world::health))
        .routes(routes!(world::get_ca))
        .routes(routes!(console::page))
        .routes(routes!(console::script))
        .routes(routes!(console::style))
        .routes(routes!(console::reasons))
        .routes(routes!(console::fault_examples))
        .merge(guarded)
}

/// `401` unless the control token, when one is set, comes as `Authorization: Bearer …`.
pub(crate) async fn require_control_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !carries_control_token(&state, request.headers()) {
        return ControlError::Unauthorized.into_response();
    }
    next.run(request).await
}

/// Whether `headers` carry the control token as `Authorization: Bearer …` (always, when no
/// control token is set).
pub(crate) fn carries_control_token(state: &AppState, headers: &HeaderMap) -> bool {
    match &state.settings().config.control_token {
        Some(expected) => bearer_token(headers) == Some(expected.as_str()),
        None => true,
    }
}
