//! Reading operations: by GUID (E12, and its `submissions/operations` alias) and by the
//! non-migrated `$` key (E13). The body is one JSON object (docs/behaviour.md#operation).

use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use crate::domain::{
    DomainError, Found, Operation, OperationId, OperationKey, OperationStatus, Timestamp,
};
use crate::state::{AppState, InWorld, Rendered, WorldId};

use super::caller::Caller;
use super::docs::{ApiVersionQuery, CppErrors, OfferPath};
use super::error::{ApiError, Result};
use super::extract::Path;
use super::wire::{OperationDetail, Submission};
use crate::reply::{json, json_bytes, json_response};

/// E12 `GET /api/publishers/{publisherId}/offers/{offerId}/operations/{operationId}`.
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}/operations/{operationId}",
    tag = "cpp",
    summary = "Get an operation",
    security(("bearer" = [])),
    params(OfferPath, ("operationId" = uuid::Uuid, Path, description = "The operation's GUID"), ApiVersionQuery),
    responses(
        (status = 200, description = "The operation", body = OperationDetail),
        CppErrors,
    )
)]
pub(crate) async fn get_operation(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer, operation)): Path<(String, String, String)>,
) -> Result<Response> {
    let now = state.now();
    let polled = state.change(|world| {
        let loc = world.store.locate_offer(&publisher, &offer)?;
        let id = OperationId::parse(&operation)?;
        let found = world.store.read_in(loc, id, now)?;
        Ok::<_, ApiError>(Polled::of(found, &world.rendered))
    })?;
    Ok(answer_poll(&state, polled, now))
}

/// E12 by the path openshift-ansible can build:
/// `GET /api/publishers/{publisherId}/offers/{offerId}/submissions/operations/{operationId}`
/// (docs/behaviour.md#routing), answered as [`get_operation`].
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}/submissions/operations/{operationId}",
    tag = "cpp",
    summary = "Get an operation (alias)",
    description = "The same as GET …/operations/{operationId}.",
    security(("bearer" = [])),
    params(OfferPath, ("operationId" = uuid::Uuid, Path, description = "The operation's GUID"), ApiVersionQuery),
    responses(
        (status = 200, description = "The operation", body = OperationDetail),
        CppErrors,
    )
)]
pub(crate) async fn get_submission_operation(
    state: InWorld,
    caller: Caller,
    path: Path<(String, String, String)>,
) -> Result<Response> {
    get_operation(state, caller, path).await
}

/// E13 `GET /api/operations/{publisherId}${offerId}${n}${preview|production}`.
#[utoipa::path(
    get,
    path = "/api/operations/{operationKey}",
    tag = "cpp",
    summary = "Get an operation of a non-migrated offer",
    security(("bearer" = [])),
    params(("operationKey" = String, Path, description = "{publisherId}${offerId}${n}$preview or $production", example = "contoso$legacy-offer$1$preview", pattern = r"^[A-Za-z0-9._-]{1,128}\$[A-Za-z0-9._-]{1,128}\$[0-9]{1,9}\$(preview|staging|production)$"), ApiVersionQuery),
    responses(
        (status = 200, description = "The operation", body = OperationDetail),
        CppErrors,
    )
)]
pub(crate) async fn get_operation_by_key(
    InWorld(state): InWorld,
    _: Caller,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = OperationKey::parse(&key)?;
    let now = state.now();
    let polled = state.change(|world| {
        let found = world.store.read_by_key(&key, now)?;
        Ok::<_, ApiError>(Polled::of(found, &world.rendered))
    })?;
    Ok(answer_poll(&state, polled, now))
}

/// E11 `GET /api/publishers/{publisherId}/offers/{offerId}/submissions` (also `…/operations`):
/// the offer's operations, newest first, filtered by `status` or `submissionState`.
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}/submissions",
    tag = "cpp",
    summary = "List operations",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery, ("status" = Option<String>, Query, description = "Keep operations with this status"),("submissionState" = Option<String>, Query, description = "The same filter, as devigned/pub sends it"),("includeCompleted" = Option<String>, Query, description = "false: running operations only")),
    responses(
        (status = 200, description = "Operations, newest first", body = Vec<Submission>),
        CppErrors,
    )
)]
pub(crate) async fn list_submissions(
    InWorld(state): InWorld,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let filter = Filter::parse(uri.query().unwrap_or(""));
    let now = state.now();
    let success = state.settings().config.success_status;
    let items = state.with_world(|world| {
        let loc = world.store.locate_offer(&publisher, &offer)?;
        let publisher = &world.store.publisher_at(loc).id;
        let offer = world.store.offer_at(loc);
        Ok::<_, DomainError>(
            offer
                .operations
                .iter()
                .rev()
                .filter(|op| filter.keeps(op.status_at(now)))
                .map(|op| Submission::new(publisher, offer, op, now, success))
                .collect::<Vec<_>>(),
        )
    })?;
    Ok(json(StatusCode::OK, &items))
}

