//! `/_mock/journal`: what was called, filtered, counted, capped and cleared.

use cloudpartner_mock::Config;
use reqwest::Method;

use crate::helpers::{API_VERSION, TOKEN, json, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn the_journal_shows_exactly_the_calls_made_with_the_token_redacted() {
    let app = spawn_app().await;
    app.go_live("contoso", "ready-to-go-live").await;
    app.post_offer(
        "contoso",
        "draft-offer",
        "/publish",
        Some(r#"{"metadata":{}}"#),
    )
    .await;
    app.control(Method::GET, "/_mock/health", None).await;

    let body = json(app.control(Method::GET, "/_mock/journal", None).await).await;

    assert_eq!(body["count"], 2, "control calls are not journaled: {body}");
    let requests = body["requests"].as_array().expect("requests");
    let newest = &requests[0];
    assert_eq!(newest["method"], "POST");
    assert_eq!(
        newest["path"],
        "/api/publishers/contoso/offers/draft-offer/publish"
    );
    assert_eq!(newest["query"], API_VERSION);
    assert_eq!(newest["body"], r#"{"metadata":{}}"#);
    assert_eq!(newest["status"], 202);
    assert_eq!(newest["publisher"], "contoso");
    assert_eq!(newest["offer"], "draft-offer");
    let headers = newest["headers"].as_array().expect("headers");
    let auth = headers
        .iter()
        .find(|h| h[0] == "authorization")
        .expect("authorization recorded");
    assert_eq!(auth[1], "Bearer [redacted]");
    assert!(
        !body.to_string().contains(TOKEN),
        "the token leaked: {body}"
    );
    assert_eq!(
        requests[1]["path"],
        "/api/publishers/contoso/offers/ready-to-go-live/golive"
    );
    assert_eq!(requests[1]["seq"], 1);
}

#[tokio::test]
async fn the_journal_filters_counts_and_clears() {
    let app = spawn_app().await;
    app.go_live("contoso", "ready-to-go-live").await;
    app.go_live("contoso", "draft-offer").await;
    app.get_offer("fabrikam", "fabrikam-linux", "").await;

    let posts = json(
        app.control(Method::GET, "/_mock/journal?method=post&status=400", None)
            .await,
    )
    .await;
    let fabrikam = json(
        app.control(Method::GET, "/_mock/journal/count?publisher=fabrikam", None)
            .await,
    )
    .await;
    let by_offer = json(
        app.control(
            Method::GET,
            "/_mock/journal/count?offer=ready-to-go-live",
            None,
        )
        .await,
    )
    .await;
    let by_prefix = json(
        app.control(
            Method::GET,
            "/_mock/journal/count?pathPrefix=/api/publishers/contoso/",
            None,
        )
        .await,
    )
    .await;
    let bad = app
        .control(Method::GET, "/_mock/journal?colour=red", None)
        .await;
    let cleared = app.control(Method::DELETE, "/_mock/journal", None).await;
    let after = json(app.control(Method::GET, "/_mock/journal/count", None).await).await;

    assert_eq!(posts["count"], 1);
    assert_eq!(posts["requests"][0]["offer"], "draft-offer");
    assert_eq!(fabrikam["count"], 1);
    assert_eq!(by_offer["count"], 1);
    assert_eq!(by_prefix["count"], 2);
    assert_eq!(bad.status(), 400);
    assert_eq!(cleared.status(), 204);
    assert_eq!(after["count"], 0);
}

#[tokio::test]
async fn the_journal_keeps_its_cap_and_counts_what_it_dropped() {
    let app = spawn_app_with(Config {
        journal_capacity: 3,
        ..test_config()
    })
    .await;
    for _ in 0..5 {
        app.get_offer("contoso", "draft-offer", "").await;
    }

    let body = json(app.control(Method::GET, "/_mock/journal", None).await).await;

    assert_eq!(body["count"], 3);
    assert_eq!(body["dropped"], 2);
    assert_eq!(body["requests"][0]["seq"], 5);
    assert_eq!(body["requests"][2]["seq"], 3);
}
