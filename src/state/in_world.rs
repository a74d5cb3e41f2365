//! `InWorld`: the world a request is for, decided once by the front (docs/worlds.md) and
//! carried in the request's extensions to every handler that needs it.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;

/// The state of the world a request is for, as the front decided it: a named world, in the
/// request's extensions, put there before the request is routed; the default world, which is
/// the routes' own state, by no extension. A handler takes it as an argument
/// (`InWorld(state): InWorld`).
#[derive(Debug, Clone)]
pub(crate) struct InWorld(pub(crate) AppState);

impl FromRequestParts<AppState> for InWorld {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(InWorld(Self::of(parts, state).clone()))
    }
}

impl InWorld {
    /// The world of the request of `parts`, whose router's state is `state`.
    pub(crate) fn of<'a>(parts: &'a Parts, state: &'a AppState) -> &'a AppState {
        match parts.extensions.get::<InWorld>() {
            Some(InWorld(world)) => world,
            None => state,
        }
    }
}
