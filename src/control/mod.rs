//! The `/_mock` control plane: health, reset and fixtures, the request journal, fault rules,
//! the clock, and ending operations — every route on one screen. Never behind CPP auth; its
//! own optional token.

pub(crate) mod clock;
mod docs;
mod error;
pub(crate) mod faults;
mod handle;
pub(crate) mod journal;
pub(crate) mod operations;
pub(crate) mod state;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;

use crate::state::AppState;

use clock::advance;
use error::ControlError;
use faults::{add as add_fault, list as list_faults, remove as remove_fault};
pub use handle::{Control, ControlFailure};
use journal::{clear as clear_journal, filter_from_query, list as list_journal};
use operations::end as end_operation;
use state::{Progress, counts, replace, reset, set_progress};

pub(crate) fn router(state: AppState) -> Router<AppState> {
    let guarded = Router::new()
        .route("/_mock/ready", get(state::health))
        .route("/_mock/reset", post(state::post_reset))
        .route("/_mock/fixtures", put(state::put_fixtures))
        .route("/_mock/progress", put(state::put_progress))
        .route(
            "/_mock/journal",
            get(journal::get_journal).delete(journal::delete_journal),
        )
        .route("/_mock/journal/count", get(journal::get_count))
        .route(
            "/_mock/faults",
            get(faults::get_faults)
                .post(faults::post_fault)
                .delete(faults::delete_faults),
        )
        .route(
            "/_mock/faults/{id}",
            axum::routing::delete(faults::delete_fault),
        )
        .route("/_mock/clock", get(clock::get_clock))
        .route("/_mock/clock/advance", post(clock::post_advance))
        .route(
            "/_mock/operations/{id}/complete",
            post(operations::complete),
        )
        .route("/_mock/operations/{id}/fail", post(operations::fail))
        .route("/_mock/operations/{id}/cancel", post(operations::cancel))
        .route_layer(from_fn_with_state(state, require_control_token));
    // Health stays open: container health checks carry no token.
    Router::new()
        .route("/_mock/health", get(state::health))
        .merge(guarded)
}

/// `401` unless the control token, when one is set, comes as `Authorization: Bearer …`.
async fn require_control_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(expected) = &state.settings().control_token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        if given != Some(expected.as_str()) {
            return ControlError::Unauthorized.into_response();
        }
    }
    next.run(request).await
}

/// A JSON request body, refused with a clear 400 (an empty one too: every control route
/// that reads a body needs one).
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ControlError::BadRequest(
            "The request body is missing: this route takes a JSON object.".to_owned(),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ControlError::BadRequest(format!("The request body is not valid: {e}.")))
}
