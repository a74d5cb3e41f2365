//! Publishers and offers: list, read (with ETag), versions, slots, create or replace
//! (docs/behaviour.md#endpoints), and the offer types they use (E14).

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use crate::config::{PutMode, ServiceProfile};
use crate::domain::{
    DomainError, IfMatch, Offer, OfferWrite, Publisher, Put, Revision, Slot, Store, Written,
    json_terms, put_offer as write_offer,
};
use crate::state::journal::OfferCreated;
use crate::state::{AppState, InWorld};

use super::caller::Caller;
use super::docs::{
    ApiVersionQuery, CppError, CppErrors, OfferDocument, OfferPath, PublisherPath, UnknownOffer,
};
use super::document::{Document, summary};
use super::error::{ApiError, Result};
use super::extract::{Path, RawBody};
use crate::reply::json;

/// A publishers-list item (docs/behaviour.md#e1-list-publishers).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublisherItem {
    id: String,
    version: u32,
    definition: PublisherDefinition,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublisherDefinition {
    display_text: String,
    offer_type_categories: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seller_id: Option<u64>,
}

/// E1 `GET /api/publishers`: the publishers the caller may see.
#[utoipa::path(
    get,
    path = "/api/publishers",
    tag = "cpp",
    summary = "List publishers",
    security(("bearer" = [])),
    params(ApiVersionQuery),
    responses(
        (status = 200, description = "The publishers", body = Vec<PublisherItem>),
        CppErrors,
    )
)]
pub(crate) async fn list_publishers(InWorld(state): InWorld, caller: Caller) -> Response {
    let items: Vec<PublisherItem> = state.with_world(|world| {
        visible(&world.store, &caller)
            .map(|p| {
                let mut categories: Vec<String> = p
                    .offers()
                    .iter()
                    .map(|o| o.draft.offer_type_id.clone())
                    .collect();
                categories.sort();
                categories.dedup();
                PublisherItem {
                    id: p.id.clone(),
                    version: 1,
                    definition: PublisherDefinition {
                        display_text: p.display_text.clone(),
                        offer_type_categories: categories,
                        seller_id: p.seller_id,
                    },
                }
            })
            .collect()
    });
    json(StatusCode::OK, &items)
}

/// The publishers `caller` may see, for the routes that name no publisher.
fn visible<'a>(store: &'a Store, caller: &'a Caller) -> impl Iterator<Item = &'a Publisher> {
    store
        .publishers()
        .iter()
        .filter(|p| caller.may_access(&p.id))
}

/// An offer-types-list item (docs/behaviour.md#e14-offer-types: the shape is not documented; the id is what
/// every client reads of an offer type).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OfferTypeItem {
    id: String,
}

/// E14 `GET /api/offerTypes`: the offer types of the offers the caller may see, sorted.
#[utoipa::path(
    get,
    path = "/api/offerTypes",
    tag = "cpp",
    summary = "List offer types",
    description = "The offer types (offerTypeId) of the offers the caller may see, each once, sorted.",
    security(("bearer" = [])),
    params(ApiVersionQuery),
    responses(
        (status = 200, description = "The offer types", body = Vec<OfferTypeItem>),
        CppErrors,
    )
)]
pub(crate) async fn list_offer_types(InWorld(state): InWorld, caller: Caller) -> Response {
    let mut ids: Vec<String> = state.with_world(|world| {
        visible(&world.store, &caller)
            .flat_map(|p| p.offers().iter().map(|o| o.draft.offer_type_id.clone()))
            .collect()
    });
    ids.sort();
    ids.dedup();
    let items: Vec<OfferTypeItem> = ids.into_iter().map(|id| OfferTypeItem { id }).collect();
    json(StatusCode::OK, &items)
}

