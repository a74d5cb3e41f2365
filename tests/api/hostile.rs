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
    let reason = answer
        .lines()
        .find_map(|line| line.strip_prefix("x-mock-reason: "))
        .unwrap_or_default();
    Some((
        format!("{status} {reason}"),
        answer.contains("connection: close"),
    ))
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
            Some(("401 auth.missing-bearer".to_owned(), true)),
            Some(("400 api-version.missing".to_owned(), true)),
            Some(("401 control.token-missing".to_owned(), true)),
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

/// `request` sent raw on a new connection with `Connection: close`; the answer's status.
fn status_of(base_url: &str, request: &str) -> String {
    let answer = raw_exchange(base_url, request.as_bytes(), "");
    answer.split(' ').nth(1).unwrap_or("no answer").to_owned()
}

#[tokio::test]
async fn a_request_head_over_64_kib_is_answered_431() {
    let app = spawn_app().await;
    let base = app.base_url.clone();

    let statuses = tokio::task::spawn_blocking(move || {
        let big = |n: usize| {
            raw_exchange(
                &base,
                b"GET /api/publishers?api-version=2017-10-31 HTTP/1.1",
                &format!("X-Padding: {}\r\n", "p".repeat(n)),
            )
        };
        [big(60_000), big(70_000), big(370_000)]
            .map(|answer| answer.split(' ').nth(1).unwrap_or("no answer").to_owned())
    })
    .await
    .expect("the client thread");

    // Under the limit: answered by the route (no token: 401); over it: 431.
    assert_eq!(statuses, ["401", "431", "431"]);
}

#[tokio::test]
async fn the_journal_holds_at_most_its_bytes_and_cuts_long_targets_and_headers() {
    let app = spawn_app_with(Config {
        journal_bytes: 64 * 1024,
        ..test_config()
    })
    .await;
    let long_query = format!("api-version=2017-10-31&x={}", "q".repeat(20_000));

    for _ in 0..40 {
        let answer = app
            .authed(Method::GET, &format!("/api/publishers?{long_query}"))
            .header("X-Long", "v".repeat(30_000))
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status(), 200);
    }

    let journal = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    let bytes = journal["bytes"].as_u64().expect("bytes");
    assert!(bytes <= 64 * 1024, "{bytes}");
    assert!(
        journal["dropped"].as_u64().expect("dropped") > 0,
        "{journal}"
    );
    let newest = &journal["requests"][0];
    assert_eq!(newest["targetTruncated"], true);
    assert_eq!(newest["headersTruncated"], true);
    assert!(newest["query"].as_str().is_some_and(|q| q.len() < 4096));
    let long = newest["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|pair| pair[0] == "x-long")
        .expect("the long header, cut");
    assert_eq!(long[1].as_str().map(str::len), Some(1024));
}

#[tokio::test]
async fn past_the_connection_cap_health_still_answers_and_the_rest_is_told_503_and_closed() {
    let app = spawn_app_with(Config {
        max_connections: 2,
        ..test_config()
    })
    .await;
    let base = app.base_url.clone();

    let (health, other, past_every_cap) = tokio::task::spawn_blocking(move || {
        let host = base.trim_start_matches("http://").to_owned();
        // Two connections take the cap, idle.
        let held: Vec<std::net::TcpStream> = (0..2)
            .map(|_| std::net::TcpStream::connect(&host).expect("connects"))
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let health = status_of(&base, "GET /_mock/health HTTP/1.1");
        let other = raw_exchange(
            &base,
            b"GET /api/publishers?api-version=2017-10-31 HTTP/1.1",
            "",
        );
        // A connection past the cap that sends nothing is closed within a second.
        let mut idle = std::net::TcpStream::connect(&host).expect("connects");
        idle.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .expect("a timeout");
        let started = std::time::Instant::now();
        let closed = idle.read(&mut [0; 16]).is_ok_and(|n| n == 0);
        let idle_for = started.elapsed();
        drop(held);
        (health, other, (closed, idle_for))
    })
    .await
    .expect("the client thread");

    assert_eq!(health, "200");
    assert!(other.starts_with("HTTP/1.1 503"), "{other}");
    assert!(
        other.contains("x-mock-reason: server.connections"),
        "{other}"
    );
    assert!(other.contains("retry-after: 1"), "{other}");
    let (closed, idle_for) = past_every_cap;
    assert!(closed, "closed by the server");
    assert!(idle_for < std::time::Duration::from_secs(2), "{idle_for:?}");
    // Once they close, everything is answered again.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let again = app
        .authed(Method::GET, "/api/publishers?api-version=2017-10-31")
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn a_body_past_the_bytes_in_flight_is_refused_503_before_it_is_read() {
    let app = spawn_app_with(Config {
        body_bytes_in_flight: 64 * 1024,
        request_timeout: 30.0,
        ..test_config()
    })
    .await;
    let base = app.base_url.clone();

    let second = tokio::task::spawn_blocking(move || {
        let host = base.trim_start_matches("http://").to_owned();
        // One body of 60 000 bytes, announced and never sent: it holds its room.
        let mut stalled = std::net::TcpStream::connect(&host).expect("connects");
        write!(
            stalled,
            "PUT /api/publishers/contoso/offers/x?api-version=2017-10-31 HTTP/1.1\r\n\
             Host: {host}\r\nAuthorization: {BEARER}\r\nContent-Length: 60000\r\n\r\n{{"
        )
        .expect("writes");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let second = with_a_body_never_sent(
            &base,
            &format!(
                "PUT /api/publishers/contoso/offers/y?api-version=2017-10-31 HTTP/1.1\r\nAuthorization: {BEARER}"
            ),
            10_000,
        );
        drop(stalled);
        second
    })
    .await
    .expect("the client thread");

    assert_eq!(second, Some(("503 body.no-room".to_owned(), true)));
    // Its room given back, a body is read again.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let document =
        json!({"publisherId": "contoso", "id": "z", "offerTypeId": "t", "definition": {}});
    assert_eq!(
        app.put_offer("contoso", "z", &document, None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_deleted_worlds_event_streams_end() {
    let app = spawn_app().await;
    assert_eq!(
        app.control(Method::PUT, "/_mock/worlds/gone", None)
            .await
            .status(),
        201
    );
    let mut stream = app
        .client
        .get(app.url("/_world/gone/_mock/events"))
        .send()
        .await
        .expect("answered");
    assert_eq!(stream.status(), 200);

    let deleted = app
        .control(Method::DELETE, "/_mock/worlds/gone", None)
        .await;

    assert_eq!(deleted.status(), 204);
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(_chunk) = stream.chunk().await.expect("a chunk") {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream goes on after its world was deleted"
    );
}
