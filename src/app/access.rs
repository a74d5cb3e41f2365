//! The checks a request's route makes before anything else — the bearer token and the
//! api-version on `/api`, the control token on the control plane — made before the route too,
//! where their outcome decides more than the route's answer: whether the request's body is
//! read at all (docs/reliability.md#hostile-input), and whether it may make the world it names
//! (docs/worlds.md#who-makes-a-world).

use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

use crate::control::ControlError;
use crate::state::AppState;

use super::known::route_of;
use super::routes::known_routes;

/// Which checks a path's routes make first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// `/api`: the bearer token, then the api-version.
    Api,
    /// `/_mock`, but for its open routes: the control token, when one is set.
    Control,
    /// What anyone may ask: `/_mock/health`, `/_mock/ca.pem`, `/_mock/openapi.json`, the
    /// console (`/_mock/ui` and its assets), and paths no route has.
    Open,
}

fn gate(path: &str) -> Gate {
    if path == "/api" || path.starts_with("/api/") {
        return Gate::Api;
    }
    match path.strip_prefix("/_mock/") {
        Some("health" | "ca.pem" | "openapi.json" | "ui") | None => Gate::Open,
        Some(rest) if rest.starts_with("ui/") => Gate::Open,
        Some(_) => Gate::Control,
    }
}

/// The answer a request's route would refuse it with before anything else, if it would (an
/// open route refuses none).
pub(super) fn first_refusal(state: &AppState, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    match gate(uri.path()) {
        Gate::Api => {
            crate::api::first_refusal(state, headers, uri.query()).map(IntoResponse::into_response)
        }
        Gate::Control => (!crate::control::carries_control_token(state, headers))
            .then(|| ControlError::Unauthorized.into_response()),
        Gate::Open => None,
    }
}

/// Whether a request passes the checks its route would make first.
pub(super) fn passes_first_checks(state: &AppState, uri: &Uri, headers: &HeaderMap) -> bool {
    match gate(uri.path()) {
        Gate::Api => crate::api::first_refusal(state, headers, uri.query()).is_none(),
        Gate::Control => crate::control::carries_control_token(state, headers),
        Gate::Open => true,
    }
}

/// Whether a request that passes its first checks may make the world it names, which does not
/// exist yet: only one to a known route, never one to an open route; with a control token set,
/// only a control call (which then carries it).
pub(super) fn may_make_world(state: &AppState, method: &Method, uri: &Uri) -> bool {
    let path = uri.path();
    let trimmed = match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    };
    let allowed = match gate(trimmed) {
        Gate::Open => false,
        Gate::Api => state.settings().config.control_token.is_none(),
        Gate::Control => true,
    };
    allowed && route_of(known_routes(), method.as_str(), trimmed).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_has_the_checks_of_its_plane() {
        assert_eq!(gate("/api/publishers"), Gate::Api);
        assert_eq!(gate("/api"), Gate::Api);
        assert_eq!(gate("/apis"), Gate::Open);
        assert_eq!(gate("/_mock/journal"), Gate::Control);
        assert_eq!(gate("/_mock/worlds/x"), Gate::Control);
        for open in [
            "/_mock/health",
            "/_mock/ca.pem",
            "/_mock/openapi.json",
            "/_mock/ui",
            "/_mock/ui/console.js",
            "/",
            "/x",
        ] {
            assert_eq!(gate(open), Gate::Open, "{open}");
        }
    }
}