/// E2 `GET /api/publishers/{publisherId}/offers`: summaries, `definition` holding only
/// `displayText` (docs/behaviour.md#offer-summary).
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers",
    tag = "cpp",
    summary = "List offers",
    security(("bearer" = [])),
    params(PublisherPath, ApiVersionQuery),
    responses(
        (status = 200, description = "Offer summaries", body = Vec<serde_json::Value>),
        CppErrors,
    )
)]
pub(crate) async fn list_offers(
    InWorld(state): InWorld,
    _: Caller,
    Path(publisher): Path<String>,
) -> Result<Response> {
    let now = state.now();
    let summaries = state.with_world(|world| {
        let p = world.store.locate_publisher(&publisher)?;
        let publisher = &world.store.publishers()[p];
        Ok::<_, DomainError>(
            publisher
                .offers()
                .iter()
                .map(|offer| summary(&publisher.id, offer, offer.document_status_at(now)))
                .collect::<Vec<_>>(),
        )
    })?;
    Ok(json(StatusCode::OK, &summaries))
}

/// E3 `GET /api/publishers/{publisherId}/offers/{offerId}`: the working copy (the draft).
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}",
    tag = "cpp",
    summary = "Get an offer",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery),
    responses(
        (status = 200, description = "The offer document (the draft)", body = serde_json::Value, headers(("ETag" = String, description = "Weak ETag of this document version"))),
        CppErrors,
        (status = 404, description = "Unknown publisher (the CPP error) or offer (by the service profile)", body = UnknownOffer),
    )
)]
pub(crate) async fn get_offer(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
) -> Result<Response> {
    let profile = state.settings().config.service_profile;
    read_document(&state, &publisher, &offer, |offer, _| Ok(&offer.draft)).map_err(|e| match e {
        ApiError::Domain(DomainError::OfferNotFound { offer, .. })
            if profile == ServiceProfile::Recorded2022 =>
        {
            ApiError::ProductNotFound { offer }
        }
        e => e,
    })
}

/// E4 `GET …/offers/{offerId}/versions/{version}`: the document as it was at that version.
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}/versions/{version}",
    tag = "cpp",
    summary = "Get an offer version",
    security(("bearer" = [])),
    params(OfferPath, ("version" = u32, Path, description = "A version number", example = 1), ApiVersionQuery),
    responses(
        (status = 200, description = "The document at that version", body = serde_json::Value, headers(("ETag" = String, description = "Weak ETag of this document version"))),
        CppErrors,
    )
)]
pub(crate) async fn get_offer_version(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer, version)): Path<(String, String, String)>,
) -> Result<Response> {
    read_document(&state, &publisher, &offer, |o, _| {
        let number: u32 = version
            .parse()
            .map_err(|_| DomainError::MalformedVersion(version.clone()))?;
        o.revision(number)
            .ok_or_else(|| DomainError::VersionNotFound {
                publisher: publisher.clone(),
                offer: o.id.clone(),
                version: number,
            })
    })
}

/// E5 `GET …/offers/{offerId}/slot/{slotId}`: what the draft, preview or production slot holds.
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}/slot/{slotId}",
    tag = "cpp",
    summary = "Get an offer in a slot",
    security(("bearer" = [])),
    params(OfferPath, ("slotId" = String, Path, description = "draft, preview (staging) or production, case ignored", example = "preview", pattern = "^([Dd][Rr][Aa][Ff][Tt]|[Pp][Rr][Ee][Vv][Ii][Ee][Ww]|[Ss][Tt][Aa][Gg][Ii][Nn][Gg]|[Pp][Rr][Oo][Dd][Uu][Cc][Tt][Ii][Oo][Nn])$"), ApiVersionQuery),
    responses(
        (status = 200, description = "What the slot holds", body = serde_json::Value, headers(("ETag" = String, description = "Weak ETag of this document version"))),
        CppErrors,
    )
)]
pub(crate) async fn get_offer_slot(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer, slot)): Path<(String, String, String)>,
) -> Result<Response> {
    read_document(&state, &publisher, &offer, |o, now| {
        let slot = Slot::parse(&slot)?;
        o.slot_at(slot, now).ok_or_else(|| DomainError::SlotEmpty {
            publisher: publisher.clone(),
            offer: o.id.clone(),
            slot: match slot {
                Slot::Draft | Slot::Preview => "Staging",
                Slot::Production => "Production",
            },
        })
    })
}

