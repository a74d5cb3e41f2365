//! E7 `GET …/offers/{offerId}/status`: the offer status with the whole pipeline's steps
//! (docs/behaviour.md#offer-status-page).

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::domain::DomainError;
use crate::state::InWorld;

use super::caller::Caller;
use super::docs::{ApiVersionQuery, CppErrors, OfferPath};
use super::error::Result;
use super::extract::Path;
use super::wire::{WireMessage, WireStep};
use crate::reply::json;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OfferStatusBody {
    status: &'static str,
    messages: Vec<WireMessage>,
    steps: Vec<WireStep>,
    #[schema(value_type = Vec<Object>)]
    preview_links: [(); 0],
    #[schema(value_type = Vec<Object>)]
    live_links: [(); 0],
    /// Non-migrated offers only (docs/behaviour.md#migrated-and-non-migrated-offers).
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_emails: Option<String>,
}

/// E7 `GET /api/publishers/{publisherId}/offers/{offerId}/status`.
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}/status",
    tag = "cpp",
    summary = "Get the offer status",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery),
    responses(
        (status = 200, description = "The offer status with the pipeline's steps", body = OfferStatusBody),
        CppErrors,
    )
)]
pub(crate) async fn get_offer_status(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
) -> Result<Response> {
    let now = state.now();
    let (view, migrated) = state.with_world(|world| {
        let loc = world.store.locate_offer(&publisher, &offer)?;
        let offer = world.store.offer_at(loc);
        Ok::<_, DomainError>((offer.status_view(now), offer.migrated))
    })?;
    let body = OfferStatusBody {
        status: view.status.as_str(),
        messages: view.messages.into_iter().map(WireMessage::from).collect(),
        steps: view.steps.into_iter().map(WireStep::from).collect(),
        preview_links: [],
        live_links: [],
        notification_emails: (!migrated).then(|| view.notification_emails.unwrap_or_default()),
    };
    Ok(json(StatusCode::OK, &body))
}
