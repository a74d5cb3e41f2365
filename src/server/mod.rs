//! Starting and stopping the server: `MockServer::start(config)` binds before it returns and
//! gives back a handle; dropping the handle stops the server.

mod address;
mod connection;
mod embed;
mod healthcheck;
mod limits;
mod port_file;
mod timeout;
mod tls;
mod tunnel;

pub use embed::{MockServer, RunningServer};
pub use healthcheck::healthcheck;
pub use port_file::write_port_file;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app;
use crate::config::Config;
use crate::control::Control;
use crate::fixtures::{self, FixtureError, LoadOptions};
use crate::server::address::resolve;
use crate::server::connection::Connections;
use crate::server::tls::Tls;
use crate::server::tunnel::Interception;
use crate::state::{AppState, Settings, TokenKeys};
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
    #[error("cannot listen on '{host}' (--host): {source}")]
    Resolve { host: String, source: io::Error },
    #[error("HTTPS interception needs a CA that may sign for its hosts: {0}")]
    Tls(String),
    #[error("cannot start the server's own thread or runtime: {0}")]
    Runtime(io::Error),
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
    Ok(load(config)?.0)
}

/// The state `config` describes, and the TLS the server can terminate (or why it cannot: the
/// server still serves plain HTTP).
fn load(config: &Config) -> Result<(AppState, Interception), StartError> {
    let dir = config.ca_dir.clone().unwrap_or_else(tls::default_ca_dir);
    let interception: Interception = match Tls::load(&dir, &config.intercept_host) {
        Ok(tls) => Ok(Arc::new(tls)),
        // Interception asked for a host its CA may not sign for: not served half-way.
        Err(e) if e.not_covered => return Err(StartError::Tls(e.to_string())),
        Err(e) => {
            tracing::warn!("HTTPS interception is off: {e}");
            Err(e.to_string().into())
        }
    };
    let ca_pem = interception
        .as_ref()
        .ok()
        .map(|tls| Arc::clone(&tls.ca_pem));
    let token_keys = match tls::load_or_make_token_key(&dir)
        .map_err(|e| e.to_string())
        .and_then(|pem| TokenKeys::from_pem(&pem))
    {
        Ok(keys) => Some(Arc::new(keys)),
        Err(e) => {
            tracing::warn!(
                "the emulated sign-in is off: its key in {} (--ca-dir) could not be used: {e}",
                dir.display()
            );
            None
        }
    };
    let plan_options = LoadOptions {
        time_scale: config.time_scale,
        cancel_delay: Duration::try_from_secs_f64(config.cancel_delay).unwrap_or_default(),
        ids: None,
    };
    let settings = Settings::from_config(
        config,
        fixtures::default_plans(plan_options),
        ca_pem,
        token_keys,
    );
    let options = settings.load_options(None);
    let now = crate::state::clock::Clock::new(settings.frozen_clock).now();
    let (loaded, sources) = match &config.fixtures {
        Some(dir) => fixtures::load_dir(dir, options, now)?,
        None => fixtures::load_bundled(options, now)?,
    };
    let (state_file, saved) = match config.state_file.clone() {
        Some(path) => {
            let (file, saved) = StateFile::open(path)?;
            (Some(file), saved)
        }
        None => (None, None),
    };
    let fresh = saved.is_none();
    let (store, offset) = match saved {
        Some(saved) => {
            let mut store = saved.store;
            store.continue_ids(settings.id_key(None, "operations"));
            (store, saved.clock_offset)
        }
        None => (loaded.store, Duration::ZERO),
    };
    let state = AppState::new(
        store,
        loaded.faults,
        Arc::new(sources),
        settings,
        state_file,
        offset,
    );
    if fresh {
        // The state file, when there is one and it held nothing yet: written now, or the
        // server does not start (it would answer writes it cannot keep).
        state.write_whole()?;
    }
    state.load_saved_worlds()?;
    Ok((state, interception))
}

/// The mock's CA certificate (PEM) from `config.ca_dir` (or the default directory), made there
/// first if it holds none, with the sign-in's token key: what `cloudpartner-mock ca` prints
/// and `/_mock/ca.pem` serves.
pub fn ca_certificate(config: &Config) -> Result<String, String> {
    let dir = config.ca_dir.clone().unwrap_or_else(tls::default_ca_dir);
    let made = tls::load_or_make_ca(&dir, &config.intercept_host)
        .and_then(|(pem, _)| tls::load_or_make_token_key(&dir).map(|_| pem));
    made.map_err(|e| {
        format!(
            "the CA in {} (--ca-dir) could not be used: {e}",
            dir.display()
        )
    })
}

