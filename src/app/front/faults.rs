//! The fault rules at the front: the first rule that fires for an `/api` request answers
//! instead of its route, after it, or late (README.md "Fault rules").

use std::future::Future;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::error_response;
use crate::domain::names_in_path;
use crate::reply::{INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE, X_MOCK_REASON};
use crate::state::{AppState, Effect, RequestFacts};

/// In a response's extensions: close the connection instead of answering (the server loop
/// does it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// In the extensions of an answer a fault rule gave or delayed: the rule's id.
#[derive(Debug, Clone)]
pub(super) struct FiredRule(pub(super) Arc<str>);

/// Applies the first fault rule that fires for an `/api` request, which `route` answers
/// otherwise (or before the rule, for one that fires after the change). Latency is waited
/// out after the lock is released.
pub(super) async fn inject<Routed: Future<Output = Response>>(
    state: &AppState,
    request: Request,
    route: impl FnOnce(Request) -> Routed,
    id: &HeaderValue,
) -> Response {
    let (publisher, offer) = names_in_path(request.uri().path());
    let facts = RequestFacts {
        method: request.method().as_str(),
        path: request.uri().path(),
        publisher: publisher.as_deref(),
        offer: offer.as_deref(),
        headers: request.headers(),
    };
    let effect = state.with_world(|world| world.faults.select(&facts));
    let Some(effect) = effect else {
        return route(request).await;
    };
    tracing::info!(
        rule = %effect.rule,
        request_id = id.to_str().unwrap_or("-"),
        "fault rule fired"
    );
    if !effect.latency.is_zero() {
        tokio::time::sleep(effect.latency).await;
    }
    let mut response = if effect.after_commit {
        let response = route(request).await;
        if response.status().is_success() {
            fault_response(&effect).unwrap_or(response)
        } else {
            response
        }
    } else {
        match fault_response(&effect) {
            Some(response) => response,
            None => route(request).await,
        }
    };
    response
        .extensions_mut()
        .insert(FiredRule(effect.rule.as_str().into()));
    response
}

/// The answer a rule gives in place of the real one, if any (latency alone gives none).
fn fault_response(effect: &Effect) -> Option<Response> {
    if effect.drop {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(DropConnection);
        return Some(response);
    }
    let respond = effect.respond.as_ref()?;
    let status = StatusCode::from_u16(respond.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (code, message) = default_error(status);
    let mut response = error_response(
        status,
        respond.code.as_deref().unwrap_or(code),
        respond.message.as_deref().unwrap_or(message),
    );
    if let Ok(reason) = HeaderValue::try_from(format!("fault.rule={}", effect.rule)) {
        response.headers_mut().insert(X_MOCK_REASON.clone(), reason);
    }
    for (name, value) in &respond.headers {
        // Checked when the rule was added.
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    Some(response)
}

/// The code and message of a fault that names none: the service's own for 500
/// (docs/behaviour.md#errors), the status's name otherwise.
fn default_error(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        500 => (INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE),
        429 => ("TooManyRequests", "Too many requests. Retry later."),
        503 => (
            "ServiceUnavailable",
            "The service is unavailable. Retry later.",
        ),
        502 => ("BadGateway", "Bad gateway."),
        504 => ("GatewayTimeout", "Gateway timeout."),
        _ => ("Fault", "The request failed."),
    }
}
