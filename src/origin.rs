//! `SecureOrigin`: in a request's extensions, the host name of the TLS connection the mock
//! terminated for it (an intercepted `CONNECT`, or the HTTPS listener; docs/https.md). The
//! server puts it there; the planes read it to write `https://` URLs of that host.

use std::sync::Arc;

#[derive(Debug, Clone)]
pub(crate) struct SecureOrigin(pub(crate) Arc<str>);
