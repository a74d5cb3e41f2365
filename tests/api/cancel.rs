//! E10 cancel: at once (200), after a delay (202), refused (409), nothing running (202).

use std::time::Duration;

use crate::helpers::{cpp_error, header, json, spawn_app, spawn_app_at_scale};

#[tokio::test]
async fn canceling_a_running_publish_cancels_it_at_once() {
    let app = spawn_app().await;

    let response = app
        .post_offer("contoso", "publish-running", "/cancel", None)
        .await;

    assert_eq!(response.status(), 200);
    let location = header(&response, "location");
    let operation = json(app.get(&location).await).await;
    assert_eq!(operation["submissionType"], "publish");
    assert_eq!(operation["status"], "canceled");
    assert_eq!(operation["cancellationRequestState"], "cannotCancel");
    assert_eq!(operation["steps"][0]["status"], "complete");
    assert_eq!(operation["steps"][1]["status"], "canceled");
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
async fn a_cancel_that_takes_time_answers_202_and_reports_the_request() {
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
    let operation = json(app.get(&location).await).await;
    assert_eq!(operation["status"], "running");
    assert_eq!(operation["cancellationRequestState"], "cancelRequested");
}

#[tokio::test]
async fn a_requested_cancel_takes_effect_after_the_scaled_delay() {
    // 120 s × 0.001: canceled 120 ms after the request; certification (432 s) still runs.
    let app = spawn_app_at_scale(0.001).await;
    let response = app
        .post_offer("contoso", "slow-cancel", "/cancel", None)
        .await;
    assert_eq!(response.status(), 202);
    let location = header(&response, "location");

    let mut operation = json(app.get(&location).await).await;
    let requested = operation["cancellationRequestState"].clone();
    for _ in 0..200 {
        if operation["status"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        operation = json(app.get(&location).await).await;
    }

    assert_eq!(requested, "cancelRequested");
    assert_eq!(operation["status"], "canceled");
    assert_eq!(operation["steps"][1]["status"], "canceled");
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
async fn a_canceled_go_live_can_be_retried() {
    let app = spawn_app().await;
    assert_eq!(app.go_live("contoso", "slow-golive").await.status(), 202);

    assert_eq!(
        app.post_offer("contoso", "slow-golive", "/cancel", None)
            .await
            .status(),
        200
    );

    assert_eq!(app.go_live("contoso", "slow-golive").await.status(), 202);
}