/// A server bound and serving on the current runtime, and what stops it.
pub(crate) struct Launched {
    pub(crate) addr: SocketAddr,
    pub(crate) https_addr: Option<SocketAddr>,
    pub(crate) control: Control,
    pub(crate) stop: oneshot::Sender<()>,
    pub(crate) task: JoinHandle<io::Result<()>>,
}

/// Loads the fixtures, binds `config.host:config.port` (port 0 picks a free one) and the
/// HTTPS port if asked, and serves on the current Tokio runtime until `stop` is sent.
pub(crate) async fn launch(config: Config) -> Result<Launched, StartError> {
    let (state, interception) = load(&config)?;
    let ip = resolve(&config.host, config.port)
        .await
        .map_err(|source| StartError::Resolve {
            host: config.host.clone(),
            source,
        })?
        .ip();
    let (listener, addr) = bind(SocketAddr::new(ip, config.port)).await?;
    let https = match (config.https_port, &interception) {
        (None, _) => None,
        (Some(port), Ok(_)) => Some(bind(SocketAddr::new(ip, port)).await?),
        (Some(_), Err(reason)) => return Err(StartError::Tls(reason.to_string())),
    };
    let https_addr = https.as_ref().map(|(_, addr)| *addr);
    let (stop, stopped) = oneshot::channel::<()>();
    let control = Control::new(state.clone());
    let stopping = async {
        let _ = stopped.await;
    };
    let https = https.map(|(listener, _)| listener);
    let task = tokio::spawn(serve(listener, https, state, interception, stopping));
    Ok(Launched {
        addr,
        https_addr,
        control,
        stop,
        task,
    })
}

/// How many connections the kernel may hold for the accept loop (it lowers this to
/// `net.core.somaxconn`): more than tokio's 1 024, so that a burst of connections does not
/// fill the queue, where a new connection's SYN would be dropped and retried a second later
/// (a health check then answers in a second, not milliseconds).
const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` (port 0: a free one); gives the listener and the address it has.
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listen = || {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        // As `TcpListener::bind` does: a restarted server binds its port at once.
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(LISTEN_BACKLOG)
    };
    let listener = listen().map_err(|source| StartError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;
    Ok((listener, bound))
}

/// Serves `state` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish (for at most `DRAIN`).
///
/// The accept loop is ours rather than `axum::serve` so that a fault rule can drop a
/// connection: the service answers with an error, and hyper closes the connection without
/// writing a response. `CONNECT` requests open HTTPS tunnels to intercepted hosts when the
/// CA in the default directory can be used (see [`MockServer::start`] for one of your own).
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let interception = Err(Arc::from("the server was started without a CA (run)"));
    serve(listener, None, state, interception, shutdown).await
}

/// [`run`], with the TLS the server terminates and, when `https` is given, a second listener
/// whose connections are all TLS.
async fn serve(
    listener: TcpListener,
    https: Option<TcpListener>,
    state: AppState,
    interception: Interception,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let graceful = Arc::new(Mutex::new(Some(GracefulShutdown::new())));
    let connections = Arc::new(Connections::new(
        app::App::new(state.clone()),
        state.settings().request_timeout,
        interception,
        Arc::clone(&graceful),
    ));
    let places = limits::Places::new(limits::connection_caps(
        state.settings().config.max_connections,
        limits::raise_descriptor_limit(),
    ));
    let mut errors = limits::AcceptErrors::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, secure) = tokio::select! {
            accepted = listener.accept() => (accepted, false),
            accepted = accept(https.as_ref()) => (accepted, true),
            () = &mut shutdown => break,
        };
        let stream = match stream {
            Ok((stream, _)) => stream,
            Err(e) => {
                tokio::time::sleep(errors.failed(&e)).await;
                continue;
            }
        };
        errors.succeeded();
        let Some(place) = places.take() else {
            limits::refuse(stream);
            continue;
        };
        let health_only = place.health_only;
        let _ = stream.set_nodelay(true);
        let connections = Arc::clone(&connections);
        tokio::spawn(async move {
            if secure {
                connections.serve_https(stream, health_only).await;
            } else {
                connections.serve_plain(stream, health_only).await;
            }
            drop(place);
        });
    }
    drop(listener);
    drop(https);
    let graceful = graceful
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(graceful) = graceful {
        if tokio::time::timeout(DRAIN, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("in-flight requests still running after {DRAIN:?}; stopping anyway");
        }
    }
    Ok(())
}

/// The next connection of `listener`; never, without one.
async fn accept(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// How long a stopping server waits for in-flight requests.
const DRAIN: Duration = Duration::from_secs(10);

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
