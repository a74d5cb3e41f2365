//! E8 publish: 202 with both headers, bodies, 422, 409, the idempotent same-version publish,
//! and what a failed publish leaves.

use cloudpartner_mock::Config;
use serde_json::json;

use crate::helpers::{
    BEARER, cpp_error, header, json, spawn_app, spawn_app_with, step_ids, test_config,
};

fn instant() -> Config {
    Config {
        time_scale: 0.0,
        ..test_config()
    }
}

#[tokio::test]
async fn publish_returns_202_with_both_headers_and_starts_a_publish() {
    let app = spawn_app().await;

    let response = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;

    assert_eq!(response.status(), 202);
    let location = header(&response, "location");
    assert!(
        location.starts_with("/api/publishers/contoso/offers/draft-offer/operations/"),
        "{location}"
    );
    assert_eq!(
        header(&response, "operation-location"),
        format!("{}{location}", app.base_url)
    );
    let operation = json(app.get(&location).await).await;
    assert_eq!(operation["submissionType"], "publish");
    assert_eq!(operation["status"], "running");
    // The draft (version 1) is published as version 2.
    assert_eq!(operation["offerVersion"], 2);
    assert_eq!(operation["publishingVersion"], 1);
    let ids = step_ids(&operation);
    assert_eq!(
        ids,
        [
            "displaydummycertify",
            "displaycertify",
            "displayprovision",
            "displaypackage",
            "publisher-signoff"
        ]
    );
}

#[tokio::test]
async fn publish_accepts_the_bodies_real_clients_send() {
    let app = spawn_app_with(instant()).await;
    let bodies = [
        None,
        Some("{}"),
        Some(r#"{"metadata":{}}"#),
        Some(r#"{"metadata":{"notification-emails":"ops@contoso.com"}}"#),
    ];

    for body in bodies {
        let response = app
            .post_offer("contoso", "draft-offer", "/publish", body)
            .await;

        assert_eq!(response.status(), 202, "{body:?}");
    }
}

#[tokio::test]
async fn a_malformed_publish_body_returns_400() {
    let app = spawn_app().await;

    let response = app
        .post_offer(
            "contoso",
            "draft-offer",
            "/publish",
            Some("{'metadata': {}}"),
        )
        .await;

    assert_eq!(cpp_error(response).await.0, 400);
}

#[tokio::test]
async fn publishing_an_offer_that_fails_validation_returns_422_with_the_reason() {
    let app = spawn_app().await;

    let (status, code, message) = cpp_error(
        app.post_offer("contoso", "invalid-offer", "/publish", None)
            .await,
    )
    .await;

    assert_eq!((status, code.as_str()), (422, "UnprocessableEntity"));
    assert!(
        message.contains("The plan 'gen1' has no virtual machine image."),
        "{message}"
    );
}

#[tokio::test]
async fn publishing_while_a_go_live_runs_returns_409() {
    let app = spawn_app().await;

    let (status, code, message) = cpp_error(
        app.post_offer("contoso", "cannot-cancel", "/publish", None)
            .await,
    )
    .await;

    assert_eq!((status, code.as_str()), (409, "Conflict"));
    assert!(message.contains("running goLive operation"), "{message}");
}

#[tokio::test]
async fn publishing_the_version_already_being_published_answers_with_that_operation() {
    let app = spawn_app().await;

    let first = app
        .post_offer("contoso", "publish-running", "/publish", None)
        .await;
    let second = app
        .post_offer("contoso", "publish-running", "/publish", None)
        .await;

    assert_eq!(first.status(), 202);
    assert_eq!(second.status(), 202);
    let location = header(&first, "location");
    assert_eq!(header(&second, "location"), location);
    let operation = json(app.get(&location).await).await;
    assert_eq!(operation["status"], "running");
    assert_eq!(operation["steps"][1]["status"], "inProgress");
}

#[tokio::test]
async fn publishing_a_newer_version_while_a_publish_runs_returns_409() {
    let app = spawn_app().await;
    let document = json(app.get_offer("contoso", "publish-running", "").await).await;
    assert_eq!(
        app.put_offer("contoso", "publish-running", &document, Some("*"))
            .await
            .status(),
        200
    );

    let (status, _, message) = cpp_error(
        app.post_offer("contoso", "publish-running", "/publish", None)
            .await,
    )
    .await;

    assert_eq!(status, 409);
    assert!(message.contains("running publish operation"), "{message}");
}

#[tokio::test]
async fn a_completed_publish_fills_the_preview_slot_and_waits_for_go_live() {
    let app = spawn_app_with(instant()).await;
    let location = header(
        &app.post_offer("contoso", "draft-offer", "/publish", None)
            .await,
        "location",
    );

    let operation = json(app.get(&location).await).await;
    let preview = app
        .get_offer("contoso", "draft-offer", "/slot/preview")
        .await;
    let go_live = app.go_live("contoso", "draft-offer").await;

    assert_eq!(operation["status"], "complete");
    assert_eq!(operation["steps"][4]["status"], "waitingForPublisherReview");
    assert_eq!(preview.status(), 200);
    assert_eq!(go_live.status(), 202);
}

#[tokio::test]
async fn a_failed_publish_leaves_the_slots_as_they_were() {
    let app = spawn_app_with(instant()).await;
    let location = header(
        &app.post_offer("contoso", "publish-failed", "/publish", None)
            .await,
        "location",
    );

    let operation = json(app.get(&location).await).await;
    let preview = app
        .get_offer("contoso", "publish-failed", "/slot/preview")
        .await;
    let offer = json(app.get_offer("contoso", "publish-failed", "").await).await;

    assert_eq!(operation["status"], "failed");
    assert_eq!(
        operation["error"],
        "No virtual machine image was found for the plan 'gen1'."
    );
    assert_eq!(operation["steps"][1]["status"], "rejected");
    assert_eq!(preview.status(), 404);
    assert_eq!(offer["status"], "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_publishes_start_exactly_one_operation() {
    let app = spawn_app().await;
    let url = app.url(&crate::helpers::offer_path(
        "contoso",
        "draft-offer",
        "/publish",
    ));

    let calls: Vec<_> = (0..64)
        .map(|_| {
            let request = app
                .client
                .post(&url)
                .header("Authorization", BEARER)
                .json(&json!({"metadata": {}}));
            tokio::spawn(async move {
                let response = request.send().await.expect("answered");
                (response.status().as_u16(), header(&response, "location"))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.expect("the task ends"));
    }

    // Same version, same running publish: every caller gets the one operation (docs/behaviour.md#concurrency).
    assert!(
        answers.iter().all(|(status, _)| *status == 202),
        "{answers:?}"
    );
    let first = &answers[0].1;
    assert!(
        answers.iter().all(|(_, location)| location == first),
        "{answers:?}"
    );
    let list = json(
        app.get_offer("contoso", "draft-offer", "/submissions")
            .await,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}
