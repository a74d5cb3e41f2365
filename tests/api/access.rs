//! Publisher access in strict auth mode, walked over every CPP route the server documents (the
//! document is built from the router's own table, so a route cannot be left out): a token not
//! granted the publisher gets `403`, however the route names the publisher.

use reqwest::Method;

use crate::helpers::{
    API_VERSION, TestApp, concrete_path, cpp_error, header, json, spawn_strict_app,
};

/// Routes that name no publisher: they filter what they list by the token instead.
const NO_PUBLISHER: [&str; 2] = ["/api/publishers", "/api/offerTypes"];

/// `(method, path)` of every CPP operation in the served document.
async fn documented_cpp_routes(app: &TestApp) -> Vec<(Method, String)> {
    let document = json(app.control(Method::GET, "/_mock/openapi.json", None).await).await;
    let paths = document["paths"].as_object().expect("paths");
    let mut routes = Vec::new();
    for (path, item) in paths {
        if !path.starts_with("/api/") {
            continue;
        }
        for method in item.as_object().expect("a path item").keys() {
            let method =
                Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("an HTTP method");
            routes.push((method, path.clone()));
        }
    }
    routes
}

/// Goes live on contoso's non-migrated offer with contoso's token; returns the `Location`
/// (its `$` key names go-live number 1).
async fn go_live_on_the_legacy_offer(app: &TestApp) -> String {
    let started = app
        .send_as(
            Method::POST,
            &format!("/api/publishers/contoso/offers/legacy-offer/golive?{API_VERSION}"),
            Some("Bearer contoso-token"),
            None,
        )
        .await;
    assert_eq!(started.status(), 202);
    header(&started, "location")
}

#[tokio::test]
async fn a_token_not_granted_the_publisher_gets_403_on_every_cpp_route() {
    let app = spawn_strict_app().await;
    assert_eq!(
        go_live_on_the_legacy_offer(&app).await,
        format!("/api/operations/contoso$legacy-offer$1$production?{API_VERSION}")
    );

    let routes = documented_cpp_routes(&app).await;
    // Both plain routes and the aliases are walked.
    for expected in [
        "/api/operations/{operationKey}",
        "/api/publishers/{publisherId}/offers/{offerId}/operations",
        "/api/publishers/{publisherId}/offers/{offerId}/submissions/operations/{operationId}",
    ] {
        assert!(
            routes.iter().any(|(_, path)| path == expected),
            "{expected} is not documented"
        );
    }
    let mut walked = 0;
    for (method, template) in &routes {
        if NO_PUBLISHER.contains(&template.as_str()) {
            continue;
        }
        let path = format!(
            "{}?{API_VERSION}",
            concrete_path(template, "contoso", "legacy-offer")
        );
        let body = (method == Method::PUT).then_some(r#"{"id":"legacy-offer"}"#);

        let response = app
            .send_as(method.clone(), &path, Some("Bearer fabrikam-token"), body)
            .await;

        let (status, code, message) = cpp_error(response).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "Forbidden"),
            "{method} {template}: {message}"
        );
        assert!(
            message.contains("contoso"),
            "{method} {template}: {message}"
        );
        walked += 1;
    }
    assert!(walked >= 14, "only {walked} routes walked");
}

#[tokio::test]
async fn the_publisher_inside_an_operation_key_is_checked_even_when_the_key_is_malformed() {
    let app = spawn_strict_app().await;

    for key in [
        "contoso$legacy-offer$x$production",
        "contoso",
        "contoso%24a%241%24preview",
    ] {
        let response = app
            .send_as(
                Method::GET,
                &format!("/api/operations/{key}?{API_VERSION}"),
                Some("Bearer fabrikam-token"),
                None,
            )
            .await;

        let (status, code, _) = cpp_error(response).await;
        assert_eq!((status, code.as_str()), (403, "Forbidden"), "{key}");
    }
}

#[tokio::test]
async fn the_publishers_own_token_still_reads_its_operation_by_key() {
    let app = spawn_strict_app().await;
    let location = go_live_on_the_legacy_offer(&app).await;

    let response = app
        .send_as(Method::GET, &location, Some("Bearer contoso-token"), None)
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["submissionType"], "goLive");
}
