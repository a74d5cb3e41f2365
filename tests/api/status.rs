//! E7 offer status: the whole pipeline's steps, as azure-img-utils reads them.

use serde_json::{Value, json};

use crate::helpers::{cpp_error, json, spawn_app, spawn_app_at_scale, step_ids};

fn step<'a>(status: &'a Value, id: &str) -> &'a Value {
    status["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == id))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_never_published_offer_has_no_steps() {
    let app = spawn_app().await;

    let body = json(app.get_offer("contoso", "draft-offer", "/status").await).await;

    assert_eq!(
        body,
        json!({"status": "neverPublished", "messages": [], "steps": [], "previewLinks": [], "liveLinks": []})
    );
}

#[tokio::test]
async fn an_offer_waiting_in_preview_is_running_with_sign_off_waiting() {
    let app = spawn_app().await;

    let body = json(
        app.get_offer("contoso", "ready-to-go-live", "/status")
            .await,
    )
    .await;

    assert_eq!(body["status"], "running");
    // azure-img-utils: the first step whose stepName is publisher-signoff.
    let signoff = body["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["stepName"] == "publisher-signoff"))
        .expect("a sign-off step");
    assert_eq!(signoff["status"], "waitingForPublisherReview");
    let ids = step_ids(&body);
    assert_eq!(
        ids,
        [
            "displaydummycertify",
            "displaycertify",
            "displayprovision",
            "displaypackage",
            "publisher-signoff",
            "live"
        ]
    );
    assert_eq!(step(&body, "live")["status"], "notStarted");
    assert_eq!(step(&body, "displaycertify")["status"], "complete");
}

#[tokio::test]
async fn a_live_offer_has_succeeded_with_every_step_complete() {
    let app = spawn_app().await;

    let body = json(app.get_offer("fabrikam", "fabrikam-linux", "/status").await).await;

    assert_eq!(body["status"], "succeeded");
    let steps = body["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 6);
    assert!(steps.iter().all(|s| s["status"] == "complete"), "{body}");
}

#[tokio::test]
async fn a_failed_go_live_shows_failed_with_its_message() {
    let app = spawn_app_at_scale(0.0).await;
    assert_eq!(app.go_live("contoso", "golive-fails").await.status(), 202);

    let body = json(app.get_offer("contoso", "golive-fails", "/status").await).await;

    assert_eq!(body["status"], "failed");
    assert_eq!(step(&body, "live")["status"], "rejected");
    assert_eq!(body["messages"][0]["level"], "error");
    assert!(
        body["messages"][0]["messageHtml"]
            .as_str()
            .is_some_and(|m| m.contains("gen1"))
    );
}

#[tokio::test]
async fn a_running_publish_shows_its_step_in_progress() {
    let app = spawn_app().await;

    let body = json(app.get_offer("contoso", "publish-running", "/status").await).await;

    assert_eq!(body["status"], "running");
    assert_eq!(step(&body, "displaycertify")["status"], "inProgress");
    assert_eq!(step(&body, "publisher-signoff")["status"], "notStarted");
}

#[tokio::test]
async fn a_non_migrated_offer_status_carries_notification_emails() {
    let app = spawn_app_at_scale(0.0).await;
    let body = r#"{"metadata":{"notification-emails":"ops@contoso.com"}}"#;
    assert_eq!(
        app.post_offer("contoso", "legacy-offer", "/publish", Some(body))
            .await
            .status(),
        202
    );

    let status = json(app.get_offer("contoso", "legacy-offer", "/status").await).await;
    let migrated = json(
        app.get_offer("contoso", "ready-to-go-live", "/status")
            .await,
    )
    .await;

    assert_eq!(status["notificationEmails"], "ops@contoso.com");
    assert!(migrated.get("notificationEmails").is_none());
}

#[tokio::test]
async fn the_status_of_an_unknown_offer_is_404() {
    let app = spawn_app().await;

    assert_eq!(
        cpp_error(app.get_offer("contoso", "nope", "/status").await)
            .await
            .0,
        404
    );
}
