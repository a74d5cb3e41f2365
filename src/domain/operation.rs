//! Operations (publish, go-live); an operation's status is computed from its start time and
//! its plan whenever it is read, so no timer or task runs per operation.

use std::sync::Arc;
use std::time::Duration;

use super::ids::OperationId;
use super::plan::{CancelPlan, Failure, OperationPlan};
use super::step::{CancellationState, OperationStatus, StepId, StepStatus, SubmissionType};
use super::time::Timestamp;

/// Why the control plane could not end an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForceError {
    /// It had already ended.
    Ended,
    /// The step to fail at had already ended.
    StepEnded,
}

/// One publish or go-live request, as stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Operation {
    pub(crate) id: OperationId,
    pub(crate) created: Timestamp,
    pub(crate) offer_version: u32,
    pub(crate) publishing_version: u32,
    pub(crate) plan: Arc<OperationPlan>,
    /// What most operations never have, boxed so that the common operation stays small: a
    /// million of them are kept in memory.
    rare: Option<Box<Rare>>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Rare {
    /// The comma-separated list given at publish (shown for non-migrated offers only).
    notification_emails: Option<Box<str>>,
    /// When a cancel takes (or took) effect. Read from state files in either form: this
    /// instant, or the `[instant, "Canceled"]` pair earlier versions wrote as `stopped`.
    #[serde(default, alias = "stopped", deserialize_with = "canceled_at")]
    canceled_at: Option<Timestamp>,
    /// Reads so far and reads needed, for an operation that advances by polls.
    polls: Option<(u32, u32)>,
}

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
    /// A new operation started at `now` on `plan`. One that advances by polls (`polls`
    /// reads, from the control plane or else the plan) waits at its first step until read.
    pub(crate) fn start(
        plan: &Arc<OperationPlan>,
        polls: Option<u32>,
        offer_version: u32,
        publishing_version: u32,
        notification_emails: Option<Box<str>>,
        now: Timestamp,
    ) -> Self {
        let polls = polls.or(plan.advance_by_polls()).filter(|n| *n > 0);
        let plan = match polls {
            Some(_) => Arc::new(plan.refit(Duration::ZERO, 0, plan.failure.clone(), true)),
            None => plan.clone(),
        };
        let mut operation = Self::new(plan, offer_version, publishing_version, now);
        operation.set_notification_emails(notification_emails);
        if let Some(needed) = polls {
            operation.rare_mut().polls = Some((0, needed));
        }
        operation
    }

    /// An operation of `plan`, started at `created`.
    pub(crate) fn new(
        plan: Arc<OperationPlan>,
        offer_version: u32,
        publishing_version: u32,
        created: Timestamp,
    ) -> Self {
        Self {
            id: OperationId::new_v4(),
            created,
            offer_version,
            publishing_version,
            plan,
            rare: None,
        }
    }

    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// The comma-separated list given at publish or go-live.
    pub(crate) fn notification_emails(&self) -> Option<&str> {
        self.rare.as_ref()?.notification_emails.as_deref()
    }

    pub(crate) fn set_notification_emails(&mut self, emails: Option<Box<str>>) {
        if emails.is_some() {
            self.rare_mut().notification_emails = emails;
        }
    }

    /// When a cancel takes (or took) effect, if one was asked for.
    pub(crate) fn canceled_at(&self) -> Option<Timestamp> {
        self.rare.as_ref()?.canceled_at
    }

    /// Cancels the operation at `at` (now or later), unless its plan ends first.
    pub(crate) fn cancel_at(&mut self, at: Timestamp) {
        self.rare_mut().canceled_at = Some(at);
    }

    /// Reads so far and reads needed, for an operation that advances by polls.
    pub(crate) fn polls(&self) -> Option<(u32, u32)> {
        self.rare.as_ref()?.polls
    }

    pub(crate) fn kind(&self) -> SubmissionType {
        self.plan.kind()
    }

    /// Counts one read of an operation that advances by polls, and moves it on: after read
    /// `seen` of `needed`, that share of its steps has ended; on the last, it ends as its
    /// plan says.
    pub(crate) fn poll(&mut self, now: Timestamp) {
        let Some((seen, needed)) = self.polls() else {
            return;
        };
        if self.status_at(now).is_terminal() {
            return;
        }
        let seen = seen.saturating_add(1).min(needed);
        self.rare_mut().polls = Some((seen, needed));
        let steps = self.plan.steps_to_end();
        // It ends on the last read exactly; before, the share of steps read so far has ended.
        let target = if seen == needed {
            steps
        } else {
            (steps * seen as usize / needed as usize).min(steps.saturating_sub(1))
        };
        let elapsed = now.since(self.created);
        let ends = target == steps;
        self.plan = Arc::new(
            self.plan
                .refit(elapsed, target, self.plan.failure.clone(), !ends),
        );
    }

    /// Ends the running operation at `now`: complete, or failed at `step` with `message`.
    pub(crate) fn force_end(
        &mut self,
        failure: Option<Failure>,
        now: Timestamp,
    ) -> Result<(), ForceError> {
        if self.status_at(now).is_terminal() {
            return Err(ForceError::Ended);
        }
        let elapsed = now.since(self.created);
        let upto = match &failure {
            Some(f) => {
                if self.step_ended_by(f.step, elapsed) {
                    return Err(ForceError::StepEnded);
                }
                f.step + 1
            }
            None => self.plan.durations.len(),
        };
        self.plan = Arc::new(self.plan.refit(elapsed, upto, failure, false));
        if let Some(rare) = &mut self.rare {
            rare.polls = None;
        }
        Ok(())
    }

    /// Cancels the running operation at `now`, whatever its plan says of cancels.
    pub(crate) fn force_cancel(&mut self, now: Timestamp) -> Result<(), ForceError> {
        if self.status_at(now).is_terminal() {
            return Err(ForceError::Ended);
        }
        self.cancel_at(now);
        Ok(())
    }

    fn step_ended_by(&self, step: usize, elapsed: Duration) -> bool {
        let end: Duration = self.plan.durations[..=step].iter().sum();
        end <= elapsed
    }

    /// The status at `now`, without building the step list.
    pub(crate) fn status_at(&self, now: Timestamp) -> OperationStatus {
        let elapsed = self.elapsed_at(now);
        if let Some(at) = self.canceled_at() {
            // A cancel counts unless the plan had ended before it.
            if at <= now && at.since(self.created) <= self.plan.total() {
                return OperationStatus::Canceled;
            }
        }
        if elapsed < self.plan.total() {
            OperationStatus::Running
        } else if self.plan.failure.is_some() {
            OperationStatus::Failed
        } else {
            OperationStatus::Complete
        }
    }

    /// Whether a cancel can still be asked for at `now`.
    pub(crate) fn cancellation_state(&self, now: Timestamp) -> CancellationState {
        if self.status_at(now).is_terminal() || self.plan.cancel() == CancelPlan::Refused {
            CancellationState::CannotCancel
        } else if self.canceled_at().is_some() {
            CancellationState::CancelRequested
        } else {
            CancellationState::CanCancel
        }
    }

    /// Time the plan has run at `now`: up to `now`, or up to the cancel if that came first.
    fn elapsed_at(&self, now: Timestamp) -> Duration {
        let end = match self.canceled_at() {
            Some(at) if at <= now => at,
            _ => now,
        };
        end.since(self.created)
    }

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

