//! The CPP surface under `/api`: every route on one screen, behind the checks of
//! cpp-api.md §2.9.

mod docs;
mod error;
mod extract;
mod middleware;
pub(crate) mod offers;
pub(crate) mod operations;
pub(crate) mod publish;
pub(crate) mod status;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub(crate) use error::{ApiError, error_response};

pub(crate) fn router() -> Router<AppState> {
    const OFFER: &str = "/api/publishers/{publisherId}/offers/{offerId}";
    let at = |tail: &str| format!("{OFFER}{tail}");
    Router::new()
        .route("/api/publishers", get(offers::list_publishers))
        .route(
            "/api/publishers/{publisherId}/offers",
            get(offers::list_offers),
        )
        .route(OFFER, get(offers::get_offer).put(offers::put_offer))
        .route(&at("/versions/{version}"), get(offers::get_offer_version))
        .route(&at("/slot/{slotId}"), get(offers::get_offer_slot))
        .route(&at("/status"), get(status::get_offer_status))
        .route(&at("/publish"), post(publish::publish))
        .route(&at("/golive"), post(publish::go_live))
        .route(&at("/cancel"), post(publish::cancel))
        .route(&at("/submissions"), get(operations::list_submissions))
        .route(&at("/operations"), get(operations::list_submissions))
        .route(
            &at("/operations/{operationId}"),
            get(operations::get_operation),
        )
        // The by-id path openshift-ansible can build (cpp-api.md §2.7).
        .route(
            &at("/submissions/operations/{operationId}"),
            get(operations::get_operation),
        )
        .route(
            "/api/operations/{operationKey}",
            get(operations::get_operation_by_key),
        )
}
