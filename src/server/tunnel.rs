//! The mock as an HTTPS proxy for the hosts it intercepts (docs/https.md): a `CONNECT` to one
//! of them is accepted, its TLS terminated with the mock's certificate for that host, and the
//! requests inside served like any other. A `CONNECT` to any other host is refused: the mock is
//! never an open proxy, and nothing leaves the machine.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio_rustls::TlsAcceptor;

use super::tls::Tls;

/// The TLS the server can terminate, or why it cannot.
pub(crate) type Interception = Result<Arc<Tls>, Arc<str>>;

/// A request the server answers itself, before the application: a `CONNECT`.
pub(crate) fn is_connect(request: &hyper::Request<Incoming>) -> bool {
    request.method() == Method::CONNECT
}

/// What a `CONNECT` gets: `200` and a tunnel for an intercepted host (`open` is handed the TLS
/// stream), `403` for another host, `503` when the mock has no CA.
pub(crate) fn connect<F, Fut>(
    request: hyper::Request<Incoming>,
    interception: &Interception,
    open: F,
) -> Response
where
    F: FnOnce(tokio_rustls::server::TlsStream<TokioIo<hyper::upgrade::Upgraded>>, Arc<str>) -> Fut
        + Send
        + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let target = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_default();
    let host = target.rsplit_once(':').map_or(target.as_str(), |(h, _)| h);
    let tls = match interception {
        Ok(tls) => tls,
        Err(reason) => {
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("HTTPS interception is off: {reason}."),
            );
        }
    };
    if !tls.intercepts(host) {
        tracing::info!(target = %target, "CONNECT refused: not an intercepted host");
        return refusal(
            StatusCode::FORBIDDEN,
            &format!(
                "CONNECT to '{target}' is refused: cloudpartner-mock answers HTTPS only for {} \
                 (--intercept-host sets the list) and is not a proxy to anywhere else.",
                tls.hosts.join(", ")
            ),
        );
    }
    let host: Arc<str> = host.to_ascii_lowercase().into();
    let acceptor = TlsAcceptor::from(Arc::clone(&tls.config));
    tokio::spawn(async move {
        let upgraded = match hyper::upgrade::on(request).await {
            Ok(upgraded) => upgraded,
            Err(e) => {
                tracing::debug!(error = %e, "CONNECT tunnel not upgraded");
                return;
            }
        };
        match acceptor.accept(TokioIo::new(upgraded)).await {
            Ok(stream) => open(stream, host).await,
            Err(e) => tracing::info!(%host, error = %e, "TLS handshake in a CONNECT tunnel failed"),
        }
    });
    Response::new(Body::empty())
}

/// A refused `CONNECT`, with a CPP error body that says why.
fn refusal(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": "ProxyRefused", "message": message}});
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