/// `canceled_at` as written now (an instant) or by earlier versions (`[instant, "Canceled"]`).
fn canceled_at<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Written {
        At(Timestamp),
        Stopped(Timestamp, serde::de::IgnoredAny),
    }
    let written: Option<Written> = serde::Deserialize::deserialize(deserializer)?;
    Ok(written.map(|w| match w {
        Written::At(at) | Written::Stopped(at, _) => at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000_000_000_000;

    fn at(secs: f64) -> Timestamp {
        Timestamp::from_unix_nanos(T0).plus(Duration::from_secs_f64(secs))
    }

    fn operation(kind: SubmissionType, secs: &[u64], failure: Option<Failure>) -> Operation {
        let durations = secs.iter().map(|s| Duration::from_secs(*s)).collect();
        Operation::new(
            Arc::new(OperationPlan::new(kind, durations, failure)),
            1,
            1,
            at(0.0),
        )
    }

    #[test]
    fn an_operation_stays_small() {
        // A million are kept in memory; the rare fields live behind one pointer.
        assert!(
            std::mem::size_of::<Operation>() <= 48,
            "{}",
            std::mem::size_of::<Operation>()
        );
    }

    #[test]
    fn a_cancel_is_read_back_as_written_now_and_as_earlier_versions_wrote_it() {
        let mut op = operation(SubmissionType::GoLive, &[10, 10], None);
        op.cancel_at(at(5.0));
        let now = serde_json::to_value(&op).expect("serializes");
        let mut earlier = now.clone();
        let rare = earlier["rare"].as_object_mut().expect("rare fields");
        let instant = rare.remove("canceled_at").expect("the cancel");
        rare.insert("stopped".into(), serde_json::json!([instant, "Canceled"]));

        for written in [now, earlier] {
            let read: Operation = serde_json::from_value(written.clone()).expect("reads");
            assert_eq!(read.canceled_at(), Some(at(5.0)), "{written}");
        }
    }

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
