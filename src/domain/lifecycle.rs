//! The state changes of the CPP publishing flow, each `(&mut Store, …, now)`, with the order
//! of domain checks of docs/behaviour.md#order-of-checks in one place: a running operation (409) before the
//! offer's state and validity (400, 422).

use super::document::{IfMatch, OfferWrite};
use super::error::DomainError;
use super::ids::{KeySlot, OperationId, OperationKey, validate_name};
use super::offer::{Offer, Plans, Revision, next_change_time};
use super::operation::ForceError;
use super::operation::Operation;
use super::plan::CancelPlan;
use super::plan::Failure;
use super::step::SubmissionType;
use super::store::{OfferLoc, Publisher, Store};
use super::time::Timestamp;

/// The optional body of publish and go-live: notification e-mails (docs/behaviour.md#e8-publish).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Notify {
    pub(crate) notification_emails: Option<String>,
}

/// Where an operation can be fetched: by GUID on migrated offers, by `$` key on the others
/// (docs/behaviour.md#migrated-and-non-migrated-offers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OperationAddress {
    Migrated {
        publisher: String,
        offer: String,
        id: OperationId,
    },
    Keyed(OperationKey),
}

impl OperationAddress {
    pub(crate) fn of(publisher: &Publisher, offer: &Offer, operation: &Operation) -> Self {
        if offer.migrated {
            OperationAddress::Migrated {
                publisher: publisher.id.clone(),
                offer: offer.id.clone(),
                id: operation.id,
            }
        } else {
            OperationAddress::Keyed(OperationKey {
                publisher: publisher.id.clone(),
                offer: offer.id.clone(),
                publishing_version: operation.publishing_version,
                slot: match operation.kind() {
                    SubmissionType::Publish => KeySlot::Preview,
                    SubmissionType::GoLive => KeySlot::Production,
                },
            })
        }
    }
}

fn running_conflict(publisher: &Publisher, offer: &Offer, running: &Operation) -> DomainError {
    DomainError::OperationRunning {
        publisher: publisher.id.clone(),
        offer: offer.id.clone(),
        kind: running.kind(),
        operation: running.id.to_string(),
    }
}

/// Starts publishing the draft to preview (docs/behaviour.md#e8-publish).
///
/// A publish of the same version already running is answered with that operation (the
/// idempotent publish of docs/behaviour.md#concurrency); any other running operation is a conflict.
pub(crate) fn publish(
    store: &mut Store,
    loc: OfferLoc,
    notify: Notify,
    now: Timestamp,
) -> Result<OperationAddress, DomainError> {
    let publisher = store.publisher_at(loc);
    let offer = store.offer_at(loc);
    if let Some(running) = offer.running_operation(now) {
        if running.kind() == SubmissionType::Publish && offer.draft_is(running.offer_version) {
            return Ok(OperationAddress::of(publisher, offer, running));
        }
        return Err(running_conflict(publisher, offer, running));
    }
    if let Some(reason) = &offer.validation_error {
        return Err(DomainError::InvalidOffer {
            publisher: publisher.id.clone(),
            offer: offer.id.clone(),
            reason: reason.clone(),
        });
    }
    let offer_version = store.publish_draft(loc);
    let offer = store.offer_mut(loc);
    let publishing_version = offer.publishing_version + 1;
    offer.publishing_version = publishing_version;
    Ok(begin_operation(
        store,
        loc,
        SubmissionType::Publish,
        offer_version,
        publishing_version,
        notify,
        now,
    ))
}

/// Starts pushing what waits in preview to production (docs/behaviour.md#e9-go-live).
///
/// Refused while any operation runs on the offer, a go-live included: racing go-lives get
/// one operation and conflicts, never two operations (docs/behaviour.md#concurrency).
pub(crate) fn go_live(
    store: &mut Store,
    loc: OfferLoc,
    notify: Notify,
    now: Timestamp,
) -> Result<OperationAddress, DomainError> {
    let publisher = store.publisher_at(loc);
    let offer = store.offer_at(loc);
    if let Some(running) = offer.running_operation(now) {
        return Err(running_conflict(publisher, offer, running));
    }
    let promotion = offer
        .awaiting_go_live(now)
        .map_err(|reason| DomainError::NothingToGoLive {
            publisher: publisher.id.clone(),
            offer: offer.id.clone(),
            status: offer.status_at(now),
            reason,
        })?;
    // Without e-mails of its own, a go-live notifies whom the publish did.
    let notify = Notify {
        notification_emails: notify.notification_emails.or_else(|| {
            offer
                .last_operation()
                .and_then(|op| op.notification_emails().map(str::to_owned))
        }),
    };
    Ok(begin_operation(
        store,
        loc,
        SubmissionType::GoLive,
        promotion.offer_version,
        promotion.publishing_version,
        notify,
        now,
    ))
}

fn begin_operation(
    store: &mut Store,
    loc: OfferLoc,
    kind: SubmissionType,
    offer_version: u32,
    publishing_version: u32,
    notify: Notify,
    now: Timestamp,
) -> OperationAddress {
    let id = store.next_operation_id();
    let offer = store.offer_at(loc);
    let operation = Operation::start(
        id,
        offer.plans.for_kind(kind),
        store.advance_by_polls(),
        offer_version,
        publishing_version,
        notify.notification_emails.map(String::into_boxed_str),
        now,
    );
    let address = OperationAddress::of(store.publisher_at(loc), offer, &operation);
    store.push_operation(loc, operation);
    address
}

