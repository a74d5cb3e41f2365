//! Publisher access in strict auth mode, walked over every CPP route the server documents (the
//! document is built from the router's own table, so a route cannot be left out): a token not
//! granted the publisher gets `403`, however the route names the publisher.

use cloudpartner_mock::{AuthMode, Config};
use reqwest::Method;

use crate::helpers::{API_VERSION, cpp_error, header, json, spawn_app_with, test_config};

/// Routes that name no publisher: they filter what they list by the token instead.
const NO_PUBLISHER: [&str; 2] = ["/api/publishers", "/api/offerTypes"];

/// A concrete path for a documented CPP path, every parameter naming contoso's data.
fn concrete(template: &str) -> String {
    template
        .replace("{publisherId}", "contoso")
        .replace("{offerId}", "legacy-offer")
        .replace("{operationKey}", "contoso$legacy-offer$1$production")
        .replace("{operationId}", "6b1a4e5e-3f3e-4c1e-9d8e-0a1b2c3d4e5f")
        .replace("{version}", "1")
        .replace("{slotId}", "preview")
}

/// `(method, path)` of every CPP operation in the served document.
async fn documented_cpp_routes(app: &crate::helpers::TestApp) -> Vec<(Method, String)> {
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

#[tokio::test]
async fn a_token_not_granted_the_publisher_gets_403_on_every_cpp_route() {
    let app = spawn_app_with(Config {
        auth: AuthMode::Strict,
        ..test_config()
    })
    .await;
    // contoso's legacy offer has a go-live operation, so its `$` key names a real one.
    let started = app
        .send_as(
            Method::POST,
            &format!("/api/publishers/contoso/offers/legacy-offer/golive?{API_VERSION}"),
            Some("Bearer contoso-token"),
            None,
        )
        .await;
    assert_eq!(started.status(), 202);
    assert_eq!(
        header(&started, "location"),
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
        let path = format!("{}?{API_VERSION}", concrete(template));
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
    let app = spawn_app_with(Config {
        auth: AuthMode::Strict,
        ..test_config()
    })
    .await;

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
async fn the_publisher_token_still_reads_its_own_operation_by_key() {
    let app = spawn_app_with(Config {
        auth: AuthMode::Strict,
        ..test_config()
    })
    .await;
    let started = app
        .send_as(
            Method::POST,
            &format!("/api/publishers/contoso/offers/legacy-offer/golive?{API_VERSION}"),
            Some("Bearer contoso-token"),
            None,
        )
        .await;
    let location = header(&started, "location");

    let response = app
        .send_as(Method::GET, &location, Some("Bearer contoso-token"), None)
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["submissionType"], "goLive");
}
