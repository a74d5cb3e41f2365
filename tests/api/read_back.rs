//! What the server acknowledged reads back: a body nesting deeper than `MAX_JSON_DEPTH` (64)
//! is refused on every route, and any offer document answered `2xx` is served byte for byte
//! the same after a restart on its state file, any other refused as too deep (a property test
//! over generated documents, some nesting twice as deep as a body may).

use std::path::Path;

use cloudpartner_mock::Config;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{TestApp, header, spawn_app, spawn_app_with, test_config};

/// The deepest nesting a body may have.
const MAX_DEPTH: usize = 64;

fn with_state(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_owned()),
        ..test_config()
    }
}

/// `value` inside `levels` arrays.
fn nested(levels: usize, value: Value) -> Value {
    (0..levels).fold(value, |inner, _| json!([inner]))
}

/// An offer document for `contoso/{id}` whose definition holds `content` (the document is one
/// level, its definition a second).
fn offer(id: &str, content: Value) -> Value {
    json!({"publisherId": "contoso", "id": id, "offerTypeId": "t",
           "definition": {"displayText": id, "content": content}})
}

/// xorshift64*: repeatable cases from a seed, without a dependency.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn text(&mut self) -> String {
        const PIECES: [&str; 14] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\u{0}", "\u{1f}", "é", "€", "😀",
            "\u{2028}",
        ];
        (0..self.below(12))
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect()
    }

    /// A JSON value at most `levels` arrays and objects deep.
    fn value(&mut self, levels: usize) -> Value {
        let kinds = if levels == 0 { 6 } else { 9 };
        match self.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 1),
            2 => json!(self.next() as i64),
            3 => json!(self.next()),
            4 => {
                let float = f64::from_bits(self.next());
                if float.is_finite() {
                    json!(float)
                } else {
                    json!(self.below(1000) as f64 / 7.0)
                }
            }
            5 => Value::String(self.text()),
            6 => Value::Array((0..self.below(4)).map(|_| self.value(levels - 1)).collect()),
            7 => {
                let mut fields = Map::new();
                for _ in 0..self.below(4) {
                    let key = self.text();
                    let value = self.value(levels - 1);
                    fields.insert(key, value);
                }
                Value::Object(fields)
            }
            // A chain as deep as the body may go.
            _ => nested(levels, Value::String(self.text())),
        }
    }
}

/// The bytes `GET` serves for `contoso/{id}`, with its ETag.
async fn served(app: &TestApp, id: &str) -> (u16, String, Vec<u8>) {
    let response = app.get_offer("contoso", id, "").await;
    let status = response.status().as_u16();
    let etag = header(&response, "etag");
    (
        status,
        etag,
        response.bytes().await.expect("a body").to_vec(),
    )
}

#[tokio::test]
async fn a_body_nesting_deeper_than_64_levels_is_refused_on_every_route_that_keeps_one() {
    let app = spawn_app().await;
    let too_deep = nested(MAX_DEPTH + 1, json!(1));
    let cases: [(Method, &str, Value); 5] = [
        (
            Method::PUT,
            "/api/publishers/contoso/offers/deep?api-version=2017-10-31",
            offer("deep", nested(MAX_DEPTH - 1, json!(1))),
        ),
        (
            Method::POST,
            "/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31",
            json!({"metadata": too_deep.clone()}),
        ),
        (Method::PUT, "/_mock/fixtures", too_deep.clone()),
        (
            Method::POST,
            "/_mock/faults",
            json!({"respond": {"status": 503}, "match": too_deep.clone()}),
        ),
        (Method::PUT, "/_mock/worlds/deep", too_deep),
    ];

    for (method, path, body) in cases {
        let response = app
            .authed(method.clone(), path)
            .json(&body)
            .send()
            .await
            .expect("answered");

        assert_eq!(response.status(), 400, "{method} {path}");
        assert_eq!(
            header(&response, "x-mock-reason"),
            "body.too-deep",
            "{path}"
        );
        let error: Value = response.json().await.expect("JSON");
        assert_eq!(error["error"]["code"], "BadRequest", "{path}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("64 levels")),
            "{error}"
        );
    }
    assert_eq!(served(&app, "deep").await.0, 404, "nothing was kept");
    assert_eq!(
        app.control(Method::GET, "/_mock/worlds", None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn any_offer_document_answered_2xx_is_served_the_same_after_a_restart() {
    let seed = std::env::var("CPPMOCK_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_CAFE_F00D_u64);
    let mut cases = Cases(seed | 1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = dir.path().join("state.json");
    let app = spawn_app_with(with_state(&state)).await;
    let mut kept = Vec::new();

    // The deepest document a body may carry, then generated ones; a compaction halfway, so
    // that both the snapshot and the log are read back.
    let mut documents = vec![(
        "deepest".to_owned(),
        offer("deepest", nested(MAX_DEPTH - 2, json!("bottom"))),
    )];
    for n in 0..80 {
        let id = format!("generated-{n}");
        // Up to twice as deep as a body may go: those must be refused, or read back.
        let levels = cases.below(2 * MAX_DEPTH as u64) as usize;
        let content = cases.value(levels);
        documents.push((id.clone(), offer(&id, content)));
    }
    for (n, (id, document)) in documents.iter().enumerate() {
        let response = app.put_offer("contoso", id, document, None).await;
        if response.status().is_success() {
            kept.push((id.clone(), served(&app, id).await));
        } else {
            assert_eq!(response.status(), 400, "{id} (seed {seed:#x}): {document}");
            assert_eq!(header(&response, "x-mock-reason"), "body.too-deep", "{id}");
        }
        if n == documents.len() / 2 {
            assert!(app.server.control().compact_state_file().is_ok());
        }
    }
    assert!(kept.len() > 20, "most documents are kept: {}", kept.len());
    assert!(kept.len() < documents.len(), "some are too deep");
    app.server.shutdown().await;

    let again = spawn_app_with(with_state(&state)).await;

    for (id, before) in kept {
        let after = served(&again, &id).await;
        assert_eq!(before.0, 200, "{id}");
        assert_eq!(after.0, before.0, "{id} (seed {seed:#x})");
        assert_eq!(after.1, before.1, "{id}'s ETag (seed {seed:#x})");
        assert!(
            after.2 == before.2,
            "{id} (seed {seed:#x}):\n before {}\n after  {}",
            String::from_utf8_lossy(&before.2),
            String::from_utf8_lossy(&after.2)
        );
    }
}

#[tokio::test]
async fn a_fixture_file_nesting_deeper_than_64_levels_stops_start_up_naming_the_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fixture = json!({"id": "deep", "offers": [
        {"id": "o", "offerTypeId": "t", "state": "draft", "definition": nested(MAX_DEPTH, json!(1))}
    ]});
    std::fs::write(dir.path().join("deep.json"), fixture.to_string()).expect("written");

    let started = cloudpartner_mock::MockServer::start(Config {
        fixtures: Some(dir.path().to_owned()),
        ..test_config()
    })
    .await;

    let Err(error) = started else {
        panic!("a fixture nesting 66 levels deep was taken");
    };
    let error = error.to_string();

    assert!(error.contains("deep.json"), "{error}");
    assert!(error.contains("64 levels"), "{error}");
}
