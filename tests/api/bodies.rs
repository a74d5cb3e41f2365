//! Request bodies as clients send them: a leading byte-order mark is taken on every route that
//! reads a body, the optional body of publish, go-live and cancel must be an object (or
//! nothing), and no error message shows a Rust type name.

use std::path::Path;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{API_VERSION, cpp_error, json, offer_path, spawn_app, spawn_app_at_scale};

const BOM: &str = "\u{feff}";

#[tokio::test]
async fn a_body_with_a_byte_order_mark_is_accepted_on_every_route_that_reads_one() {
    let app = spawn_app_at_scale(0.0).await;
    let document = json(app.get_offer("contoso", "draft-offer", "").await).await;
    let put = format!("{BOM}{document}");
    let notify = format!(r#"{BOM}{{"metadata": {{"notification-emails": "a@example.com"}}}}"#);

    let cases = [
        (
            Method::PUT,
            offer_path("contoso", "draft-offer", ""),
            put,
            200,
        ),
        (
            Method::POST,
            offer_path("contoso", "ready-to-go-live", "/golive"),
            notify.clone(),
            202,
        ),
        (
            Method::POST,
            offer_path("contoso", "draft-offer", "/publish"),
            notify.clone(),
            202,
        ),
        (
            Method::POST,
            offer_path("contoso", "draft-offer", "/cancel"),
            notify,
            202,
        ),
    ];
    for (method, path, body, expected) in cases {
        let response = app
            .send_as(
                method.clone(),
                &path,
                Some("Bearer contoso-token"),
                Some(&body),
            )
            .await;

        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, expected, "{method} {path}: {text}");
    }

    // The control plane too.
    let fault = format!(r#"{BOM}{{"match": {{"path": "/nothing"}}, "latencyMs": 1}}"#);
    let response = app
        .client
        .post(app.url("/_mock/faults"))
        .header("Content-Type", "application/json")
        .body(fault)
        .send()
        .await
        .expect("answered");
    assert_eq!(
        response.status(),
        201,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn a_publish_go_live_or_cancel_body_that_is_not_an_object_is_400() {
    let app = spawn_app().await;

    let before = json(
        app.get_offer("contoso", "ready-to-go-live", "/submissions")
            .await,
    )
    .await;

    for tail in ["/publish", "/golive", "/cancel"] {
        for body in ["[]", r#""x""#, "3", "true", r#"{"metadata": []}"#] {
            let response = app
                .post_offer("contoso", "ready-to-go-live", tail, Some(body))
                .await;

            let (status, code, message) = cpp_error(response).await;
            assert_eq!(
                (status, code.as_str()),
                (400, "BadRequest"),
                "{tail} {body}: {message}"
            );
            assert!(message.contains("object"), "{tail} {body}: {message}");
        }
    }
    // Nothing was started by any of them.
    let after = json(
        app.get_offer("contoso", "ready-to-go-live", "/submissions")
            .await,
    )
    .await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn null_and_an_empty_object_are_still_no_body() {
    let app = spawn_app().await;

    for body in ["null", "{}", r#"{"metadata": null}"#, r#"{"metadata": {}}"#] {
        let response = app
            .post_offer("contoso", "draft-offer", "/cancel", Some(body))
            .await;

        assert_eq!(response.status(), 202, "{body}");
    }
}

/// Every compound `struct` and `enum` name declared in `src/`: none may reach a client.
fn rust_type_names() -> Vec<String> {
    let mut names = vec![];
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source text");
            for keyword in ["struct ", "enum "] {
                for (i, _) in text.match_indices(keyword) {
                    let name: String = text[i + keyword.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    // Compound names only: single words (`Publisher`, `Offer`) are CPP's words too.
                    let capitals = name.chars().filter(char::is_ascii_uppercase).count();
                    // `ETag` is HTTP's word as well as ours.
                    if capitals >= 2
                        && name != "ETag"
                        && name.starts_with(|c: char| c.is_ascii_uppercase())
                    {
                        names.push(name);
                    }
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The Rust words serde puts into its messages, besides our own type names.
const RUST_WORDS: [&str; 14] = [
    "struct",
    "enum",
    "u8",
    "u16",
    "u32",
    "u64",
    "usize",
    "i32",
    "i64",
    "f32",
    "f64",
    "option",
    "sequence",
    "identifier",
];

fn rust_words_in(message: &str, names: &[String]) -> Vec<String> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| RUST_WORDS.contains(word) || names.iter().any(|n| n == word))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn no_error_message_of_the_fuzz_corpus_names_a_rust_type() {
    let names = rust_type_names();
    assert!(names.iter().any(|n| n == "FaultSpec"), "{names:?}");
    let app = spawn_app_at_scale(0.0).await;
    let mut messages = 0;

    for (name, bytes) in crate::fuzz_corpus::corpus("request") {
        let Some(response) = crate::fuzz_corpus::replay(&app, &bytes).await else {
            continue;
        };
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(
            rust_words_in(message, &names),
            Vec::<String>::new(),
            "{name}: {message}"
        );
        messages += usize::from(!message.is_empty());
    }
    for (name, bytes) in crate::fuzz_corpus::corpus("fixtures") {
        if let Err(error) = cloudpartner_mock::check_fixtures(&name, &bytes) {
            let message = error.to_string();
            assert_eq!(
                rust_words_in(&message, &names),
                Vec::<String>::new(),
                "{name}: {message}"
            );
            messages += 1;
        }
    }
    assert!(messages > 20, "only {messages} error messages read");
}

#[tokio::test]
async fn control_and_fixture_errors_speak_json_not_rust() {
    let names = rust_type_names();
    let app = spawn_app().await;

    for (path, body) in [
        ("/_mock/faults", json!("x")),
        (
            "/_mock/faults",
            json!({"match": {"path": "/x"}, "latencyMs": "x"}),
        ),
        ("/_mock/clock/advance", json!([])),
        ("/_mock/clock/advance", json!({"seconds": "x"})),
    ] {
        let response = app.control(Method::POST, path, Some(body.clone())).await;

        assert_eq!(response.status(), 400, "{path} {body}");
        let body = json(response).await;
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{body}");
        assert_eq!(
            rust_words_in(message, &names),
            Vec::<String>::new(),
            "{path}: {message}"
        );
    }
    let response = app
        .control(
            Method::PUT,
            "/_mock/fixtures",
            Some(json!([{"id": "p", "tokens": "x", "offers": []}])),
        )
        .await;
    assert_eq!(response.status(), 400);
    let message = json(response).await.to_string();
    assert_eq!(
        rust_words_in(&message, &names),
        Vec::<String>::new(),
        "{message}"
    );
    // The api-version is not part of a control call.
    assert!(!message.contains(API_VERSION));
}
