//! cloudpartner-mock: a local emulator of the Cloud Partner Portal (CPP) publishing API,
//! api-version 2017-10-31.
//!
//! Crate map:
//! - `config`: [`Config`], every setting as a flag with an environment twin.
//! - `server`: [`MockServer::start`] binds and serves in-process; [`RunningServer`] is the
//!   handle (base URL, shutdown); [`load_state`] + [`router`] for embedding the app.
//! - `app`: the router, its front layer and catch-panic, CPP-shaped 404/405.
//! - `api`: the CPP routes under `/api` and their checks (bearer, api-version, publisher),
//!   run by extracting the `Caller` every handler takes first.
//! - `state`: the store behind one short lock, the clock, the settings.
//! - `domain`: the CPP model — ids, offers, operations computed from their start time, the
//!   lifecycle rules — with no HTTP and no clock.
//! - `fixtures`: fixture files into a new store, all or nothing.
//! - `control`: the `/_mock` control plane (health, reset, fixtures, journal, faults, clock,
//!   forced endings) and [`Control`], the same calls in Rust.
//! - `journal`, `faults`, `layers`: the request journal, the fault rules, and the front layer
//!   (request id, body and its timeout, journal, faults, the request log line).
//! - `openapi`: [`openapi_json`], the OpenAPI description generated from the handlers.
//! - `persist`: the optional state file, written after every change and read at start.
//! - `healthcheck`: [`healthcheck`], the client side of `/_mock/health` for container checks.
//! - `watch`: the request timeout for request lines and headers, one interval per connection.
//! - `wire`, `whole`, `clock`, `telemetry`: shared JSON answers, integers as JSON Schema counts
//!   them, the clock, the tracing subscriber (batched plain or JSON lines).
//!
//! ```no_run
//! # async fn example() -> Result<(), cloudpartner_mock::StartError> {
//! use cloudpartner_mock::{Config, MockServer};
//! let server = MockServer::start(Config { port: 0, time_scale: 0.0, ..Config::default() }).await?;
//! let golive = format!(
//!     "{}/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31",
//!     server.base_url()
//! );
//! # let _ = golive; Ok(()) }
//! ```

mod api;
mod app;
mod clock;
mod config;
mod control;
mod domain;
mod faults;
mod fixtures;
mod healthcheck;
mod journal;
mod layers;
mod openapi;
mod persist;
mod server;
mod state;
mod telemetry;
mod watch;
mod whole;
mod wire;

pub use app::{router, service};
pub use config::{
    AuthMode, CancelMode, Config, LogFormat, OperationLocationStyle, PutMode, SuccessStatus,
};
pub use control::{Control, ControlFailure};
pub use fixtures::{FixtureError, check_fixtures};
pub use healthcheck::healthcheck;
pub use openapi::openapi_json;
pub use persist::StateError;
pub use server::{MockServer, RunningServer, StartError, load_state, run, shutdown_signal};
pub use state::AppState;
pub use telemetry::{LogGuard, init as init_telemetry};
