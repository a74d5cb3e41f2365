//! Hostile and careless input (docs/reliability.md#hostile-input): every request gets an HTTP
//! answer, the journal keeps no credential, refused requests make no world, what was
//! acknowledged reads back after a restart, and no client grows memory without a bound.

use std::io::{Read, Write};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{BEARER, contoso_token_request, spawn_app};

/// `request` (the request line and headers, raw bytes) sent over a plain socket with
/// `Connection: close`; the whole answer, or an empty one when the connection closed without
/// a status line.
fn raw_exchange(base_url: &str, request_line: &[u8], headers: &str) -> String {
    let host = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connects");
    let mut bytes = request_line.to_vec();
    bytes.extend_from_slice(
        format!("\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n").as_bytes(),
    );
    stream.write_all(&bytes).expect("writes");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_world_prefix_without_a_name_or_with_a_name_that_is_not_utf8_is_a_400_invalid_world() {
    let app = spawn_app().await;
    let base = app.base_url.clone();

    let answers = tokio::task::spawn_blocking(move || {
        [
            &b"GET /_world/ HTTP/1.1"[..],
            b"GET /_world/?a=1 HTTP/1.1",
            b"GET /_world HTTP/1.1",
            b"GET /_world/%FF/_mock/health HTTP/1.1",
            b"GET /_world/\xc3\xa9 HTTP/1.1",
            b"GET /_world/%C3%A9/api/publishers?api-version=2017-10-31 HTTP/1.1",
        ]
        .map(|line| {
            (
                String::from_utf8_lossy(line).into_owned(),
                raw_exchange(&base, line, &format!("Authorization: {BEARER}\r\n")),
            )
        })
    })
    .await
    .expect("the client thread");

    for (line, answer) in answers {
        let status = answer.split(' ').nth(1).unwrap_or("no answer");
        if line.starts_with("GET /_world HTTP") {
            // No prefix at all: an unknown route.
            assert_eq!(status, "404", "{line}: {answer}");
            continue;
        }
        assert_eq!(status, "400", "{line}: {answer}");
        assert!(answer.contains("\"InvalidWorld\""), "{line}: {answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("x-mock-reason: world.invalid-name"),
            "{line}: {answer}"
        );
    }
}

#[tokio::test]
async fn a_world_prefix_with_a_name_and_nothing_after_it_reaches_the_world() {
    let app = spawn_app().await;

    let response = app.get_url(&app.url("/_world/w1")).await;

    // `/` in world w1: no such route, answered by the world's own routes.
    assert_eq!(response.status(), 404);
    assert_eq!(
        crate::helpers::header(&response, "x-mock-reason"),
        "route.unknown"
    );
}

#[tokio::test]
async fn the_journal_keeps_no_credential_of_any_header() {
    let app = spawn_app().await;

    let response = app
        .authed(
            Method::GET,
            "/api/publishers/contoso/offers?api-version=2017-10-31",
        )
        .header("Proxy-Authorization", "Basic dXNlcjpzM2NyZXQ=")
        .header("Cookie", "session=s3cret-cookie")
        .header("X-Api-Key", "s3cret-key")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);

    let journal = app.control(Method::GET, "/_mock/journal", None).await;
    let text = journal.text().await.expect("a body");
    for secret in [
        "dXNlcjpzM2NyZXQ=",
        "s3cret-cookie",
        "s3cret-key",
        "test-token",
    ] {
        assert!(!text.contains(secret), "{secret} kept: {text}");
    }
    let journal: Value = serde_json::from_str(&text).expect("JSON");
    let headers = &journal["requests"][0]["headers"];
    let kept = |name: &str| {
        headers
            .as_array()
            .into_iter()
            .flatten()
            .find(|pair| pair[0] == name)
            .map(|pair| pair[1].clone())
    };
    assert_eq!(kept("proxy-authorization"), Some(json!("Basic [redacted]")));
    assert_eq!(kept("cookie"), Some(json!("[redacted]")));
    assert_eq!(kept("authorization"), Some(json!("Bearer [redacted]")));
}

#[tokio::test]
async fn a_sign_in_whose_tenant_is_api_is_not_journaled_and_no_form_secret_is_kept() {
    let app = spawn_app().await;

    let signed_in = contoso_token_request(&app, "api").await;
    // Sent to the CPP host: an /api path the journal keeps, with a sign-in's form.
    let misdirected = app
        .client
        .post(app.url("/api/oauth2/token?api-version=2017-10-31"))
        .header("Authorization", BEARER)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-1111-1111-1111-111111111111"),
            ("client_secret", "contoso-secret"),
            ("client_assertion", "eyJhbGciOi.secret.assertion"),
        ])
        .send()
        .await
        .expect("answered");

    assert_eq!(signed_in.status(), 200);
    assert_eq!(misdirected.status(), 404);
    let journal = app.control(Method::GET, "/_mock/journal", None).await;
    let text = journal.text().await.expect("a body");
    assert!(!text.contains("contoso-secret"), "{text}");
    assert!(!text.contains("secret.assertion"), "{text}");
    let journal: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(journal["count"], 1, "only the misdirected one: {journal}");
    let body = journal["requests"][0]["body"].as_str().unwrap_or_default();
    assert!(body.contains("client_secret=%5Bredacted%5D"), "{journal}");
    assert!(body.contains("client_id=11111111"), "{journal}");
}
