//! The `/_mock` control plane: health, token, reset and fixture reload, and the same calls
//! from Rust (the journal and the operation controls have files of their own).

use std::time::Duration;

use cloudpartner_mock::Config;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{json, operation_id, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn health_and_readiness_report_the_version_and_what_is_loaded() {
    let app = spawn_app().await;

    let health = app.control(Method::GET, "/_mock/health", None).await;
    let ready = app.control(Method::GET, "/_mock/ready", None).await;

    assert_eq!(health.status(), 200);
    let body = json(health).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["ready"], true);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["publishers"], 2);
    assert_eq!(body["offers"], 13);
    assert_eq!(json(ready).await["ready"], true);
}

#[tokio::test]
async fn a_control_token_guards_everything_but_health() {
    let app = spawn_app_with(Config {
        control_token: Some("s3cret".to_owned()),
        ..test_config()
    })
    .await;

    let health = app.control(Method::GET, "/_mock/health", None).await;
    let without = app.control(Method::GET, "/_mock/journal", None).await;
    let wrong = app
        .client
        .get(app.url("/_mock/journal"))
        .header("Authorization", "Bearer nope")
        .send()
        .await
        .expect("answered");
    let with = app
        .client
        .get(app.url("/_mock/journal"))
        .header("Authorization", "Bearer s3cret")
        .send()
        .await
        .expect("answered");

    assert_eq!(health.status(), 200);
    assert_eq!(without.status(), 401);
    assert_eq!(json(without).await["error"]["code"], "Unauthorized");
    assert_eq!(wrong.status(), 401);
    assert_eq!(with.status(), 200);
}

#[tokio::test]
async fn reset_returns_to_the_fixtures_as_loaded() {
    let app = spawn_app().await;
    app.go_live("contoso", "ready-to-go-live").await;
    app.control(
        Method::POST,
        "/_mock/clock/advance",
        Some(json!({"seconds": 60})),
    )
    .await;
    app.control(
        Method::POST,
        "/_mock/faults",
        Some(json!({"respond": {"status": 500}, "match": {"offer": "x"}})),
    )
    .await;

    let reset = app.control(Method::POST, "/_mock/reset", None).await;

    assert_eq!(reset.status(), 200);
    assert_eq!(json(reset).await["operations"], 14);
    let status = json(
        app.get_offer("contoso", "ready-to-go-live", "/status")
            .await,
    )
    .await;
    assert_eq!(status["steps"][4]["status"], "waitingForPublisherReview");
    let clock = json(app.control(Method::GET, "/_mock/clock", None).await).await;
    assert_eq!(clock["offsetSeconds"], 0.0);
    assert_eq!(clock["frozen"], false, "the wall time's clock runs");
    let faults = json(app.control(Method::GET, "/_mock/faults", None).await).await;
    assert_eq!(faults, json!([]));
    let journal = json(app.control(Method::GET, "/_mock/journal/count", None).await).await;
    assert_eq!(journal["count"], 1, "only the status read after the reset");
}

#[tokio::test]
async fn a_new_fixture_set_replaces_everything() {
    let app = spawn_app().await;
    let fixtures = json!({
        "id": "northwind",
        "tokens": ["nw"],
        "offers": [{ "id": "nw-offer", "offerTypeId": "microsoft-azure-corevm", "state": "preview" }]
    });

    let loaded = app
        .control(Method::PUT, "/_mock/fixtures", Some(fixtures))
        .await;

    assert_eq!(loaded.status(), 200);
    assert_eq!(json(loaded).await["publishers"], 1);
    assert_eq!(app.go_live("northwind", "nw-offer").await.status(), 202);
    assert_eq!(
        app.get_offer("contoso", "ready-to-go-live", "")
            .await
            .status(),
        404
    );
    // A reset now goes back to the new set.
    app.control(Method::POST, "/_mock/reset", None).await;
    assert_eq!(app.go_live("northwind", "nw-offer").await.status(), 202);
}

#[tokio::test]
async fn a_rejected_fixture_reload_names_the_problem_and_leaves_state_unchanged() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "slow-golive").await;
    let broken = json!([
        { "id": "good", "offers": [] },
        { "id": "bad", "offers": [{ "id": "x", "offerTypeId": "t", "goLive": { "failAt": "nowhere" } }] }
    ]);

    let response = app
        .control(Method::PUT, "/_mock/fixtures", Some(broken))
        .await;

    assert_eq!(response.status(), 400);
    let error = json(response).await["error"].clone();
    assert_eq!(error["code"], "InvalidFixtures");
    assert_eq!(error["file"], "request body[1]");
    assert_eq!(error["path"], "offers[0].goLive.failAt");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("'nowhere' is not a step")),
        "{error}"
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("unchanged")),
        "{error}"
    );
    // Everything is as it was, the running go-live included.
    assert_eq!(json(app.get(&location).await).await["status"], "running");
    assert_eq!(
        app.get_offer("contoso", "draft-offer", "").await.status(),
        200
    );
    assert_eq!(app.get_offer("good", "x", "").await.status(), 404);
}

#[tokio::test]
async fn the_rust_helpers_do_what_the_endpoints_do() {
    let app = spawn_app().await;
    let control = app.server.control();

    let id = control
        .add_fault(json!({"match": {"method": "POST", "offer": "draft-offer"}, "respond": {"status": 503}, "times": 1}))
        .expect("a valid rule");
    let refused = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    let location = app.go_live_location("contoso", "slow-golive").await;
    let op_id = operation_id(&location);
    control
        .advance_clock(Duration::from_secs(30))
        .expect("the clock moved");
    let halfway = json(app.get(&location).await).await;
    control.complete_operation(&op_id).expect("completes");
    let journal = control.journal("method=POST").expect("a filter");

    assert_eq!(id, "f1");
    assert_eq!(refused.status(), 503);
    assert_eq!(halfway["steps"][0]["progressPercentage"], 50);
    assert_eq!(json(app.get(&location).await).await["status"], "complete");
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1].status, Some(503));
    assert_eq!(control.faults()[0].fired, 1);
    assert_eq!(control.health().publishers, 2);
    let failure = control
        .fail_operation(&op_id, "live", "late")
        .expect_err("already ended");
    assert_eq!(failure.status, 409);
    control.remove_fault(&id).expect("removed");
    assert!(control.faults().is_empty());
    control.reset().expect("resets");
    assert!(control.journal("").expect("no filter").is_empty());
    let bad: Value = json!({"id": "x", "offers": [{"id": "o"}]});
    let refusal = control.load_fixtures(&bad).expect_err("refused");
    assert_eq!(refusal.status, 400);
    assert!(refusal.message.contains("offers[0]"), "{refusal}");
}
