//! E11 the operations list: newest first, filters, item fields.

use crate::helpers::{json, spawn_app, spawn_app_at_scale};

async fn list(app: &crate::helpers::TestApp, offer: &str, tail: &str) -> Vec<serde_json::Value> {
    let response = app
        .get(&format!("/api/publishers/contoso/offers/{offer}{tail}"))
        .await;
    assert_eq!(response.status(), 200, "{tail}");
    json(response).await.as_array().cloned().expect("an array")
}

#[tokio::test]
async fn operations_are_listed_newest_first_with_the_documented_fields() {
    let app = spawn_app().await;

    let items = list(&app, "already-live", "/submissions/?api-version=2017-10-31").await;

    let kinds: Vec<&str> = items
        .iter()
        .filter_map(|i| i["submissionType"].as_str())
        .collect();
    assert_eq!(kinds, ["goLive", "publish"]);
    let item = &items[0];
    assert_eq!(item["offerId"], "already-live");
    assert_eq!(item["publisherId"], "contoso");
    assert_eq!(item["offerTypeId"], "microsoft-azure-corevm");
    assert_eq!(item["offerVersion"], 7);
    assert_eq!(item["submissionState"], "complete");
    assert_eq!(item["slot"], "production");
    assert_eq!(items[1]["slot"], "staging");
    assert_eq!(item["definition"]["metadata"]["emails"], "");
    assert!(
        item["version"]
            .as_u64()
            .is_some_and(|ticks| ticks > 630_000_000_000_000_000)
    );
    for key in [
        "id",
        "publishingVersion",
        "changedTime",
        "createdDateTime",
        "lastActionDateTime",
    ] {
        assert!(item.get(key).is_some(), "{key} missing from {item}");
    }
}

#[tokio::test]
async fn the_operations_path_lists_the_same() {
    let app = spawn_app().await;

    let submissions = list(&app, "already-live", "/submissions?api-version=2017-10-31").await;
    let operations = list(&app, "already-live", "/operations?api-version=2017-10-31").await;

    assert_eq!(submissions, operations);
}

#[tokio::test]
async fn filters_by_status_or_submission_state_treat_the_success_words_alike() {
    let app = spawn_app().await;
    let q = "api-version=2017-10-31";

    for value in ["complete", "Completed", "succeeded"] {
        let items = list(
            &app,
            "already-live",
            &format!("/submissions?{q}&status={value}"),
        )
        .await;
        assert_eq!(items.len(), 2, "{value}");
    }
    assert_eq!(
        list(
            &app,
            "already-live",
            &format!("/submissions?{q}&submissionState=running")
        )
        .await
        .len(),
        0
    );
    assert_eq!(
        list(
            &app,
            "publish-running",
            &format!("/submissions?{q}&submissionState=running")
        )
        .await
        .len(),
        1
    );
    assert_eq!(
        list(
            &app,
            "already-live",
            &format!("/submissions?{q}&status=whatever")
        )
        .await
        .len(),
        0
    );
}

#[tokio::test]
async fn include_completed_false_keeps_running_operations_only() {
    let app = spawn_app_at_scale(1.0).await;
    assert_eq!(app.go_live("contoso", "slow-golive").await.status(), 202);

    let items = list(
        &app,
        "slow-golive",
        "/submissions?api-version=2017-10-31&includeCompleted=false",
    )
    .await;
    let all = list(&app, "slow-golive", "/submissions?api-version=2017-10-31").await;

    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["submissionType"], "goLive");
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn a_failed_operation_in_the_list_carries_its_error() {
    let app = spawn_app().await;

    let items = list(
        &app,
        "publish-failed",
        "/submissions?api-version=2017-10-31",
    )
    .await;

    assert_eq!(items[0]["submissionState"], "failed");
    assert_eq!(
        items[0]["error"],
        "No virtual machine image was found for the plan 'gen1'."
    );
}

#[tokio::test]
async fn a_never_published_offer_has_an_empty_list() {
    let app = spawn_app().await;

    assert!(
        list(&app, "draft-offer", "/submissions?api-version=2017-10-31")
            .await
            .is_empty()
    );
}
