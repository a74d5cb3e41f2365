//! The vocabulary of operations: what they do, their steps, and the statuses the wire shows
//! (docs/behaviour.md#steps).

use std::fmt;
use std::time::Duration;

/// What an operation does (docs/behaviour.md#enumerations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum SubmissionType {
    Publish,
    GoLive,
}

impl SubmissionType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SubmissionType::Publish => "publish",
            SubmissionType::GoLive => "goLive",
        }
    }

    /// The steps an operation of this type runs through, in order (docs/behaviour.md#steps).
    pub(crate) fn steps(self) -> &'static [StepId] {
        match self {
            SubmissionType::Publish => &[
                StepId::ValidatePrerequisites,
                StepId::Certification,
                StepId::Provisioning,
                StepId::Packaging,
                StepId::PublisherSignoff,
            ],
            SubmissionType::GoLive => &[StepId::PublisherSignoff, StepId::Live],
        }
    }

    /// How long a step takes when the fixture does not say, before the time scale applies.
    /// Seconds rather than the real days, so that a pipeline run against the mock ends.
    pub(crate) fn default_duration(self, step: StepId) -> Duration {
        let secs = match (self, step) {
            (SubmissionType::Publish, StepId::Certification) => 4,
            // In a publish, sign-off is reached, not performed: the step waits for go-live.
            (SubmissionType::Publish, StepId::PublisherSignoff) => 0,
            (SubmissionType::GoLive, StepId::PublisherSignoff) => 1,
            (SubmissionType::GoLive, StepId::Live) => 4,
            _ => 2,
        };
        Duration::from_secs(secs)
    }
}

impl fmt::Display for SubmissionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step of the CPP publishing pipeline (docs/behaviour.md#steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepId {
    ValidatePrerequisites,
    Certification,
    Provisioning,
    Packaging,
    PublisherSignoff,
    Live,
}

impl StepId {
    /// Every step, in pipeline order.
    pub(crate) const ALL: [StepId; 6] = [
        StepId::ValidatePrerequisites,
        StepId::Certification,
        StepId::Provisioning,
        StepId::Packaging,
        StepId::PublisherSignoff,
        StepId::Live,
    ];

    pub(crate) fn id(self) -> &'static str {
        match self {
            StepId::ValidatePrerequisites => "displaydummycertify",
            StepId::Certification => "displaycertify",
            StepId::Provisioning => "displayprovision",
            StepId::Packaging => "displaypackage",
            StepId::PublisherSignoff => "publisher-signoff",
            StepId::Live => "live",
        }
    }

    /// The display name. Sign-off's `stepName` is its id, because azure-img-utils finds the
    /// step by `stepName == "publisher-signoff"` (docs/behaviour.md#steps).
    pub(crate) fn step_name(self) -> &'static str {
        match self {
            StepId::ValidatePrerequisites => "Validate Pre-Requisites",
            StepId::Certification => "Certification",
            StepId::Provisioning => "Provisioning",
            StepId::Packaging => "Packaging and Lead Generation Registration",
            StepId::PublisherSignoff => "publisher-signoff",
            StepId::Live => "Live",
        }
    }

    pub(crate) fn description(self) -> &'static str {
        match self {
            StepId::ValidatePrerequisites => "Offer settings are validated",
            StepId::Certification => "The offer is checked by certification systems",
            StepId::Provisioning => "The offer is provisioned to the marketplace",
            StepId::Packaging => "The offer is packaged and lead generation is registered",
            StepId::PublisherSignoff => {
                "The publisher reviews the offer in preview before it goes live"
            }
            StepId::Live => "The offer is pushed to production",
        }
    }

    pub(crate) fn estimated_time_frame(self) -> &'static str {
        match self {
            StepId::ValidatePrerequisites => "< 15 min",
            StepId::Certification => "< 5 day",
            StepId::Provisioning => "< 1 day",
            StepId::Packaging => "< 1 hour",
            StepId::PublisherSignoff => "< 1 hour",
            StepId::Live => "~2-5 days",
        }
    }
}

/// Operation `status` (docs/behaviour.md#enumerations). How `Complete` is spelt on the wire is a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OperationStatus {
    Running,
    Complete,
    Failed,
    Canceled,
}

impl OperationStatus {
    pub(crate) fn is_terminal(self) -> bool {
        !matches!(self, OperationStatus::Running)
    }
}

/// `cancellationRequestState` (docs/behaviour.md#operation; the last two names are ours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancellationState {
    CanCancel,
    CancelRequested,
    CannotCancel,
}

impl CancellationState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CancellationState::CanCancel => "canCancel",
            CancellationState::CancelRequested => "cancelRequested",
            CancellationState::CannotCancel => "cannotCancel",
        }
    }
}

/// Step `status` (docs/behaviour.md#enumerations, the status page's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepStatus {
    NotStarted,
    InProgress,
    WaitingForPublisherReview,
    Complete,
    Rejected,
    Canceled,
}

impl StepStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "notStarted",
            StepStatus::InProgress => "inProgress",
            StepStatus::WaitingForPublisherReview => "waitingForPublisherReview",
            StepStatus::Complete => "complete",
            StepStatus::Rejected => "rejected",
            StepStatus::Canceled => "canceled",
        }
    }
}

/// Offer `status` (docs/behaviour.md#enumerations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OfferStatus {
    NeverPublished,
    Running,
    /// In an offer document only: the publish is done and its sign-off waits for go-live.
    WaitingForPublisherReview,
    Succeeded,
    Canceled,
    Failed,
}

impl OfferStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OfferStatus::NeverPublished => "neverPublished",
            OfferStatus::Running => "running",
            OfferStatus::WaitingForPublisherReview => "waitingForPublisherReview",
            OfferStatus::Succeeded => "succeeded",
            OfferStatus::Canceled => "canceled",
            OfferStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for OfferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
