//! The state changes of the CPP publishing flow, each `(&mut Store, …, now)`, with the order
//! of domain checks of cpp-api.md §2.9 in one place: a running operation (409) before the
//! offer's state (400).

use super::error::DomainError;
use super::ids::{KeySlot, OperationId, OperationKey};
use super::offer::Offer;
use super::operation::{Operation, SubmissionType};
use super::store::{OfferLoc, Publisher, Store};
use super::time::Timestamp;

/// The optional body of a go-live (cpp-api.md E9): notification e-mails, as for publish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GoLiveRequest {
    pub(crate) notification_emails: Option<String>,
}

/// Where an operation can be fetched: by GUID on migrated offers, by `$` key on the others
/// (cpp-api.md §2.8).
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

/// Starts pushing what waits in preview to production (cpp-api.md E9).
///
/// Refused while any operation runs on the offer, a go-live included: racing go-lives get
/// one operation and conflicts, never two operations (cpp-api.md decision 3).
pub(crate) fn go_live(
    store: &mut Store,
    loc: OfferLoc,
    request: GoLiveRequest,
    now: Timestamp,
) -> Result<OperationAddress, DomainError> {
    let publisher = store.publisher_at(loc);
    let offer = store.offer_at(loc);
    if let Some(running) = offer.running_operation(now) {
        return Err(DomainError::OperationRunning {
            publisher: publisher.id.clone(),
            offer: offer.id.clone(),
            kind: running.kind(),
            operation: running.id.to_string(),
        });
    }
    let promotion = offer
        .awaiting_go_live(now)
        .map_err(|reason| DomainError::NothingToGoLive {
            publisher: publisher.id.clone(),
            offer: offer.id.clone(),
            status: offer.status_at(now),
            reason,
        })?;
    let notification_emails = request
        .notification_emails
        .map(String::into_boxed_str)
        .or_else(|| {
            offer
                .last_operation()
                .and_then(|op| op.notification_emails.clone())
        });
    let operation = Operation {
        id: OperationId::new_v4(),
        created: now,
        offer_version: promotion.offer_version,
        publishing_version: promotion.publishing_version,
        plan: offer.plans.go_live.clone(),
        notification_emails,
        stopped: None,
    };
    let address = OperationAddress::of(publisher, offer, &operation);
    store.push_operation(loc, operation);
    Ok(address)
}
