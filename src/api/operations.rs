//! Reading operations: by GUID (E12, and its `submissions/operations` alias) and by the
//! non-migrated `$` key (E13). The body is one JSON object (cpp-api.md §3.6, Q9).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;

use crate::config::SuccessStatus;
use crate::domain::{
    DomainError, Found, Message, Offer, Operation, OperationId, OperationKey, OperationStatus,
    StepSnapshot, SubmissionType, Timestamp, WireTime,
};
use crate::state::{AppState, Rendered, WorldId};

use super::caller::Caller;
use super::docs::{ApiVersionQuery, CppErrors, OfferPath};
use super::error::Result;
use super::extract::Path;
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
    State(state): State<AppState>,
    _: Caller,
    Path((publisher, offer, operation)): Path<(String, String, String)>,
) -> Result<Response> {
    let now = state.now();
    let polled = state.with_world(|world| {
        let loc = world.store.locate_offer(&publisher, &offer)?;
        let id = OperationId::parse(&operation)?;
        let found = world.store.read_in(loc, id, now)?;
        Ok::<_, DomainError>(Polled::of(found, &world.rendered))
    })?;
    Ok(answer_poll(&state, polled, now))
}

/// E12 by the path openshift-ansible can build:
/// `GET /api/publishers/{publisherId}/offers/{offerId}/submissions/operations/{operationId}`
/// (cpp-api.md §2.7), answered as [`get_operation`].
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
    state: State<AppState>,
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
    State(state): State<AppState>,
    _: Caller,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = OperationKey::parse(&key)?;
    let now = state.now();
    let polled = state.with_world(|world| {
        let found = world.store.read_by_key(&key, now)?;
        Ok::<_, DomainError>(Polled::of(found, &world.rendered))
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
    State(state): State<AppState>,
    _: Caller,
    Path((publisher, offer)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let filter = Filter::parse(uri.query().unwrap_or(""));
    let now = state.now();
    let success = state.settings().success_status;
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
    state: State<AppState>,
    caller: Caller,
    path: Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    list_submissions(state, caller, path, uri).await
}

/// The list filters: `status` (documented) or `submissionState` (devigned/pub), value
/// compared ignoring case with `complete`, `completed` and `succeeded` alike (decision 2);
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

/// An operations-list item (cpp-api.md §3.5).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Submission {
    #[schema(value_type = String)]
    id: OperationId,
    offer_id: String,
    offer_version: u32,
    offer_type_id: String,
    publisher_id: String,
    submission_type: &'static str,
    submission_state: &'static str,
    status: &'static str,
    publishing_version: u32,
    slot: &'static str,
    version: u64,
    definition: SubmissionDefinition,
    #[schema(value_type = String)]
    changed_time: WireTime,
    #[schema(value_type = String)]
    created_date_time: WireTime,
    #[schema(value_type = String)]
    last_action_date_time: WireTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SubmissionDefinition {
    metadata: SubmissionMetadata,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SubmissionMetadata {
    emails: String,
}

impl Submission {
    fn new(
        publisher: &str,
        offer: &Offer,
        op: &Operation,
        now: Timestamp,
        success: SuccessStatus,
    ) -> Self {
        let status = op.status_at(now);
        let last_action = op.snapshot(now).last_action;
        let state = status_str(status, success);
        Self {
            id: op.id,
            offer_id: offer.id.clone(),
            offer_version: op.offer_version,
            offer_type_id: offer.revision(op.offer_version).map_or_else(
                || offer.draft.offer_type_id.clone(),
                |r| r.offer_type_id.clone(),
            ),
            publisher_id: publisher.to_owned(),
            submission_type: op.kind().as_str(),
            submission_state: state,
            status: state,
            publishing_version: op.publishing_version,
            slot: match op.kind() {
                SubmissionType::Publish => "staging",
                SubmissionType::GoLive => "production",
            },
            version: last_action.dotnet_ticks(),
            definition: SubmissionDefinition {
                metadata: SubmissionMetadata {
                    emails: op.notification_emails().unwrap_or("").to_owned(),
                },
            },
            changed_time: last_action.wire(),
            created_date_time: op.created.wire(),
            last_action_date_time: last_action.wire(),
            error: (status == OperationStatus::Failed)
                .then(|| op.plan.failure().map(|f| f.message.clone()))
                .flatten(),
        }
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
    let detail = OperationDetail::new(&operation, migrated, now, state.settings().success_status);
    let Some(body) = json_bytes(&detail).map(Bytes::from) else {
        return json(StatusCode::OK, &detail);
    };
    if operation.status_at(now) != OperationStatus::Running {
        state.with_world(|w| w.rendered.keep(world, operation.id, body.clone()));
    }
    json_response(StatusCode::OK, body)
}

/// The operation detail object (cpp-api.md §3.6).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OperationDetail {
    #[schema(value_type = String)]
    id: OperationId,
    submission_type: &'static str,
    status: &'static str,
    messages: Vec<WireMessage>,
    publishing_version: u32,
    offer_version: u32,
    cancellation_request_state: &'static str,
    #[schema(value_type = String)]
    created_date_time: WireTime,
    #[schema(value_type = String)]
    last_action_date_time: WireTime,
    steps: Vec<WireStep>,
    #[schema(value_type = Vec<Object>)]
    preview_links: [(); 0],
    #[schema(value_type = Vec<Object>)]
    live_links: [(); 0],
    /// Non-migrated offers only (cpp-api.md §2.8).
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_emails: Option<String>,
    /// The failure message, on failed operations only (cpp-api.md §3.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireStep {
    id: &'static str,
    step_name: &'static str,
    description: &'static str,
    estimated_time_frame: &'static str,
    status: &'static str,
    progress_percentage: u8,
    messages: Vec<WireMessage>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireMessage {
    message_html: String,
    level: &'static str,
    #[schema(value_type = String)]
    timestamp: WireTime,
}

impl From<Message> for WireMessage {
    fn from(m: Message) -> Self {
        Self {
            message_html: m.html,
            level: m.level.as_str(),
            timestamp: m.timestamp.wire(),
        }
    }
}

impl From<StepSnapshot> for WireStep {
    fn from(s: StepSnapshot) -> Self {
        Self {
            id: s.step.id(),
            step_name: s.step.step_name(),
            description: s.step.description(),
            estimated_time_frame: s.step.estimated_time_frame(),
            status: s.status.as_str(),
            progress_percentage: s.progress_percentage,
            messages: s.messages.into_iter().map(WireMessage::from).collect(),
        }
    }
}

impl OperationDetail {
    pub(crate) fn new(
        operation: &Operation,
        migrated: bool,
        now: Timestamp,
        success: SuccessStatus,
    ) -> Self {
        let snapshot = operation.snapshot(now);
        let messages = snapshot
            .error
            .as_ref()
            .map(|error| {
                vec![WireMessage {
                    message_html: error.clone(),
                    level: "error",
                    timestamp: snapshot.last_action.wire(),
                }]
            })
            .unwrap_or_default();
        Self {
            id: operation.id,
            submission_type: operation.kind().as_str(),
            status: status_str(snapshot.status, success),
            messages,
            publishing_version: operation.publishing_version,
            offer_version: operation.offer_version,
            cancellation_request_state: operation.cancellation_state(now).as_str(),
            created_date_time: operation.created.wire(),
            last_action_date_time: snapshot.last_action.wire(),
            steps: snapshot.steps.into_iter().map(WireStep::from).collect(),
            preview_links: [],
            live_links: [],
            notification_emails: if migrated {
                None
            } else {
                Some(operation.notification_emails().unwrap_or("").to_owned())
            },
            error: snapshot.error,
        }
    }
}

/// Operation status on the wire; success is spelt as configured (cpp-api.md decision 2).
pub(crate) fn status_str(status: OperationStatus, success: SuccessStatus) -> &'static str {
    match status {
        OperationStatus::Running => "running",
        OperationStatus::Complete => success.as_str(),
        OperationStatus::Failed => "failed",
        OperationStatus::Canceled => "canceled",
    }
}
