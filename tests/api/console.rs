//! The web console (`/_mock/ui`): served without the control token, from this server only,
//! and the live journal its page reads (`GET /_mock/events?requests=true`). The page itself
//! is driven in a real browser by tests/console/test_console.py (scripts/console-test.sh).

use crate::helpers::{header, spawn_app_with, test_config};

#[tokio::test]
async fn the_console_and_its_assets_are_served_without_the_control_token_from_this_server_only() {
    let app = spawn_app_with(cloudpartner_mock::Config {
        control_token: Some("secret".to_owned()),
        ..test_config()
    })
    .await;

    for (path, kind) in [
        ("/_mock/ui", "text/html"),
        ("/_mock/ui/console.js", "text/javascript"),
        ("/_mock/ui/console.css", "text/css"),
        ("/_mock/ui/reasons.md", "text/markdown"),
        ("/_mock/ui/fault-examples.json", "application/json"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            header(&response, "content-type").starts_with(kind),
            "{path}"
        );
        let policy = header(&response, "content-security-policy");
        assert!(policy.contains("connect-src 'self'"), "{path}: {policy}");
        assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
        let body = response.text().await.expect("a body");
        if path.ends_with(".md") || path.ends_with(".json") {
            continue;
        }
        // Nothing is fetched from anywhere else: no absolute URL in the page's own code.
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{path} names another host"
        );
    }
    // Its data is not: the calls it makes need the token.
    assert_eq!(app.get("/_mock/worlds").await.status(), 401);
}

#[tokio::test]
async fn the_page_names_the_calls_and_examples_it_uses() {
    let app = spawn_app_with(test_config()).await;
    let page = app.get("/_mock/ui").await.text().await.expect("a page");
    assert!(page.contains("/_mock/ui/console.js") && page.contains("/_mock/ui/console.css"));
    let examples: serde_json::Value = app
        .get("/_mock/ui/fault-examples.json")
        .await
        .json()
        .await
        .expect("JSON");
    let names: Vec<&str> = examples
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(names.contains(&"429-retry-after"));
    assert!(
        examples
            .as_array()
            .is_some_and(|all| all.iter().all(|e| e["rule"]["match"].is_object()))
    );
    let reasons = app
        .get("/_mock/ui/reasons.md")
        .await
        .text()
        .await
        .expect("text");
    assert!(reasons.contains("| `offer.not-found` | 404 |"));
}

#[tokio::test]
async fn a_stream_that_asks_gets_every_request_and_others_do_not() {
    let app = spawn_app_with(test_config()).await;
    let missing = app
        .client
        .get(app.url("/api/publishers/contoso/offers?api-version=2017-10-31"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(missing.status(), 401, "no token: a request all the same");
    let listed = app
        .authed(
            reqwest::Method::GET,
            "/api/publishers/contoso/offers?api-version=2017-10-31",
        )
        .send()
        .await
        .expect("an answer");
    assert_eq!(listed.status(), 200);

    let with = app
        .get("/_mock/events?since=0&timeoutMs=0&requests=true")
        .await
        .text()
        .await
        .expect("a stream");
    let without = app
        .get("/_mock/events?since=0&timeoutMs=0")
        .await
        .text()
        .await
        .expect("a stream");

    assert_eq!(with.matches("event: request.answered").count(), 2, "{with}");
    assert!(
        with.contains("\"reason\":\"auth.missing-bearer\""),
        "{with}"
    );
    assert!(with.contains("\"status\":200"), "{with}");
    assert!(!without.contains("request.answered"), "{without}");
    let refused = app.get("/_mock/events?requests=maybe").await;
    assert_eq!(refused.status(), 400);
}
