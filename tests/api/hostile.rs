//! Hostile and careless input (docs/reliability.md#hostile-input): every request gets an HTTP
//! answer, the journal keeps no credential, refused requests make no world, what was
//! acknowledged reads back after a restart, and no client grows memory without a bound.

use std::io::{Read, Write};

use reqwest::Method;
use serde_json::{Value, json};

use cloudpartner_mock::Config;

use crate::helpers::{
    BEARER, TestApp, contoso_token_request, header, json, spawn_app, spawn_app_with, test_config,
};

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
    let made = app.control(Method::PUT, "/_mock/worlds/w1", None).await;
    assert_eq!(made.status(), 201);

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

/// The named worlds `app` has, asked with the control token `ctl`.
async fn world_count(app: &TestApp, ctl: &str) -> u64 {
    let listing = app
        .client
        .get(app.url("/_mock/worlds"))
        .header("Authorization", format!("Bearer {ctl}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(listing.status(), 200);
    json(listing).await["count"].as_u64().expect("a count")
}

#[tokio::test]
async fn with_a_control_token_refused_requests_and_health_make_no_world() {
    let app = spawn_app_with(Config {
        control_token: Some("ctl".to_owned()),
        ..test_config()
    })
    .await;
    let golive = "/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31";

    let health = app
        .client
        .get(app.url("/_mock/health"))
        .header("X-Mock-World", "by-health")
        .send()
        .await
        .expect("answered");
    let reset = app
        .client
        .post(app.url("/_world/by-reset/_mock/reset"))
        .header("Authorization", "Bearer not-the-control-token")
        .send()
        .await
        .expect("answered");
    let unauthenticated = app
        .client
        .post(app.url(golive))
        .header("X-Mock-World", "by-api")
        .send()
        .await
        .expect("answered");
    let authenticated = app
        .authed(Method::POST, &format!("/_world/by-api{golive}"))
        .send()
        .await
        .expect("answered");
    // A stranger names a world after a tool's tenant.
    let squatted = app
        .client
        .put(app.url("/_mock/worlds/contoso.onmicrosoft.com"))
        .send()
        .await
        .expect("answered");

    assert_eq!(health.status(), 404);
    assert_eq!(header(&health, "x-mock-reason"), "world.not-found");
    assert_eq!(reset.status(), 401);
    assert_eq!(header(&reset, "x-mock-reason"), "control.token-missing");
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(
        header(&unauthenticated, "x-mock-reason"),
        "auth.missing-bearer"
    );
    assert_eq!(authenticated.status(), 404);
    assert_eq!(header(&authenticated, "x-mock-reason"), "world.not-found");
    let message = json(authenticated).await["error"]["message"].clone();
    assert!(
        message
            .as_str()
            .is_some_and(|m| m.contains("only control calls that carry it make worlds")),
        "{message}"
    );
    assert_eq!(squatted.status(), 401);
    assert_eq!(world_count(&app, "ctl").await, 0);
    // The tool's own sign-in still lands in the default world, where its offer is.
    let token =
        json(contoso_token_request(&app, "contoso.onmicrosoft.com").await).await["access_token"]
            .as_str()
            .expect("a token")
            .to_owned();
    let its_offer = app
        .client
        .get(app.url("/api/publishers/contoso/offers/ready-to-go-live?api-version=2017-10-31"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(its_offer.status(), 200);
    // The holder of the token makes worlds.
    let made = app
        .client
        .post(app.url("/_world/team-a/_mock/reset"))
        .header("Authorization", "Bearer ctl")
        .send()
        .await
        .expect("answered");
    assert!(made.status().is_success(), "{}", made.status());
    assert_eq!(world_count(&app, "ctl").await, 1);
}

#[tokio::test]
async fn without_a_control_token_only_allowed_requests_to_known_routes_make_worlds() {
    let app = spawn_app().await;
    let refused = [
        // No bearer token.
        app.client
            .get(app.url("/_world/no-token/api/publishers?api-version=2017-10-31"))
            .send()
            .await,
        // A wrong api-version.
        app.authed(
            Method::GET,
            "/_world/old-version/api/publishers?api-version=2016-01-01",
        )
        .send()
        .await,
        // No such route.
        app.authed(
            Method::GET,
            "/_world/no-route/api/nothing?api-version=2017-10-31",
        )
        .send()
        .await,
        app.client
            .get(app.url("/_world/health/_mock/health"))
            .send()
            .await,
        app.client
            .get(app.url("/_mock/openapi.json"))
            .header("X-Mock-World", "openapi")
            .send()
            .await,
    ];
    let statuses: Vec<u16> = refused
        .into_iter()
        .map(|answer| answer.expect("answered").status().as_u16())
        .collect();

    assert_eq!(statuses, [401, 400, 404, 404, 404]);
    let listing = json(app.control(Method::GET, "/_mock/worlds", None).await).await;
    assert_eq!(listing["count"], 0, "{listing}");
    let allowed = app
        .authed(
            Method::GET,
            "/_world/allowed/api/publishers?api-version=2017-10-31",
        )
        .send()
        .await
        .expect("answered");
    assert_eq!(allowed.status(), 200);
    let listing = json(app.control(Method::GET, "/_mock/worlds", None).await).await;
    assert_eq!(listing["count"], 1, "{listing}");
}

/// A request line and headers announcing a body of `length` bytes, of which only a few are
/// sent; the answer's status and whether it closes the connection, or `None` if none came
/// within 5 s.
fn with_a_body_never_sent(base_url: &str, head: &str, length: usize) -> Option<(String, bool)> {
    let host = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connects");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("a timeout");
    let request = format!(
        "{head}\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{\"a\":"
    );
    stream.write_all(request.as_bytes()).expect("writes");
    let mut answer = vec![0; 4096];
    let read = stream.read(&mut answer).ok().filter(|&n| n > 0)?;
    let answer = String::from_utf8_lossy(&answer[..read]).to_ascii_lowercase();
    let status = answer.split(' ').nth(1).unwrap_or_default().to_owned();
    Some((status, answer.contains("connection: close")))
}

#[tokio::test]
async fn a_request_its_route_refuses_is_answered_without_its_body_being_read() {
    let app = spawn_app_with(Config {
        control_token: Some("ctl".to_owned()),
        request_timeout: 30.0,
        ..test_config()
    })
    .await;
    let base = app.base_url.clone();

    let answers = tokio::task::spawn_blocking(move || {
        [
            // No bearer token.
            with_a_body_never_sent(
                &base,
                "PUT /api/publishers/contoso/offers/x?api-version=2017-10-31 HTTP/1.1",
                2_000_000,
            ),
            // A bearer token, no api-version.
            with_a_body_never_sent(
                &base,
                "PUT /api/publishers/contoso/offers/x HTTP/1.1\r\nAuthorization: Bearer t",
                2_000_000,
            ),
            // No control token.
            with_a_body_never_sent(&base, "PUT /_mock/fixtures HTTP/1.1", 2_000_000),
        ]
    })
    .await
    .expect("the client thread");

    assert_eq!(
        answers,
        [
            Some(("401".to_owned(), true)),
            Some(("400".to_owned(), true)),
            Some(("401".to_owned(), true)),
        ]
    );
    // The refusal is journaled, with no body.
    let journal = app
        .client
        .get(app.url("/_mock/journal"))
        .header("Authorization", "Bearer ctl")
        .send()
        .await
        .expect("answered");
    let journal = json(journal).await;
    assert_eq!(journal["count"], 2, "{journal}");
    assert_eq!(journal["requests"][0]["body"], "", "{journal}");
}
