//! Reading publishers and offers: E1–E5.

use reqwest::Method;

use crate::helpers::{API_VERSION, cpp_error, header, json, spawn_app, spawn_strict_app};

#[tokio::test]
async fn publishers_are_listed_from_the_fixtures() {
    let app = spawn_app().await;

    let body = json(app.get(&format!("/api/publishers?{API_VERSION}")).await).await;

    let ids: Vec<&str> = body
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["contoso", "fabrikam"]);
    assert_eq!(body[1]["definition"]["displayText"], "Fabrikam, Inc.");
    assert_eq!(body[1]["definition"]["sellerId"], 1_234_567);
    assert_eq!(
        body[1]["definition"]["offerTypeCategories"],
        serde_json::json!(["microsoft-azure-corevm"])
    );
}

#[tokio::test]
async fn in_strict_mode_a_token_sees_only_its_publishers() {
    let app = spawn_strict_app().await;

    let response = app
        .send_as(
            Method::GET,
            &format!("/api/publishers?{API_VERSION}"),
            Some("Bearer fabrikam-token"),
            None,
        )
        .await;

    let body = json(response).await;
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    assert_eq!(body[0]["id"], "fabrikam");
}

#[tokio::test]
async fn offer_types_are_those_the_offers_use_each_once() {
    let app = spawn_app().await;

    let response = app.get(&format!("/api/offerTypes?{API_VERSION}")).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response).await,
        serde_json::json!([
            {"id": "microsoft-azure-corevm"},
            {"id": "microsoft-azure-virtualmachines"}
        ])
    );
}

#[tokio::test]
async fn in_strict_mode_offer_types_are_those_of_the_tokens_publishers() {
    let app = spawn_strict_app().await;

    let response = app
        .send_as(
            Method::GET,
            &format!("/api/offerTypes?{API_VERSION}"),
            Some("Bearer fabrikam-token"),
            None,
        )
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response).await,
        serde_json::json!([{"id": "microsoft-azure-corevm"}])
    );
}

