//! Reading operations: by GUID (E12, and its `submissions/operations` alias) and by the
//! non-migrated `$` key (E13). The body is one JSON object (cpp-api.md §3.6, Q9).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::config::SuccessStatus;
use crate::domain::{
    Found, Message, Operation, OperationId, OperationKey, OperationStatus, StepSnapshot, Timestamp,
};
use crate::state::AppState;

use super::error::Result;
use super::extract::Path;
use super::response::json;

/// E12 `GET /api/publishers/{publisherId}/offers/{offerId}/operations/{operationId}`.
pub(crate) async fn get_operation(
    State(state): State<AppState>,
    Path((publisher, offer, operation)): Path<(String, String, String)>,
) -> Result<Response> {
    let now = state.now();
    let (operation, migrated) = state.with_world(|world| {
        let loc = world.store.locate_offer(&publisher, &offer)?;
        let id = OperationId::parse(&operation)?;
        Ok::<_, crate::domain::DomainError>(owned(world.store.operation_in(loc, id)?))
    })?;
    Ok(detail_response(&state, &operation, migrated, now))
}

/// E13 `GET /api/operations/{publisherId}${offerId}${n}${preview|production}`.
pub(crate) async fn get_operation_by_key(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = OperationKey::parse(&key)?;
    let now = state.now();
    let (operation, migrated) =
        state.with_world(|world| world.store.operation_by_key(&key).map(owned))?;
    Ok(detail_response(&state, &operation, migrated, now))
}

/// What the answer needs, copied out so the lock is released before the snapshot is built.
fn owned(found: Found<'_>) -> (Operation, bool) {
    (found.operation.clone(), found.offer.migrated)
}

fn detail_response(
    state: &AppState,
    operation: &Operation,
    migrated: bool,
    now: Timestamp,
) -> Response {
    let detail = OperationDetail::new(operation, migrated, now, state.settings().success_status);
    json(StatusCode::OK, &detail)
}

/// The operation detail object (cpp-api.md §3.6).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OperationDetail {
    id: String,
    submission_type: &'static str,
    status: &'static str,
    messages: Vec<WireMessage>,
    publishing_version: u32,
    offer_version: u32,
    cancellation_request_state: &'static str,
    created_date_time: String,
    last_action_date_time: String,
    steps: Vec<WireStep>,
    preview_links: [(); 0],
    live_links: [(); 0],
    /// Non-migrated offers only (cpp-api.md §2.8).
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_emails: Option<String>,
    /// The failure message, on failed operations only (cpp-api.md §3.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WireStep {
    id: &'static str,
    step_name: &'static str,
    description: &'static str,
    estimated_time_frame: &'static str,
    status: &'static str,
    progress_percentage: u8,
    messages: Vec<WireMessage>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WireMessage {
    message_html: String,
    level: &'static str,
    timestamp: String,
}

impl From<Message> for WireMessage {
    fn from(m: Message) -> Self {
        Self {
            message_html: m.html,
            level: m.level.as_str(),
            timestamp: m.timestamp.to_string(),
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
                    timestamp: snapshot.last_action.to_string(),
                }]
            })
            .unwrap_or_default();
        Self {
            id: operation.id.to_string(),
            submission_type: operation.kind().as_str(),
            status: status_str(snapshot.status, success),
            messages,
            publishing_version: operation.publishing_version,
            offer_version: operation.offer_version,
            cancellation_request_state: if snapshot.status.is_terminal() {
                "cannotCancel"
            } else {
                "canCancel"
            },
            created_date_time: operation.created.to_string(),
            last_action_date_time: snapshot.last_action.to_string(),
            steps: snapshot.steps.into_iter().map(WireStep::from).collect(),
            preview_links: [],
            live_links: [],
            notification_emails: if migrated {
                None
            } else {
                Some(
                    operation
                        .notification_emails
                        .as_deref()
                        .unwrap_or("")
                        .to_owned(),
                )
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
