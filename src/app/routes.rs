//! The one route table of both planes, each route registered with its OpenAPI description, so
//! the router and the document cannot drift; the router finished with CPP-shaped 404/405.

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::http::header;
use axum::response::IntoResponse as _;

use crate::api::ApiError;
use crate::control::ControlAuth;
use crate::reply::{json, json_response};
use crate::state::{AppState, InWorld};

use super::coverage::{Coverage, coverage, html};
use super::known::{Known, segments};
use super::openapi::{ApiDoc, render};

/// Every route: the CPP plane, the control plane, and this document. The control token's
/// check needs the state; the document, built with none, leaves it out.
fn table(state: Option<&AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::api::routes())
        .merge(crate::control::routes(state))
        .routes(routes!(get_openapi))
        .merge(coverage_routes(state))
}

/// The coverage report's routes, behind the control token like the rest of `/_mock`.
fn coverage_routes(state: Option<&AppState>) -> OpenApiRouter<AppState> {
    let routes = OpenApiRouter::new()
        .routes(routes!(get_coverage))
        .routes(routes!(get_coverage_html));
    match state {
        Some(state) => routes.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::control::require_control_token,
        )),
        None => routes,
    }
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

/// `GET /_mock/coverage`.
#[utoipa::path(
    get,
    path = "/_mock/coverage",
    tag = "control",
    summary = "What the traffic so far exercised, and what it never did",
    responses(
        (status = 200, description = "The report (docs/coverage.md)", body = Coverage),
        ControlAuth,
    )
)]
async fn get_coverage(InWorld(state): InWorld) -> Response {
    json(StatusCode::OK, &coverage(&state, known_routes()))
}

/// `GET /_mock/coverage.html`: the same report as a page of its own, for a CI job to keep.
#[utoipa::path(
    get,
    path = "/_mock/coverage.html",
    tag = "control",
    summary = "The coverage report as a self-contained HTML page",
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        ControlAuth,
    )
)]
async fn get_coverage_html(InWorld(state): InWorld) -> Response {
    let page = html(&coverage(&state, known_routes()));
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    let nearest = nearest_routes(method.as_str(), uri.path());
    ApiError::NoRoute {
        method: method.to_string(),
        path: uri.path().to_owned(),
        nearest: if nearest.is_empty() {
            String::new()
        } else {
            format!(" Did you mean {}?", nearest.join(" or "))
        },
    }
}

/// Every documented route (the OpenAPI document's), worked out once.
pub(crate) fn known_routes() -> &'static [Known] {
    static KNOWN: std::sync::OnceLock<Vec<Known>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        let document = table(None).into_openapi();
        let mut known = Vec::new();
        for (template, item) in &document.paths.paths {
            let methods = [
                ("GET", &item.get),
                ("PUT", &item.put),
                ("POST", &item.post),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
            ];
            for (method, operation) in methods {
                let Some(operation) = operation else { continue };
                known.push(Known {
                    method,
                    template: template.clone(),
                    segments: segments(template).map(str::to_owned).collect(),
                    statuses: operation.responses.responses.keys().cloned().collect(),
                });
            }
        }
        known
    })
}

/// The documented routes nearest to `method path` (at most three, as `METHOD /template`),
/// by the edits that turn one into the other: a `{parameter}` segment matches any segment,
/// a literal one costs its edit distance (case ignored), a missing or extra segment costs
/// four, another method two. Routes too far to be a slip (more than a third of the path's
/// letters, at least four edits) are not offered.
fn nearest_routes(method: &str, path: &str) -> Vec<String> {
    let asked: Vec<String> = segments(path).map(str::to_ascii_lowercase).collect();
    let letters: usize = asked.iter().map(String::len).sum();
    let limit = (letters / 3).max(4);
    let mut scored: Vec<(usize, &Known)> = known_routes()
        .iter()
        .map(|known| (cost(method, &asked, known), known))
        .filter(|(cost, _)| *cost <= limit)
        .collect();
    scored.sort_by_key(|(cost, known)| (*cost, known.template.len()));
    let Some(best) = scored.first().map(|(cost, _)| *cost) else {
        return Vec::new();
    };
    scored
        .iter()
        .take_while(|(cost, _)| *cost == best)
        .take(3)
        .map(|(_, known)| format!("{} {}", known.method, known.template))
        .collect()
}

fn cost(method: &str, asked: &[String], known: &Known) -> usize {
    let method_cost = if known.method.eq_ignore_ascii_case(method) {
        0
    } else {
        2
    };
    let length_cost = 4 * asked.len().abs_diff(known.segments.len());
    let segment_cost: usize = asked
        .iter()
        .zip(&known.segments)
        .map(|(given, wanted)| {
            if wanted.starts_with('{') {
                0
            } else {
                strsim::levenshtein(given, &wanted.to_ascii_lowercase())
            }
        })
        .sum();
    method_cost + length_cost + segment_cost
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}
