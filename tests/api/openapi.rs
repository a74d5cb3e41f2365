//! The OpenAPI document: generated from the code, checked in, served.

use reqwest::Method;

use crate::helpers::{concrete_path, json, spawn_app};

const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// Fails when `openapi.json` differs from what the code generates; `UPDATE_OPENAPI=1 cargo
/// test` rewrites it.
#[test]
fn the_checked_in_openapi_json_is_what_the_code_generates() {
    let generated = cloudpartner_mock::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(CHECKED_IN, &generated).expect("openapi.json written");
    }
    let checked_in = std::fs::read_to_string(CHECKED_IN).unwrap_or_default();

    assert!(
        checked_in == generated,
        "openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
}

#[tokio::test]
async fn the_document_is_served_and_names_every_route() {
    let app = spawn_app().await;

    let response = app.control(Method::GET, "/_mock/openapi.json", None).await;

    assert_eq!(response.status(), 200);
    let document = json(response).await;
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3."))
    );
    let paths = document["paths"].as_object().expect("paths");
    for path in [
        "/api/publishers",
        "/api/publishers/{publisherId}/offers/{offerId}",
        "/api/publishers/{publisherId}/offers/{offerId}/golive",
        "/api/publishers/{publisherId}/offers/{offerId}/operations/{operationId}",
        "/api/operations/{operationKey}",
        "/_mock/faults",
        "/_mock/operations/{id}/fail",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}

/// Every `$ref` in the document names a component that is there: a dangling one makes
/// schema-driven tools refuse the operations that use it.
#[test]
fn every_reference_in_the_document_resolves() {
    let document: serde_json::Value =
        serde_json::from_str(&cloudpartner_mock::openapi_json()).expect("the document is JSON");
    let mut references = Vec::new();
    collect_references(&document, &mut references);

    assert!(!references.is_empty());
    for reference in references {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{reference} is not a local reference"));
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
}

fn collect_references(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(reference)) = map.get("$ref") {
                into.push(reference.clone());
            }
            map.values().for_each(|v| collect_references(v, into));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
        _ => {}
    }
}

/// The router and the document are one table: every documented method and path is routed
/// (a no-route 404 or a 405 would mean the document names a route the server lacks).
#[tokio::test]
async fn every_documented_route_is_answered() {
    let app = spawn_app().await;
    let document: serde_json::Value =
        serde_json::from_str(&cloudpartner_mock::openapi_json()).expect("the document is JSON");

    for (template, operations) in document["paths"].as_object().expect("paths") {
        let path = concrete_path(template, "contoso", "ready-to-go-live");
        for method in operations.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let response = app
                .send(method.clone(), &format!("{path}?api-version=2017-10-31"))
                .await;

            let status = response.status();
            // An event stream never ends: its 200 says enough.
            if crate::helpers::header(&response, "content-type").starts_with("text/event-stream") {
                assert_eq!(status, 200, "{method} {template}");
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            assert_ne!(status, 405, "{method} {template}: {body}");
            assert!(
                !body.contains("No resource matches"),
                "{method} {template} is not routed: {body}"
            );
        }
    }
}

/// The statuses the document lists are the ones the server takes: each listed one gets past
/// the check (to the 404 of an unknown operation or offer), one not listed is refused with
/// 400.
#[tokio::test]
async fn the_control_enums_of_the_document_are_what_the_server_checks() {
    let app = spawn_app().await;
    let document: serde_json::Value =
        serde_json::from_str(&cloudpartner_mock::openapi_json()).expect("the document is JSON");
    let schemas = &document["components"]["schemas"];
    let listed = |schema: &str, field: &str| -> Vec<String> {
        schemas[schema]["properties"][field]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.{field} lists its values"))
            .iter()
            .map(|v| v.as_str().expect("a string").to_owned())
            .collect()
    };
    let unknown_operation = "00000000-0000-0000-0000-000000000001";
    let wait = |body: serde_json::Value| app.control(Method::POST, "/_mock/wait", Some(body));
    for status in listed("OperationCondition", "status")
        .iter()
        .chain(["done".to_owned()].iter())
    {
        let answer =
            wait(serde_json::json!({"operation": {"id": unknown_operation, "status": status}}))
                .await;
        let expected = if status == "done" { 400 } else { 404 };
        assert_eq!(answer.status(), expected, "operation status {status}");
    }
    for status in listed("OfferCondition", "status")
        .iter()
        .chain(["live".to_owned()].iter())
    {
        let answer = wait(serde_json::json!({"offer": {"publisher": "contoso", "offer": "nope", "status": status}})).await;
        let expected = if status == "live" { 400 } else { 404 };
        assert_eq!(answer.status(), expected, "offer status {status}");
    }
    assert_eq!(schemas["Wait"]["oneOf"].as_array().map(Vec::len), Some(3));
    assert_eq!(listed("Fail", "step").len(), 6, "every step of every plan");
}
