//! Fault rules over HTTP: N failures then success, commit-then-fail, latency, dropped
//! connections, 429 with Retry-After, fixture rules, listing and deleting.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::{golive_path, header, json, spawn_app};

const GOLIVE: &str = "/api/publishers/*/offers/*/golive";

#[tokio::test]
async fn the_next_two_go_lives_answer_503_and_the_third_202() {
    let app = spawn_app().await;
    let rule = json!({"match": {"method": "POST", "path": GOLIVE}, "respond": {"status": 503}, "times": 2});
    let added = app.control(Method::POST, "/_mock/faults", Some(rule)).await;
    assert_eq!(added.status(), 201);

    let first = app.go_live("contoso", "ready-to-go-live").await;
    let second = app.go_live("contoso", "ready-to-go-live").await;
    let third = app.go_live("contoso", "ready-to-go-live").await;

    assert_eq!(first.status(), 503);
    let body = json(first).await;
    assert_eq!(body["error"]["code"], "ServiceUnavailable");
    assert_eq!(second.status(), 503);
    assert_eq!(third.status(), 202);
    let rules = json(app.control(Method::GET, "/_mock/faults", None).await).await;
    assert_eq!(rules[0]["fired"], 2);
    assert_eq!(rules[0]["remaining"], 0);
}

