//! The `/_mock` control plane: health, token, reset and fixture reload, journal, clock,
//! forced endings, advancing by polls, and the same calls from Rust.

use std::time::Duration;

use cloudpartner_mock::Config;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    API_VERSION, TOKEN, header, json, operation_id, spawn_app, spawn_app_with, test_config,
};

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

#[tokio::test]
async fn a_clock_advance_finishes_a_long_go_live_without_sleeping() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "slow-golive").await;
    assert_eq!(json(app.get(&location).await).await["status"], "running");

    let clock = app
        .control(
            Method::POST,
            "/_mock/clock/advance",
            Some(json!({"seconds": 3700})),
        )
        .await;

    assert_eq!(clock.status(), 200);
    assert!(
        json(clock).await["offsetSeconds"]
            .as_f64()
            .is_some_and(|s| s >= 3700.0)
    );
    let operation = json(app.get(&location).await).await;
    assert_eq!(operation["status"], "complete");
    assert_eq!(
        json(app.get_offer("contoso", "slow-golive", "").await).await["status"],
        "succeeded"
    );
}

#[tokio::test]
async fn a_bad_clock_advance_is_refused() {
    let app = spawn_app().await;

    let negative = app
        .control(
            Method::POST,
            "/_mock/clock/advance",
            Some(json!({"seconds": -5})),
        )
        .await;
    let wrong = app
        .control(
            Method::POST,
            "/_mock/clock/advance",
            Some(json!({"minutes": 5})),
        )
        .await;

    assert_eq!(negative.status(), 400);
    assert_eq!(wrong.status(), 400);
    assert!(
        json(wrong).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("minutes"))
    );
}

#[tokio::test]
async fn operations_are_forced_to_complete_fail_or_cancel() {
    let app = spawn_app().await;
    let slow = app.go_live_location("contoso", "slow-golive").await;
    let running = app.go_live_location("contoso", "ready-to-go-live").await;
    let publish = header(
        &app.post_offer("contoso", "draft-offer", "/publish", None)
            .await,
        "location",
    );

    let completed = app
        .control(
            Method::POST,
            &format!("/_mock/operations/{}/complete", operation_id(&slow)),
            None,
        )
        .await;
    let failed = app
        .control(
            Method::POST,
            &format!("/_mock/operations/{}/fail", operation_id(&running)),
            Some(json!({"step": "live", "message": "Forced failure."})),
        )
        .await;
    let canceled = app
        .control(
            Method::POST,
            &format!("/_mock/operations/{}/cancel", operation_id(&publish)),
            None,
        )
        .await;

    assert_eq!(completed.status(), 200);
    assert_eq!(failed.status(), 200);
    assert_eq!(canceled.status(), 200);
    assert_eq!(json(app.get(&slow).await).await["status"], "complete");
    let failure = json(app.get(&running).await).await;
    assert_eq!(failure["status"], "failed");
    assert_eq!(failure["error"], "Forced failure.");
    assert_eq!(failure["steps"][1]["status"], "rejected");
    assert_eq!(json(app.get(&publish).await).await["status"], "canceled");
    // Ended operations cannot be forced again.
    let again = app
        .control(
            Method::POST,
            &format!("/_mock/operations/{}/complete", operation_id(&slow)),
            None,
        )
        .await;
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn forcing_an_unknown_operation_or_step_is_refused() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "slow-golive").await;
    let id = operation_id(&location);

    let unknown = app
        .control(
            Method::POST,
            "/_mock/operations/00000000-0000-4000-8000-000000000000/complete",
            None,
        )
        .await;
    let malformed = app
        .control(Method::POST, "/_mock/operations/xyz/complete", None)
        .await;
    let step = app
        .control(
            Method::POST,
            &format!("/_mock/operations/{id}/fail"),
            Some(json!({"step": "displaycertify"})),
        )
        .await;

    assert_eq!(unknown.status(), 404);
    assert_eq!(malformed.status(), 400);
    assert_eq!(step.status(), 400);
    assert!(
        json(step).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a step of a goLive"))
    );
}

#[tokio::test]
async fn operations_can_advance_by_polls_instead_of_time() {
    let app = spawn_app().await;
    let set = app
        .control(
            Method::PUT,
            "/_mock/progress",
            Some(json!({"advanceByPolls": 3})),
        )
        .await;
    assert_eq!(set.status(), 200);
    let location = app.go_live_location("contoso", "slow-golive").await;

    let first = json(app.get(&location).await).await;
    let second = json(app.get(&location).await).await;
    let third = json(app.get(&location).await).await;
    let fourth = json(app.get(&location).await).await;

    assert_eq!(first["status"], "running");
    assert_eq!(second["status"], "running");
    assert_eq!(second["steps"][0]["status"], "complete");
    assert_eq!(second["steps"][1]["status"], "inProgress");
    assert_eq!(third["status"], "complete");
    assert_eq!(fourth, third);
}

/// JSON Schema counts `2.0` as an integer, as the OpenAPI document types the field; a body
/// is required (an empty one used to reset the setting silently).
#[tokio::test]
async fn progress_takes_whole_numbers_as_json_writes_them_and_needs_a_body() {
    let app = spawn_app().await;

    let float = app
        .control(
            Method::PUT,
            "/_mock/progress",
            Some(json!({"advanceByPolls": 2.0})),
        )
        .await;
    let fraction = app
        .control(
            Method::PUT,
            "/_mock/progress",
            Some(json!({"advanceByPolls": 2.5})),
        )
        .await;
    let empty = app.control(Method::PUT, "/_mock/progress", None).await;

    assert_eq!(float.status(), 200);
    assert_eq!(json(float).await, json!({"advanceByPolls": 2}));
    assert_eq!(fraction.status(), 400);
    assert!(
        json(fraction).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2.5 is not a whole number"))
    );
    assert_eq!(empty.status(), 400);
    assert!(
        json(empty).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("body is missing"))
    );
}

#[tokio::test]
async fn a_fixture_can_make_operations_advance_by_polls() {
    let app = spawn_app().await;
    let fixtures = json!([{
        "id": "polly",
        "offers": [{
            "id": "by-polls", "offerTypeId": "microsoft-azure-corevm", "state": "preview",
            "goLive": { "advanceByPolls": 2, "failAt": "live", "failureMessage": "Nope." }
        }]
    }]);
    assert_eq!(
        app.control(Method::PUT, "/_mock/fixtures", Some(fixtures))
            .await
            .status(),
        200
    );
    let location = app.go_live_location("polly", "by-polls").await;

    let first = json(app.get(&location).await).await;
    let second = json(app.get(&location).await).await;

    assert_eq!(first["status"], "running");
    assert_eq!(second["status"], "failed");
    assert_eq!(second["error"], "Nope.");
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
    control.advance_clock(Duration::from_secs(30));
    let halfway = json(app.get(&location).await).await;
    control.complete_operation(&op_id).expect("completes");
    let journal = control.journal("method=POST").expect("a filter");

    assert_eq!(id, "f1");
    assert_eq!(refused.status(), 503);
    assert_eq!(halfway["steps"][0]["progressPercentage"], 50);
    assert_eq!(json(app.get(&location).await).await["status"], "complete");
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1]["status"], 503);
    assert_eq!(control.faults()[0]["fired"], 1);
    assert_eq!(control.health()["publishers"], 2);
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
