//! The control plane's hold on operations: the clock, forced endings, advancing by polls.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{header, json, operation_id, spawn_app};

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

/// `GET /_mock/operations` lists every offer's operations, newest first, with offer, type and
/// status as the CPP API says them now; filters pick some out.
#[tokio::test]
async fn the_operation_list_shows_every_operation_with_offer_type_and_status() {
    let app = spawn_app().await;
    let publish = app
        .post_offer(
            "contoso",
            "draft-offer",
            "/publish",
            Some(r#"{"metadata":{}}"#),
        )
        .await;
    let publish_id = operation_id(&header(&publish, "location"));
    let golive_id = operation_id(&app.go_live_location("contoso", "slow-golive").await);

    let all = json(app.control(Method::GET, "/_mock/operations", None).await).await;
    let running_golives = json(
        app.control(
            Method::GET,
            "/_mock/operations?type=goLive&status=running&publisher=CONTOSO",
            None,
        )
        .await,
    )
    .await;
    let unknown = app
        .control(Method::GET, "/_mock/operations?state=running", None)
        .await;

    let operations = all["operations"].as_array().expect("operations");
    assert_eq!(all["count"].as_u64(), Some(operations.len() as u64));
    let find = |id: &str| {
        operations
            .iter()
            .find(|op| op["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed: {all}"))
    };
    let golive = find(&golive_id);
    assert_eq!(golive["publisher"], "contoso");
    assert_eq!(golive["offer"], "slow-golive");
    assert_eq!(golive["type"], "goLive");
    assert_eq!(golive["status"], "running");
    let publish = find(&publish_id);
    assert_eq!(publish["offer"], "draft-offer");
    assert_eq!(publish["type"], "publish");
    assert!(
        operations
            .iter()
            .position(|op| op["id"] == golive_id.as_str())
            < operations
                .iter()
                .position(|op| op["id"] == publish_id.as_str()),
        "newest first: {all}"
    );
    let ids: Vec<&str> = running_golives["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter_map(|op| op["id"].as_str())
        .collect();
    assert!(ids.contains(&golive_id.as_str()), "{running_golives}");
    assert!(!ids.contains(&publish_id.as_str()), "{running_golives}");
    assert!(
        running_golives["operations"]
            .as_array()
            .expect("operations")
            .iter()
            .all(|op| op["type"] == "goLive" && op["status"] == "running")
    );
    assert_eq!(unknown.status(), 400);
}

/// `GET /_mock/progress` reads the setting; a reset goes back to time.
#[tokio::test]
async fn the_progress_setting_reads_back_and_a_reset_goes_back_to_time() {
    let app = spawn_app().await;
    assert_eq!(
        progress_setting(&app).await,
        json!({"advanceByPolls": null})
    );

    app.control(
        Method::PUT,
        "/_mock/progress",
        Some(json!({"advanceByPolls": 3})),
    )
    .await;
    assert_eq!(progress_setting(&app).await, json!({"advanceByPolls": 3}));

    app.control(Method::POST, "/_mock/reset", None).await;
    assert_eq!(
        progress_setting(&app).await,
        json!({"advanceByPolls": null})
    );
}

async fn progress_setting(app: &crate::helpers::TestApp) -> serde_json::Value {
    json(app.control(Method::GET, "/_mock/progress", None).await).await
}
