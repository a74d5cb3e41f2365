//! E10 cancel: `202` and canceled after the cancel delay on the mock's clock (by default),
//! `200` and canceled at once (sync cancel mode), refused (409), nothing running (202).

use cloudpartner_mock::{CancelMode, Config};
use reqwest::Method;

use crate::helpers::{
    TestApp, cpp_error, header, json, spawn_app, spawn_app_at_scale, spawn_app_with, test_config,
};

/// The `status` of each step of an operation or status page, in order.
fn step_statuses(body: &serde_json::Value) -> Vec<String> {
    body["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| s["status"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Cancels contoso/publish-running and returns the answer's status and `Location`.
async fn cancel_publish(app: &TestApp) -> (u16, String) {
    let response = app
        .post_offer("contoso", "publish-running", "/cancel", None)
        .await;
    (response.status().as_u16(), header(&response, "location"))
}

#[tokio::test]
async fn a_cancel_is_accepted_then_takes_effect_after_two_seconds_of_the_mocks_clock() {
    let app = spawn_app().await;

    let (status, location) = cancel_publish(&app).await;

    assert_eq!(status, 202);
    let requested = json(app.get(&location).await).await;
    assert_eq!(requested["submissionType"], "publish");
    assert_eq!(requested["status"], "running");
    assert_eq!(requested["cancellationRequestState"], "cancelRequested");

    app.advance_clock(1.9).await;
    assert_eq!(json(app.get(&location).await).await["status"], "running");

    app.advance_clock(0.1).await;
    let canceled = json(app.get(&location).await).await;
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["cancellationRequestState"], "cannotCancel");
    assert_eq!(canceled["steps"][0]["status"], "complete");
    assert_eq!(canceled["steps"][1]["status"], "canceled");
    // What openshift-ansible polls after a cancel.
    let list = json(
        app.get_offer("contoso", "publish-running", "/submissions/")
            .await,
    )
    .await;
    assert_eq!(list[0]["submissionState"], "canceled");
    let offer = json(app.get_offer("contoso", "publish-running", "").await).await;
    assert_eq!(offer["status"], "canceled");
    assert_eq!(
        app.go_live("contoso", "publish-running").await.status(),
        400
    );
}

#[tokio::test]
async fn after_a_cancel_the_status_page_and_the_operation_agree_on_every_unfinished_step() {
    let app = spawn_app().await;
    let (status, location) = cancel_publish(&app).await;
    assert_eq!(status, 202);
    app.advance_clock(2.0).await;

    let operation = json(app.get(&location).await).await;
    let page = json(app.get_offer("contoso", "publish-running", "/status").await).await;

    assert_eq!(page["status"], "canceled");
    let page_steps = step_statuses(&page);
    // The page is the publish's steps, then `live` (which said notStarted).
    assert_eq!(
        page_steps[..page_steps.len() - 1],
        step_statuses(&operation)[..]
    );
    assert_eq!(
        page_steps,
        [
            "complete", "canceled", "canceled", "canceled", "canceled", "canceled"
        ]
    );
}

#[tokio::test]
async fn at_time_scale_0_the_cancel_is_done_at_once_but_still_answered_202() {
    let app = spawn_app_at_scale(0.0).await;
    // Every step takes no time at scale 0: new operations are held until their 1000th read.
    let held = app
        .control(
            Method::PUT,
            "/_mock/progress",
            Some(serde_json::json!({"advanceByPolls": 1000})),
        )
        .await;
    assert_eq!(held.status(), 200);
    let publish = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    assert_eq!(publish.status(), 202);

    let response = app
        .post_offer("contoso", "draft-offer", "/cancel", None)
        .await;

    assert_eq!(response.status(), 202);
    let location = header(&response, "location");
    assert_eq!(location, header(&publish, "location"));
    let operation = json(app.get(&location).await).await;
    assert_eq!(operation["status"], "canceled");
}

#[tokio::test]
async fn the_cancel_delay_flag_sets_the_default_delay() {
    let app = spawn_app_with(Config {
        cancel_delay: 30.0,
        ..test_config()
    })
    .await;

    let (status, location) = cancel_publish(&app).await;
    app.advance_clock(29.0).await;
    let before = json(app.get(&location).await).await;
    app.advance_clock(1.0).await;
    let after = json(app.get(&location).await).await;

    assert_eq!(status, 202);
    assert_eq!(before["status"], "running");
    assert_eq!(before["cancellationRequestState"], "cancelRequested");
    assert_eq!(after["status"], "canceled");
}

#[tokio::test]
async fn sync_cancel_mode_cancels_at_once_and_answers_200() {
    let app = spawn_app_with(Config {
        cancel_mode: CancelMode::Sync,
        ..test_config()
    })
    .await;

    // Even an offer whose fixture asks for a slow cancel.
    for offer in ["publish-running", "slow-cancel"] {
        let response = app.post_offer("contoso", offer, "/cancel", None).await;

        assert_eq!(response.status(), 200, "{offer}");
        let operation = json(app.get(&header(&response, "location")).await).await;
        assert_eq!(operation["status"], "canceled", "{offer}");
        assert_eq!(operation["cancellationRequestState"], "cannotCancel");
    }
}

#[tokio::test]
async fn a_fixtures_cancel_seconds_sets_its_delay_and_a_second_cancel_changes_nothing() {
    let app = spawn_app().await;

    let response = app
        .post_offer(
            "contoso",
            "slow-cancel",
            "/cancel",
            Some(r#"{"metadata":{}}"#),
        )
        .await;
    let again = app
        .post_offer("contoso", "slow-cancel", "/cancel", None)
        .await;

    assert_eq!(response.status(), 202);
    let location = header(&response, "location");
    assert_eq!(again.status(), 202);
    assert_eq!(header(&again, "location"), location);
    // cancelSeconds: 120, counted from the first request.
    app.advance_clock(119.0).await;
    let operation = json(app.get(&location).await).await;
    assert_eq!(operation["status"], "running");
    assert_eq!(operation["cancellationRequestState"], "cancelRequested");
    app.advance_clock(1.0).await;
    assert_eq!(json(app.get(&location).await).await["status"], "canceled");
}

#[tokio::test]
async fn a_requested_cancel_takes_the_scaled_delay() {
    // 120 s × 0.5: canceled 60 s of the mock's clock after the request.
    let app = spawn_app_at_scale(0.5).await;
    let response = app
        .post_offer("contoso", "slow-cancel", "/cancel", None)
        .await;
    assert_eq!(response.status(), 202);
    let location = header(&response, "location");

    app.advance_clock(59.0).await;
    let before = json(app.get(&location).await).await;
    app.advance_clock(1.0).await;
    let after = json(app.get(&location).await).await;

    assert_eq!(before["status"], "running");
    assert_eq!(after["status"], "canceled");
    assert_eq!(after["steps"][1]["status"], "canceled");
}

#[tokio::test]
async fn an_operation_that_cannot_be_canceled_returns_409() {
    let app = spawn_app().await;

    let (status, code, message) = cpp_error(
        app.post_offer("contoso", "cannot-cancel", "/cancel", None)
            .await,
    )
    .await;

    assert_eq!((status, code.as_str()), (409, "Conflict"));
    assert!(message.contains("can no longer be canceled"), "{message}");
}

#[tokio::test]
async fn canceling_with_nothing_running_changes_nothing_and_answers_202() {
    let app = spawn_app().await;

    let never = app
        .post_offer("contoso", "draft-offer", "/cancel", None)
        .await;
    let live = app
        .post_offer("contoso", "already-live", "/cancel", None)
        .await;

    assert_eq!(never.status(), 202);
    assert!(never.headers().get("location").is_none());
    assert_eq!(live.status(), 202);
    let operation = json(app.get(&header(&live, "location")).await).await;
    assert_eq!(operation["submissionType"], "goLive");
    assert_eq!(operation["status"], "complete");
}

#[tokio::test]
async fn a_canceled_go_live_can_be_retried_once_the_cancel_has_taken_effect() {
    let app = spawn_app().await;
    assert_eq!(app.go_live("contoso", "slow-golive").await.status(), 202);

    let cancel = app
        .post_offer("contoso", "slow-golive", "/cancel", None)
        .await;
    assert_eq!(cancel.status(), 202);
    // Until then the go-live still runs.
    assert_eq!(app.go_live("contoso", "slow-golive").await.status(), 409);
    app.advance_clock(2.0).await;

    assert_eq!(app.go_live("contoso", "slow-golive").await.status(), 202);
}
