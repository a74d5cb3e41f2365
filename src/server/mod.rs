//! Starting and stopping the server: `MockServer::start(config)` binds before it returns and
//! gives back a handle; dropping the handle stops the server.

mod healthcheck;
mod timeout;

pub use healthcheck::healthcheck;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app;
use crate::app::front::DropConnection;
use crate::config::Config;
use crate::control::Control;
use crate::fixtures::{self, FixtureError, LoadOptions};
use crate::server::timeout::{Activity, Watched};
use crate::state::{AppState, Settings};
use crate::state::{StateError, StateFile};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("fixtures not loaded: {0}")]
    Fixtures(#[from] FixtureError),
    #[error("state not loaded: {0}")]
    State(#[from] StateError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// Loads the fixtures `config` names into a fresh state for `router` (or, with a state file
/// that exists, the state saved in it).
///
/// ```no_run
/// # fn main() -> Result<(), cloudpartner_mock::StartError> {
/// let state = cloudpartner_mock::load_state(&cloudpartner_mock::Config::default())?;
/// let app = cloudpartner_mock::router(state);
/// # let _ = app; Ok(()) }
/// ```
pub fn load_state(config: &Config) -> Result<AppState, StartError> {
    let options = LoadOptions {
        time_scale: config.time_scale,
        cancel_delay: Duration::try_from_secs_f64(config.cancel_delay).unwrap_or_default(),
    };
    let settings = Settings::from_config(config, fixtures::default_plans(options));
    let now = crate::state::clock::Clock::default().now();
    let (loaded, sources) = fixtures::load_dir(&config.fixtures, options, now)?;
    let state_file = config.state_file.clone().map(StateFile::new);
    let saved = match &state_file {
        Some(file) => file.load()?,
        None => None,
    };
    let (store, offset) = saved.unwrap_or((loaded.store, Duration::ZERO));
    let state = AppState::new(
        store,
        loaded.faults,
        Arc::new(sources),
        settings,
        state_file,
    );
    // Sets the saved offset, and (as a change) writes the state file when there is one.
    state.clock().advance(offset);
    state.with_world(|w| w.store.touch());
    Ok(state)
}

/// Entry point for running cloudpartner-mock in-process.
#[derive(Debug)]
pub struct MockServer;

impl MockServer {
    /// Loads the fixtures, binds `config.host:config.port` (port 0 picks a free one) and
    /// serves on the current Tokio runtime. The server accepts connections when this
    /// returns; a broken fixture means no server.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), cloudpartner_mock::StartError> {
    /// use cloudpartner_mock::{Config, MockServer};
    /// let server = MockServer::start(Config { port: 0, ..Config::default() }).await?;
    /// println!("CPP at {}", server.base_url());
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn start(config: Config) -> Result<RunningServer, StartError> {
        let state = load_state(&config)?;
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let control = Control::new(state.clone());
        let task = tokio::spawn(run(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(RunningServer {
            addr,
            control,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A server started by `MockServer::start`. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    control: Control,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The control plane, called in-process (the same as the `/_mock` endpoints).
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// `http://{addr}`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and returns when the server ended.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "server ended with an error"),
                Err(e) => tracing::error!(error = %e, "server task failed"),
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish (for at most `DRAIN`).
///
/// The accept loop is ours rather than `axum::serve` so that a fault rule can drop a
/// connection: the service answers with an error, and hyper closes the connection without
/// writing a response.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let timeout = state.settings().request_timeout;
    let app = app::App::new(state);
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // A client that never finishes its request line and headers, or leaves the
        // connection idle, is dropped after the request timeout (`timeout.rs`); the body is
        // bounded by the front (`app::front`).
        let activity = Arc::new(Activity::default());
        let app = app.clone();
        let watched = Arc::clone(&activity);
        let hyper_service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let busy = watched.request();
            let app = app.clone();
            async move {
                let response = app.answer_incoming(request).await;
                drop(busy);
                if response.extensions().get::<DropConnection>().is_some() {
                    return Err(ConnectionDropped);
                }
                Ok(response)
            }
        });
        let io = TokioIo::new(Watched::new(stream, Arc::clone(&activity)));
        let connection = builder.serve_connection_with_upgrades(io, hyper_service);
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            // Client resets and dropped connections end here; nothing to report. A stalled
            // connection is dropped, which closes it.
            tokio::select! {
                _ = connection => {}
                () = activity.stalled(timeout) => {}
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests still running after {DRAIN:?}; stopping anyway");
    }
    Ok(())
}

/// How long a stopping server waits for in-flight requests.
const DRAIN: Duration = Duration::from_secs(10);

/// The error that makes hyper close a connection without answering (a `drop` fault).
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (`docker stop`).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
