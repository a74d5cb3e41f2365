//! `Control`: the control plane as Rust calls, for tests that run the server in-process.

use std::time::Duration;

use serde::Serialize;

use crate::domain::FaultSpec;
use crate::domain::Force;
use crate::fixtures;
use crate::state::AppState;

use super::error::ControlError;
use super::typed::{
    Conformance, Event, EventStream, FaultRule, Health, JournalEntry, OperationSummary, Wait,
    Waited, WorldSummary, retyped,
};
use super::{
    clock, conformance, events, faults, journal, operations, state_file, wait, world, worlds,
};

/// The control plane of a running server, called in-process: each method does what the
/// `/_mock` endpoint of the same name does. Get one with `RunningServer::control()`.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use cloudpartner_mock::{Config, Fault, MockServer, Wait};
/// let server = MockServer::start(Config::for_tests()).await?;
/// let control = server.control();
/// control.add_fault(Fault::on_post("/api/publishers/*/offers/*/golive").respond(503).times(2))?;
/// control.advance_clock(Duration::from_secs(3600))?;
/// control.wait(Wait::requests(2).method("POST")).await?;
/// let posts = control.journal("method=POST")?;
/// assert_eq!(posts[0].error_code.as_deref(), Some("ServiceUnavailable"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Control {
    state: AppState,
    /// The server's runtime, where a wait runs (so a caller on any runtime, or an executor
    /// that is not tokio, can await it).
    runtime: Option<tokio::runtime::Handle>,
}

/// A control call that was refused: the HTTP status the endpoint would answer and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ControlFailure {
    pub status: u16,
    pub message: String,
}

impl From<ControlError> for ControlFailure {
    fn from(e: ControlError) -> Self {
        Self {
            status: e.status_and_code().0.as_u16(),
            message: e.to_string(),
        }
    }
}

type Result<T> = std::result::Result<T, ControlFailure>;

impl Control {
    /// The control plane of `state`; made on the server's runtime, which its waits use.
    pub(crate) fn new(state: AppState) -> Self {
        Self {
            state,
            runtime: tokio::runtime::Handle::try_current().ok(),
        }
    }

    /// The control plane of the world `name` (made from the default world's fixture set if
    /// it does not exist yet; `"default"` is the default world), as `X-Mock-World: name` sends
    /// it: every call on it acts on that world only (docs/worlds.md).
    pub fn world(&self, name: &str) -> Result<Control> {
        let world = self.state.world(name).map_err(ControlError::from)?;
        Ok(Control {
            state: world,
            runtime: self.runtime.clone(),
        })
    }

    /// `GET /_mock/worlds`: the default world, then the named ones by name, each with what it
    /// holds.
    pub fn worlds(&self) -> Vec<WorldSummary> {
        worlds::list(&self.state)
            .worlds
            .iter()
            .filter_map(|w| retyped(w).ok())
            .collect()
    }

    /// `DELETE /_mock/worlds/{name}`: deletes a named world with everything in it.
    pub fn delete_world(&self, name: &str) -> Result<()> {
        self.state.delete_world(name).map_err(ControlError::from)?;
        Ok(())
    }

    /// What the server holds, as `GET /_mock/health` answers it.
    pub fn health(&self) -> Health {
        retyped(&world::counts(&self.state)).expect("the health answer reads as Health")
    }

    /// `POST /_mock/reset`: back to the fixtures as loaded — offers, operations, fault rules
    /// (the fixtures' only), an empty journal, the clock at the wall time.
    pub fn reset(&self) -> Result<()> {
        world::reset(&self.state)?;
        Ok(())
    }

    /// `PUT /_mock/fixtures`: replaces everything with this fixture set (one publisher
    /// document or an array of them), or changes nothing if it is refused.
    pub fn load_fixtures(&self, fixtures: &serde_json::Value) -> Result<()> {
        let body =
            serde_json::to_vec(fixtures).map_err(|e| ControlError::BadRequest(e.to_string()))?;
        let sources = fixtures::split_body("request body", &body).map_err(ControlError::from)?;
        world::replace(&self.state, sources)?;
        Ok(())
    }

    /// `GET /_mock/journal?{query}`: the recorded `/api` requests, newest first, each with
    /// what was answered, filtered by `method`, `pathPrefix`, `publisher`, `offer`, `status`,
    /// `requestId`, `errorCode`, `since` (e.g. `"method=POST&status=202"`).
    pub fn journal(&self, query: &str) -> Result<Vec<JournalEntry>> {
        let filter = journal::filter_from_query(query)?;
        let listing = journal::list(&self.state, &filter);
        Ok(listing
            .requests
            .iter()
            .filter_map(|r| retyped(r).ok())
            .collect())
    }

    /// `GET /_mock/conformance?{query}`: how the client behaved towards the service, per
    /// client rule (docs/conformance.md); `query` may set `pollIntervalMs` (e.g. `""` or
    /// `"pollIntervalMs=5000"`).
    pub fn conformance(&self, query: &str) -> Result<Conformance> {
        let floor = conformance::poll_floor_from_query(query)?;
        let report = conformance::report(&self.state, floor);
        retyped(&report).map_err(|e| ControlError::BadRequest(e.to_string()).into())
    }

    /// `GET /_mock/operations?{query}`: every operation, newest first, with its offer, type
    /// and status, filtered by `publisher`, `offer`, `type`, `status`.
    pub fn operations(&self, query: &str) -> Result<Vec<OperationSummary>> {
        let listed = operations::list(&self.state, &operations::Filter::parse(query)?);
        Ok(listed
            .operations
            .iter()
            .filter_map(|op| retyped(op).ok())
            .collect())
    }

