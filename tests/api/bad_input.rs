//! Bad input: every request below gets a clear CPP error or a clean close — never a panic, a
//! hang or a 500 — and the server answers normally afterwards.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{
    API_VERSION, BEARER, TOKEN, TestApp, cpp_error, offer_path, spawn_app, spawn_app_with,
    test_config,
};
use cloudpartner_mock::Config;

/// Sends `bytes` as they are and reads until the server closes or `wait` passes; returns
/// the status code of the answer, or `None` when the connection closed without one.
async fn raw(app: &TestApp, bytes: &[u8], wait: Duration) -> Option<u16> {
    let mut stream = TcpStream::connect(app.server.addr())
        .await
        .expect("connects");
    let _ = stream.write_all(bytes).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).and_then(|code| code.parse().ok())
}

/// A server whose request timeout is half a second.
async fn spawn_app_with_half_second_timeout() -> TestApp {
    spawn_app_with(Config {
        request_timeout: 0.5,
        ..test_config()
    })
    .await
}

async fn still_answers(app: &TestApp) {
    let response = app.get_offer("contoso", "draft-offer", "").await;
    assert_eq!(
        response.status(),
        200,
        "the server no longer answers normally"
    );
}

#[tokio::test]
async fn wrong_methods_and_unknown_paths_get_cpp_errors() {
    let app = spawn_app().await;
    let long_path = format!("/api/{}", "x".repeat(8000));

    let cases = [
        (
            Method::DELETE,
            offer_path("contoso", "draft-offer", "/golive"),
            405,
        ),
        (Method::PATCH, offer_path("contoso", "draft-offer", ""), 405),
        (Method::GET, "/api/what/is/this".to_owned(), 404),
        (Method::GET, long_path, 404),
        (Method::GET, "/".to_owned(), 404),
        (Method::POST, "/_mock/nothing".to_owned(), 404),
    ];
    for (method, path, status) in cases {
        let (got, code, _) = cpp_error(app.send(method.clone(), &path).await).await;
        assert_eq!(got, status, "{method} {}", &path[..path.len().min(60)]);
        assert!(!code.is_empty());
    }
    still_answers(&app).await;
}

#[tokio::test]
async fn bad_query_strings_get_invalid_api_version() {
    let app = spawn_app().await;
    let base = "/api/publishers/contoso/offers/draft-offer";

    for query in [
        "api-version=%ZZ",
        "api-version",
        "=2017-10-31",
        "api-version=2017-10-31&api-version=",
        "&&&",
    ] {
        let (status, code, _) =
            cpp_error(app.send(Method::GET, &format!("{base}?{query}")).await).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "InvalidAPIVersion"),
            "{query}"
        );
    }
    still_answers(&app).await;
}

#[tokio::test]
async fn ids_that_are_not_utf8_get_a_cpp_400() {
    let app = spawn_app().await;

    let response = app
        .send(
            Method::GET,
            &format!("/api/publishers/%FF%FE/offers?{API_VERSION}"),
        )
        .await;

    let (status, code, message) = cpp_error(response).await;
    assert_eq!((status, code.as_str()), (400, "BadRequest"));
    assert!(message.contains("path"), "{message}");
    still_answers(&app).await;
}

#[tokio::test]
async fn malformed_http_is_refused_or_closed_cleanly() {
    let app = spawn_app().await;
    let huge_header = format!(
        "GET /api/publishers?{API_VERSION} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let cases: Vec<Vec<u8>> = vec![
        b"GET /api/publishers/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"THIS IS NOT HTTP\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n".to_vec(),
        b"POST /api/publishers HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".to_vec(),
        huge_header.into_bytes(),
    ];

    for bytes in &cases {
        let status = raw(&app, bytes, Duration::from_secs(5)).await;
        // hyper refuses these before any route runs: a 4xx, or a closed connection.
        assert!(
            status.is_none_or(|s| (400..500).contains(&s)),
            "{status:?} for {:?}",
            &bytes[..bytes.len().min(40)]
        );
    }
    still_answers(&app).await;
}

