//! What the client rules judge and what they find: the facts, a verdict, a violation with the
//! journal's sequence numbers — and the few helpers every rule's sentence uses.

use std::time::Duration;

use crate::domain::OperationStatus;

use super::facts::{Request, Target};

/// How much a violated rule matters, least first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Info,
    Warning,
    Error,
}

/// What a rule found.
#[derive(Debug)]
pub(super) enum Verdict {
    /// Nothing in the traffic the rule could judge.
    NotExercised,
    Passed,
    Violated(Vec<Violation>),
}

/// One breach: the journal's sequence numbers that show it, and what happened.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Violation {
    pub(crate) seqs: Vec<u64>,
    pub(crate) sentence: String,
}

/// What the rules judge.
#[derive(Debug)]
pub(super) struct Facts<'a> {
    pub(super) requests: &'a [Request],
    /// The shortest interval between two reads of one operation that is not too fast.
    pub(super) poll_floor: Duration,
}

/// Most sequence numbers a violation lists.
const MAX_SEQS: usize = 20;

pub(super) fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

pub(super) fn status_name(status: OperationStatus) -> &'static str {
    match status {
        OperationStatus::Running => "running",
        OperationStatus::Complete => "complete",
        OperationStatus::Failed => "failed",
        OperationStatus::Canceled => "canceled",
    }
}

/// `seqs` as a violation lists them (the first [`MAX_SEQS`]).
pub(super) fn listed(mut seqs: Vec<u64>) -> Vec<u64> {
    seqs.truncate(MAX_SEQS);
    seqs
}

pub(super) fn verdict(exercised: bool, violations: Vec<Violation>) -> Verdict {
    match (exercised, violations.is_empty()) {
        (false, _) => Verdict::NotExercised,
        (true, true) => Verdict::Passed,
        (true, false) => Verdict::Violated(violations),
    }
}

/// The later request after `index` that makes the same call.
pub(super) fn next_same_call(requests: &[Request], index: usize) -> Option<usize> {
    let first = &requests[index];
    (index + 1..requests.len()).find(|&j| first.same_call(&requests[j]))
}

pub(super) fn describe(target: &Target) -> String {
    match target {
        Target::Operation(name) => format!("operation {name}"),
        Target::OfferProgress(offer) => format!("the progress of offer {offer}"),
        Target::OfferPut(offer) => format!("offer {offer}"),
        Target::Other => "a resource".to_owned(),
    }
}
