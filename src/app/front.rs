//! The service in front of the routes (`Front`): request ids, the body and its timeout, the
//! journal, the fault rules and the request log.

use std::any::Any;
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
use axum::response::{IntoResponse, Response};
use tower::layer::Layer;
use tower::{Service, ServiceExt};
use tower_http::catch_panic::{CatchPanic, CatchPanicLayer, ResponseForPanic};

use crate::api::{ApiError, answered_error, error_response};
use crate::domain::{MAX_JSON_DEPTH, names_in_path, nests_too_deep};
use crate::reply::{INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE, X_MOCK_REASON, custom_header};
use crate::state::AppState;
use crate::state::journal::{Answer, ErrorText, RecordedRequest};
use crate::state::{Effect, RequestFacts, Unsaved};

/// Largest request body read: axum's default limit, so handlers see the same.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// In a response's extensions: close the connection instead of answering (the server loop
/// does it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// What a world prefix is put in (see `with_prefix`).
static OPERATION_LOCATION: HeaderName = HeaderName::from_static("operation-location");

/// Logged at DEBUG, not INFO.
const HEALTH_PATH: &str = "/_mock/health";

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

    /// The state of the world this front serves.
    pub(crate) fn state(&self) -> &AppState {
        &self.state
    }

    /// The answer to `request`, in a future of its own type: the server's connections hold
    /// it in place, where tower's `call` must box it (a 3.5 KiB allocation and copy). With a
    /// world `prefix` (docs/worlds.md), its `Location` values carry it.
    pub(crate) async fn answer(self, request: Request, prefix: Option<Box<str>>) -> Response {
        let response = with_request_id(&self.state, request, self.routes, self.plane).await;
        match prefix {
            Some(prefix) => with_prefix(response, &prefix),
            None => response,
        }
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
        let answer = self.clone().answer(request, None);
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
    let error_code = error.as_deref().map(|error| &*error.code);
    macro_rules! request_line {
        ($level:ident $(, $name:ident = $value:expr)?) => {
            tracing::$level!(
                method = method.as_str(),
                path = path,
                status = response.status().as_u16(),
                latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
                request_id = id.to_str().unwrap_or("-"),
                $($name = $value,)?
                "request"
            )
        };
    }
    // A container's health check asks every few seconds: not a line each at INFO. A line
    // without an error has no error field (five fields cost less than six with one empty).
    if let Some(Panicked(detail)) = response.extensions().get() {
        tracing::error!(
            request_id = id.to_str().unwrap_or("-"),
            panic = &**detail,
            "request handler panicked"
        );
    }
    if let Some(unsaved) = response.extensions().get::<Unsaved>() {
        tracing::error!(
            request_id = id.to_str().unwrap_or("-"),
            path = &*unsaved.path,
            error = &*unsaved.reason,
            "the state file could not be written: the change is answered 500"
        );
    }
    match error_code {
        _ if path == HEALTH_PATH => request_line!(debug),
        None => request_line!(info),
        Some(code) => request_line!(info, error_code = code),
    }
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
    let entry = (journaled && state.settings().journal_capacity > 0).then(|| {
        let mut entry = RecordedRequest::new(
            state.now(),
            &parts.method,
            &parts.uri,
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
        inject(state, request, routes, id).await
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
    }
}

/// In the extensions of an answer a fault rule gave or delayed: the rule's id.
#[derive(Debug, Clone)]
struct FiredRule(Arc<str>);

/// The whole body, if there is one: `408` (CPP body) when it takes longer than the request
/// timeout to arrive, `413` past `BODY_LIMIT`, `400` when it nests deeper than any JSON
/// document the server keeps (`MAX_JSON_DEPTH`: what was accepted must read back from the
/// state file), whatever the route. A request without a body sets no timer.
async fn read_body(state: &AppState, body: Body) -> Result<Bytes, Response> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let limit = state.settings().request_timeout;
    let refused = match tokio::time::timeout(limit, axum::body::to_bytes(body, BODY_LIMIT)).await {
        Ok(Ok(bytes)) if nests_too_deep(&bytes) => {
            // The connection can carry on: the body was read whole.
            return Err(ApiError::BadRequest(
                "body.too-deep",
                format!(
                    "The request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep, more than the service keeps."
                ),
            )
            .into_response());
        }
        Ok(Ok(bytes)) => return Ok(bytes),
        Ok(Err(_)) => ApiError::PayloadTooLarge.into_response(),
        Err(_) => {
            let mut timeout = error_response(
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeout",
                &format!(
                    "The request body took longer than {} s to arrive.",
                    limit.as_secs_f64()
                ),
            );
            timeout.headers_mut().insert(
                X_MOCK_REASON.clone(),
                HeaderValue::from_static("body.timeout"),
            );
            timeout
        }
    };
    // The rest of the body is not read: the connection cannot carry another request, and
    // the client must not send one on it.
    Err(closing(refused))
}

/// The most a body can take of `--body-bytes-in-flight`: its `Content-Length`, or (chunked)
/// the body limit; one byte past the limit at most, which is refused once read.
fn declared_size(headers: &axum::http::HeaderMap) -> usize {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(BODY_LIMIT, |length| length.min(BODY_LIMIT + 1))
}

/// `503` with `Retry-After`: the bodies being read already fill `--body-bytes-in-flight`.
fn no_room_for_body() -> Response {
    let mut busy = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        "The server is reading as many request bodies as it may hold at once. Retry later.",
    );
    let headers = busy.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(
        X_MOCK_REASON.clone(),
        HeaderValue::from_static("body.no-room"),
    );
    busy
}