#[tokio::test]
async fn malformed_deep_and_huge_json_bodies_get_cpp_errors() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge = json!({"publisherId": "contoso", "id": "draft-offer", "offerTypeId": "t",
                      "definition": {"blob": "x".repeat(3 << 20)}})
    .to_string();
    let put = |body: String| {
        app.client
            .put(app.url(&offer_path("contoso", "draft-offer", "")))
            .header("Authorization", BEARER)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };

    let truncated = cpp_error(
        put("{\"publisherId\": \"con".to_owned())
            .await
            .expect("answered"),
    )
    .await;
    let nested = cpp_error(put(deep).await.expect("answered")).await;
    let too_big_answer = put(huge).await.expect("answered");
    // The rest of the body is left unread: the connection must not be used again.
    let closes = crate::helpers::header(&too_big_answer, "connection");
    let too_big = cpp_error(too_big_answer).await;
    let not_utf8 = cpp_error(
        app.client
            .post(app.url(&offer_path("contoso", "draft-offer", "/publish")))
            .header("Authorization", BEARER)
            .body(vec![0xff_u8, 0xfe, 0x00])
            .send()
            .await
            .expect("answered"),
    )
    .await;

    assert_eq!((truncated.0, truncated.1.as_str()), (400, "BadRequest"));
    assert_eq!((nested.0, nested.1.as_str()), (400, "BadRequest"));
    assert!(
        nested.2.contains("more than 64 levels deep"),
        "{}",
        nested.2
    );
    assert_eq!((too_big.0, too_big.1.as_str()), (413, "PayloadTooLarge"));
    assert_eq!(closes, "close");
    assert_eq!(not_utf8.0, 400);
    still_answers(&app).await;
}

#[tokio::test]
async fn content_types_are_tolerated_but_the_body_must_be_json() {
    let app = spawn_app().await;
    let document = json!({"publisherId": "contoso", "id": "draft-offer", "offerTypeId": "t", "definition": {}});
    let send = |content_type: &'static str, body: String| {
        app.client
            .put(app.url(&offer_path("contoso", "draft-offer", "")))
            .header("Authorization", BEARER)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };

    let plain_json = send("text/plain", document.to_string())
        .await
        .expect("answered");
    let xml = send("application/xml", "<offer id=\"draft-offer\"/>".to_owned())
        .await
        .expect("answered");
    let form = send(
        "application/x-www-form-urlencoded",
        "id=draft-offer".to_owned(),
    )
    .await
    .expect("answered");

    // Real clients send JSON with or without the right type (docs/behaviour.md#request-headers).
    assert_eq!(plain_json.status(), 200);
    assert_eq!(cpp_error(xml).await.0, 400);
    assert_eq!(cpp_error(form).await.0, 400);
}

#[tokio::test]
async fn slow_clients_are_timed_out() {
    let app = spawn_app_with_half_second_timeout().await;
    let trickled_headers = b"GET /api/publishers HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    let slow_body = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"id\":",
        offer_path("contoso", "draft-offer", "")
    );

    let started = Instant::now();
    let headers_status = raw(&app, trickled_headers, Duration::from_secs(10)).await;
    let headers_elapsed = started.elapsed();
    let started = Instant::now();
    let body_status = raw(&app, slow_body.as_bytes(), Duration::from_secs(10)).await;
    let body_elapsed = started.elapsed();

    // Headers that never end: hyper answers 408 or closes, after the timeout.
    assert!(
        headers_status.is_none_or(|s| s == 408),
        "{headers_status:?}"
    );
    assert!(
        headers_elapsed < Duration::from_secs(5),
        "{headers_elapsed:?}"
    );
    // A body that never ends: our CPP 408.
    assert_eq!(body_status, Some(408));
    assert!(
        body_elapsed >= Duration::from_millis(450) && body_elapsed < Duration::from_secs(5),
        "{body_elapsed:?}"
    );
    still_answers(&app).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_request_timeout() {
    let app = spawn_app_with_half_second_timeout().await;
    let mut stream = TcpStream::connect(app.server.addr())
        .await
        .expect("connects");
    let request = format!(
        "GET /api/publishers?{API_VERSION} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = vec![0; 64 * 1024];
    let read = stream.read(&mut answer).await.expect("answered");
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"));

    // Nothing more is sent: the server closes the connection (a read of 0 bytes).
    let started = Instant::now();
    let rest = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("closed before 10 s");
    let elapsed = started.elapsed();

    assert!(rest.is_ok(), "{rest:?}");
    assert!(
        elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_route_slower_than_the_request_timeout_is_still_answered() {
    let app = spawn_app_with_half_second_timeout().await;
    let rule = json!({"match": {"offer": "draft-offer"}, "latencyMs": 1500});
    app.control(Method::POST, "/_mock/faults", Some(rule)).await;

    let started = Instant::now();
    let slow = app.get_offer("contoso", "draft-offer", "").await;

    assert_eq!(slow.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(1500));
}
