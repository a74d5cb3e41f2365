//! What an operation looks like at one instant: its status, each step with its progress and
//! messages, the last action — computed from its start time, its plan and `now`.

use std::time::Duration;

use super::operation::Operation;
use super::step::{OperationStatus, StepId, StepStatus, SubmissionType};
use super::time::Timestamp;

/// A message on an operation or a step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Message {
    pub(crate) html: String,
    pub(crate) level: MessageLevel,
    pub(crate) timestamp: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageLevel {
    Information,
    Error,
}

impl MessageLevel {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MessageLevel::Information => "information",
            MessageLevel::Error => "error",
        }
    }
}

/// A step as seen at one instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepSnapshot {
    pub(crate) step: StepId,
    pub(crate) status: StepStatus,
    pub(crate) progress_percentage: u8,
    pub(crate) messages: Vec<Message>,
}

impl StepSnapshot {
    pub(crate) fn new(
        step: StepId,
        status: StepStatus,
        progress_percentage: u8,
        messages: Vec<Message>,
    ) -> Self {
        Self {
            step,
            status,
            progress_percentage,
            messages,
        }
    }
}

/// An operation as seen at one instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OperationSnapshot {
    pub(crate) status: OperationStatus,
    pub(crate) steps: Vec<StepSnapshot>,
    pub(crate) last_action: Timestamp,
    /// The failure message, when the operation failed.
    pub(crate) error: Option<String>,
}

impl Operation {
    /// The operation and every step at `now`.
    pub(crate) fn snapshot(&self, now: Timestamp) -> OperationSnapshot {
        let status = self.status_at(now);
        let elapsed = self.elapsed_at(now);
        let plan = &*self.plan;
        let mut steps = Vec::with_capacity(plan.durations.len());
        let mut start = Duration::ZERO;
        let mut last_action = self.created;
        let mut error = None;
        for (index, (&step, &duration)) in
            plan.kind().steps().iter().zip(&plan.durations).enumerate()
        {
            let end = start + duration;
            let fails_here = plan.failure.as_ref().filter(|f| f.step == index);
            // A cancel at the very instant a step would end cancels that step.
            let finished = if status == OperationStatus::Canceled {
                end < elapsed
            } else {
                end <= elapsed
            };
            let snapshot = if finished {
                let ended_at = self.created.plus(end);
                last_action = ended_at;
                match fails_here {
                    Some(failure) => {
                        error = Some(failure.message.clone());
                        let message = Message {
                            html: failure.message.clone(),
                            level: MessageLevel::Error,
                            timestamp: ended_at,
                        };
                        StepSnapshot::new(step, StepStatus::Rejected, 100, vec![message])
                    }
                    None => match finished_status(plan.kind(), step) {
                        // Reached, not done: nothing to report yet.
                        StepStatus::WaitingForPublisherReview => StepSnapshot::new(
                            step,
                            StepStatus::WaitingForPublisherReview,
                            0,
                            Vec::new(),
                        ),
                        done => StepSnapshot::new(step, done, 100, vec![completed(ended_at)]),
                    },
                }
            } else if status == OperationStatus::Canceled {
                StepSnapshot::new(step, StepStatus::Canceled, 0, Vec::new())
            } else if elapsed >= start {
                last_action = self.created.plus(start);
                StepSnapshot::new(
                    step,
                    StepStatus::InProgress,
                    progress(elapsed - start, duration),
                    Vec::new(),
                )
            } else {
                StepSnapshot::new(step, StepStatus::NotStarted, 0, Vec::new())
            };
            let rejected = snapshot.status == StepStatus::Rejected;
            steps.push(snapshot);
            if rejected {
                // The steps after a rejected one never start.
                steps.extend(
                    plan.kind().steps()[index + 1..].iter().map(|&later| {
                        StepSnapshot::new(later, StepStatus::NotStarted, 0, Vec::new())
                    }),
                );
                break;
            }
            start = end;
        }
        if let (OperationStatus::Canceled, Some(at)) = (status, self.canceled_at()) {
            last_action = at;
        }
        OperationSnapshot {
            status,
            steps,
            last_action,
            error,
        }
    }
}

/// A publish's sign-off step does not complete: it waits for the publisher's go-live.
fn finished_status(kind: SubmissionType, step: StepId) -> StepStatus {
    match (kind, step) {
        (SubmissionType::Publish, StepId::PublisherSignoff) => {
            StepStatus::WaitingForPublisherReview
        }
        _ => StepStatus::Complete,
    }
}

fn completed(at: Timestamp) -> Message {
    Message {
        html: "Step completed.".to_owned(),
        level: MessageLevel::Information,
        timestamp: at,
    }
}

