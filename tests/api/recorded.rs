//! The recorded answers of the live service (tests/recorded/): each recorded request replayed
//! against the mock, its answer compared with the recording's status, headers and body shape.

use std::path::{Path, PathBuf};

use cloudpartner_mock::AuthMode;
use reqwest::Method;
use serde_json::{Map, Value};

use crate::helpers::{TestApp, spawn_app_with, test_config};

fn recordings() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recorded");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/recorded exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            let value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            (path, value)
        })
        .collect()
}

/// Where `actual` differs from `pattern` (tests/recorded/README.md), each with its JSON path.
fn differences(pattern: &Value, actual: Option<&Value>, at: &str, out: &mut Vec<String>) {
    let mut differ = |what: String| out.push(format!("{at}: {what}"));
    if let Some(text) = pattern.as_str() {
        if text == "<absent>" {
            if let Some(actual) = actual {
                differ(format!("should be absent, is {actual}"));
            }
            return;
        }
        let Some(actual) = actual else {
            return differ(format!("missing (wanted {text})"));
        };
        if let Some(error) = string_pattern(text, actual) {
            differ(error);
        }
        return;
    }
    let Some(actual) = actual else {
        return differ(format!("missing (wanted {pattern})"));
    };
    match (pattern, actual) {
        (Value::Object(wanted), Value::Object(got)) => {
            for (key, value) in wanted {
                differences(value, got.get(key), &format!("{at}.{key}"), out);
            }
        }
        (Value::Array(wanted), Value::Array(got)) => {
            if let Some(each) = wanted.first() {
                for (i, item) in got.iter().enumerate() {
                    differences(each, Some(item), &format!("{at}[{i}]"), out);
                }
            }
        }
        (Value::Object(_) | Value::Array(_), other) => {
            differ(format!("wanted {}, got {other}", type_name(pattern)));
        }
        (wanted, got) if wanted == got => {}
        (wanted, got) => differ(format!("wanted {wanted}, got {got}")),
    }
}

/// Why `actual` does not match the string pattern `text`, if it does not.
fn string_pattern(text: &str, actual: &Value) -> Option<String> {
    let type_pattern = text
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .filter(|t| !t.contains(':'));
    if let Some(wanted) = type_pattern {
        let ok = match wanted {
            "any" => true,
            "integer" => actual.is_i64() || actual.is_u64(),
            other => type_name(actual) == other,
        };
        return (!ok).then(|| format!("wanted a {wanted}, got {actual}"));
    }
    let inner = text.strip_prefix('<').and_then(|t| t.strip_suffix('>'));
    let Some(got) = actual.as_str() else {
        return Some(format!("wanted a string ({text}), got {actual}"));
    };
    let ok = match inner.and_then(|t| t.split_once(':')) {
        Some(("one-of", values)) => values.split('|').any(|v| v == got),
        Some(("prefix", start)) => got.starts_with(start),
        Some(("re", pattern)) => regex::Regex::new(&format!("^(?:{pattern})$"))
            .unwrap_or_else(|e| panic!("{pattern}: not a regular expression: {e}"))
            .is_match(got),
        _ => got == text,
    };
    (!ok).then(|| format!("wanted {text}, got {got:?}"))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Replays one recording on `app`: what differs from what was recorded.
async fn replay(app: &TestApp, recording: &Value) -> Vec<String> {
    let request = &recording["replay"];
    // A failure of the service itself is replayed by a fault rule installed first.
    for rule in request["faults"].as_array().into_iter().flatten() {
        let added = app
            .client
            .post(app.url("/_mock/faults"))
            .json(rule)
            .send()
            .await
            .expect("the control plane answers");
        assert_eq!(added.status(), 201, "the fault rule {rule} is taken");
    }
    let method = Method::from_bytes(request["method"].as_str().expect("a method").as_bytes())
        .expect("a method");
    let path = request["path"].as_str().expect("a path");
    let mut builder = app.client.request(method, app.url(path));
    if let Some(token) = request["token"].as_str() {
        builder = builder.header("Authorization", format!("Bearer {token}"));
    }
    if let Some(body) = request.get("body") {
        builder = builder.json(body);
    }
    let response = builder.send().await.expect("the mock answers");
    let expect = &recording["expect"];
    let mut out = Vec::new();
    let status = response.status().as_u16();
    if Some(u64::from(status)) != expect["status"].as_u64() {
        out.push(format!("status: wanted {}, got {status}", expect["status"]));
    }
    let empty = Map::new();
    for (name, pattern) in expect["headers"].as_object().unwrap_or(&empty) {
        let value = response
            .headers()
            .get(name.as_str())
            .map(|v| Value::from(v.to_str().unwrap_or_default()));
        differences(pattern, value.as_ref(), &format!("header {name}"), &mut out);
    }
    let text = response.text().await.expect("a body");
    if let Some(pattern) = expect.get("body") {
        match serde_json::from_str::<Value>(&text) {
            Ok(body) => differences(pattern, Some(&body), "body", &mut out),
            Err(e) => out.push(format!("body: not JSON ({e}): {text}")),
        }
    }
    out
}

#[tokio::test]
async fn every_recorded_answer_is_what_the_mock_answers() {
    let recordings = recordings();
    assert!(recordings.len() >= 6, "the recorded set is there");
    let any = spawn_app_with(test_config()).await;
    let strict = spawn_app_with(cloudpartner_mock::Config {
        auth: AuthMode::Strict,
        ..test_config()
    })
    .await;
    let mut failures = Vec::new();
    for (path, recording) in &recordings {
        let provenance = &recording["recorded"];
        for key in ["source", "where", "date", "shows"] {
            assert!(
                provenance[key].as_str().is_some_and(|v| !v.is_empty()),
                "{}: recorded.{key} is missing",
                path.display()
            );
        }
        let app = match recording["replay"]["auth"].as_str() {
            Some("strict") => &strict,
            None | Some("any") => &any,
            Some(other) => panic!("{}: unknown auth mode {other}", path.display()),
        };
        for difference in replay(app, recording).await {
            failures.push(format!("{}: {difference}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shape_comparison_catches_what_differs() {
    let pattern = serde_json::json!({
        "status": "waitingForPublisherReview",
        "version": "<integer>",
        "gone": "<absent>",
        "kind": "<one-of:a|b>",
        "message": "<prefix:User does not>",
        "etag": "<re:W/\".*\">",
        "items": [{ "id": "<string>" }],
    });
    let good = serde_json::json!({
        "status": "waitingForPublisherReview", "version": 3, "kind": "b",
        "message": "User does not have it", "etag": "W/\"x\"", "items": [{"id": "a"}], "more": 1
    });
    let mut out = Vec::new();
    differences(&pattern, Some(&good), "body", &mut out);
    assert!(out.is_empty(), "{out:?}");

    let bad = serde_json::json!({
        "status": "running", "version": "3", "gone": 1, "kind": "c",
        "message": "Nope", "etag": "x", "items": [{"id": 1}]
    });
    differences(&pattern, Some(&bad), "body", &mut out);
    assert_eq!(out.len(), 7, "{out:#?}");
}
