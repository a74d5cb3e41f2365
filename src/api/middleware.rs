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

/// `401` unless `Authorization: Bearer <token>` carries a token the auth mode accepts.
pub(crate) async fn require_bearer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    let Some(token) = token else {
        return ApiError::Unauthorized {
            invalid_token: false,
        }
        .into_response();
    };
    let caller = match state.settings().auth {
        AuthMode::Any => Caller::Anyone,
        AuthMode::Strict => match state.with_world(|w| w.store.grants(token)) {
            Some(grants) => Caller::Only(grants),
            None => {
                return ApiError::Unauthorized {
                    invalid_token: true,
                }
                .into_response();
            }
        },
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
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
pub(crate) async fn require_api_version(request: Request, next: Next) -> Response {
    let query = request.uri().query().unwrap_or("");
    let mut found: Option<String> = None;
    let mut valid = true;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key.eq_ignore_ascii_case("api-version") {
            valid &= value == API_VERSION && found.as_deref().is_none_or(|f| f == value);
            found.get_or_insert_with(|| value.into_owned());
        }
    }
    if found.is_none() || !valid {
        return ApiError::InvalidApiVersion { given: found }.into_response();
    }
    next.run(request).await
}

/// `403` when the caller may not act on the `{publisherId}` of the path.
pub(crate) async fn require_publisher_access(
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    let params = match params {
        Ok(params) => params,
        Err(rejection) => {
            return ApiError::BadRequest(format!(
                "The request path is not valid: {}",
                rejection.body_text()
            ))
            .into_response();
        }
    };
    let publisher = params
        .iter()
        .find(|(name, _)| *name == "publisherId")
        .map(|(_, v)| v);
    if let (Some(publisher), Some(caller)) = (publisher, request.extensions().get::<Caller>()) {
        if !caller.may_access(publisher) {
            return ApiError::Forbidden {
                publisher: publisher.to_owned(),
            }
            .into_response();
        }
    }
    next.run(request).await
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
