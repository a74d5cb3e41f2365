//! The web console (docs/console.md): one page at `/_mock/ui` and its script and style, built
//! into the binary, that shows the API answering and makes it fail. It holds no data and no
//! secret, so it is served without the control token, like `/_mock/health`; everything it
//! shows it reads through the same calls a user would make (the control token, asked for once,
//! kept in the page's session storage and sent as a header, never in a URL).

use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// What the page may load and where it may connect: this server only.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE: &str = include_str!("console/index.html");
const SCRIPT: &str = include_str!("console/console.js");
const STYLE: &str = include_str!("console/console.css");
/// The reason codes and what each means, as docs/reasons.md lists them (the page explains a
/// journal entry's reason from its table).
const REASONS: &str = include_str!("../../docs/reasons.md");

/// The ready-made fault rules of examples/faults/, as a JSON array of `{"name", "rule"}`.
static FAULT_EXAMPLES: LazyLock<String> = LazyLock::new(|| {
    let examples = [
        (
            "429-retry-after",
            include_str!("../../examples/faults/429-retry-after.json"),
        ),
        (
            "500-on-status",
            include_str!("../../examples/faults/500-on-status.json"),
        ),
        (
            "503-twice-then-ok",
            include_str!("../../examples/faults/503-twice-then-ok.json"),
        ),
        (
            "commit-then-503",
            include_str!("../../examples/faults/commit-then-503.json"),
        ),
        (
            "flaky-10-percent",
            include_str!("../../examples/faults/flaky-10-percent.json"),
        ),
        (
            "reset-connection",
            include_str!("../../examples/faults/reset-connection.json"),
        ),
        (
            "stall-30s",
            include_str!("../../examples/faults/stall-30s.json"),
        ),
    ];
    // Read as the control plane reads a rule (tests/api/console.rs checks that all are).
    let list: Vec<FaultExample> = examples
        .iter()
        .filter_map(|(name, text)| {
            Some(FaultExample {
                name: (*name).to_owned(),
                rule: serde_json::from_str(text).ok()?,
            })
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())
});

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /_mock/ui`.
#[utoipa::path(
    get,
    path = "/_mock/ui",
    tag = "control",
    summary = "The web console (never needs the control token; its calls do)",
    responses((status = 200, description = "The console page", content_type = "text/html", body = String))
)]
pub(crate) async fn page() -> Response {
    asset(PAGE, "text/html; charset=utf-8")
}

/// `GET /_mock/ui/console.js`.
#[utoipa::path(
    get,
    path = "/_mock/ui/console.js",
    tag = "control",
    summary = "The web console's script",
    responses((status = 200, description = "JavaScript", content_type = "text/javascript", body = String))
)]
pub(crate) async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

/// `GET /_mock/ui/console.css`.
#[utoipa::path(
    get,
    path = "/_mock/ui/console.css",
    tag = "control",
    summary = "The web console's style",
    responses((status = 200, description = "CSS", content_type = "text/css", body = String))
)]
pub(crate) async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

/// `GET /_mock/ui/reasons.md`.
#[utoipa::path(
    get,
    path = "/_mock/ui/reasons.md",
    tag = "control",
    summary = "The reason codes and what they mean (docs/reasons.md), for the console",
    responses((status = 200, description = "Markdown", content_type = "text/markdown", body = String))
)]
pub(crate) async fn reasons() -> Response {
    asset(REASONS, "text/markdown; charset=utf-8")
}

/// One ready-made fault rule, as `GET /_mock/ui/fault-examples.json` lists it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct FaultExample {
    /// Its file's name in examples/faults/, without `.json`.
    name: String,
    rule: crate::domain::FaultSpec,
}

/// `GET /_mock/ui/fault-examples.json`.
#[utoipa::path(
    get,
    path = "/_mock/ui/fault-examples.json",
    tag = "control",
    summary = "The ready-made fault rules of examples/faults/, for the console",
    responses((status = 200, description = "Each example's name and rule", content_type = "application/json", body = Vec<FaultExample>))
)]
pub(crate) async fn fault_examples() -> Response {
    asset(FAULT_EXAMPLES.as_str(), "application/json")
}
