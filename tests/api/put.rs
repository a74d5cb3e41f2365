//! E6 PUT: create and replace, If-Match (200/412/`*`/missing), body checks, and racing writers.

use cloudpartner_mock::{Config, PutMode};
use serde_json::{Value, json};

use reqwest::Method;

use crate::helpers::{
    BEARER, TestApp, cpp_error, header, json, spawn_app, spawn_app_with, test_config,
};

/// The offer as GET returns it, and its ETag.
async fn read(app: &TestApp, publisher: &str, offer: &str) -> (Value, String) {
    let response = app.get_offer(publisher, offer, "").await;
    let etag = header(&response, "etag");
    (json(response).await, etag)
}

/// `document` with one more image version on its first plan.
fn with_new_image(mut document: Value, version: &str) -> Value {
    document["definition"]["plans"][0]["microsoft-azure-corevm.vmImagesPublicAzure"][version] = json!({
        "osVhdUrl": format!("https://fabrikamimages.blob.core.windows.net/vhds/fabrikam-linux-{version}.vhd"),
        "label": format!("Fabrikam Linux {version}"),
        "mediaName": format!("fabrikam-linux-v{version}"),
        "showInGui": true,
        "lunVhdDetails": []
    });
    document
}

#[tokio::test]
async fn a_put_with_the_current_etag_replaces_the_document_and_keeps_its_version() {
    let app = spawn_app().await;
    let (document, etag) = read(&app, "fabrikam", "fabrikam-linux").await;
    let changed = with_new_image(document.clone(), "2024.03.15");

    let response = app
        .put_offer("fabrikam", "fabrikam-linux", &changed, Some(&etag))
        .await;

    assert_eq!(response.status(), 200);
    let new_etag = header(&response, "etag");
    assert_ne!(new_etag, etag);
    let body = json(response).await;
    // Versions count publishes, not writes.
    assert_eq!(body["version"], 4);
    assert_eq!(body["definition"], changed["definition"]);
    assert_ne!(body["changedTime"], document["changedTime"]);
    let (again, again_etag) = read(&app, "fabrikam", "fabrikam-linux").await;
    assert_eq!(again, body);
    assert_eq!(again_etag, new_etag);
    // Version 4 is still what the fixture declared.
    assert_eq!(
        json(
            app.get_offer("fabrikam", "fabrikam-linux", "/versions/4")
                .await
        )
        .await["definition"],
        document["definition"]
    );
}

#[tokio::test]
async fn a_put_with_a_stale_etag_returns_412_and_changes_nothing() {
    let app = spawn_app().await;
    let (document, stale) = read(&app, "fabrikam", "fabrikam-linux").await;
    assert_eq!(
        app.put_offer("fabrikam", "fabrikam-linux", &document, Some(&stale))
            .await
            .status(),
        200
    );

    let (written, current) = read(&app, "fabrikam", "fabrikam-linux").await;

    let response = app
        .put_offer(
            "fabrikam",
            "fabrikam-linux",
            &with_new_image(document, "x"),
            Some(&stale),
        )
        .await;

    let (status, code, message) = cpp_error(response).await;
    assert_eq!((status, code.as_str()), (412, "PreconditionFailed"));
    assert!(message.contains(&stale), "{message}");
    assert_eq!(
        read(&app, "fabrikam", "fabrikam-linux").await,
        (written, current)
    );
}

#[tokio::test]
async fn a_put_with_if_match_star_always_wins() {
    let app = spawn_app().await;
    let (document, _) = read(&app, "fabrikam", "fabrikam-linux").await;

    let first = app
        .put_offer("fabrikam", "fabrikam-linux", &document, Some("*"))
        .await;
    let second = app
        .put_offer("fabrikam", "fabrikam-linux", &document, Some("*"))
        .await;

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    assert_eq!(json(second).await["version"], 4);
}

