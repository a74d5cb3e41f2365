//! The CPP wire shapes of operations: the detail a poll answers (docs/behaviour.md#operation), the
//! operations-list item, steps and messages (also on the offer status page), and how
//! an operation's status is spelt.

use crate::reply::status_str;
use serde::Serialize;

use crate::config::SuccessStatus;
use crate::domain::{
    Message, Offer, Operation, OperationId, OperationStatus, StepSnapshot, SubmissionType,
    Timestamp, WireTime,
};

/// An operations-list item (docs/behaviour.md#operation).
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
    pub(crate) fn new(
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

/// The operation detail object (docs/behaviour.md#operation).
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
    /// Non-migrated offers only (docs/behaviour.md#migrated-and-non-migrated-offers).
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_emails: Option<String>,
    /// The failure message, on failed operations only (docs/behaviour.md#operation).
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
