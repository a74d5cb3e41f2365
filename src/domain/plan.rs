//! `OperationPlan`: how every operation of one kind on one offer runs — step durations, the
//! outcome, cancels, advancing by polls — and how the control plane refits it.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::step::SubmissionType;

/// The failure a fixture asks for: the step ends `rejected` with this message.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Failure {
    /// Index into the plan's steps.
    pub(crate) step: usize,
    pub(crate) message: String,
}

/// How every operation of one kind on one offer runs: step durations (time scale already
/// applied) and the outcome. Shared by `Arc` between all the offer's operations of that kind.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct OperationPlan {
    kind: SubmissionType,
    pub(super) durations: Vec<Duration>,
    pub(super) failure: Option<Failure>,
    cancel: CancelPlan,
    /// Operations advance on reads, ending on this read, instead of with time.
    advance_by_polls: Option<u32>,
}

/// Reads a plan, shared with an equal one read shortly before on this thread: operations read
/// back from a state file share their plans as they did when made, rather than holding a
/// copy each (a million of them).
pub(crate) fn read_shared<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Arc<OperationPlan>, D::Error> {
    /// How many distinct plans are remembered; an offer has two, a state a few dozen.
    const KEPT: usize = 16;
    thread_local! {
        static RECENT: RefCell<Vec<Arc<OperationPlan>>> = const { RefCell::new(Vec::new()) };
    }
    let plan = OperationPlan::deserialize(deserializer)?;
    Ok(RECENT.with_borrow_mut(|recent| {
        if let Some(same) = recent.iter().find(|kept| ***kept == plan) {
            return Arc::clone(same);
        }
        let plan = Arc::new(plan);
        if recent.len() == KEPT {
            recent.remove(0);
        }
        recent.push(Arc::clone(&plan));
        plan
    }))
}

/// How long a step that waits for polls or for the control plane lasts: for ever, in effect.
const HOLD: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// How a cancel request is handled (docs/behaviour.md#e10-cancel); whether it is answered `200` or
/// `202` is the server's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum CancelPlan {
    /// Canceled as the request is answered.
    Immediate,
    /// Canceled this long after the request (`cancelRequested` meanwhile).
    After(Duration),
    /// Refused (`409`); the operation says `cannotCancel`.
    Refused,
}

impl OperationPlan {
    /// `durations` has one entry per step of `kind` (`kind.steps()`); a failure's step index
    /// must be inside it. The fixture loader checks both; a mismatch here is a bug.
    pub(crate) fn new(
        kind: SubmissionType,
        durations: Vec<Duration>,
        failure: Option<Failure>,
    ) -> Self {
        debug_assert_eq!(durations.len(), kind.steps().len());
        debug_assert!(failure.as_ref().is_none_or(|f| f.step < durations.len()));
        Self {
            kind,
            durations,
            failure,
            cancel: CancelPlan::Immediate,
            advance_by_polls: None,
        }
    }

    pub(crate) fn advance_by_polls(&self) -> Option<u32> {
        self.advance_by_polls
    }

    /// The same plan, advancing on reads: it ends on read number `polls`.
    pub(crate) fn with_advance_by_polls(mut self, polls: Option<u32>) -> Self {
        self.advance_by_polls = polls;
        self
    }

    /// How many steps run before the operation ends: all, or up to the failing one.
    pub(super) fn steps_to_end(&self) -> usize {
        self.failure
            .as_ref()
            .map_or(self.durations.len(), |f| f.step + 1)
    }

    /// This plan refitted so that steps `..upto` have ended `elapsed` after the start (steps
    /// that ended earlier keep their durations), with `failure` as the outcome; the steps
    /// after `upto` wait for ever when `hold_rest`, else take no time.
    pub(super) fn refit(
        &self,
        elapsed: Duration,
        upto: usize,
        failure: Option<Failure>,
        hold_rest: bool,
    ) -> Self {
        let mut start = Duration::ZERO;
        let durations = self
            .durations
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                let fitted = if i < upto {
                    if start + d <= elapsed {
                        d
                    } else {
                        elapsed.saturating_sub(start)
                    }
                } else if hold_rest {
                    HOLD
                } else {
                    Duration::ZERO
                };
                start += fitted;
                fitted
            })
            .collect();
        Self {
            kind: self.kind,
            durations,
            failure,
            cancel: self.cancel,
            advance_by_polls: self.advance_by_polls,
        }
    }

    /// The same plan with another way of handling cancels.
    pub(crate) fn with_cancel(mut self, cancel: CancelPlan) -> Self {
        self.cancel = cancel;
        self
    }

    pub(crate) fn cancel(&self) -> CancelPlan {
        self.cancel
    }

    /// The default plan of `kind`, every duration multiplied by `scale`.
    pub(crate) fn default_for(kind: SubmissionType, scale: f64) -> Self {
        let durations = kind
            .steps()
            .iter()
            .map(|s| scale_duration(kind.default_duration(*s), scale))
            .collect();
        Self::new(kind, durations, None)
    }

    /// A plan of `kind` whose steps take no time.
    pub(crate) fn instant(kind: SubmissionType, failure: Option<Failure>) -> Self {
        Self::new(kind, vec![Duration::ZERO; kind.steps().len()], failure)
    }

    pub(crate) fn kind(&self) -> SubmissionType {
        self.kind
    }

    pub(crate) fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// When the operation ends (complete or failed), counted from its start.
    pub(crate) fn total(&self) -> Duration {
        self.durations[..self.steps_to_end()].iter().sum()
    }
}

/// `d × scale`; a scale that is not a finite non-negative number counts as 1 (the config
/// refuses such values before they get here).
pub(crate) fn scale_duration(d: Duration, scale: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * scale).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_scale() {
        assert_eq!(
            scale_duration(Duration::from_secs(4), 0.25),
            Duration::from_secs(1)
        );
        assert_eq!(scale_duration(Duration::from_secs(4), 0.0), Duration::ZERO);
    }
}
