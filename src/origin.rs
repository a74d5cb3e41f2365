//! Where a request reached the mock, as its host and extensions say, for the URLs the planes
//! write and the plane that answers it (`IDENTITY_HOST`):
//!
//! - `SecureOrigin`: the host name of the TLS connection the mock terminated for it (an
//!   intercepted `CONNECT`, or the HTTPS listener; docs/https.md). The server puts it there;
//!   the planes write `https://` URLs of that host.
//! - `WorldPrefix`: the `/_world/{name}` its path began with (docs/worlds.md). The front
//!   takes it off the path before routing and puts it here; the URLs the planes write start
//!   with it, so a client that only follows them stays in its world.

use std::sync::Arc;

/// The identity platform's host: requests for it go to the emulated sign-in (docs/identity.md),
/// whose documents and tokens name it.
pub(crate) const IDENTITY_HOST: &str = "login.microsoftonline.com";

#[derive(Debug, Clone)]
pub(crate) struct SecureOrigin(pub(crate) Arc<str>);

#[derive(Debug, Clone)]
pub(crate) struct WorldPrefix(pub(crate) Arc<str>);
