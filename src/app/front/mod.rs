//! The service in front of the routes (`Front`): the request's world, its id, its body, the
//! journal, the fault rules and the log line. One file per concern beside this one: `body.rs`
//! (reading the body), `faults.rs` (the fault rules), `log.rs` (the log lines), `panic.rs`
//! (a route's panic); the world's choice is `../worlds.rs`.

mod body;
mod faults;
mod log;
mod panic;

pub(crate) use faults::DropConnection;
pub(crate) use panic::{Panicked, panic_response};

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use tower::layer::Layer;
use tower::{Service, ServiceExt};
use tower_http::catch_panic::{CatchPanic, CatchPanicLayer};
use tower_http::normalize_path::NormalizePath;

use crate::api::answered_error;
use crate::reply::{X_MOCK_REASON, custom_header};
use crate::state::journal::{Answer, ErrorText, OfferCreated, RecordedRequest};
use crate::state::{AppState, InWorld};

use body::{closing, declared_size, no_room_for_body, read_body};
use faults::{FiredRule, inject};
use panic::PanicResponse;

/// `x-request-id`: the client's, or a new UUID.
static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every request goes through before its route, as one service around the routes
/// (a layer inside the router would cost a boxed future per route and per request):
///
/// 1. an id — the client's `x-request-id`, or a new UUID — that the journal and the log see
///    and the response echoes;
/// 2. its body read, within the request timeout (`408`) and the body limit (`413`);
/// 3. an `/api` request recorded in the journal with the status it was answered (faults
///    included);
/// 4. the fault rules, which may answer instead of the route (or after it);
/// 5. one INFO log line when it is answered: method, path, status, latency in µs, request id
///    (DEBUG for `/_mock/health`).
///
/// A panic in a route becomes a CPP 500 that the journal and the log see, not a dropped
/// connection. `Front` wraps the router from outside: a layer inside a `Router` costs a boxed
/// future per route and request.
#[derive(Clone)]
pub(crate) struct Front {
    state: AppState,
    routes: Routes,
    plane: Plane,
}

/// What a front serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plane {
    /// The CPP API and the control plane: `/api` requests journaled, the first checks of a
    /// route made before its body is read.
    Cpp,
    /// The emulated sign-in, whose paths are tenants (a tenant named `api` is one) and whose
    /// bodies carry secrets: nothing journaled, no CPP check.
    Identity,
}

/// The router with its catch-panic: what [`Front`] passes each request on to.
type Routes = CatchPanic<Router, PanicResponse>;

impl Front {
    /// The front of the CPP API and the control plane.
    pub(crate) fn new(state: AppState, router: Router) -> Self {
        let routes = CatchPanicLayer::custom(PanicResponse).layer(router);
        Self {
            state,
            routes,
            plane: Plane::Cpp,
        }
    }

    /// The front of the identity platform.
    pub(crate) fn identity(state: AppState, router: Router) -> Self {
        Self {
            plane: Plane::Identity,
            ..Self::new(state, router)
        }
    }

    /// The answer to `request`, in a future of its own type: the server's connections hold
    /// it in place, where tower's `call` must box it (a 3.5 KiB allocation and copy). The
    /// world it is for is decided here, once (`worlds.rs`), and travels with it: a named
    /// world as `InWorld` in its extensions; the default world, the routes' own state, as
    /// none (an extension costs an allocation, and most requests are for the default world).
    pub(crate) async fn answer(self, mut request: Request) -> Response {
        let world = match self.plane {
            Plane::Cpp => match super::worlds::choose(&self.state, &mut request) {
                Ok(world) => world,
                Err(refused) => return *refused,
            },
            Plane::Identity => self.state,
        };
        let mut request = trimmed(request);
        if world.world_name().is_some() {
            request.extensions_mut().insert(InWorld(world.clone()));
        }
        with_request_id(&world, request, self.routes, self.plane).await
    }
}

impl std::fmt::Debug for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Front")
    }
}

impl Service<Request> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Each call clones the routes and waits for them to be ready (`oneshot`).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let answer = self.clone().answer(request);
        Box::pin(async move { Ok(answer.await) })
    }
}

/// Steps 1 and 5 of [`Front`] around the rest.
async fn with_request_id(
    state: &AppState,
    request: Request,
    routes: Routes,
    plane: Plane,
) -> Response {
    let started = Instant::now();
    // A new id is not added to the request: the routes do not read it, and the journal is
    // given it (as the last header, where an insert would have put it).
    let (id, new) = match custom_header(request.headers(), &X_REQUEST_ID) {
        Some(given) => (given.clone(), false),
        None => {
            let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            let text = state.new_uuid().hyphenated().encode_lower(&mut text);
            let id = HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("-"));
            (id, true)
        }
    };
    let method = request.method().clone();
    // The path for the log line: the path-and-query alone (a reference count), not the URI.
    let target = request.uri().path_and_query().cloned();
    let path = target.as_ref().map_or("/", |target| target.path());
    let (mut response, error) = checked_and_recorded(state, request, routes, &id, new, plane).await;
    let asked = log::Asked {
        method: &method,
        path,
        started,
        id: &id,
    };
    log::answered(
        &asked,
        &response,
        error.as_deref().map(|error| &*error.code),
    );
    response.headers_mut().insert(X_REQUEST_ID.clone(), id);
    if let Some(date) = state.frozen_date() {
        if let Ok(date) = HeaderValue::try_from(date) {
            response.headers_mut().insert(header::DATE, date);
        }
    }
    response
}