    /// `GET /_mock/state-file`: the state file's sizes and compactions
    /// (docs/reliability.md#the-state-file); refused (404) without `--state-file`.
    pub fn state_file(&self) -> Result<serde_json::Value> {
        let file = state_file::file_of(&self.state)?;
        Ok(serde_json::to_value(file.status()).unwrap_or_default())
    }

    /// `POST /_mock/state-file/compact`: starts folding the log into a new snapshot in the
    /// background; whether one started (not when one runs already or the log is empty).
    pub fn compact_state_file(&self) -> Result<bool> {
        Ok(state_file::file_of(&self.state)?.compact())
    }

    /// `DELETE /_mock/journal`.
    pub fn clear_journal(&self) {
        journal::clear(&self.state);
    }

    /// `POST /_mock/faults`: adds a fault rule — a [`Fault`](crate::Fault), or its JSON as
    /// the README writes it — and returns its id.
    pub fn add_fault(&self, rule: impl Serialize) -> Result<String> {
        let spec: FaultSpec = retyped(&rule)
            .map_err(|e| ControlError::BadRequest(format!("The fault rule is not valid: {e}.")))?;
        Ok(faults::add(&self.state, spec)?)
    }

    /// `GET /_mock/faults`: the rules with their ids and counters.
    pub fn faults(&self) -> Vec<FaultRule> {
        faults::list(&self.state)
            .iter()
            .filter_map(|r| retyped(r).ok())
            .collect()
    }

    /// `POST /_mock/wait`: answers when `condition` holds or its timeout passes (docs/wait.md).
    /// It runs on the server's runtime, so it can be awaited from any runtime or executor.
    pub async fn wait(&self, condition: Wait) -> Result<Waited> {
        let condition: wait::Wait = retyped(&condition)
            .map_err(|e| ControlError::BadRequest(format!("The wait is not valid: {e}.")))?;
        let state = self.state.clone();
        let waiting = async move { wait::wait(&state, condition).await };
        let waited = match &self.runtime {
            Some(runtime) => runtime
                .spawn(waiting)
                .await
                .map_err(|e| ControlError::BadRequest(format!("The wait ended early: {e}.")))?,
            None => waiting.await,
        }?;
        Ok(retyped(&waited).expect("a wait's answer reads as Waited"))
    }

    /// `GET /_mock/events`: the world's events after sequence number `since` (`None`: from
    /// now), as they happen. A `since` past the last number given out is refused (400). Read
    /// on the server's runtime, so any runtime or executor can consume it.
    pub fn events(&self, since: Option<u64>) -> Result<EventStream> {
        let cursor = events::cursor(&self.state, since)?;
        let runtime = self.runtime.clone().ok_or_else(|| {
            ControlError::BadRequest("This Control was made outside a runtime.".to_owned())
        })?;
        // A few events in flight; the reader fetches more as they are taken.
        let (sender, receiver) = tokio::sync::mpsc::channel(16);
        let mut reader = events::Reader::new(self.state.clone(), cursor, None);
        runtime.spawn(async move {
            loop {
                let item = tokio::select! {
                    item = reader.next() => item,
                    () = sender.closed() => None,
                };
                let Some(item) = item else { break };
                if sender.send(public_event(item)).await.is_err() {
                    break;
                }
            }
        });
        Ok(EventStream { events: receiver })
    }

    /// `DELETE /_mock/faults/{id}`.
    pub fn remove_fault(&self, id: &str) -> Result<()> {
        Ok(faults::remove(&self.state, id)?)
    }

    /// `POST /_mock/clock/advance`: operations progress as if `by` had passed. An error only
    /// when the state file could not keep the move (the clock has moved all the same).
    pub fn advance_clock(&self, by: Duration) -> Result<()> {
        clock::advance(&self.state, by).map_err(ControlError::from)?;
        Ok(())
    }

    /// `POST /_mock/operations/{id}/complete`.
    pub fn complete_operation(&self, id: &str) -> Result<()> {
        Ok(operations::end(&self.state, id, Force::Complete)?)
    }

    /// `POST /_mock/operations/{id}/fail`: fails the operation at `step` (a step id such as
    /// `live`) with `message`.
    pub fn fail_operation(&self, id: &str, step: &str, message: &str) -> Result<()> {
        let how = Force::Fail {
            step: step.to_owned(),
            message: message.to_owned(),
        };
        Ok(operations::end(&self.state, id, how)?)
    }

    /// `POST /_mock/operations/{id}/cancel`.
    pub fn cancel_operation(&self, id: &str) -> Result<()> {
        Ok(operations::end(&self.state, id, Force::Cancel)?)
    }

    /// `PUT /_mock/progress`: operations started from now on end on read number `polls`
    /// (`None`: as their plans say).
    pub fn advance_by_polls(&self, polls: Option<u32>) -> Result<()> {
        world::set_progress(
            &self.state,
            world::Progress {
                advance_by_polls: polls,
            },
        )?;
        Ok(())
    }
}

/// A stream's item as the public [`Event`].
fn public_event(item: events::Item) -> Event {
    match item {
        events::Item::Event(event) => Event {
            id: Some(event.seq),
            kind: event.kind.to_owned(),
            data: serde_json::from_str(&event.data).unwrap_or_default(),
        },
        events::Item::Dropped => Event {
            id: None,
            kind: "dropped".to_owned(),
            data: serde_json::Value::String(events::DROPPED.to_owned()),
        },
    }
}
