//! One connection, served: plain or TLS, its requests through the app, `CONNECT` tunnels
//! opened from it, the request timeout, and the cap's health-only service.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpStream;

use crate::app;
use crate::app::front::DropConnection;
use crate::server::limits;
use crate::server::timeout::{Activity, Watched};
use crate::server::tunnel::{self, Interception};

/// What serving a connection needs, shared by all.
pub(super) struct Connections {
    app: app::App,
    builder: auto::Builder<TokioExecutor>,
    timeout: Duration,
    interception: Interception,
    /// Until the server stops: what lets connections, tunnels included, finish their
    /// requests first.
    graceful: Arc<Mutex<Option<GracefulShutdown>>>,
}

impl Connections {
    /// What serves connections for `app`; `graceful` lets them finish when the server stops.
    pub(super) fn new(
        app: app::App,
        timeout: Duration,
        interception: Interception,
        graceful: Arc<Mutex<Option<GracefulShutdown>>>,
    ) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // A request head (request line and headers) past this is answered 431 by hyper.
        builder.http1().max_buf_size(MAX_HEAD);
        builder.http2().max_header_list_size(MAX_HEAD as u32);
        Self {
            app,
            builder,
            timeout,
            interception,
            graceful,
        }
    }

    /// A plain connection: its requests, and `CONNECT` tunnels opened from it.
    pub(super) async fn serve_plain(self: Arc<Self>, stream: TcpStream, health_only: bool) {
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(Watched::new(stream, Arc::clone(&activity)));
        self.serve(io, activity, None, health_only).await;
    }

    /// A connection of the HTTPS listener: TLS first, with the certificate of the name the
    /// client asks for.
    pub(super) async fn serve_https(self: Arc<Self>, stream: TcpStream, health_only: bool) {
        let Ok(tls) = &self.interception else {
            return;
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(&tls.config));
        let activity = Arc::new(Activity::default());
        let handshake = acceptor.accept(Watched::new(stream, Arc::clone(&activity)));
        let stream = match tokio::time::timeout(self.timeout, handshake).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return tracing::info!(error = %e, "TLS handshake failed"),
            Err(_) => return,
        };
        let host: Arc<str> = stream
            .get_ref()
            .1
            .server_name()
            .or_else(|| tls.hosts.first().map(String::as_str))
            .unwrap_or_default()
            .to_ascii_lowercase()
            .into();
        self.serve(TokioIo::new(stream), activity, Some(host), health_only)
            .await;
    }

    /// Serves the requests of `io` until it closes, or makes no progress for the request
    /// timeout (`timeout.rs`); the body is bounded by the front (`app::front`). Requests of a
    /// TLS connection the mock terminated carry the host it was for (`secure`). A connection
    /// past the cap (`health_only`) is answered for `/_mock/health` only (anything else is
    /// `503`), and closed after a short idle time.
    fn serve<I>(
        self: Arc<Self>,
        io: TokioIo<I>,
        activity: Arc<Activity>,
        secure: Option<Arc<str>>,
        health_only: bool,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>>
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let watched = Arc::clone(&activity);
        let this = Arc::clone(&self);
        let watcher = self
            .graceful
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(GracefulShutdown::watcher);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let this = Arc::clone(&this);
            let busy = watched.request();
            // A CONNECT on a plain connection opens a tunnel, which keeps the activity.
            let tunnel =
                (secure.is_none() && tunnel::is_connect(&request)).then(|| Arc::clone(&watched));
            let secure = secure.clone();
            async move {
                if health_only && request.uri().path() != HEALTH {
                    drop(busy);
                    return Ok(limits::busy_response());
                }
                if let Some(activity) = tunnel {
                    let opened = Arc::clone(&this);
                    let open = move |stream, host| {
                        opened.serve(TokioIo::new(stream), activity, Some(host), false)
                    };
                    let response = tunnel::connect(request, &this.interception, open);
                    drop(busy);
                    return Ok(response);
                }
                if let Some(host) = secure {
                    request.extensions_mut().insert(app::SecureOrigin(host));
                }
                let response = this.app.answer_incoming(request).await;
                drop(busy);
                if response.extensions().get::<DropConnection>().is_some() {
                    return Err(ConnectionDropped);
                }
                Ok(response)
            }
        });
        let connection = self
            .builder
            .serve_connection_with_upgrades(io, service)
            .into_owned();
        let timeout = if health_only {
            limits::OVERFLOW_IDLE
        } else {
            self.timeout
        };

        // Client resets and dropped connections end here; nothing to report. A stalled
        // connection is dropped, which closes it.
        let served = async move {
            match watcher {
                Some(watcher) => {
                    tokio::select! {
                        _ = watcher.watch(connection) => {}
                        () = activity.stalled(timeout) => {}
                    }
                }
                None => {
                    tokio::select! {
                        _ = connection => {}
                        () = activity.stalled(timeout) => {}
                    }
                }
            }
        };
        if health_only {
            // A connection past the cap stays no longer than this, busy or not.
            Box::pin(async move {
                let _ = tokio::time::timeout(limits::OVERFLOW_LIFETIME, served).await;
            })
        } else {
            Box::pin(served)
        }
    }
}

/// The longest request head (request line and headers) read; past it, `431`.
const MAX_HEAD: usize = 64 * 1024;

/// The one path a connection past the cap is answered for.
const HEALTH: &str = "/_mock/health";

/// The error that makes hyper close a connection without answering (a `drop` fault).
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for ConnectionDropped {}