/// E11 by the path some clients use: `GET /api/publishers/{publisherId}/offers/{offerId}/operations`,
/// answered as [`list_submissions`].
#[utoipa::path(
    get,
    path = "/api/publishers/{publisherId}/offers/{offerId}/operations",
    tag = "cpp",
    summary = "List operations (alias)",
    description = "The same as GET …/submissions.",
    security(("bearer" = [])),
    params(OfferPath, ApiVersionQuery, ("status" = Option<String>, Query, description = "Keep operations with this status"),("submissionState" = Option<String>, Query, description = "The same filter, as devigned/pub sends it"),("includeCompleted" = Option<String>, Query, description = "false: running operations only")),
    responses(
        (status = 200, description = "Operations, newest first", body = Vec<Submission>),
        CppErrors,
    )
)]
pub(crate) async fn list_operations(
    state: InWorld,
    caller: Caller,
    path: Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    list_submissions(state, caller, path, uri).await
}

/// The list filters: `status` (documented) or `submissionState` (devigned/pub), value
/// compared ignoring case with `complete`, `completed` and `succeeded` alike (docs/behaviour.md#enumerations);
/// `includeCompleted=false` keeps running operations only (our extension).
#[derive(Debug, Default)]
struct Filter {
    /// `Some(None)`: a status no operation can have, so nothing matches.
    status: Option<Option<OperationStatus>>,
    running_only: bool,
}

impl Filter {
    fn parse(query: &str) -> Self {
        let mut filter = Filter::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if key.eq_ignore_ascii_case("status") || key.eq_ignore_ascii_case("submissionState") {
                filter.status = Some(match value.to_ascii_lowercase().as_str() {
                    "running" | "inprogress" => Some(OperationStatus::Running),
                    "complete" | "completed" | "succeeded" => Some(OperationStatus::Complete),
                    "failed" => Some(OperationStatus::Failed),
                    "canceled" | "cancelled" => Some(OperationStatus::Canceled),
                    _ => None,
                });
            } else if key.eq_ignore_ascii_case("includeCompleted") {
                filter.running_only = value.eq_ignore_ascii_case("false");
            }
        }
        filter
    }

    fn keeps(&self, status: OperationStatus) -> bool {
        let by_status = match self.status {
            None => true,
            Some(wanted) => wanted == Some(status),
        };
        by_status && !(self.running_only && status.is_terminal())
    }
}

/// A read of an operation, under the lock: the body kept for it if it has finished and was
/// answered before, else what a new body needs (copied out, so the lock is released before
/// the body is built).
enum Polled {
    Kept(Bytes),
    Fresh {
        operation: Operation,
        /// Whether its offer is migrated (which decides `notificationEmails`).
        migrated: bool,
        /// The world the operation was read from, for keeping its body.
        world: WorldId,
    },
}

impl Polled {
    fn of(found: Found<'_>, rendered: &Rendered) -> Self {
        match rendered.get(found.operation.id) {
            Some(body) => Polled::Kept(body),
            None => Polled::Fresh {
                operation: found.operation.clone(),
                migrated: found.offer.migrated,
                world: rendered.world(),
            },
        }
    }
}

/// The operation detail as the answer to a poll; the body of a finished operation is kept
/// for the next poll (it cannot change any more: the success spelling and the offer's
/// migration are fixed).
fn answer_poll(state: &AppState, polled: Polled, now: Timestamp) -> Response {
    let (operation, migrated, world) = match polled {
        Polled::Kept(body) => return json_response(StatusCode::OK, body),
        Polled::Fresh {
            operation,
            migrated,
            world,
        } => (operation, migrated, world),
    };
    let detail = OperationDetail::new(
        &operation,
        migrated,
        now,
        state.settings().config.success_status,
    );
    let Some(body) = json_bytes(&detail).map(Bytes::from) else {
        return json(StatusCode::OK, &detail);
    };
    if operation.status_at(now) != OperationStatus::Running {
        state.with_world(|w| w.rendered.keep(world, operation.id, body.clone()));
    }
    json_response(StatusCode::OK, body)
}
