//! cloudpartner-mock: a local emulator of the Cloud Partner Portal (CPP) publishing API,
//! api-version 2017-10-31.
//!
//! Crate map (docs/architecture.md has the whole tree) — one library, two HTTP planes (the CPP API under `/api`, the control plane
//! under `/_mock`) over one framework-free domain, behind one front, served by one server.
//! Arrows only point down the list: no module imports one that imports it back.
//! - `server/`: sockets and connections — [`MockServer::start`] binds and serves in-process,
//!   [`RunningServer`] is the handle (base URL, shutdown), [`run`] serves a listener until a
//!   signal; the request-line-and-headers timeout (one interval per connection); the CA and
//!   TLS, `CONNECT` tunnels to the intercepted hosts, the HTTPS listener ([`ca_certificate`]);
//!   the [`healthcheck`] client; [`load_state`] (fixtures, then the state file).
//! - `app/`: the whole HTTP application, pure (no sockets, no files) — [`router`] and
//!   [`service`], the one route table of both planes, the front (request id, body and its
//!   timeout, journal, faults, the log line, catch-panic), CPP-shaped 404/405, and
//!   [`openapi_json`], the OpenAPI document built from the same route table.
//! - `api/`: the CPP routes — thin handlers; `caller.rs`, the `Caller` extractor every
//!   handler takes first (bearer token, api-version, publisher access); `error.rs`, the CPP
//!   error body.
//! - `identity/`: Microsoft's identity platform, emulated on `login.microsoftonline.com`
//!   (discovery, the token endpoints, Azure AD's errors).
//! - `control/`: the `/_mock` routes (health, reset, fixtures, journal, faults, clock,
//!   forced endings) and [`Control`], the same calls in Rust.
//! - `state/`: what requests share — [`AppState`] and its world behind one short lock, the
//!   clock (the only reader of system time), the request journal, the fault book, the state
//!   file, the token-signing key, the named worlds (docs/worlds.md).
//! - `fixtures/`: fixture files (or a request body) into a new store, all or nothing.
//! - `domain/`: the CPP model — ids, offers, operations computed from their start time, the
//!   lifecycle rules, fault rules as written — with no HTTP and no clock.
//! - `config`, `telemetry`, `reply`, `origin`: [`Config`], every setting as a flag with an
//!   environment twin; the tracing subscriber (batched plain or JSON lines); the JSON answers
//!   both planes write; the host of the TLS connection a request came over.
//!
//! ```no_run
//! # async fn example() -> Result<(), cloudpartner_mock::StartError> {
//! use cloudpartner_mock::{Config, MockServer};
//! let server = MockServer::start(Config::for_tests()).await?;
//! let golive = format!(
//!     "{}/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31",
//!     server.base_url()
//! );
//! # let _ = golive; Ok(()) }
//! ```

mod api;
mod app;
mod config;
mod control;
mod domain;
mod fixtures;
mod identity;
mod origin;
mod reply;
mod server;
mod state;
mod telemetry;

pub use app::openapi_json;
pub use app::{router, service};
pub use config::{
    AuthMode, CancelMode, Config, LogFormat, LogLevel, OperationLocationStyle, PutMode,
    ServiceProfile, SuccessStatus,
};
pub use control::{
    Conformance, ConformanceRule, ConformanceViolation, Control, ControlFailure, Event,
    EventStream, Fault, FaultHeader, FaultMatch, FaultResponse, FaultRule, Health, JournalEntry,
    OperationSummary, Wait, Waited, WorldSummary,
};
pub use fixtures::{BUNDLED_FIXTURES, FixtureError, check_fixtures};
pub use server::healthcheck;
pub use server::{
    MockServer, RunningServer, StartError, ca_certificate, load_state, run, shutdown_signal,
    write_port_file,
};
pub use state::AppState;
pub use state::StateError;
pub use telemetry::{LogGuard, init as init_telemetry};

/// The README's Rust example, compiled (and its `main` run, which defines the test and calls
/// nothing) with the documentation tests, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExample;
