//! Where to listen: `--host` as an address, or a name resolved to its first address.

use std::io;
use std::net::SocketAddr;

/// The address of `host` (an IP address, or a name: its first address, logged when it has
/// several) with `port`.
pub(crate) async fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
    let first = addrs.first().copied().ok_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, format!("'{host}' has no address"))
    })?;
    if addrs.len() > 1 {
        tracing::info!(%host, address = %first.ip(), of = addrs.len(), "host name has several addresses; using the first");
    }
    Ok(first)
}
