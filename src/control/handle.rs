//! `Control`: the control plane as Rust calls, for tests that run the server in-process.

use std::time::Duration;

use crate::domain::FaultSpec;
use crate::domain::Force;
use crate::fixtures;
use crate::state::AppState;

use super::error::ControlError;
use super::{clock, faults, journal, operations, state_file, world, worlds};

/// The control plane of a running server, called in-process: each method does what the
/// `/_mock` endpoint of the same name does. Get one with `RunningServer::control()`.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use cloudpartner_mock::{Config, MockServer};
/// let server = MockServer::start(Config { port: 0, ..Config::default() }).await?;
/// let control = server.control();
/// control.add_fault(serde_json::json!({
///     "match": { "method": "POST", "path": "/api/publishers/*/offers/*/golive" },
///     "respond": { "status": 503 }, "times": 2
/// }))?;
/// control.advance_clock(Duration::from_secs(3600));
/// let calls = control.journal("method=POST")?;
/// # let _ = calls; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Control {
    state: AppState,
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
    pub(crate) fn new(state: AppState) -> Self {
        Self { state }
    }

    /// The control plane of the world `name` (made from the default world's fixture set if
    /// it does not exist yet; `"default"` is the default world), as `X-Mock-World: name` sends
    /// it: every call on it acts on that world only (docs/worlds.md).
    pub fn world(&self, name: &str) -> Result<Control> {
        let world = self.state.world(name).map_err(ControlError::from)?;
        Ok(Control::new(world))
    }

    /// `GET /_mock/worlds`: the default world, then the named ones by name, each with what it
    /// holds.
    pub fn worlds(&self) -> Vec<serde_json::Value> {
        worlds::list(&self.state)
            .worlds
            .into_iter()
            .filter_map(|w| serde_json::to_value(w).ok())
            .collect()
    }

    /// `DELETE /_mock/worlds/{name}`: deletes a named world with everything in it.
    pub fn delete_world(&self, name: &str) -> Result<()> {
        self.state.delete_world(name).map_err(ControlError::from)?;
        Ok(())
    }

    /// What the server holds, as `GET /_mock/health` answers it.
    pub fn health(&self) -> serde_json::Value {
        serde_json::to_value(world::counts(&self.state)).unwrap_or_default()
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
    pub fn journal(&self, query: &str) -> Result<Vec<serde_json::Value>> {
        let filter = journal::filter_from_query(query)?;
        let listing = journal::list(&self.state, &filter);
        Ok(listing
            .requests
            .into_iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect())
    }

    /// `GET /_mock/operations?{query}`: every operation, newest first, with its offer, type
    /// and status, filtered by `publisher`, `offer`, `type`, `status`.
    pub fn operations(&self, query: &str) -> Result<Vec<serde_json::Value>> {
        let listed = operations::list(&self.state, &operations::Filter::parse(query)?);
        Ok(listed
            .operations
            .into_iter()
            .filter_map(|op| serde_json::to_value(op).ok())
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

    /// `POST /_mock/faults`: adds a fault rule (the JSON of the README), returns its id.
    pub fn add_fault(&self, rule: serde_json::Value) -> Result<String> {
        let spec: FaultSpec = serde_json::from_value(rule)
            .map_err(|e| ControlError::BadRequest(format!("The fault rule is not valid: {e}.")))?;
        Ok(faults::add(&self.state, spec)?)
    }

    /// `GET /_mock/faults`: the rules with their ids and counters.
    pub fn faults(&self) -> Vec<serde_json::Value> {
        faults::list(&self.state)
            .into_iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect()
    }

    /// `DELETE /_mock/faults/{id}`.
    pub fn remove_fault(&self, id: &str) -> Result<()> {
        Ok(faults::remove(&self.state, id)?)
    }

    /// `POST /_mock/clock/advance`: operations progress as if `by` had passed.
    pub fn advance_clock(&self, by: Duration) {
        clock::advance(&self.state, by);
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
