//! Operations (publish, go-live); an operation's status is computed from its start time and
//! its plan whenever it is read, so no timer or task runs per operation.

use std::sync::Arc;
use std::time::Duration;

use super::ids::OperationId;
use super::plan::{CancelPlan, Failure, OperationPlan};
use super::step::{CancellationState, OperationStatus, SubmissionType};
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
    #[serde(deserialize_with = "super::plan::read_shared")]
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

impl Operation {
    /// A new operation started at `now` on `plan`. One that advances by polls (`polls`
    /// reads, from the control plane or else the plan) waits at its first step until read.
    pub(crate) fn start(
        id: OperationId,
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
        let mut operation = Self {
            id,
            created: now,
            offer_version,
            publishing_version,
            plan,
            rare: None,
        };
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

    /// The first instant after `now` at which a step ends (and so the next starts) or a
    /// cancel takes effect; `None` once the operation has ended.
    pub(crate) fn next_change_after(&self, now: Timestamp) -> Option<Timestamp> {
        if self.status_at(now).is_terminal() {
            return None;
        }
        let elapsed = self.elapsed_at(now);
        let mut end = Duration::ZERO;
        let step_end = self.plan.durations.iter().find_map(|&duration| {
            end += duration;
            (end > elapsed).then(|| self.created.plus(end))
        });
        Timestamp::earliest(step_end, self.canceled_at().filter(|&at| at > now))
    }

    /// Time the plan has run at `now`: up to `now`, or up to the cancel if that came first.
    pub(super) fn elapsed_at(&self, now: Timestamp) -> Duration {
        let end = match self.canceled_at() {
            Some(at) if at <= now => at,
            _ => now,
        };
        end.since(self.created)
    }
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
pub(super) mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000_000_000_000;

    pub(in crate::domain) fn at(secs: f64) -> Timestamp {
        Timestamp::from_unix_nanos(T0).plus(Duration::from_secs_f64(secs))
    }

    pub(in crate::domain) fn operation(
        kind: SubmissionType,
        secs: &[u64],
        failure: Option<Failure>,
    ) -> Operation {
        let durations = secs.iter().map(|s| Duration::from_secs(*s)).collect();
        Operation::new(
            Arc::new(OperationPlan::new(kind, durations, failure)),
            1,
            1,
            at(0.0),
        )
    }

    #[test]
    fn the_next_change_is_the_end_of_the_running_step_or_a_cancel_before_it() {
        let mut op = operation(SubmissionType::GoLive, &[10, 30], None);

        assert_eq!(op.next_change_after(at(0.0)), Some(at(10.0)));
        assert_eq!(op.next_change_after(at(5.0)), Some(at(10.0)));
        // At the very end of a step, the next one's end.
        assert_eq!(op.next_change_after(at(10.0)), Some(at(40.0)));
        assert_eq!(op.next_change_after(at(40.0)), None, "ended");

        op.cancel_at(at(20.0));
        assert_eq!(op.next_change_after(at(15.0)), Some(at(20.0)));
        assert_eq!(op.next_change_after(at(20.0)), None, "canceled");
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
}