#[tokio::test]
async fn offers_are_listed_as_summaries() {
    let app = spawn_app().await;

    let body = json(
        app.get(&format!("/api/publishers/fabrikam/offers?{API_VERSION}"))
            .await,
    )
    .await;

    let offers = body.as_array().expect("an array");
    assert_eq!(offers.len(), 1);
    let summary = &offers[0];
    assert_eq!(summary["id"], "fabrikam-linux");
    assert_eq!(summary["publisherId"], "fabrikam");
    assert_eq!(summary["offerTypeId"], "microsoft-azure-corevm");
    assert_eq!(summary["status"], "succeeded");
    assert_eq!(summary["version"], 4);
    assert_eq!(
        summary["definition"],
        serde_json::json!({"displayText": "Fabrikam Linux"})
    );
    assert!(
        summary["changedTime"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[tokio::test]
async fn listing_the_offers_of_an_unknown_publisher_returns_404() {
    let app = spawn_app().await;

    let response = app
        .get(&format!("/api/publishers/nobody/offers?{API_VERSION}"))
        .await;

    assert_eq!(cpp_error(response).await.0, 404);
}

#[tokio::test]
async fn an_offer_is_read_with_its_document_and_a_weak_etag() {
    let app = spawn_app().await;

    let response = app.get_offer("fabrikam", "fabrikam-linux", "").await;

    assert_eq!(response.status(), 200);
    let etag = header(&response, "etag");
    assert!(
        etag.starts_with("W/\"datetime'") && etag.ends_with("Z'\""),
        "{etag}"
    );
    assert!(etag.contains("%3A") && !etag.contains(':'), "{etag}");
    let body = json(response).await;
    assert_eq!(body["id"], "fabrikam-linux");
    assert_eq!(body["version"], 4);
    assert_eq!(body["status"], "succeeded");
    assert_eq!(body["pcMigrationStatus"], "migrated");
    let plan = &body["definition"]["plans"][0];
    assert_eq!(plan["planId"], "gen1");
    assert_eq!(
        plan["microsoft-azure-corevm.vmImagesPublicAzure"]["2024.01.10"]["mediaName"],
        "fabrikam-linux-v20240110"
    );
    assert_eq!(plan["diskGenerations"][0]["planId"], "gen2");
}

#[tokio::test]
async fn an_unknown_offer_is_partner_centers_404_as_recorded_in_2022() {
    let app = spawn_app().await;

    let response = app.get_offer("contoso", "nope", "").await;

    assert_eq!(response.status(), 404);
    assert_eq!(header(&response, "x-mock-reason"), "offer.not-found");
    let body = json(response).await;
    let product = &body["Product"];
    assert_eq!(product["serviceName"], "Product");
    assert_eq!(product["exceptionCode"], "Http404Exception");
    assert_eq!(product["httpStatusCode"], "NotFound");
    let error = product["error"].as_str().unwrap_or_default();
    assert!(
        error.ends_with("CPP product nope not found in current PC environment."),
        "{error}"
    );
}

#[tokio::test]
async fn the_2018_profile_answers_an_unknown_offer_with_the_cpp_error() {
    let app = crate::helpers::spawn_app_with(cloudpartner_mock::Config {
        service_profile: cloudpartner_mock::ServiceProfile::Documented2018,
        ..crate::helpers::test_config()
    })
    .await;

    let (status, code, message) = cpp_error(app.get_offer("contoso", "nope", "").await).await;

    assert_eq!((status, code.as_str()), (404, "NotFound"));
    assert!(message.contains("'nope'"), "{message}");
}

#[tokio::test]
async fn an_offer_version_is_read_by_number() {
    let app = spawn_app().await;

    let found = app
        .get_offer("contoso", "ready-to-go-live", "/versions/3")
        .await;
    let missing = app
        .get_offer("contoso", "ready-to-go-live", "/versions/2")
        .await;
    let malformed = app
        .get_offer("contoso", "ready-to-go-live", "/versions/three")
        .await;

    assert_eq!(found.status(), 200);
    assert!(!header(&found, "etag").is_empty());
    assert_eq!(json(found).await["version"], 3);
    let (status, _, message) = cpp_error(missing).await;
    assert_eq!(status, 404);
    assert!(message.contains("Version 2"), "{message}");
    assert_eq!(cpp_error(malformed).await.0, 400);
}

#[tokio::test]
async fn the_draft_slot_is_the_offer_itself() {
    let app = spawn_app().await;

    let plain = json(app.get_offer("contoso", "ready-to-go-live", "").await).await;
    let draft = json(
        app.get_offer("contoso", "ready-to-go-live", "/slot/Draft")
            .await,
    )
    .await;

    assert_eq!(plain, draft);
}

#[tokio::test]
async fn preview_and_production_slots_hold_what_was_published_and_went_live() {
    let app = spawn_app().await;

    let preview = app
        .get_offer("contoso", "ready-to-go-live", "/slot/preview")
        .await;
    let staging = app
        .get_offer("contoso", "ready-to-go-live", "/slot/Staging")
        .await;
    let production = app
        .get_offer("contoso", "ready-to-go-live", "/slot/production")
        .await;
    let live = app
        .get_offer("fabrikam", "fabrikam-linux", "/slot/PRODUCTION")
        .await;

    assert_eq!(json(preview).await["version"], 3);
    assert_eq!(staging.status(), 200);
    let (status, code, message) = cpp_error(production).await;
    assert_eq!((status, code.as_str()), (404, "NotFound"));
    assert_eq!(
        message,
        "There is no Production slot deployed for Offer ID 'ready-to-go-live', Publisher ID 'contoso'."
    );
    assert_eq!(json(live).await["version"], 4);
}

#[tokio::test]
async fn an_empty_preview_slot_answers_the_services_message() {
    let app = spawn_app().await;

    let (status, _, message) = cpp_error(
        app.get_offer("contoso", "draft-offer", "/slot/preview")
            .await,
    )
    .await;

    assert_eq!(status, 404);
    assert_eq!(
        message,
        "There is no Staging slot deployed for Offer ID 'draft-offer', Publisher ID 'contoso'."
    );
}

#[tokio::test]
async fn an_unknown_slot_is_a_400() {
    let app = spawn_app().await;

    let (status, _, message) =
        cpp_error(app.get_offer("contoso", "draft-offer", "/slot/live").await).await;

    assert_eq!(status, 400);
    assert!(message.contains("'live' is not a slot"), "{message}");
}