/// Finds the offer, picks one of its documents, and answers it with its ETag.
fn read_document(
    state: &AppState,
    publisher: &str,
    offer: &str,
    pick: impl FnOnce(&Offer, crate::domain::Timestamp) -> Result<&Revision, DomainError>,
) -> Result<Response> {
    let now = state.now();
    let document = state.with_world(|world| {
        let loc = world.store.locate_offer(publisher, offer)?;
        let publisher = &world.store.publisher_at(loc).id;
        let offer = world.store.offer_at(loc);
        let revision = pick(offer, now)?;
        Ok::<_, DomainError>(Document::of(
            publisher,
            offer,
            revision,
            offer.document_status_at(now),
        ))
    })?;
    Ok(document.into_response(StatusCode::OK))
}

/// E6 `PUT /api/publishers/{publisherId}/offers/{offerId}`: creates (`201`) or replaces
/// (`200`, exactly: azure-img-utils and Debian accept nothing else) the document.
#[utoipa::path(
    put,
    path = "/api/publishers/{publisherId}/offers/{offerId}",
    tag = "cpp",
    summary = "Create or replace an offer",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery, ("If-Match" = Option<String>, Header, description = "The current ETag, or *")),
    request_body(content = OfferDocument, content_type = "application/json", description = "The offer document; its ids must be the URL's"),
    responses(
        (status = 200, description = "Replaced", body = serde_json::Value, headers(("ETag" = String, description = "Weak ETag of this document version"))),
        (status = 201, description = "Created", body = serde_json::Value, headers(("ETag" = String, description = "Weak ETag of this document version"))),
        (status = 412, description = "If-Match is not the current ETag", body = CppError),
        (status = 413, description = "Body over 2 MiB", body = CppError),
        CppErrors,
    )
)]
pub(crate) async fn put_offer(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response> {
    let strict = state.settings().config.put_mode == PutMode::Strict;
    // Parsed before the lock is taken; its errors are reported after the 404s (docs/behaviour.md#order-of-checks).
    let write = serde_json::from_slice::<Value>(&body)
        .map_err(|e| {
            ApiError::BadRequest(
                "body.invalid-json",
                format!("The request body is not valid JSON: {}.", json_terms(&e)),
            )
        })
        .and_then(|value| Ok(OfferWrite::from_json(&publisher, &offer, value, strict)?));
    let if_match = match headers.get(header::IF_MATCH).map(|v| v.to_str()) {
        None => IfMatch::Absent,
        Some(Ok(value)) => IfMatch::parse(Some(value)),
        Some(Err(_)) => {
            return Err(ApiError::BadRequest(
                "etag.invalid",
                "The If-Match header is not valid text.".to_owned(),
            ));
        }
    };
    let now = state.now();
    let settings = state.settings();
    let (written, document) = state.change(|world| {
        world.store.locate_publisher(&publisher)?;
        let write = write?;
        let put = Put {
            write,
            if_match,
            require_if_match: strict,
        };
        let (written, loc) = write_offer(
            &mut world.store,
            &publisher,
            &offer,
            put,
            &settings.new_offer_plans,
            now,
        )?;
        let offer = world.store.offer_at(loc);
        let document = Document::of(
            &world.store.publisher_at(loc).id,
            offer,
            &offer.draft,
            offer.document_status_at(now),
        );
        Ok::<_, ApiError>((written, document))
    })?;
    let created = matches!(written, Written::Created);
    let status = match written {
        // Recorded in 2022: a PUT that made the offer answered 200 (docs/behaviour.md#profiles).
        Written::Created
            if state.settings().config.service_profile == ServiceProfile::Recorded2022 =>
        {
            StatusCode::OK
        }
        Written::Created => StatusCode::CREATED,
        Written::Updated => StatusCode::OK,
    };
    let mut response = document.into_response(status);
    if created {
        // For the journal, which tells a replacement from a creation by it (docs/conformance.md).
        response.extensions_mut().insert(OfferCreated);
    }
    Ok(response)
}
