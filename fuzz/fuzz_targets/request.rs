//! The request path: any method, path, headers and body get an answer that is not a 500
//! (no handler panicked), from the router with the bundled fixtures.
//!
//! Input: line 1 the method, line 2 the path and query, then `Name: value` header lines up to
//! an empty line, then the body (tests/api/fuzz_corpus.rs reads the corpus the same way).
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

fn app() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static APP: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    APP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let config = cloudpartner_mock::Config {
            fixtures: concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures").into(),
            time_scale: 0.0,
            journal_capacity: 100,
            ..cloudpartner_mock::Config::default()
        };
        let state = cloudpartner_mock::load_state(&config).expect("the bundled fixtures load");
        (runtime, cloudpartner_mock::router(state))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let method = lines.next().unwrap_or("GET");
    let path = lines.next().unwrap_or("/");
    // Fault rules answer with 500s and sleeps on purpose: not what this target looks for.
    if path.starts_with("/_mock/faults") {
        return;
    }
    let mut request = Request::builder().method(method).uri(path);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            request = request.header(name.trim(), value.trim());
        }
    }
    // What the HTTP layer would refuse before the router sees it is not of interest.
    let Ok(request) = request.body(Body::from(body.to_owned())) else {
        return;
    };
    let (runtime, router) = app();
    let response = runtime
        .block_on(router.clone().oneshot(request))
        .expect("the router is infallible");
    assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
});
