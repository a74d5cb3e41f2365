//! The CPP surface under `/api`: every route on one screen, behind the checks of
//! cpp-api.md §2.9.

mod error;
mod extract;
mod middleware;
mod operations;
mod publish;
mod response;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

use crate::state::AppState;

pub(crate) use error::{ApiError, error_response};

pub(crate) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/api/publishers/{publisherId}/offers/{offerId}/golive",
            post(publish::go_live),
        )
        .route(
            "/api/publishers/{publisherId}/offers/{offerId}/operations/{operationId}",
            get(operations::get_operation),
        )
        // The by-id path openshift-ansible can build (cpp-api.md §2.7).
        .route(
            "/api/publishers/{publisherId}/offers/{offerId}/submissions/operations/{operationId}",
            get(operations::get_operation),
        )
        .route(
            "/api/operations/{operationKey}",
            get(operations::get_operation_by_key),
        )
        // `route_layer`, so unknown paths stay 404 whatever the token. The layer added last
        // runs first: bearer (401), then api-version (400), then publisher access (403).
        .route_layer(from_fn(middleware::require_publisher_access))
        .route_layer(from_fn(middleware::require_api_version))
        .route_layer(from_fn_with_state(state, middleware::require_bearer))
}
