//! `DomainError`: every way a CPP request can fail for reasons of state, with no HTTP in it.

use super::step::{OfferStatus, SubmissionType};

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

    #[error("'{0}' is not a slot: use draft, preview (or staging) or production.")]
    UnknownSlot(String),

    #[error("There is no {slot} slot deployed for Offer ID '{offer}', Publisher ID '{publisher}'.")]
    SlotEmpty {
        publisher: String,
        offer: String,
        /// `Staging` for preview, as the service named it (docs/behaviour.md#errors).
        slot: &'static str,
    },

    #[error("'{0}' is not an offer version: a version is a whole number.")]
    MalformedVersion(String),

    #[error("Version {version} of offer '{offer}' of publisher '{publisher}' was not found.")]
    VersionNotFound {
        publisher: String,
        offer: String,
        version: u32,
    },

    #[error("Offer '{offer}' of publisher '{publisher}' failed validation: {reason}")]
    InvalidOffer {
        publisher: String,
        offer: String,
        reason: String,
    },

    #[error("The request body is not a valid offer document: {0}")]
    InvalidDocument(String),

    /// A PUT whose body has no `offerTypeId` (or an empty one): the service's own sentence
    /// (recorded in 2022, docs/behaviour.md#errors).
    #[error("The argument: 'OfferTypeId' cannot be null or empty.")]
    OfferTypeMissing,

    #[error(
        "The If-Match header is required: send the offer's current ETag, or '*' to overwrite whatever is stored."
    )]
    IfMatchRequired,

    #[error("{}", precondition_message(given, current.as_deref()))]
    PreconditionFailed {
        given: String,
        current: Option<String>,
    },

    #[error(
        "The {kind} operation '{operation}' of offer '{offer}' of publisher '{publisher}' can no longer be canceled."
    )]
    CannotCancel {
        publisher: String,
        offer: String,
        kind: SubmissionType,
        operation: String,
    },

    #[error("Operation '{0}' was not found.")]
    UnknownOperation(String),

    #[error("Operation '{0}' has already ended.")]
    OperationEnded(String),

    #[error("The step to fail at has already ended in operation '{0}'.")]
    StepEnded(String),

    #[error("'{step}' is not a step of a {kind} operation.")]
    NotAStep { step: String, kind: SubmissionType },
}

/// The class of a domain error, which each HTTP plane turns into its status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    NotFound,
    Invalid,
    Conflict,
    PreconditionFailed,
    Unprocessable,
}

impl DomainError {
    /// The stable reason code of this refusal (docs/reasons.md), sent in `x-mock-reason`.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            DomainError::PublisherNotFound { .. } => "publisher.not-found",
            DomainError::OfferNotFound { .. } => "offer.not-found",
            DomainError::OperationNotFound { .. }
            | DomainError::OperationKeyNotFound(_)
            | DomainError::UnknownOperation(_) => "operation.not-found",
            DomainError::MalformedOperationId(_) => "operation.malformed-id",
            DomainError::MalformedOperationKey(_) => "operation.malformed-key",
            DomainError::InvalidName { .. } => "name.invalid",
            DomainError::NothingToGoLive { .. } => "lifecycle.nothing-in-preview",
            DomainError::OperationRunning { .. } => "lifecycle.operation-running",
            DomainError::UnknownSlot(_) => "slot.unknown",
            DomainError::SlotEmpty { .. } => "slot.empty",
            DomainError::MalformedVersion(_) => "version.malformed",
            DomainError::VersionNotFound { .. } => "version.not-found",
            DomainError::InvalidOffer { .. } => "offer.invalid",
            DomainError::InvalidDocument(_) | DomainError::OfferTypeMissing => {
                "body.invalid-document"
            }
            DomainError::IfMatchRequired => "etag.missing",
            DomainError::PreconditionFailed { .. } => "etag.stale",
            DomainError::CannotCancel { .. } => "lifecycle.cannot-cancel",
            DomainError::OperationEnded(_) => "lifecycle.operation-ended",
            DomainError::StepEnded(_) => "lifecycle.step-ended",
            DomainError::NotAStep { .. } => "operation.not-a-step",
        }
    }

    pub(crate) fn kind(&self) -> ErrorKind {
        match self {
            DomainError::PublisherNotFound { .. }
            | DomainError::OfferNotFound { .. }
            | DomainError::OperationNotFound { .. }
            | DomainError::OperationKeyNotFound(_)
            | DomainError::SlotEmpty { .. }
            | DomainError::VersionNotFound { .. }
            | DomainError::UnknownOperation(_) => ErrorKind::NotFound,
            DomainError::MalformedOperationId(_)
            | DomainError::MalformedOperationKey(_)
            | DomainError::InvalidName { .. }
            | DomainError::NothingToGoLive { .. }
            | DomainError::UnknownSlot(_)
            | DomainError::MalformedVersion(_)
            | DomainError::InvalidDocument(_)
            | DomainError::OfferTypeMissing
            | DomainError::IfMatchRequired
            | DomainError::NotAStep { .. } => ErrorKind::Invalid,
            DomainError::OperationRunning { .. }
            | DomainError::CannotCancel { .. }
            | DomainError::OperationEnded(_)
            | DomainError::StepEnded(_) => ErrorKind::Conflict,
            DomainError::PreconditionFailed { .. } => ErrorKind::PreconditionFailed,
            DomainError::InvalidOffer { .. } => ErrorKind::Unprocessable,
        }
    }
}

fn precondition_message(given: &str, current: Option<&str>) -> String {
    match current {
        Some(current) => format!(
            "The If-Match value {given} does not match the offer's current ETag {current}: it was changed since it was read."
        ),
        None => format!("The If-Match value {given} matches nothing: the offer does not exist."),
    }
}
