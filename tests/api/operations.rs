//! Reading an operation: E12 by GUID (and its alias), E13 by `$` key, trailing slashes,
//! unknown and malformed ids.

use reqwest::Method;

use crate::helpers::{API_VERSION, cpp_error, header, json, spawn_app};

const UNKNOWN_GUID: &str = "00000000-0000-4000-8000-000000000000";

#[tokio::test]
async fn an_unknown_operation_id_returns_404() {
    let app = spawn_app().await;

    let response = app
        .get(&format!("/api/publishers/contoso/offers/ready-to-go-live/operations/{UNKNOWN_GUID}?{API_VERSION}"))
        .await;

    let (status, code, message) = cpp_error(response).await;
    assert_eq!((status, code.as_str()), (404, "NotFound"));
    assert!(message.contains(UNKNOWN_GUID), "{message}");
}

#[tokio::test]
async fn a_malformed_operation_id_returns_400() {
    let app = spawn_app().await;

    let response = app
        .get(&format!(
            "/api/publishers/contoso/offers/ready-to-go-live/operations/not-a-guid?{API_VERSION}"
        ))
        .await;

    let (status, code, message) = cpp_error(response).await;
    assert_eq!((status, code.as_str()), (400, "BadRequest"));
    assert!(message.contains("'not-a-guid'"), "{message}");
}

#[tokio::test]
async fn an_operation_read_through_another_offer_is_not_found() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;

    let elsewhere = location.replace("/ready-to-go-live/", "/slow-golive/");
    let response = app.get(&elsewhere).await;

    assert_eq!(cpp_error(response).await.0, 404);
}

#[tokio::test]
async fn an_operation_of_an_unknown_offer_is_not_found_even_with_a_malformed_id() {
    let app = spawn_app().await;

    let response = app
        .get(&format!(
            "/api/publishers/contoso/offers/no-such-offer/operations/not-a-guid?{API_VERSION}"
        ))
        .await;

    assert_eq!(cpp_error(response).await.0, 404);
}

#[tokio::test]
async fn routes_accept_one_trailing_slash() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    let (path, query) = location.split_once('?').expect("a query");

    let with_slash = app.get(&format!("{path}/?{query}")).await;
    let golive_with_slash = app
        .send(
            Method::POST,
            &format!("/api/publishers/contoso/offers/slow-golive/golive/?{API_VERSION}"),
        )
        .await;

    assert_eq!(with_slash.status(), 200);
    assert_eq!(json(with_slash).await["submissionType"], "goLive");
    assert_eq!(golive_with_slash.status(), 202);
}

#[tokio::test]
async fn the_submissions_operations_alias_reads_the_same_operation() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;

    let alias = location.replace("/operations/", "/submissions/operations/");
    let body = json(app.get(&alias).await).await;

    assert!(location.contains(body["id"].as_str().expect("id")));
}

#[tokio::test]
async fn reading_an_operation_needs_a_token_and_the_api_version() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    let (path, _) = location.split_once('?').expect("a query");

    let no_token = app.send_as(Method::GET, &location, None, None).await;
    let no_version = app.get(path).await;

    assert_eq!(no_token.status(), 401);
    assert_eq!(cpp_error(no_version).await.1, "InvalidAPIVersion");
}

