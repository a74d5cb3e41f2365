//! Offers: their saved document versions (with ETags), the operations run on them, and what
//! follows from the newest operation: offer status, slots, what waits for go-live.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::document::{ETag, OfferWrite};
use super::error::DomainError;
use super::operation::Operation;
use super::plan::OperationPlan;
use super::snapshot::{Message, MessageLevel, StepSnapshot};
use super::step::{OfferStatus, OperationStatus, StepId, StepStatus, SubmissionType};
use super::time::Timestamp;

/// How the offer's publish and go-live operations run (fixture-driven).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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

/// One saved version of the offer document.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Revision {
    pub(crate) version: u32,
    pub(crate) changed: Timestamp,
    pub(crate) offer_type_id: String,
    /// `definition` and every other top-level key the client owns, as last written.
    pub(crate) body: Arc<Map<String, Value>>,
}

impl Revision {
    pub(crate) fn new(
        version: u32,
        changed: Timestamp,
        offer_type_id: String,
        body: Map<String, Value>,
    ) -> Self {
        Self {
            version,
            changed,
            offer_type_id,
            body: Arc::new(body),
        }
    }

    pub(crate) fn etag(&self) -> ETag {
        ETag::of(self.changed)
    }

    /// `definition.displayText`, for offer summaries.
    pub(crate) fn display_text(&self) -> Option<&str> {
        self.body.get("definition")?.get("displayText")?.as_str()
    }
}

/// The three places a document version can be (docs/behaviour.md#e5-get-an-offer-slot); `staging` is preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Draft,
    Preview,
    Production,
}