/// `response` with `Connection: close`.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Applies the first fault rule that fires for an `/api` request. Latency is waited out
/// after the lock is released.
async fn inject(state: &AppState, request: Request, routes: Routes, id: &HeaderValue) -> Response {
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
        return route(routes, request).await;
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
        let response = route(routes, request).await;
        if response.status().is_success() {
            fault_response(&effect).unwrap_or(response)
        } else {
            response
        }
    } else {
        match fault_response(&effect) {
            Some(response) => response,
            None => route(routes, request).await,
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

/// The panic answer ([`panic_response`]), as a type `CatchPanic` can name.
#[derive(Debug, Clone, Copy)]
struct PanicResponse;

impl ResponseForPanic for PanicResponse {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, panic: Box<dyn Any + Send + 'static>) -> Response {
        panic_response(panic)
    }
}

/// In the extensions of a panic's answer: the panic's message, which the front logs with the
/// request's id (never sent).
#[derive(Debug, Clone)]
pub(super) struct Panicked(pub(super) Box<str>);

/// A panic's answer: the service's own 500, carrying the panic's message for the log.
pub(super) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    let mut response = ApiError::Internal.into_response();
    response.extensions_mut().insert(Panicked(detail.into()));
    response
}

/// `response` with `prefix` put in its `Location` and `Operation-Location`, so that clients
/// that only take a base URL stay in their world.
fn with_prefix(mut response: Response, prefix: &str) -> Response {
    for name in [&header::LOCATION, &OPERATION_LOCATION] {
        let headers = response.headers_mut();
        let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        if let Some(prefixed) = prefixed(value, prefix) {
            headers.insert(name.clone(), prefixed);
        }
    }
    response
}

/// `value` (a path, or an absolute URL) with `prefix` before its path.
fn prefixed(value: &str, prefix: &str) -> Option<HeaderValue> {
    let text = if value.starts_with('/') {
        format!("{prefix}{value}")
    } else {
        let authority_at = value.find("://")? + 3;
        let path_at = authority_at + value[authority_at..].find('/')?;
        format!("{}{prefix}{}", &value[..path_at], &value[path_at..])
    };
    HeaderValue::try_from(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_route_that_panics_is_answered_with_the_cpp_500() {
        use tower::ServiceExt;

        async fn boom() -> &'static str {
            panic!("boom")
        }
        let routes = Router::new().route("/boom", axum::routing::get(boom));
        let service = CatchPanicLayer::custom(PanicResponse).layer(routes);

        let request = Request::get("/boom")
            .body(Body::empty())
            .expect("a request");
        let response = service.oneshot(request).await.expect("answered");

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(Body::new(response.into_body()), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "InternalServerError");
    }

    /// Log lines written while a test runs, as the JSON log writes them.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// `routes` asked `GET /api/x` with `x-request-id: req-42` through the front: the answer,
    /// and the log lines written meanwhile.
    async fn logged(routes: Router) -> (Response, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let _log = tracing::subscriber::set_default(subscriber);
        let config = crate::config::Config {
            ca_dir: Some(std::env::temp_dir().join("cloudpartner-mock-unit-ca")),
            ..crate::config::Config::for_tests()
        };
        let state = crate::server::load_state(&config).expect("a state");
        let routes = CatchPanicLayer::custom(PanicResponse).layer(routes);
        let request = Request::get("/api/x")
            .header("x-request-id", "req-42")
            .body(Body::empty())
            .expect("a request");
        let response = with_request_id(&state, request, routes, Plane::Cpp).await;
        let log = String::from_utf8(captured.0.lock().expect("the log").clone()).expect("text");
        (response, log)
    }

    /// The line of `log` that says `what`.
    fn line<'a>(log: &'a str, what: &str) -> &'a str {
        log.lines()
            .find(|line| line.contains(what))
            .unwrap_or_else(|| panic!("no line saying {what} in {log}"))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_panic_is_logged_with_the_request_id() {
        async fn boom() -> &'static str {
            panic!("boom in the handler")
        }

        let (response, log) = logged(Router::new().route("/api/x", axum::routing::get(boom))).await;

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let line = line(&log, "request handler panicked");
        assert!(
            line.contains("req-42") && line.contains("boom in the handler"),
            "{line}"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_change_the_state_file_could_not_keep_is_logged_with_the_request_id_and_the_file() {
        async fn unkept() -> ApiError {
            ApiError::Unsaved(Unsaved {
                path: "/var/state/state.json".into(),
                reason: "No space left on device".into(),
            })
        }

        let (response, log) =
            logged(Router::new().route("/api/x", axum::routing::get(unkept))).await;

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[X_MOCK_REASON.clone()],
            "state-file.unwritten"
        );
        let line = line(&log, "the state file could not be written");
        assert!(
            line.contains("req-42")
                && line.contains("/var/state/state.json")
                && line.contains("No space left"),
            "{line}"
        );
    }

    #[tokio::test]
    async fn a_panic_becomes_a_cpp_500() {
        let response = panic_response(Box::new("boom"));

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "InternalServerError");
        assert_eq!(
            body["error"]["message"],
            "We cannot complete the request now, please try again later."
        );
    }

    #[test]
    fn locations_get_the_prefix_before_their_path() {
        let p = "/_world/w1";
        let text = |v: Option<HeaderValue>| v.map(|v| v.to_str().unwrap_or_default().to_owned());
        assert_eq!(
            text(prefixed("/api/operations/x?api-version=1", p)).as_deref(),
            Some("/_world/w1/api/operations/x?api-version=1")
        );
        assert_eq!(
            text(prefixed("http://127.0.0.1:8080/api/x", p)).as_deref(),
            Some("http://127.0.0.1:8080/_world/w1/api/x")
        );
        assert_eq!(text(prefixed("http://host", p)), None);
    }
}
