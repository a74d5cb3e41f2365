//! Bearer tokens (docs/behaviour.md#authorization): 401 without one, strict mode's token list and its 403,
//! and the order of checks (docs/behaviour.md#order-of-checks).

use reqwest::Method;

use crate::helpers::{
    API_VERSION, concrete_path, cpp_error, golive_path, header, json, spawn_app, spawn_strict_app,
};

const FABRIKAM_OFFER: &str =
    "/api/publishers/fabrikam/offers/fabrikam-linux?api-version=2017-10-31";

#[tokio::test]
async fn golive_without_a_bearer_token_returns_401_with_a_challenge() {
    let app = spawn_app().await;
    let path = golive_path("contoso", "ready-to-go-live");

    for authorization in [
        None,
        Some(""),
        Some("Bearer"),
        Some("Bearer   "),
        Some("Basic dXNlcjpwYXNz"),
    ] {
        let response = app.send_as(Method::POST, &path, authorization, None).await;

        assert_eq!(response.status(), 401, "Authorization: {authorization:?}");
        assert_eq!(header(&response, "www-authenticate"), "Bearer");
        let body = json(response).await;
        // Both shapes: ASP.NET's `Message` and the CPP error (docs/behaviour.md#authorization).
        assert_eq!(
            body["Message"],
            "Authorization has been denied for this request."
        );
        assert_eq!(body["error"]["code"], "Unauthorized");
        assert_eq!(
            body["error"]["message"],
            "Authorization has been denied for this request."
        );
    }
}

#[tokio::test]
async fn any_bearer_token_is_accepted_by_default() {
    let app = spawn_app().await;

    let response = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "ready-to-go-live"),
            Some("bearer some-token-nobody-listed"),
            None,
        )
        .await;

    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn a_refused_call_starts_nothing() {
    let app = spawn_app().await;
    let path = golive_path("contoso", "ready-to-go-live");

    assert_eq!(
        app.send_as(Method::POST, &path, None, None).await.status(),
        401
    );

    assert_eq!(
        app.go_live("contoso", "ready-to-go-live").await.status(),
        202
    );
}

#[tokio::test]
async fn strict_mode_refuses_a_token_the_fixtures_do_not_list_with_401() {
    let app = spawn_strict_app().await;

    let response = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "ready-to-go-live"),
            Some("Bearer not-listed"),
            None,
        )
        .await;

    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "www-authenticate"),
        "Bearer error=\"invalid_token\""
    );
}

#[tokio::test]
async fn strict_mode_accepts_a_listed_token_on_its_publishers_only() {
    let app = spawn_strict_app().await;
    let contoso = Some("Bearer contoso-token");

    let own = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "ready-to-go-live"),
            contoso,
            None,
        )
        .await;
    let other = app
        .send_as(Method::GET, FABRIKAM_OFFER, contoso, None)
        .await;
    let admin = app
        .send_as(
            Method::GET,
            FABRIKAM_OFFER,
            Some("Bearer admin-token"),
            None,
        )
        .await;

    assert_eq!(own.status(), 202);
    let (status, code, message) = cpp_error(other).await;
    assert_eq!((status, code.as_str()), (403, "Forbidden"));
    assert!(message.contains("'fabrikam'"), "{message}");
    assert_eq!(admin.status(), 200);
}

#[tokio::test]
async fn strict_mode_answers_403_before_404_and_on_operation_reads_too() {
    let app = spawn_strict_app().await;
    let fabrikam = Some("Bearer fabrikam-token");

    let unknown_offer = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "no-such-offer"),
            fabrikam,
            None,
        )
        .await;
    let operation = app
        .send_as(
            Method::GET,
            "/api/publishers/contoso/offers/ready-to-go-live/operations/00000000-0000-4000-8000-000000000000?api-version=2017-10-31",
            fabrikam,
            None,
        )
        .await;

    assert_eq!(cpp_error(unknown_offer).await.0, 403);
    assert_eq!(cpp_error(operation).await.0, 403);
}

#[tokio::test]
async fn a_missing_token_is_reported_before_a_bad_api_version() {
    let app = spawn_strict_app().await;

    let response = app
        .send_as(
            Method::POST,
            "/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=1999-01-01",
            None,
            None,
        )
        .await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_bad_api_version_is_reported_before_a_forbidden_publisher() {
    let app = spawn_strict_app().await;

    let response = app
        .send_as(
            Method::POST,
            "/api/publishers/fabrikam/offers/fabrikam-linux/golive?api-version=1999-01-01",
            Some("Bearer contoso-token"),
            None,
        )
        .await;

    assert_eq!(cpp_error(response).await.1, "InvalidAPIVersion");
}

/// Every CPP route in the OpenAPI document runs the checks before anything else: no token is
/// 401, then a missing api-version is 400 — so a route whose handler forgot them shows here.
#[tokio::test]
async fn every_cpp_route_checks_the_token_then_the_api_version() {
    let app = spawn_app().await;
    let document: serde_json::Value =
        serde_json::from_str(&cloudpartner_mock::openapi_json()).expect("the document is JSON");
    let mut checked = Vec::new();

    for (template, operations) in document["paths"].as_object().expect("paths") {
        if !template.starts_with("/api/") {
            continue;
        }
        let path = concrete_path(template, "contoso", "ready-to-go-live");
        for method in operations.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let without_token = app
                .send_as(
                    method.clone(),
                    &format!("{path}?api-version=2017-10-31"),
                    None,
                    None,
                )
                .await;
            let without_version = app
                .send_as(method.clone(), &path, Some("Bearer t"), None)
                .await;

            assert_eq!(without_token.status(), 401, "{method} {path}");
            assert_eq!(without_version.status(), 400, "{method} {path}");
            assert_eq!(
                cpp_error(without_version).await.1,
                "InvalidAPIVersion",
                "{method} {path}"
            );
            checked.push(format!("{method} {template}"));
        }
    }
    // The document is the router's own table (see openapi.rs): the walk covers every route.
    for route in [
        "POST /api/publishers/{publisherId}/offers/{offerId}/golive",
        "GET /api/operations/{operationKey}",
        "GET /api/offerTypes",
    ] {
        assert!(checked.iter().any(|c| c == route), "{route} not walked");
    }
}

#[tokio::test]
async fn strict_mode_grants_match_the_publisher_ignoring_case() {
    let app = spawn_strict_app().await;
    let contoso = Some("Bearer contoso-token");

    let upper = app
        .send_as(
            Method::GET,
            &format!("/api/publishers/CONTOSO/offers/ready-to-go-live?{API_VERSION}"),
            contoso,
            None,
        )
        .await;
    let other = app
        .send_as(
            Method::GET,
            &format!("/api/publishers/FabriKam/offers/ready-to-go-live?{API_VERSION}"),
            contoso,
            None,
        )
        .await;

    assert_eq!(upper.status(), 200);
    assert_eq!(other.status(), 403);
}