impl Slot {
    pub(crate) fn parse(value: &str) -> Result<Self, DomainError> {
        match value.to_ascii_lowercase().as_str() {
            "draft" => Ok(Slot::Draft),
            "preview" | "staging" => Ok(Slot::Preview),
            "production" => Ok(Slot::Production),
            _ => Err(DomainError::UnknownSlot(value.to_owned())),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Offer {
    /// The id as first spelt; lookups ignore case.
    pub(crate) id: String,
    /// Migrated offers name operations by GUID, others by a `$` key (docs/behaviour.md#migrated-and-non-migrated-offers).
    pub(crate) migrated: bool,
    /// Counts publishes; the `n` of a non-migrated operation key.
    pub(crate) publishing_version: u32,
    pub(crate) plans: Plans,
    /// Why publish answers 422, when the fixture says the offer fails validation.
    pub(crate) validation_error: Option<String>,
    /// The current document, what GET and the draft slot show. Its `version` is the newest
    /// published one (or the fixture's): a PUT changes the document, not the version.
    pub(crate) draft: Revision,
    /// The versions published on this server and those the fixture declares, oldest first,
    /// for `versions/{n}` and the slots.
    pub(crate) history: Vec<Revision>,
    /// Oldest first. At most the last one can still be running.
    pub(crate) operations: Vec<Operation>,
}

/// What a go-live would push to production: the versions waiting in preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Promotion {
    pub(crate) offer_version: u32,
    pub(crate) publishing_version: u32,
}

/// The offer status object of docs/behaviour.md#offer-status-page at one instant.
#[derive(Debug, Clone)]
pub(crate) struct StatusView {
    pub(crate) status: OfferStatus,
    pub(crate) messages: Vec<Message>,
    pub(crate) steps: Vec<StepSnapshot>,
    pub(crate) notification_emails: Option<String>,
}

impl Offer {
    /// Shares the document of a read-back version with the newest version or the draft when
    /// they are equal (a publish keeps the draft's document as it is), as when it was made.
    pub(crate) fn share_body(&self, revision: &mut Revision) {
        let candidates = [self.history.last(), Some(&self.draft)];
        if let Some(same) = candidates
            .into_iter()
            .flatten()
            .find(|kept| kept.body == revision.body)
        {
            revision.body = Arc::clone(&same.body);
        }
    }

    /// `share_body` for the whole history of an offer read back whole.
    pub(crate) fn share_bodies(&mut self) {
        let history = std::mem::take(&mut self.history);
        for mut revision in history {
            self.share_body(&mut revision);
            self.history.push(revision);
        }
    }

    pub(crate) fn last_operation(&self) -> Option<&Operation> {
        self.operations.last()
    }

    /// The operation still running at `now`, if any.
    pub(crate) fn running_operation(&self, now: Timestamp) -> Option<&Operation> {
        self.last_operation()
            .filter(|op| op.status_at(now) == OperationStatus::Running)
    }

    /// The document of version `version`, if it was published or declared by the fixture.
    pub(crate) fn revision(&self, version: u32) -> Option<&Revision> {
        let i = self
            .history
            .binary_search_by_key(&version, |r| r.version)
            .ok()?;
        self.history.get(i)
    }

    /// What a slot holds at `now`: the draft, or the version the newest completed publish
    /// (preview) or go-live (production) pushed there.
    pub(crate) fn slot_at(&self, slot: Slot, now: Timestamp) -> Option<&Revision> {
        let kind = match slot {
            Slot::Draft => return Some(&self.draft),
            Slot::Preview => SubmissionType::Publish,
            Slot::Production => SubmissionType::GoLive,
        };
        self.operations
            .iter()
            .rev()
            .find(|op| op.kind() == kind && op.status_at(now) == OperationStatus::Complete)
            .and_then(|op| self.revision(op.offer_version))
    }

    /// Replaces the draft's document; the version stays (versions count publishes).
    pub(crate) fn write_draft(&mut self, changed: Timestamp, write: OfferWrite) {
        self.draft = Revision::new(self.draft.version, changed, write.offer_type_id, write.body);
    }

    /// Takes the draft as the next version, kept in the history: what a publish publishes.
    pub(crate) fn take_next_version(&mut self) -> u32 {
        let version = self.draft.version + 1;
        self.draft.version = version;
        self.history.push(self.draft.clone());
        version
    }

    /// Whether the draft is, unchanged, the document of `version`.
    pub(crate) fn draft_is(&self, version: u32) -> bool {
        self.revision(version)
            .is_some_and(|r| r.changed == self.draft.changed)
    }

    /// The offer status at `now`, from the newest operation. A publish that reached sign-off
    /// leaves the offer `running` (sign-off waiting), the shape azure-img-utils looks for.
    pub(crate) fn status_at(&self, now: Timestamp) -> OfferStatus {
        self.status_spelt(now, OfferStatus::Running)
    }

    /// The offer status as the offer document and the offers list spell it
    /// (docs/behaviour.md#offer-document): as `status_at`, but a publish done and
    /// waiting for go-live is `waitingForPublisherReview`, as the service answered in 2022.
    pub(crate) fn document_status_at(&self, now: Timestamp) -> OfferStatus {
        self.status_spelt(now, OfferStatus::WaitingForPublisherReview)
    }

    /// The offer status at `now`, `signed_off` for a publish that reached sign-off.
    fn status_spelt(&self, now: Timestamp, signed_off: OfferStatus) -> OfferStatus {
        let Some(last) = self.last_operation() else {
            return OfferStatus::NeverPublished;
        };
        match (last.kind(), last.status_at(now)) {
            (_, OperationStatus::Running) => OfferStatus::Running,
            (SubmissionType::Publish, OperationStatus::Complete) => signed_off,
            (SubmissionType::GoLive, OperationStatus::Complete) => OfferStatus::Succeeded,
            (_, OperationStatus::Failed) => OfferStatus::Failed,
            (_, OperationStatus::Canceled) => OfferStatus::Canceled,
        }
    }

    /// The whole pipeline as the status page shows it (docs/behaviour.md#e7-offer-status): the newest
    /// operation's steps, completed with the steps before or after it.
    pub(crate) fn status_view(&self, now: Timestamp) -> StatusView {
        let Some(last) = self.last_operation() else {
            return StatusView {
                status: OfferStatus::NeverPublished,
                messages: Vec::new(),
                steps: Vec::new(),
                notification_emails: None,
            };
        };
        let snapshot = last.snapshot(now);
        let mut steps = Vec::with_capacity(6);
        match last.kind() {
            SubmissionType::Publish => {
                steps.extend(snapshot.steps);
                // A canceled publish cancels what would have followed it, as its own
                // unfinished steps are: the page and the operation agree.
                let live = if snapshot.status == OperationStatus::Canceled {
                    StepStatus::Canceled
                } else {
                    StepStatus::NotStarted
                };
                steps.push(StepSnapshot::new(StepId::Live, live, 0, Vec::new()));
            }
            SubmissionType::GoLive => {
                // The publish before it reached sign-off: its four working steps are done.
                let publish = &SubmissionType::Publish.steps()[..4];
                steps.extend(
                    publish.iter().map(|&step| {
                        StepSnapshot::new(step, StepStatus::Complete, 100, Vec::new())
                    }),
                );
                steps.extend(snapshot.steps);
            }
        }
        let messages = snapshot
            .error
            .map(|error| {
                vec![Message {
                    html: error,
                    level: MessageLevel::Error,
                    timestamp: snapshot.last_action,
                }]
            })
            .unwrap_or_default();
        StatusView {
            status: self.status_at(now),
            messages,
            steps,
            notification_emails: last.notification_emails().map(str::to_owned),
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

/// The change time of a write at `now`: strictly after `previous` at the 100 ns resolution
/// of the wire format, so every write gets a new ETag even within one tick.
pub(crate) fn next_change_time(previous: Option<Timestamp>, now: Timestamp) -> Timestamp {
    const TICK: u64 = 100;
    let now = Timestamp::from_unix_nanos(now.unix_nanos() / TICK * TICK);
    match previous {
        Some(p) if now <= p => Timestamp::from_unix_nanos(p.unix_nanos() + TICK),
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_have_the_azure_table_form() {
        let t = Timestamp::from_unix_nanos(1_572_473_031_656_205_100);
        assert_eq!(
            ETag::of(t).as_str(),
            "W/\"datetime'2019-10-30T22%3A03%3A51.6562051Z'\""
        );
    }

    #[test]
    fn change_times_always_move_forward_by_at_least_a_tick() {
        let t = Timestamp::from_unix_nanos(1_000_000_050);
        let first = next_change_time(None, t);
        assert_eq!(first.unix_nanos(), 1_000_000_000);
        let second = next_change_time(Some(first), t);
        assert_eq!(second.unix_nanos(), 1_000_000_100);
        let later = Timestamp::from_unix_nanos(2_000_000_000);
        assert_eq!(next_change_time(Some(second), later), later);
    }

    #[test]
    fn slots_parse_ignoring_case_with_staging_as_preview() {
        assert_eq!(Slot::parse("Draft").ok(), Some(Slot::Draft));
        assert_eq!(Slot::parse("staging").ok(), Some(Slot::Preview));
        assert_eq!(Slot::parse("PRODUCTION").ok(), Some(Slot::Production));
        assert!(Slot::parse("live").is_err());
    }
}
