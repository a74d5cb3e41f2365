//! Offers: what a fixture or a PUT defines, the operations run on them, and the offer status
//! derived from the newest operation.

use std::fmt;
use std::sync::Arc;

use super::operation::{Operation, OperationPlan, OperationStatus, SubmissionType};
use super::time::Timestamp;

/// Offer `status` (cpp-api.md §3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OfferStatus {
    NeverPublished,
    Running,
    Succeeded,
    Canceled,
    Failed,
}

impl OfferStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OfferStatus::NeverPublished => "neverPublished",
            OfferStatus::Running => "running",
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

/// How the offer's publish and go-live operations run (fixture-driven).
#[derive(Debug, Clone)]
pub(crate) struct Plans {
    pub(crate) publish: Arc<OperationPlan>,
    pub(crate) go_live: Arc<OperationPlan>,
}

impl Plans {
    pub(crate) fn for_kind(&self, kind: SubmissionType) -> &Arc<OperationPlan> {
        match kind {
            SubmissionType::Publish => &self.publish,
            SubmissionType::GoLive => &self.go_live,
        }
    }
}

#[derive(Debug, Clone)]
#[expect(
    dead_code,
    reason = "offer_type_id and definition are kept from the fixtures for the offer endpoints"
)]
pub(crate) struct Offer {
    /// The id as first spelt; lookups ignore case.
    pub(crate) id: String,
    pub(crate) offer_type_id: String,
    /// Migrated offers name operations by GUID, others by a `$` key (cpp-api.md §2.8).
    pub(crate) migrated: bool,
    /// The draft's version.
    pub(crate) version: u32,
    /// Counts publishes; the `n` of a non-migrated operation key.
    pub(crate) publishing_version: u32,
    pub(crate) definition: serde_json::Value,
    pub(crate) plans: Plans,
    /// Oldest first. At most the last one can still be running.
    pub(crate) operations: Vec<Operation>,
}

/// What a go-live would push to production: the versions waiting in preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Promotion {
    pub(crate) offer_version: u32,
    pub(crate) publishing_version: u32,
}

impl Offer {
    pub(crate) fn last_operation(&self) -> Option<&Operation> {
        self.operations.last()
    }

    /// The operation still running at `now`, if any.
    pub(crate) fn running_operation(&self, now: Timestamp) -> Option<&Operation> {
        self.last_operation()
            .filter(|op| op.status_at(now) == OperationStatus::Running)
    }

    /// The offer status at `now`, from the newest operation. A publish that reached sign-off
    /// leaves the offer `running` (sign-off waiting), the shape azure-img-utils looks for.
    pub(crate) fn status_at(&self, now: Timestamp) -> OfferStatus {
        let Some(last) = self.last_operation() else {
            return OfferStatus::NeverPublished;
        };
        match (last.kind(), last.status_at(now)) {
            (_, OperationStatus::Running) => OfferStatus::Running,
            (SubmissionType::Publish, OperationStatus::Complete) => OfferStatus::Running,
            (SubmissionType::GoLive, OperationStatus::Complete) => OfferStatus::Succeeded,
            (_, OperationStatus::Failed) => OfferStatus::Failed,
            (_, OperationStatus::Canceled) => OfferStatus::Canceled,
        }
    }

    /// What waits in preview for a go-live at `now`, or why nothing does (in words that
    /// complete the sentence "nothing waiting in preview (offer status: …").
    ///
    /// Something waits after a publish that completed, and still after a go-live of it that
    /// failed or was canceled: failed and canceled operations leave the offer where it was.
    pub(crate) fn awaiting_go_live(&self, now: Timestamp) -> Result<Promotion, String> {
        let Some(last) = self.last_operation() else {
            return Err("; it has never been published".to_owned());
        };
        let status = last.status_at(now);
        let waiting = matches!(
            (last.kind(), status),
            (SubmissionType::Publish, OperationStatus::Complete)
                | (
                    SubmissionType::GoLive,
                    OperationStatus::Failed | OperationStatus::Canceled
                )
        );
        if waiting {
            return Ok(Promotion {
                offer_version: last.offer_version,
                publishing_version: last.publishing_version,
            });
        }
        Err(match (last.kind(), status) {
            (SubmissionType::Publish, OperationStatus::Failed) => {
                format!("; the last publish operation '{}' failed", last.id)
            }
            (SubmissionType::Publish, OperationStatus::Canceled) => {
                format!("; the last publish operation '{}' was canceled", last.id)
            }
            (SubmissionType::GoLive, OperationStatus::Complete) => format!(
                "; version {} is already live and no newer version waits in preview",
                last.offer_version
            ),
            (kind, _) => format!("; a {kind} operation '{}' is running", last.id),
        })
    }
}