/// The routes' answer to `request`.
async fn route(routes: Routes, request: Request) -> Response {
    match routes.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// Steps 2–4 of [`Front`]; `id` is the request id, which the front made if `new`. Gives the
/// answer and, for an `/api` request answered with a CPP error, that error.
async fn checked_and_recorded(
    state: &AppState,
    request: Request,
    routes: Routes,
    id: &HeaderValue,
    new: bool,
    plane: Plane,
) -> (Response, Option<Arc<ErrorText>>) {
    let (parts, body) = request.into_parts();
    let is_api = parts.uri.path().starts_with("/api");
    // A body its route would refuse without reading (no token, a wrong api-version or
    // control token) is never read: the route answers as it would, and the connection, which
    // still holds the body, closes after the answer.
    let unread = plane == Plane::Cpp
        && !body.is_end_stream()
        && !super::access::passes_first_checks(state, &parts.uri, &parts.headers);
    // Room for the body in `--body-bytes-in-flight`, held until the answer is made.
    let mut _room = None;
    let body = if unread {
        drop(body);
        Bytes::new()
    } else {
        if !body.is_end_stream() {
            match state.room_for_body(declared_size(&parts.headers)) {
                Some(room) => _room = Some(room),
                None => {
                    let refused = closing(no_room_for_body());
                    let error = is_api.then(|| answered_error(&refused).cloned()).flatten();
                    return (refused, error);
                }
            }
        }
        match read_body(state, body).await {
            Ok(body) => body,
            Err(refused) => {
                let error = is_api.then(|| answered_error(&refused).cloned()).flatten();
                return (refused, error);
            }
        }
    };
    let journaled = plane == Plane::Cpp && is_api;
    let entry = (journaled && state.settings().config.journal_capacity > 0).then(|| {
        let redacted = super::redact::uri(&parts.uri);
        let mut entry = RecordedRequest::new(
            state.now(),
            &parts.method,
            redacted.as_ref().unwrap_or(&parts.uri),
            &parts.headers,
            new.then_some((&X_REQUEST_ID, id)),
            super::redact::header,
        );
        if !body.is_empty() {
            match super::redact::form_body(parts.headers.get(header::CONTENT_TYPE), &body) {
                Some(redacted) => entry.set_body(&redacted),
                None => entry.set_body(&body),
            }
        }
        entry
    });
    let body = if body.is_empty() {
        Body::empty()
    } else {
        Body::from(body)
    };
    let request = Request::from_parts(parts, body);
    let response = if is_api && state.has_faults() {
        inject(state, request, |request| route(routes, request), id).await
    } else {
        route(routes, request).await
    };
    let response = if unread { closing(response) } else { response };
    let error = is_api.then(|| answered_error(&response).cloned()).flatten();
    if let Some(mut entry) = entry {
        entry.status = response
            .extensions()
            .get::<DropConnection>()
            .is_none()
            .then(|| response.status().as_u16());
        let answer = answer_of(&response, error.clone());
        state.with_world(|world| world.journal.record(entry, answer));
    }
    (response, error)
}

/// What the journal keeps of `response` besides its status and `error`. Only an accepted
/// request (`201`, `202`) can have started an operation: no other answer is searched for a
/// `Location`.
fn answer_of(response: &Response, error: Option<Arc<ErrorText>>) -> Answer {
    let accepted = matches!(
        response.status(),
        StatusCode::CREATED | StatusCode::ACCEPTED
    );
    // A walk, not a lookup that hashes the name (see `custom_header`).
    let reason = (!response.status().is_success())
        .then(|| {
            let mut headers = response.headers().iter();
            headers
                .find(|(name, _)| *name == X_MOCK_REASON)
                .map(|(_, v)| v.clone())
        })
        .flatten();
    Answer {
        error,
        reason,
        location: accepted
            .then(|| response.headers().get(header::LOCATION).cloned())
            .flatten(),
        fault_rule: response
            .extensions()
            .get::<FiredRule>()
            .map(|rule| Arc::clone(&rule.0)),
        retry_after: matches!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        )
        .then(|| response.headers().get(header::RETRY_AFTER))
        .flatten()
        .and_then(|value| value.to_str().ok())
        .map(Box::from),
        created: response.extensions().get::<OfferCreated>().is_some(),
    }
}

/// `request` with its path's trailing slash trimmed (real clients send `…/submissions/?…`
/// and `…/operations/{id}/?…`, docs/behaviour.md "Routing"), by tower-http's `NormalizePath`
/// around a service that hands the request back as a response's body (`NormalizePath` wraps
/// services that answer `Response`s).
fn trimmed(request: Request) -> Request {
    let hand_back =
        |request: Request| std::future::ready(Ok::<_, Infallible>(Response::new(request)));
    let trimmed = NormalizePath::trim_trailing_slash(tower::service_fn(hand_back))
        .call(request)
        .into_inner();
    match trimmed {
        Ok(trimmed) => trimmed.into_body(),
        Err(never) => match never {},
    }
}
