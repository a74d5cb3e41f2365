//! Which world a request is for (docs/worlds.md): the path prefix `/_world/{name}/…`, else
//! the `X-Mock-World` header, else — when named worlds exist — the tenant of a token the
//! mock issued; none of them: the default world. A world named that does not exist is made
//! only for a request allowed to make it (`access.rs`). Decided once per request, by the
//! front, from the one registry of worlds the state keeps.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Uri};
use axum::response::Response;

use axum::response::IntoResponse as _;

use crate::control::ControlError;
use crate::domain::tenant_id;
use crate::origin::WorldPrefix;
use crate::reply::{bearer_token, custom_header};
use crate::state::{AppState, WorldError};

use super::access::{first_refusal, may_make_world};

/// The header that names a request's world.
static X_MOCK_WORLD: HeaderName = HeaderName::from_static("x-mock-world");
/// The path prefix that names a request's world.
const PREFIX: &str = "/_world/";

/// The world `request` is for (`state`'s default world unless it names another), or the
/// answer refusing it. A prefix the path began with is taken off it and put in the request's
/// extensions (`WorldPrefix`), where the URLs its answer gives find it.
pub(super) fn choose(state: &AppState, request: &mut Request) -> Result<AppState, Refused> {
    if request.uri().path().starts_with(PREFIX) {
        let (name, prefix) = strip_prefix(request).map_err(refused)?;
        let world = named(state, &name, request)?;
        request.extensions_mut().insert(WorldPrefix(prefix));
        Ok(world)
    } else if let Some(name) = world_header(request) {
        let name = name.to_str().unwrap_or_default().trim();
        named(state, name, request)
    } else if state.has_named_worlds() {
        Ok(world_of_token(state, request).unwrap_or_else(|| state.clone()))
    } else {
        Ok(state.clone())
    }
}

/// The world `name`, made for `request` if it does not exist and the request may make it
/// (`access::may_make_world`): a refused request, or one to an open route, makes none.
fn named(state: &AppState, name: &str, request: &Request) -> Result<AppState, Refused> {
    if let Some(world) = state.find_world(name).map_err(refused)? {
        return Ok(world);
    }
    // Refused as its route would refuse it, in no world (nothing is journaled).
    if let Some(refusal) = first_refusal(state, request.uri(), request.headers()) {
        return Err(Box::new(refusal));
    }
    if !may_make_world(state, request.method(), request.uri()) {
        return Err(refused(WorldError::NotMade {
            name: name.to_owned(),
            control_token: state.settings().config.control_token.is_some(),
        }));
    }
    state.world(name).map_err(refused)
}

/// The answer refusing a request before its world is chosen; boxed, since it is rare and a
/// `Response` is large.
pub(super) type Refused = Box<Response>;

/// The answer refusing a request's world.
fn refused(error: impl Into<ControlError>) -> Refused {
    Box::new(refusal(error.into()))
}

/// The `X-Mock-World` value, if the request has one.
fn world_header(request: &Request) -> Option<&HeaderValue> {
    custom_header(request.headers(), &X_MOCK_WORLD)
}

/// `/_world/{name}/rest?query` → `/rest?query` (`/_world/{name}` alone → `/`); gives the
/// name and the prefix. A prefix without a name, or whose name is not UTF-8 once decoded, is
/// refused with `400 InvalidWorld`.
fn strip_prefix(request: &mut Request) -> Result<(String, Arc<str>), ControlError> {
    let uri = request.uri();
    let after = uri.path().get(PREFIX.len()..).unwrap_or_default();
    let (encoded, rest) = after.split_at(after.find('/').unwrap_or(after.len()));
    let name = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map_err(|_| WorldError::InvalidName(encoded.to_owned()))?;
    if name.is_empty() {
        return Err(WorldError::InvalidName(String::new()).into());
    }
    let name = name.into_owned();
    let prefix: Arc<str> = format!("{PREFIX}{encoded}").into();
    let rest = if rest.is_empty() { "/" } else { rest };
    let target = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    let invalid =
        || ControlError::BadRequest("The path after the world prefix is not valid.".to_owned());
    parts.path_and_query = Some(target.parse().map_err(|_| invalid())?);
    *request.uri_mut() = Uri::from_parts(parts).map_err(|_| invalid())?;
    Ok((name, prefix))
}

/// The world of the tenant of the bearer token, when the mock signed it and a world of that
/// tenant exists.
fn world_of_token(state: &AppState, request: &Request) -> Option<AppState> {
    let token = bearer_token(request.headers())?;
    // Only a JWT (three parts) can be one of the mock's.
    if token.bytes().filter(|b| *b == b'.').count() != 2 {
        return None;
    }
    let keys = state.settings().token_keys.as_ref()?;
    let claims = keys.verified_claims(token).ok()?;
    let tid = uuid::Uuid::try_parse(&claims.tid).unwrap_or_else(|_| tenant_id(&claims.tid));
    state.world_of_tenant(tid)
}

/// The answer refusing a request's world, `{"error": {"code", "message"}}` (the shape both
/// planes share).
pub(super) fn refusal(error: ControlError) -> Response {
    tracing::warn!(error = %error, "world refused");
    error.into_response()
}
