//! What the journal keeps of an answer beyond its status.

use std::sync::Arc;

use axum::http::HeaderValue;

/// What an answer said beyond its status: the CPP error, the operation it started (its
/// `Location`), the fault rule that answered or delayed it. Shared, not copied, with the
/// response it came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    pub(crate) error: Option<Arc<ErrorText>>,
    /// Why it was not a success: its `x-mock-reason` (docs/reasons.md).
    pub(crate) reason: Option<HeaderValue>,
    pub(crate) location: Option<HeaderValue>,
    pub(crate) fault_rule: Option<Arc<str>>,
    /// The `Retry-After` of a `429` or `503`: when the client was told it may try again
    /// (text, boxed: an entry stays within what the journal counts for it).
    pub(crate) retry_after: Option<Box<str>>,
    /// Whether a PUT made the offer rather than replaced one (both answer `200` under the
    /// 2022 profile).
    pub(crate) created: bool,
}

/// In the extensions of a PUT's answer that made the offer: what [`Answer::created`] reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OfferCreated;

/// The code and message of a CPP error answer.
#[derive(Debug)]
pub(crate) struct ErrorText {
    pub(crate) code: Box<str>,
    pub(crate) message: Box<str>,
}

impl ErrorText {
    pub(crate) fn new(code: &str, message: &str) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// In the extensions of a CPP error answer: its code and message, which the journal and the
/// request log line report without reading the body back.
#[derive(Debug, Clone)]
pub(crate) struct AnsweredError(pub(crate) Arc<ErrorText>);

impl Answer {
    pub(crate) fn error_code(&self) -> Option<&str> {
        self.error.as_deref().map(|e| &*e.code)
    }

    pub(crate) fn reason(&self) -> Option<&str> {
        self.reason.as_ref().and_then(|r| r.to_str().ok())
    }

    pub(crate) fn location(&self) -> Option<&str> {
        self.location.as_ref().and_then(|l| l.to_str().ok())
    }

    /// The operation id of the `Location` answered, if it names one
    /// (`…/operations/{id}?api-version=…`).
    pub(crate) fn operation_id(&self) -> Option<&str> {
        let location = self.location()?;
        let path = location.split('?').next().unwrap_or(location);
        let (_, id) = path.rsplit_once("/operations/")?;
        (!id.is_empty() && !id.contains('/')).then_some(id)
    }
}
