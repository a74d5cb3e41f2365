//! The OpenAPI document: generated from the code, checked in, served.

use reqwest::Method;

use crate::helpers::{json, spawn_app};

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
    assert_eq!(paths.len(), 25);
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