/// Percentage of `duration` that `done` covers, capped at 99 while the step is running.
fn progress(done: Duration, duration: Duration) -> u8 {
    if duration.is_zero() {
        return 99;
    }
    let pct = done.as_nanos().saturating_mul(100) / duration.as_nanos();
    u8::try_from(pct.min(99)).unwrap_or(99)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::operation::tests::{at, operation};
    use crate::domain::plan::Failure;

    fn statuses(snapshot: &OperationSnapshot) -> Vec<StepStatus> {
        snapshot.steps.iter().map(|s| s.status).collect()
    }

    #[test]
    fn a_go_live_runs_its_steps_in_order_then_completes() {
        let op = operation(SubmissionType::GoLive, &[10, 30], None);

        let early = op.snapshot(at(5.0));
        let later = op.snapshot(at(25.0));
        let done = op.snapshot(at(40.0));

        assert_eq!(early.status, OperationStatus::Running);
        assert_eq!(
            statuses(&early),
            [StepStatus::InProgress, StepStatus::NotStarted]
        );
        assert_eq!(early.steps[0].progress_percentage, 50);
        assert_eq!(early.last_action, at(0.0));
        assert_eq!(
            statuses(&later),
            [StepStatus::Complete, StepStatus::InProgress]
        );
        assert_eq!(later.steps[1].progress_percentage, 50);
        assert_eq!(later.last_action, at(10.0));
        assert_eq!(done.status, OperationStatus::Complete);
        assert_eq!(
            statuses(&done),
            [StepStatus::Complete, StepStatus::Complete]
        );
        assert_eq!(done.last_action, at(40.0));
        assert_eq!(done.steps[1].messages[0].timestamp, at(40.0));
    }

    #[test]
    fn a_failing_step_is_rejected_at_its_end_and_later_steps_never_start() {
        let failure = Failure {
            step: 1,
            message: "no image".to_owned(),
        };
        let op = operation(SubmissionType::Publish, &[1, 2, 3, 4, 0], Some(failure));

        let running = op.snapshot(at(2.9));
        let failed = op.snapshot(at(3.0));

        assert_eq!(running.status, OperationStatus::Running);
        assert_eq!(failed.status, OperationStatus::Failed);
        assert_eq!(failed.error.as_deref(), Some("no image"));
        assert_eq!(
            statuses(&failed),
            [
                StepStatus::Complete,
                StepStatus::Rejected,
                StepStatus::NotStarted,
                StepStatus::NotStarted,
                StepStatus::NotStarted,
            ]
        );
        assert_eq!(failed.steps[1].messages[0].level, MessageLevel::Error);
        assert_eq!(op.plan.total(), Duration::from_secs(3));
    }

    #[test]
    fn a_finished_publish_waits_at_sign_off() {
        let op = operation(SubmissionType::Publish, &[1, 1, 1, 1, 0], None);

        let done = op.snapshot(at(4.0));

        assert_eq!(done.status, OperationStatus::Complete);
        let signoff = &done.steps[4];
        assert_eq!(signoff.status, StepStatus::WaitingForPublisherReview);
        assert_eq!(signoff.progress_percentage, 0);
        assert!(signoff.messages.is_empty());
    }

    #[test]
    fn a_cancel_stops_the_running_step_and_the_rest() {
        let mut op = operation(SubmissionType::GoLive, &[10, 30], None);
        op.cancel_at(at(10.0));

        let before = op.snapshot(at(9.0));
        let after = op.snapshot(at(100.0));

        assert_eq!(before.status, OperationStatus::Running);
        assert_eq!(after.status, OperationStatus::Canceled);
        // Canceled at the very instant step 1 would have ended: it counts as canceled.
        assert_eq!(
            statuses(&after),
            [StepStatus::Canceled, StepStatus::Canceled]
        );
        assert_eq!(after.last_action, at(10.0));
    }

    #[test]
    fn a_cancel_after_the_end_changes_nothing() {
        let mut op = operation(SubmissionType::GoLive, &[1, 1], None);
        op.cancel_at(at(5.0));

        assert_eq!(op.status_at(at(6.0)), OperationStatus::Complete);
    }

    #[test]
    fn an_instant_plan_canceled_at_its_start_is_canceled() {
        let mut op = operation(SubmissionType::GoLive, &[0, 0], None);
        op.cancel_at(at(0.0));

        let snapshot = op.snapshot(at(0.0));

        assert_eq!(snapshot.status, OperationStatus::Canceled);
        assert_eq!(
            statuses(&snapshot),
            [StepStatus::Canceled, StepStatus::Canceled]
        );
    }
}
