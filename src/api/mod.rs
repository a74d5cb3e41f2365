//! The CPP surface under `/api`: every route on one screen, behind the checks of
//! docs/behaviour.md#order-of-checks.

mod caller;
mod docs;
mod document;
mod error;
mod extract;
pub(crate) mod offers;
pub(crate) mod operations;
pub(crate) mod publish;
pub(crate) mod status;
mod wire;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub(crate) use caller::first_refusal;
pub(crate) use docs::{LocationHeaders, UnknownOffer};
pub(crate) use error::{ApiError, answered_error, error_response};

/// Every CPP route, each registered with its OpenAPI description, so the router and the
/// document are one table. An alias is a documented route of its own (a thin handler).
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(offers::list_publishers))
        .routes(routes!(offers::list_offer_types))
        .routes(routes!(offers::list_offers))
        .routes(routes!(offers::get_offer, offers::put_offer))
        .routes(routes!(offers::get_offer_version))
        .routes(routes!(offers::get_offer_slot))
        .routes(routes!(status::get_offer_status))
        .routes(routes!(publish::publish))
        .routes(routes!(publish::go_live))
        .routes(routes!(publish::cancel))
        .routes(routes!(operations::list_submissions))
        .routes(routes!(operations::list_operations))
        .routes(routes!(operations::get_operation))
        .routes(routes!(operations::get_submission_operation))
        .routes(routes!(operations::get_operation_by_key))
}
