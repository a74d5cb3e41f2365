//! The fuzzers' corpus (fuzz/corpus), replayed as regression tests without a fuzzer: fixture
//! inputs never panic; request inputs never get a 500.

use std::path::Path;

use reqwest::Method;

use crate::helpers::{TestApp, spawn_app_at_scale};

pub(crate) fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("an entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            (
                path.display().to_string(),
                std::fs::read(&path).expect("readable"),
            )
        })
        .collect()
}

#[test]
fn the_fixture_corpus_never_panics() {
    let inputs = corpus("fixtures");

    for (name, bytes) in &inputs {
        // Either outcome is fine; a panic fails the test.
        let _ = cloudpartner_mock::check_fixtures(name, bytes);
    }

    assert!(!inputs.is_empty());
}

/// Sends one request input as the fuzz target decodes it; `None` when it is not a request
/// a client could send (refused by the client or the HTTP layer, never seen by a route), or
/// when it would set a fault rule (which would change the answers to the inputs after it).
pub(crate) async fn replay(app: &TestApp, bytes: &[u8]) -> Option<reqwest::Response> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let method = Method::from_bytes(lines.next().unwrap_or("GET").as_bytes()).ok()?;
    let path = lines.next().unwrap_or("/");
    if !path.starts_with('/') || path.starts_with("/_mock/faults") {
        return None;
    }
    let mut request = app
        .client
        .request(method, app.url(path))
        .body(body.to_owned());
    for line in lines {
        if let Some((header, value)) = line.split_once(':') {
            request = request.header(header.trim(), value.trim());
        }
    }
    request.send().await.ok()
}

#[tokio::test]
async fn the_request_corpus_never_gets_a_500() {
    let app = spawn_app_at_scale(0.0).await;
    let inputs = corpus("request");
    let mut sent = 0;

    for (name, bytes) in &inputs {
        let Some(response) = replay(&app, bytes).await else {
            continue;
        };
        assert_ne!(response.status(), 500, "{name}");
        sent += 1;
    }

    assert!(sent > 0);
}