#[tokio::test]
async fn the_operation_detail_has_the_documented_fields() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;

    let response = app.get(&location).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "application/json; charset=utf-8"
    );
    let body = json(response).await;
    assert!(body.is_object(), "one object, not an array");
    for key in [
        "id",
        "submissionType",
        "status",
        "messages",
        "publishingVersion",
        "offerVersion",
        "cancellationRequestState",
        "createdDateTime",
        "lastActionDateTime",
        "steps",
        "previewLinks",
        "liveLinks",
    ] {
        assert!(body.get(key).is_some(), "{key} missing from {body}");
    }
    // Migrated offers carry no notification e-mails (docs/behaviour.md#migrated-and-non-migrated-offers).
    assert!(body.get("notificationEmails").is_none());
    let created = body["createdDateTime"].as_str().expect("a string");
    // .NET round-trip form: 2024-03-15T09:13:02.1234567Z
    assert_eq!(created.len(), 28, "{created}");
    assert!(
        created.ends_with('Z') && created.as_bytes()[19] == b'.',
        "{created}"
    );
    for step in body["steps"].as_array().expect("steps") {
        for key in [
            "id",
            "stepName",
            "description",
            "estimatedTimeFrame",
            "status",
            "progressPercentage",
            "messages",
        ] {
            assert!(step.get(key).is_some(), "{key} missing from {step}");
        }
    }
}

#[tokio::test]
async fn a_non_migrated_key_that_is_malformed_returns_400_and_an_unknown_one_404() {
    let app = spawn_app().await;

    let malformed = app
        .get(&format!(
            "/api/operations/contoso$legacy-offer$x$production?{API_VERSION}"
        ))
        .await;
    let unknown = app
        .get(&format!(
            "/api/operations/contoso$legacy-offer$9$production?{API_VERSION}"
        ))
        .await;

    assert_eq!(cpp_error(malformed).await.0, 400);
    let (status, _, message) = cpp_error(unknown).await;
    assert_eq!(status, 404);
    assert!(
        message.contains("contoso$legacy-offer$9$production"),
        "{message}"
    );
}

#[tokio::test]
async fn the_seeded_publish_of_a_non_migrated_offer_is_reachable_by_its_preview_key() {
    let app = spawn_app().await;

    let body = json(
        app.get(&format!(
            "/api/operations/contoso$legacy-offer$1$preview?{API_VERSION}"
        ))
        .await,
    )
    .await;

    assert_eq!(body["submissionType"], "publish");
    assert_eq!(body["status"], "complete");
    let signoff = &body["steps"][4];
    assert_eq!(signoff["id"], "publisher-signoff");
    assert_eq!(signoff["stepName"], "publisher-signoff");
    assert_eq!(signoff["status"], "waitingForPublisherReview");
}

#[tokio::test]
async fn unknown_paths_and_methods_get_cpp_errors_without_auth() {
    let app = spawn_app().await;

    let unknown = app
        .send_as(Method::GET, "/api/nothing/here", None, None)
        .await;
    let wrong_method = app
        .send(
            Method::GET,
            &format!("/api/publishers/contoso/offers/ready-to-go-live/golive?{API_VERSION}"),
        )
        .await;

    let (status, code, _) = cpp_error(unknown).await;
    assert_eq!((status, code.as_str()), (404, "NotFound"));
    let (status, code, _) = cpp_error(wrong_method).await;
    assert_eq!((status, code.as_str()), (405, "MethodNotAllowed"));
}

/// A finished operation's body is kept and answered again (the same bytes, the same
/// headers); a reset replaces the store, and the old id is gone with it.
#[tokio::test]
async fn a_finished_operation_answers_the_same_until_a_reset() {
    let app = crate::helpers::spawn_app_at_scale(0.0).await;
    let location = app.go_live_location("contoso", "golive-fails").await;

    let first = app.get(&location).await;
    let first_type = header(&first, "content-type");
    let first = first.text().await.expect("a body");
    let again = app.get(&location).await;
    let again_type = header(&again, "content-type");
    let again = again.text().await.expect("a body");
    let reset = app.control(Method::POST, "/_mock/reset", None).await;
    let after_reset = app.get(&location).await;

    let body: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    assert_eq!(body["status"], "failed");
    assert!(body["error"].is_string());
    assert_eq!(again, first);
    assert_eq!(again_type, "application/json; charset=utf-8");
    assert_eq!(again_type, first_type);
    assert_eq!(reset.status(), 200);
    assert_eq!(after_reset.status(), 404);
}
