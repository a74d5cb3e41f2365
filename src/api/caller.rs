//! The checks every CPP route makes before its handler, in the order of
//! docs/behaviour.md#order-of-checks: bearer token (401), api-version (400), access to the
//! publisher (403) — run by extracting the `Caller`.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::RawPathParams;
use axum::extract::rejection::RawPathParamsRejection;
use axum::http::HeaderMap;

use crate::config::AuthMode;
use crate::domain::{Grants, name_lookup};
use crate::reply::bearer_token;
use crate::state::{AUDIENCE, AppState, InWorld, TokenKeys};

use super::error::{API_VERSION, ApiError};

/// Who is calling, as the bearer token says.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// Any publisher (default auth mode).
    Anyone,
    /// Only these publishers (lower-case keys; strict auth mode).
    Only(Grants),
}

/// Every CPP handler takes a `Caller` first, so its extraction runs the checks of
/// docs/behaviour.md#order-of-checks before anything else: `401` unless `Authorization: Bearer <token>` carries a
/// token the auth mode accepts, `400` unless the api-version is right, `403` when the caller
/// may not act on the path's `{publisherId}`. (An extractor rather than a layer: a layer costs
/// a boxed future and a service clone on every request.)
impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let caller = caller(InWorld::of(parts, state), &parts.headers)?;
        check_api_version(parts.uri.query())?;
        if let Caller::Only(_) = caller {
            // Anyone may act on any publisher: the path is left to the handler's `Path`,
            // which refuses an undecodable one with the same 400.
            let params = RawPathParams::from_request_parts(parts, state).await;
            check_publisher_access(&caller, params)?;
        }
        Ok(caller)
    }
}

impl Caller {
    pub(crate) fn may_access(&self, publisher: &str) -> bool {
        match self {
            Caller::Anyone => true,
            Caller::Only(grants) => {
                let key = name_lookup(publisher);
                grants.iter().any(|granted| *granted == key)
            }
        }
    }
}

/// How every `/api` route would refuse a request with `headers` and `query` before anything
/// else, if it would: the bearer token (`401`), then the api-version (`400`). What decides,
/// before the route runs, whether its body is read and whether it may make the world it names.
pub(crate) fn first_refusal(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Option<ApiError> {
    caller(state, headers)
        .err()
        .or_else(|| check_api_version(query).err())
}

/// Who the bearer token says is calling (`401` without one the auth mode accepts).
fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = bearer_token(headers).ok_or(ApiError::Unauthorized {
        invalid_token: false,
    })?;
    match state.settings().config.auth {
        AuthMode::Any => Ok(Caller::Anyone),
        AuthMode::Strict => {
            if let Some(grants) = state.with_world(|w| w.store.grants(token)) {
                return Ok(Caller::Only(grants));
            }
            match &state.settings().token_keys {
                // A JWT: three parts, the first a JSON header ("eyJ…").
                Some(keys) if token.starts_with("eyJ") && token.matches('.').count() == 2 => {
                    signed_in(state, keys, token)
                }
                _ => Err(ApiError::Unauthorized {
                    invalid_token: true,
                }),
            }
        }
    }
}

/// The caller a token of the emulated sign-in names: its signature, audience and times checked
/// (by the mock's clock, which `/_mock/clock/advance` moves), then the app's grants — none
/// for an app no fixture registers (docs/identity.md#strict-auth).
fn signed_in(state: &AppState, keys: &TokenKeys, token: &str) -> Result<Caller, ApiError> {
    let claims = keys.verified_claims(token).map_err(|_| {
        ApiError::InvalidToken(
            "The token's signature is not the mock's, or the token is malformed.".to_owned(),
        )
    })?;
    if claims.aud.trim_end_matches('/') != AUDIENCE {
        return Err(ApiError::InvalidToken(format!(
            "The token's audience is {}, not {AUDIENCE}.",
            claims.aud
        )));
    }
    let now = state.now().unix_nanos() / 1_000_000_000;
    if claims.exp <= now {
        return Err(ApiError::InvalidToken(format!(
            "The token expired {} s ago (by the mock's clock).",
            now - claims.exp
        )));
    }
    if claims.nbf > now {
        return Err(ApiError::InvalidToken(
            "The token is not valid yet (by the mock's clock).".to_owned(),
        ));
    }
    let grants = state.with_world(|w| w.store.client(&claims.appid).map(|c| c.grants.clone()));
    Ok(Caller::Only(grants.unwrap_or_else(|| Arc::from([]))))
}

/// `400 InvalidAPIVersion` unless the query has `api-version=2017-10-31` (the key in any
/// case, the value exactly, however often it is given).
fn check_api_version(query: Option<&str>) -> Result<(), ApiError> {
    let query = query.unwrap_or("");
    if query.strip_prefix("api-version=") == Some(API_VERSION) {
        // What nearly every client sends: nothing to decode.
        return Ok(());
    }
    // Every value given must be the supported one; the first that is not is quoted back.
    let mut found = false;
    let mut wrong: Option<Cow<'_, str>> = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key.eq_ignore_ascii_case("api-version") {
            found = true;
            if value != API_VERSION && wrong.is_none() {
                wrong = Some(value);
            }
        }
    }
    match (found, wrong) {
        (true, None) => Ok(()),
        (_, wrong) => Err(ApiError::InvalidApiVersion {
            given: wrong.map(Cow::into_owned),
        }),
    }
}

/// `403` when `caller` may not act on the publisher the path names (`400` when the path
/// cannot be decoded).
fn check_publisher_access(
    caller: &Caller,
    params: Result<RawPathParams, RawPathParamsRejection>,
) -> Result<(), ApiError> {
    let params = params.map_err(|rejection| {
        ApiError::BadRequest(
            "path.invalid",
            format!("The request path is not valid: {}", rejection.body_text()),
        )
    })?;
    match path_publisher(&params) {
        Some(publisher) if !caller.may_access(publisher) => Err(ApiError::Forbidden {
            publisher: publisher.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The publisher a CPP path names, however the route spells it: its `{publisherId}`, or the
/// part of a non-migrated `{operationKey}` before its first `$` (checked before the key is
/// parsed, so a malformed key of another publisher is a `403` too, as the order of checks
/// wants). `None` only for the routes that name no publisher (`/api/publishers`,
/// `/api/offerTypes`), which filter what they list by the caller instead.
fn path_publisher(params: &RawPathParams) -> Option<&str> {
    params.iter().find_map(|(name, value)| match name {
        "publisherId" => Some(value),
        "operationKey" => value.split('$').next(),
        _ => None,
    })
}
