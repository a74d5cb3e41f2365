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
async fn a_credential_in_a_query_string_is_not_kept_but_its_name_is() {
    let app = spawn_app().await;
    let leaky = format!(
        "/api/publishers?{API_VERSION}&client_secret=hunter2&sig=abc%2Bdef&t=eyJh.eyJz.c2ln&offer=x%20y"
    );
    assert_eq!(app.get(&leaky).await.status(), 200);
    // Nothing to redact: kept exactly as sent.
    let plain = format!("/api/publishers?{API_VERSION}&status=a%20b");
    assert_eq!(app.get(&plain).await.status(), 200);

    let body = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    let text = body.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("abc") && !text.contains("eyJh"),
        "a secret leaked: {body}"
    );
    assert_eq!(
        body["requests"][1]["query"],
        "api-version=2017-10-31&client_secret=%5Bredacted%5D&sig=%5Bredacted%5D&t=%5Bredacted%5D&offer=x+y"
    );
    assert_eq!(body["requests"][1]["path"], "/api/publishers");
    assert_eq!(
        body["requests"][0]["query"],
        "api-version=2017-10-31&status=a%20b"
    );
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

/// Each entry says what was answered: the operation a 202 started, the CPP error, the fault
/// rule; `requestId`, `errorCode` and `since` pick entries out.
#[tokio::test]
async fn entries_record_the_answer_and_filter_by_request_id_error_code_and_since() {
    let app = spawn_app().await;
    let rule = serde_json::json!({
        "match": {"method": "GET", "path": "/api/publishers/fabrikam/**"},
        "respond": {"status": 503},
    });
    let rule_id = json(app.control(Method::POST, "/_mock/faults", Some(rule)).await).await["id"]
        .as_str()
        .expect("a rule id")
        .to_owned();
    let started = app.go_live("contoso", "ready-to-go-live").await;
    let location = crate::helpers::header(&started, "location");
    let before = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    let since = before["lastSeq"].as_u64().expect("lastSeq");
    let refused = app
        .authed(
            Method::POST,
            &crate::helpers::golive_path("contoso", "draft-offer"),
        )
        .header("x-request-id", "step-2")
        .send()
        .await
        .expect("answered");
    let faulted = app.get_offer("fabrikam", "fabrikam-linux", "").await;

    let all = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    let by_id = json(
        app.control(Method::GET, "/_mock/journal?requestId=step-2", None)
            .await,
    )
    .await;
    let by_code = json(
        app.control(
            Method::GET,
            "/_mock/journal?errorCode=ServiceUnavailable",
            None,
        )
        .await,
    )
    .await;
    let after = json(
        app.control(Method::GET, &format!("/_mock/journal?since={since}"), None)
            .await,
    )
    .await;
    let bad_since = app
        .control(Method::GET, "/_mock/journal?since=yesterday", None)
        .await;

    assert_eq!(
        (started.status(), since),
        (reqwest::StatusCode::ACCEPTED, 1)
    );
    let requests = all["requests"].as_array().expect("requests");
    assert_eq!(all["lastSeq"], 3);
    let golive = &requests[2];
    assert_eq!(golive["location"], location.as_str());
    let operation_id = location
        .split('?')
        .next()
        .and_then(|path| path.rsplit('/').next())
        .expect("an id at the end of the Location");
    assert_eq!(golive["operationId"], operation_id);
    assert_eq!(golive["errorCode"], serde_json::Value::Null);
    assert_eq!(golive["requestId"].as_str().map(str::len), Some(36));

    assert_eq!(refused.status(), 400);
    let refused_body = json(refused).await;
    let wrong = &requests[1];
    assert_eq!(wrong["requestId"], "step-2");
    assert_eq!(wrong["errorCode"], refused_body["error"]["code"]);
    assert_eq!(wrong["errorMessage"], refused_body["error"]["message"]);
    assert_eq!(wrong["faultRule"], serde_json::Value::Null);

    assert_eq!(faulted.status(), 503);
    assert_eq!(requests[0]["faultRule"], rule_id.as_str());
    assert_eq!(requests[0]["errorCode"], "ServiceUnavailable");

    assert_eq!(by_id["count"], 1);
    assert_eq!(by_id["requests"][0]["seq"], 2);
    assert_eq!(by_code["count"], 1);
    assert_eq!(by_code["requests"][0]["seq"], 3);
    let later: Vec<&serde_json::Value> = after["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| &r["seq"])
        .collect();
    assert_eq!(later, [3, 2]);
    assert_eq!(bad_since.status(), 400);
}