#[tokio::test]
async fn a_commit_then_fail_go_live_is_found_running_on_retry() {
    let app = spawn_app().await;
    let rule = json!({"match": {"method": "POST", "path": GOLIVE}, "respond": {"status": 500}, "afterCommit": true, "times": 1});
    app.control(Method::POST, "/_mock/faults", Some(rule)).await;

    let first = app.go_live("contoso", "slow-golive").await;
    let retry = app.go_live("contoso", "slow-golive").await;

    assert_eq!(first.status(), 500);
    assert_eq!(
        json(first).await["error"]["message"],
        "We cannot complete the request now, please try again later."
    );
    assert_eq!(retry.status(), 409);
    let message = json(retry).await["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(message.contains("running goLive operation"), "{message}");
    let list = json(
        app.get_offer("contoso", "slow-golive", "/submissions")
            .await,
    )
    .await;
    assert_eq!(list[0]["submissionType"], "goLive");
    assert_eq!(list[0]["submissionState"], "running");
}

#[tokio::test]
async fn a_commit_then_drop_publish_took_effect() {
    let app = spawn_app().await;
    let rule = json!({"match": {"method": "POST", "path": "/api/**"}, "drop": true, "afterCommit": true, "times": 1});
    app.control(Method::POST, "/_mock/faults", Some(rule)).await;

    let dropped = app
        .authed(
            Method::POST,
            &crate::helpers::offer_path("contoso", "draft-offer", "/publish"),
        )
        .send()
        .await;

    assert!(dropped.is_err(), "{dropped:?}");
    let list = json(
        app.get_offer("contoso", "draft-offer", "/submissions")
            .await,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_latency_rule_delays_the_answer() {
    let app = spawn_app().await;
    let rule =
        json!({"match": {"path": "/api/publishers/contoso/offers/draft-offer"}, "latencyMs": 300});
    app.control(Method::POST, "/_mock/faults", Some(rule)).await;

    let started = Instant::now();
    let slow = app.get_offer("contoso", "draft-offer", "").await;
    let slow_elapsed = started.elapsed();
    let started = Instant::now();
    let other = app.get_offer("contoso", "ready-to-go-live", "").await;
    let other_elapsed = started.elapsed();

    assert_eq!(slow.status(), 200);
    assert!(
        slow_elapsed >= Duration::from_millis(300),
        "{slow_elapsed:?}"
    );
    assert_eq!(other.status(), 200);
    assert!(
        other_elapsed < Duration::from_millis(300),
        "{other_elapsed:?}"
    );
}

#[tokio::test]
async fn a_drop_rule_is_a_transport_error_for_a_real_client() {
    let app = spawn_app().await;
    let rule = json!({"match": {"method": "POST", "path": GOLIVE}, "drop": true, "times": 1});
    app.control(Method::POST, "/_mock/faults", Some(rule)).await;

    let dropped = app
        .authed(Method::POST, &golive_path("contoso", "ready-to-go-live"))
        .send()
        .await;
    let after = app.go_live("contoso", "ready-to-go-live").await;

    let error = dropped.expect_err("no answer");
    assert!(error.is_request() || error.is_connect(), "{error:?}");
    assert_eq!(
        after.status(),
        202,
        "nothing was started by the dropped call"
    );
    let journal = json(
        app.control(Method::GET, "/_mock/journal?method=POST", None)
            .await,
    )
    .await;
    assert_eq!(journal["requests"][1]["status"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_429_rule_carries_retry_after() {
    let app = spawn_app().await;
    let rule = json!({"match": {"header": {"name": "x-scenario", "value": "throttle"}},
                      "respond": {"status": 429, "headers": {"Retry-After": "5"}}});
    app.control(Method::POST, "/_mock/faults", Some(rule)).await;

    let throttled = app
        .authed(
            Method::GET,
            &crate::helpers::offer_path("contoso", "draft-offer", ""),
        )
        .header("x-scenario", "throttle")
        .send()
        .await
        .expect("answered");
    let normal = app.get_offer("contoso", "draft-offer", "").await;

    assert_eq!(throttled.status(), 429);
    assert_eq!(header(&throttled, "retry-after"), "5");
    assert_eq!(json(throttled).await["error"]["code"], "TooManyRequests");
    assert_eq!(normal.status(), 200);
}

#[tokio::test]
async fn a_seeded_probability_rule_fires_the_same_way_every_run() {
    let run = || async {
        let app = spawn_app().await;
        let rule = json!({"match": {"offer": "draft-offer"}, "respond": {"status": 500}, "probability": 0.5, "seed": 42});
        app.control(Method::POST, "/_mock/faults", Some(rule)).await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(
                app.get_offer("contoso", "draft-offer", "")
                    .await
                    .status()
                    .as_u16(),
            );
        }
        statuses
    };

    let first = run().await;
    let second = run().await;

    assert_eq!(first, second);
    assert!(first.contains(&500) && first.contains(&200), "{first:?}");
}

#[tokio::test]
async fn rules_from_fixtures_apply_to_their_publisher() {
    let app = spawn_app().await;
    let fixtures = json!([
        { "id": "flaky", "offers": [{ "id": "o", "offerTypeId": "t" }],
          "faults": [{ "respond": { "status": 500 }, "times": 1 }] },
        { "id": "steady", "offers": [{ "id": "o", "offerTypeId": "t" }] }
    ]);
    app.control(Method::PUT, "/_mock/fixtures", Some(fixtures))
        .await;

    let steady = app.get_offer("steady", "o", "").await;
    let flaky = app.get_offer("flaky", "o", "").await;
    let flaky_again = app.get_offer("flaky", "o", "").await;

    assert_eq!(steady.status(), 200);
    assert_eq!(flaky.status(), 500);
    assert_eq!(flaky_again.status(), 200);
    let rules = json(app.control(Method::GET, "/_mock/faults", None).await).await;
    assert_eq!(rules[0]["source"], "fixture");
    assert_eq!(rules[0]["rule"]["match"]["publisher"], "flaky");
}

#[tokio::test]
async fn rules_are_listed_and_deleted() {
    let app = spawn_app().await;
    for status in [500, 503] {
        app.control(
            Method::POST,
            "/_mock/faults",
            Some(json!({"respond": {"status": status}, "match": {"offer": "none"}})),
        )
        .await;
    }

    let deleted = app.control(Method::DELETE, "/_mock/faults/f1", None).await;
    let missing = app.control(Method::DELETE, "/_mock/faults/f1", None).await;
    let listed = json(app.control(Method::GET, "/_mock/faults", None).await).await;
    let cleared = app.control(Method::DELETE, "/_mock/faults", None).await;
    let empty = json(app.control(Method::GET, "/_mock/faults", None).await).await;

    assert_eq!(deleted.status(), 204);
    assert_eq!(missing.status(), 404);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], "f2");
    assert_eq!(cleared.status(), 204);
    assert_eq!(empty, json!([]));
}

#[tokio::test]
async fn invalid_rules_are_refused_naming_the_field() {
    let app = spawn_app().await;

    let no_effect = app
        .control(Method::POST, "/_mock/faults", Some(json!({"match": {}})))
        .await;
    let bad_status = app
        .control(
            Method::POST,
            "/_mock/faults",
            Some(json!({"respond": {"status": 99}})),
        )
        .await;
    let unknown = app
        .control(
            Method::POST,
            "/_mock/faults",
            Some(json!({"respnd": {"status": 500}})),
        )
        .await;

    assert_eq!(no_effect.status(), 400);
    assert_eq!(bad_status.status(), 400);
    assert!(
        json(bad_status).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("respond.status"))
    );
    assert_eq!(unknown.status(), 400);
    assert!(
        json(unknown).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("respnd"))
    );
}

#[tokio::test]
async fn every_example_rule_is_accepted() {
    let app = spawn_app().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/faults");
    let mut names = Vec::new();

    for entry in std::fs::read_dir(&dir).expect("examples/faults exists") {
        let path = entry.expect("an entry").path();
        let rule: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("readable")).expect("JSON");
        let added = app.control(Method::POST, "/_mock/faults", Some(rule)).await;
        assert_eq!(added.status(), 201, "{}", path.display());
        names.push(path);
    }

    assert!(names.len() >= 6, "{names:?}");
}