/// What a cancel did (docs/behaviour.md#e10-cancel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// The running operation is canceled now, as a synchronous cancel asks (`200`).
    Done(OperationAddress),
    /// The operation is canceled after its plan's cancel delay, `cancelRequested` until then
    /// (`202`; at once when the delay is zero), or a cancel was already asked for.
    Requested(OperationAddress),
    /// Nothing runs: nothing changes (`202`, as openshift-ansible saw); the newest operation,
    /// if any.
    NothingRunning(Option<OperationAddress>),
}

/// Cancels the operation running on the offer, if any: at once when `synchronous`, else
/// after its plan's cancel delay.
pub(crate) fn cancel(
    store: &mut Store,
    loc: OfferLoc,
    now: Timestamp,
    synchronous: bool,
) -> Result<Cancel, DomainError> {
    let publisher = store.publisher_at(loc);
    let offer = store.offer_at(loc);
    let Some(running) = offer.running_operation(now) else {
        let newest = offer
            .last_operation()
            .map(|op| OperationAddress::of(publisher, offer, op));
        return Ok(Cancel::NothingRunning(newest));
    };
    let address = OperationAddress::of(publisher, offer, running);
    if running.canceled_at().is_some() {
        return Ok(Cancel::Requested(address));
    }
    let (at, outcome) = match running.plan.cancel() {
        CancelPlan::Refused => {
            return Err(DomainError::CannotCancel {
                publisher: publisher.id.clone(),
                offer: offer.id.clone(),
                kind: running.kind(),
                operation: running.id.to_string(),
            });
        }
        _ if synchronous => (now, Cancel::Done(address)),
        CancelPlan::Immediate => (now, Cancel::Requested(address)),
        CancelPlan::After(delay) => (now.plus(delay), Cancel::Requested(address)),
    };
    if let Some(op) = store.last_operation_mut(loc) {
        op.cancel_at(at);
    }
    Ok(outcome)
}

/// What a PUT did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Created,
    Updated,
}

/// A PUT: the checked body and the If-Match header, and whether a missing If-Match on an
/// existing offer is refused (strict mode).
#[derive(Debug, Clone)]
pub(crate) struct Put {
    pub(crate) write: OfferWrite,
    pub(crate) if_match: IfMatch,
    pub(crate) require_if_match: bool,
}

/// Creates or replaces an offer's document (docs/behaviour.md#e6-create-or-replace-an-offer). Each write has a new change
/// time and ETag, the same version (a publish makes the next one); a new offer is version 1,
/// with `plans`.
pub(crate) fn put_offer(
    store: &mut Store,
    publisher: &str,
    offer: &str,
    put: Put,
    plans: &Plans,
    now: Timestamp,
) -> Result<(Written, OfferLoc), DomainError> {
    let Put {
        write,
        if_match,
        require_if_match,
    } = put;
    let p = store.locate_publisher(publisher)?;
    match store.locate_offer(publisher, offer) {
        Ok(loc) => {
            let current = store.offer_at(loc);
            if_match.check(Some(&current.draft.etag()), require_if_match)?;
            let changed = next_change_time(Some(current.draft.changed), now);
            store.offer_mut(loc).write_draft(changed, write);
            Ok((Written::Updated, loc))
        }
        Err(DomainError::OfferNotFound { .. }) => {
            validate_name("offer", offer)?;
            if_match.check(None, require_if_match)?;
            let new = Offer {
                id: offer.to_owned(),
                migrated: true,
                publishing_version: 0,
                plans: plans.clone(),
                validation_error: None,
                draft: Revision::new(
                    1,
                    next_change_time(None, now),
                    write.offer_type_id,
                    write.body,
                ),
                history: Vec::new(),
                operations: Vec::new(),
            };
            let loc = store.add_offer(p, new).map_err(|o| {
                DomainError::InvalidDocument(format!("offer '{}' already exists.", o.id))
            })?;
            Ok((Written::Created, loc))
        }
        Err(e) => Err(e),
    }
}

/// How the control plane ends an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Force {
    Complete,
    /// Fail at the step with this id, with this message.
    Fail {
        step: String,
        message: String,
    },
    Cancel,
}

/// Ends the running operation `id` now, as `force` says, whatever its plan.
pub(crate) fn force(
    store: &mut Store,
    id: OperationId,
    force: Force,
    now: Timestamp,
) -> Result<(), DomainError> {
    let operation = store.operation_mut(id)?;
    let kind = operation.kind();
    let result = match force {
        Force::Complete => operation.force_end(None, now),
        Force::Cancel => operation.force_cancel(now),
        Force::Fail { step, message } => {
            let index = kind
                .steps()
                .iter()
                .position(|s| s.id() == step)
                .ok_or_else(|| DomainError::NotAStep {
                    step: step.clone(),
                    kind,
                })?;
            operation.force_end(
                Some(Failure {
                    step: index,
                    message,
                }),
                now,
            )
        }
    };
    result.map_err(|e| match e {
        ForceError::Ended => DomainError::OperationEnded(id.to_string()),
        ForceError::StepEnded => DomainError::StepEnded(id.to_string()),
    })
}
