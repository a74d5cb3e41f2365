//! Starting and stopping the server: `MockServer::start(config)` binds before it returns and
//! gives back a handle; dropping the handle stops the server.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app;
use crate::config::Config;
use crate::fixtures::{self, FixtureError, LoadOptions};
use crate::state::{AppState, Settings};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("fixtures not loaded: {0}")]
    Fixtures(#[from] FixtureError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// Loads the fixtures `config` names into a fresh state for `router`.
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
    };
    let settings = Settings::from_config(config, fixtures::default_plans(options));
    let now = crate::clock::Clock.now();
    let store = fixtures::load_dir(&config.fixtures, options, now)?;
    Ok(AppState::new(store, settings))
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
        let task = tokio::spawn(run(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(RunningServer {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A server started by `MockServer::start`. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
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

/// Serves `state` on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let service = app::service(state);
    axum::serve(
        listener,
        <_ as axum::ServiceExt<axum::extract::Request>>::into_make_service(service),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

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
