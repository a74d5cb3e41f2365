//! The whole HTTP application, pure (no sockets, no files): `router(state)` and `service(state)`
//! for embedding it and for tests through tower, `Served` for the binary and `MockServer`.
//! All three are the same front around the same routes.

pub(crate) mod front;
mod openapi;

pub use openapi::openapi_json;

use std::any::Any;
use std::convert::Infallible;
use std::future::ready;

use axum::Router;
use axum::body::{Body, HttpBody as _};
use axum::extract::Request;
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use hyper::body::Incoming;
use tower::Service;
use tower::layer::Layer;
use tower_http::catch_panic::{CatchPanic, CatchPanicLayer, ResponseForPanic};
use tower_http::normalize_path::NormalizePath;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{ApiError, error_response};
use crate::app::front::Front;
use crate::state::AppState;

/// The application as an axum `Router` (to nest or merge into another): the CPP routes and
/// the `/_mock` control plane, with CPP-shaped 404/405, behind the front layer. Paths must
/// match exactly; [`service`] adds trailing-slash tolerance.
pub fn router(state: AppState) -> Router {
    Router::new().fallback_service(front(state))
}

/// The application as one tower service, with trailing slashes trimmed before routing (real
/// clients send `…/submissions/?…` and `…/operations/{id}/?…`, cpp-api.md §2.7): the same
/// answers as the server's ([`Served`]).
pub fn service(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send>
+ Clone
+ Send
+ Sync
+ 'static {
    let served = Served::new(state);
    tower::service_fn(move |request: Request| {
        let served = served.clone();
        async move { Ok(served.answer(request).await) }
    })
}

/// What the server runs: the front around the routes, each request's trailing slash trimmed
/// first (by tower-http's `NormalizePath`, around a service that hands the request back as a
/// response's body: `NormalizePath` wraps services that answer `Response`s). Its future is
/// the caller's to hold in place, where a tower `Service` would box it per request.
#[derive(Clone, Debug)]
pub(crate) struct Served(Front);

impl Served {
    pub(crate) fn new(state: AppState) -> Self {
        Self(front(state))
    }

    /// The answer to a request as hyper hands it over. A request without a body gets
    /// `Body::empty()`, which allocates nothing.
    pub(crate) async fn answer_incoming(self, request: hyper::Request<Incoming>) -> Response {
        let request = request.map(|body| {
            if body.is_end_stream() {
                Body::empty()
            } else {
                Body::new(body)
            }
        });
        self.0.serve(trimmed(request)).await
    }

    /// The answer to `request`.
    pub(crate) async fn answer(self, request: Request) -> Response {
        self.0.serve(trimmed(request)).await
    }
}

/// `request` with its path's trailing slash trimmed.
fn trimmed(request: Request) -> Request {
    let hand_back = |request: Request| ready(Ok::<_, Infallible>(Response::new(request)));
    let trimmed = NormalizePath::trim_trailing_slash(tower::service_fn(hand_back))
        .call(request)
        .into_inner();
    match trimmed {
        Ok(trimmed) => trimmed.into_body(),
        Err(never) => match never {},
    }
}

/// The panic answer ([`panic_response`]), as a type `CatchPanic` can name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PanicResponse;

impl ResponseForPanic for PanicResponse {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, panic: Box<dyn Any + Send + 'static>) -> Response {
        panic_response(panic)
    }
}

/// The router with its catch-panic: what [`Front`] passes each request on to.
pub(crate) type Routes = CatchPanic<Router, PanicResponse>;

/// The routes behind [`Front`] (request id, body with its timeout and limit, journal,
/// faults, the log line), which sees every request, routed or not. A panic becomes a CPP 500
/// that the journal and the log see, not a dropped connection. `Front` wraps the router
/// from outside: a layer inside a `Router` costs a boxed future per route and request.
fn front(state: AppState) -> Front {
    let (routes, _) = routes(Some(&state)).split_for_parts();
    let routes = routes
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    let routes = CatchPanicLayer::custom(PanicResponse).layer(routes);
    Front::new(state, routes)
}

/// Both planes' routes, each registered with its OpenAPI description: one table for the
/// router and the document ([`crate::openapi_json`], built with no state: the control token's
/// check is left out of it).
pub(crate) fn routes(state: Option<&AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::app::openapi::ApiDoc::openapi())
        .merge(crate::api::routes())
        .merge(crate::control::routes(state))
        .routes(routes!(openapi))
}

/// `GET /_mock/openapi.json`: the API description (built once).
#[utoipa::path(
    get,
    path = "/_mock/openapi.json",
    tag = "control",
    summary = "This OpenAPI document (never needs the control token)",
    responses((status = 200, description = "The document", content_type = "application/json"))
)]
async fn openapi() -> Response {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT
        .get_or_init(crate::app::openapi::openapi_json)
        .clone();
    let mut response = Response::new(axum::body::Body::from(body));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NoRoute {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "request handler panicked");
    // The message CPP itself answered with (cpp-api.md §2.5).
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "We cannot complete the request now, please try again later.",
    )
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
}
