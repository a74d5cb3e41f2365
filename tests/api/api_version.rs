//! The `api-version` query parameter (docs/behaviour.md#url-and-api-version).

use reqwest::Method;

use crate::helpers::{API_VERSION, cpp_error, spawn_app};

const GOLIVE: &str = "/api/publishers/contoso/offers/ready-to-go-live/golive";

#[tokio::test]
async fn a_missing_api_version_returns_400_naming_the_parameter_and_the_value() {
    let app = spawn_app().await;

    let (status, code, message) = cpp_error(app.send(Method::POST, GOLIVE).await).await;

    assert_eq!((status, code.as_str()), (400, "InvalidAPIVersion"));
    assert!(message.contains("'api-version'"), "{message}");
    assert!(
        message.contains("Allowed values are [2017-10-31]"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unsupported_api_version_returns_400_quoting_it() {
    let app = spawn_app().await;

    for value in ["2016-08-01-preview", "2017-10-30", "", "2017-10-31x"] {
        let response = app
            .send(Method::POST, &format!("{GOLIVE}?api-version={value}"))
            .await;

        let (status, code, message) = cpp_error(response).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "InvalidAPIVersion"),
            "{value}"
        );
        assert!(message.contains(&format!("'{value}'")), "{message}");
        assert!(message.contains("2017-10-31"), "{message}");
    }
}

#[tokio::test]
async fn two_different_api_versions_are_refused() {
    let app = spawn_app().await;

    let response = app
        .send(
            Method::POST,
            &format!("{GOLIVE}?{API_VERSION}&api-version=2016-08-01-preview"),
        )
        .await;

    let (status, code, message) = cpp_error(response).await;
    assert_eq!((status, code.as_str()), (400, "InvalidAPIVersion"));
    // The message quotes the value that is wrong, not the right one given beside it.
    assert!(message.contains("'2016-08-01-preview'"), "{message}");
    assert!(!message.contains("'2017-10-31'"), "{message}");
}

#[tokio::test]
async fn the_parameter_name_is_matched_ignoring_case_and_may_come_anywhere() {
    let app = spawn_app().await;

    let response = app
        .send(
            Method::POST,
            &format!("{GOLIVE}?foo=bar&API-Version=2017-10-31"),
        )
        .await;

    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn a_bad_api_version_is_reported_before_an_unknown_offer() {
    let app = spawn_app().await;

    let response = app
        .send(
            Method::POST,
            "/api/publishers/contoso/offers/no-such-offer/golive",
        )
        .await;

    assert_eq!(cpp_error(response).await.1, "InvalidAPIVersion");
}
