//! The one route table of both planes, each route registered with its OpenAPI description, so
//! the router and the document cannot drift; the router finished with CPP-shaped 404/405.

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiError;
use crate::reply::json_response;
use crate::state::AppState;

use super::openapi::{ApiDoc, render};

/// Every route: the CPP plane, the control plane, and this document. The control token's
/// check needs the state; the document, built with none, leaves it out.
fn table(state: Option<&AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::api::routes())
        .merge(crate::control::routes(state))
        .routes(routes!(get_openapi))
}

/// The router of [`table`], unknown paths and methods answered with CPP errors.
pub(crate) fn router(state: &AppState) -> Router {
    let (routes, _) = table(Some(state)).split_for_parts();
    routes
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
}

/// The OpenAPI 3 description of both planes, generated from the route table, as pretty JSON
/// with a final newline: what `/_mock/openapi.json` serves and `openapi.json` holds.
pub fn openapi_json() -> String {
    render(table(None).into_openapi())
}

/// `GET /_mock/openapi.json`: the API description (built once).
#[utoipa::path(
    get,
    path = "/_mock/openapi.json",
    tag = "control",
    summary = "This OpenAPI document (never needs the control token)",
    responses((status = 200, description = "The document", content_type = "application/json"))
)]
async fn get_openapi() -> Response {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(openapi_json).clone();
    json_response(StatusCode::OK, Bytes::from(body))
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
