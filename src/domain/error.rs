//! `DomainError`: every way a CPP request can fail for reasons of state, with no HTTP in it.

use super::offer::OfferStatus;
use super::operation::SubmissionType;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DomainError {
    #[error("Publisher '{publisher}' was not found.")]
    PublisherNotFound { publisher: String },

    #[error("Offer '{offer}' was not found for publisher '{publisher}'.")]
    OfferNotFound { publisher: String, offer: String },

    #[error(
        "Operation '{operation}' was not found for offer '{offer}' of publisher '{publisher}'."
    )]
    OperationNotFound {
        publisher: String,
        offer: String,
        operation: String,
    },

    #[error("Operation '{0}' was not found.")]
    OperationKeyNotFound(String),

    #[error("'{0}' is not a valid operation id: an operation id is a GUID.")]
    MalformedOperationId(String),

    #[error(
        "'{0}' is not a valid operation key: expected '{{publisherId}}${{offerId}}${{n}}$preview' or '…$production'."
    )]
    MalformedOperationKey(String),

    #[error(
        "'{value}' is not a valid {what} id: use 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'."
    )]
    InvalidName { what: &'static str, value: String },

    #[error(
        "Offer '{offer}' of publisher '{publisher}' has nothing waiting in preview to go live (offer status: {status}{reason})."
    )]
    NothingToGoLive {
        publisher: String,
        offer: String,
        status: OfferStatus,
        /// Why, in words: `; the last publish operation '…' failed`, or empty.
        reason: String,
    },

    #[error(
        "Offer '{offer}' of publisher '{publisher}' already has a running {kind} operation '{operation}'; wait for it to end or cancel it."
    )]
    OperationRunning {
        publisher: String,
        offer: String,
        kind: SubmissionType,
        operation: String,
    },
}