#[tokio::test]
async fn a_put_without_if_match_is_accepted_by_default_and_refused_in_strict_mode() {
    let lenient = spawn_app().await;
    let strict = spawn_app_with(Config {
        put_mode: PutMode::Strict,
        ..test_config()
    })
    .await;
    let (document, _) = read(&lenient, "contoso", "draft-offer").await;

    let accepted = lenient
        .put_offer("contoso", "draft-offer", &document, None)
        .await;
    let refused = strict
        .put_offer("contoso", "draft-offer", &document, None)
        .await;

    assert_eq!(accepted.status(), 200);
    let (status, code, message) = cpp_error(refused).await;
    assert_eq!((status, code.as_str()), (400, "BadRequest"));
    assert!(message.contains("If-Match header is required"), "{message}");
}

#[tokio::test]
async fn legacy_core_vm_keys_are_accepted_by_default_and_refused_in_strict_mode() {
    let lenient = spawn_app().await;
    let strict = spawn_app_with(Config {
        put_mode: PutMode::Strict,
        ..test_config()
    })
    .await;
    let (document, _) = read(&lenient, "fabrikam", "fabrikam-linux").await;
    assert!(document["definition"]["offer"]["microsoft-azure-corevm.legacyOfferId"].is_string());

    let accepted = lenient
        .put_offer("fabrikam", "fabrikam-linux", &document, Some("*"))
        .await;
    let refused = strict
        .put_offer("fabrikam", "fabrikam-linux", &document, Some("*"))
        .await;

    assert_eq!(accepted.status(), 200);
    let (status, _, message) = cpp_error(refused).await;
    assert_eq!(status, 400);
    assert!(message.contains("legacyOfferId"), "{message}");
}

#[tokio::test]
async fn a_put_of_a_new_offer_creates_it() {
    let app = spawn_app().await;
    let document = json!({
        "publisherId": "contoso",
        "id": "brand-new",
        "offerTypeId": "microsoft-azure-corevm",
        "version": 99,
        "status": "succeeded",
        "offerTypeVersions": { "microsoft-azure-corevm": 87 },
        "definition": { "displayText": "Brand New", "offer": {}, "plans": [] }
    });

    let response = app.put_offer("contoso", "brand-new", &document, None).await;

    // 200, as the service answered in 2022 (tests/recorded/, docs/behaviour.md#profiles).
    assert_eq!(response.status(), 200);
    assert!(!header(&response, "etag").is_empty());
    let body = json(response).await;
    // Server-owned keys are the server's; other keys round-trip.
    assert_eq!(body["version"], 1);
    assert_eq!(body["status"], "neverPublished");
    assert_eq!(body["offerTypeVersions"], document["offerTypeVersions"]);
    assert_eq!(read(&app, "contoso", "brand-new").await.0, body);
    let listed = json(
        app.get(&format!(
            "/api/publishers/contoso/offers?{}",
            crate::helpers::API_VERSION
        ))
        .await,
    )
    .await;
    assert!(
        listed
            .as_array()
            .is_some_and(|l| l.iter().any(|o| o["id"] == "brand-new"))
    );
}

