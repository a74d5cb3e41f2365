//! The checks every CPP route makes before its handler, in cpp-api.md §2.9's order: bearer
//! token (401), api-version (400), access to the publisher (403).

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::AuthMode;
use crate::domain::{Grants, name_key};
use crate::state::AppState;

use super::error::{API_VERSION, ApiError};

/// Who is calling, put into the request's extensions by `require_bearer`.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// Any publisher (default auth mode).
    Anyone,
    /// Only these publishers (lower-case keys; strict auth mode).
    Only(Grants),
}

/// Handlers read the caller the bearer layer recorded; on a route without that layer there is
/// none, and the request is refused as unauthenticated.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(ApiError::Unauthorized {
                invalid_token: false,
            })
    }
}

impl Caller {
    pub(crate) fn may_access(&self, publisher: &str) -> bool {
        match self {
            Caller::Anyone => true,
            Caller::Only(grants) => grants.contains(&name_key(publisher)),
        }
    }
}

/// The checks of every CPP route, in order: `401` unless `Authorization: Bearer <token>`
/// carries a token the auth mode accepts, `400` unless the api-version is right, `403` when
/// the caller may not act on the path's `{publisherId}`. One layer, so a request pays for one.
pub(crate) async fn check(
    State(state): State<AppState>,
    params: Result<RawPathParams, RawPathParamsRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    let checked = caller(&state, &request)
        .and_then(|caller| check_api_version(request.uri().query()).map(|()| caller))
        .and_then(|caller| check_publisher_access(&caller, params).map(|()| caller));
    match checked {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
}

/// Who the bearer token says is calling (`401` without one the auth mode accepts).
fn caller(state: &AppState, request: &Request) -> Result<Caller, ApiError> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .ok_or(ApiError::Unauthorized {
            invalid_token: false,
        })?;
    match state.settings().auth {
        AuthMode::Any => Ok(Caller::Anyone),
        AuthMode::Strict => state
            .with_world(|w| w.store.grants(token))
            .map(Caller::Only)
            .ok_or(ApiError::Unauthorized {
                invalid_token: true,
            }),
    }
}

/// The token of a `Bearer` credential: the scheme is case-insensitive (RFC 7235), the token
/// non-empty.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `400 InvalidAPIVersion` unless the query has `api-version=2017-10-31` (the key in any
/// case, the value exactly, given once or always the same).
fn check_api_version(query: Option<&str>) -> Result<(), ApiError> {
    let mut found: Option<String> = None;
    let mut valid = true;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if key.eq_ignore_ascii_case("api-version") {
            valid &= value == API_VERSION && found.as_deref().is_none_or(|f| f == value);
            found.get_or_insert_with(|| value.into_owned());
        }
    }
    if found.is_none() || !valid {
        return Err(ApiError::InvalidApiVersion { given: found });
    }
    Ok(())
}

/// `403` when `caller` may not act on the `{publisherId}` of the path (`400` when the path
/// cannot be decoded).
fn check_publisher_access(
    caller: &Caller,
    params: Result<RawPathParams, RawPathParamsRejection>,
) -> Result<(), ApiError> {
    let params = params.map_err(|rejection| {
        ApiError::BadRequest(format!(
            "The request path is not valid: {}",
            rejection.body_text()
        ))
    })?;
    match params.iter().find(|(name, _)| *name == "publisherId") {
        Some((_, publisher)) if !caller.may_access(publisher) => Err(ApiError::Forbidden {
            publisher: publisher.to_owned(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
