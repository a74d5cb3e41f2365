//! `healthcheck`: asks a running server's `/_mock/health` and says whether it answered 200 —
//! for container health checks in images that have no shell or curl.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::config::Config;

/// How long the whole check may take.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Checks the server `config` describes (a wildcard host is checked on loopback): `Ok` when
/// `GET /_mock/health` answers 200 within three seconds. With `--port-file`, the port the
/// file holds, when it holds one: the server's own, whatever flags it was started with.
pub async fn healthcheck(config: &Config) -> Result<(), String> {
    let port = config
        .port_file
        .as_deref()
        .and_then(super::port_file::read_port_file)
        .unwrap_or(config.port);
    let resolved = super::address::resolve(&config.host, port)
        .await
        .map_err(|e| format!("cannot resolve '{}': {e}", config.host))?;
    let host = match resolved.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let addr = SocketAddr::new(host, port);
    tokio::time::timeout(TIMEOUT, check(addr))
        .await
        .map_err(|_| format!("no answer from {addr} within {TIMEOUT:?}"))?
}

async fn check(addr: SocketAddr) -> Result<(), String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {addr} failed: {e}"))?;
    tokio::spawn(connection);
    let request = Request::get("/_mock/health")
        .header(header::HOST, addr.to_string())
        .body(Body::empty())
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("GET /_mock/health on {addr} failed: {e}"))?;
    match response.status() {
        StatusCode::OK => Ok(()),
        status => Err(format!("GET /_mock/health on {addr} answered {status}")),
    }
}