#[tokio::test]
async fn a_put_of_a_new_offer_with_an_etag_returns_412() {
    let app = spawn_app().await;
    let document = json!({
        "publisherId": "contoso", "id": "brand-new", "offerTypeId": "microsoft-azure-corevm",
        "definition": { "displayText": "Brand New" }
    });

    let response = app
        .put_offer("contoso", "brand-new", &document, Some("W/\"datetime'x'\""))
        .await;

    assert_eq!(cpp_error(response).await.0, 412);
    assert_eq!(
        cpp_error(app.get_offer("contoso", "brand-new", "").await)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn bad_put_bodies_get_400_naming_the_problem() {
    let app = spawn_app().await;
    let cases = [
        (json!("just a string"), "must be a JSON object"),
        (
            json!({"publisherId": "contoso", "id": "other", "offerTypeId": "t", "definition": {}}),
            "does not match the offer",
        ),
        (
            json!({"publisherId": "fabrikam", "id": "draft-offer", "offerTypeId": "t", "definition": {}}),
            "does not match the publisher",
        ),
        (
            json!({"publisherId": "contoso", "id": "draft-offer", "offerTypeId": "t"}),
            "'definition' is required",
        ),
        (
            json!({"publisherId": "contoso", "id": "draft-offer", "offerTypeId": 7, "definition": {}}),
            "'offerTypeId' must be a string",
        ),
    ];

    for (body, expected) in cases {
        let (status, code, message) = cpp_error(
            app.put_offer("contoso", "draft-offer", &body, Some("*"))
                .await,
        )
        .await;

        assert_eq!((status, code.as_str()), (400, "BadRequest"), "{body}");
        assert!(message.contains(expected), "{expected:?} not in {message}");
    }
    let malformed = app
        .authed(
            Method::PUT,
            &crate::helpers::offer_path("contoso", "draft-offer", ""),
        )
        .body("{\"publisherId\":")
        .send()
        .await
        .expect("answered");
    let (status, _, message) = cpp_error(malformed).await;
    assert_eq!(status, 400);
    assert!(message.contains("not valid JSON"), "{message}");
}

#[tokio::test]
async fn a_put_to_an_unknown_publisher_is_404_before_the_body_is_judged() {
    let app = spawn_app().await;

    let response = app
        .put_offer("nobody", "x", &json!("not an offer"), None)
        .await;

    assert_eq!(cpp_error(response).await.0, 404);
}

#[tokio::test]
async fn a_new_offer_id_must_be_a_slug() {
    let app = spawn_app().await;
    let body = json!({"publisherId": "contoso", "id": "a b", "offerTypeId": "t", "definition": {}});

    let (status, _, message) =
        cpp_error(app.put_offer("contoso", "a%20b", &body, None).await).await;

    assert_eq!(status, 400);
    assert!(
        message.contains("'a b' is not a valid offer id"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_puts_with_the_same_etag_let_exactly_one_win() {
    let app = spawn_app_with(test_config()).await;
    let (document, etag) = read(&app, "fabrikam", "fabrikam-linux").await;
    let url = app.url(&crate::helpers::offer_path(
        "fabrikam",
        "fabrikam-linux",
        "",
    ));

    let calls: Vec<_> = (0..64)
        .map(|i| {
            let request = app
                .client
                .put(&url)
                .header("Authorization", BEARER)
                .header("If-Match", &etag)
                .json(&with_new_image(document.clone(), &format!("race.{i}")));
            tokio::spawn(async move { request.send().await.expect("answered").status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.expect("the task ends"));
    }

    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        63,
        "{statuses:?}"
    );
    // One image was added, by the one that won.
    let (after, _) = read(&app, "fabrikam", "fabrikam-linux").await;
    let images = after["definition"]["plans"][0]["microsoft-azure-corevm.vmImagesPublicAzure"]
        .as_object()
        .expect("images");
    assert_eq!(images.keys().filter(|k| k.starts_with("race.")).count(), 1);
}

#[tokio::test]
async fn the_2018_profile_answers_a_created_offer_201_and_a_replaced_one_200() {
    let app = crate::helpers::spawn_app_with(cloudpartner_mock::Config {
        service_profile: cloudpartner_mock::ServiceProfile::Documented2018,
        ..crate::helpers::test_config()
    })
    .await;
    let document = json!({
        "publisherId": "contoso", "id": "brand-new", "offerTypeId": "microsoft-azure-corevm",
        "definition": { "displayText": "Brand New", "offer": {}, "plans": [] }
    });

    let created = app.put_offer("contoso", "brand-new", &document, None).await;
    let replaced = app.put_offer("contoso", "brand-new", &document, None).await;

    assert_eq!(
        (created.status().as_u16(), replaced.status().as_u16()),
        (201, 200)
    );
}
