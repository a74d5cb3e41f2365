//! `--seed` and `--frozen-clock`: two runs of the same session answer byte for byte the same.

use std::io::{Read, Write};

use cloudpartner_mock::{Config, MockServer};

const Q: &str = "api-version=2017-10-31";

/// A scripted session: every answer in full (status line, headers, body), as received.
fn session(seed: u64) -> Vec<String> {
    let server = MockServer::start_blocking(Config {
        seed: Some(seed),
        // 2026-01-01T00:00:00Z
        frozen_clock: Some(1_767_225_600_000_000_000),
        time_scale: 1.0,
        ca_dir: Some(crate::helpers::test_ca_dir()),
        ..Config::for_tests()
    })
    .expect("starts");
    let offers = "/api/publishers/contoso/offers";
    let put_body = r#"{"publisherId":"contoso","id":"brand-new","offerTypeId":"microsoft-azure-corevm","definition":{"displayText":"x"}}"#;
    let steps: Vec<(&str, String, &str)> = vec![
        ("GET", format!("{offers}/ready-to-go-live?{Q}"), ""),
        ("POST", format!("{offers}/ready-to-go-live/golive?{Q}"), ""),
        (
            "GET",
            format!("{offers}/ready-to-go-live/submissions?{Q}"),
            "",
        ),
        ("POST", format!("{offers}/draft-offer/publish?{Q}"), ""),
        ("PUT", format!("{offers}/brand-new?{Q}"), put_body),
        (
            "POST",
            "/_mock/clock/advance".to_owned(),
            r#"{"seconds": 30}"#,
        ),
        (
            "GET",
            format!("{offers}/ready-to-go-live/submissions?{Q}"),
            "",
        ),
        ("GET", format!("{offers}/brand-new?{Q}"), ""),
        ("POST", format!("{offers}/ready-to-go-live/go-live?{Q}"), ""),
        (
            "POST",
            "/contoso.example/oauth2/v2.0/token".to_owned(),
            "grant_type=password",
        ),
        ("GET", "/_mock/operations".to_owned(), ""),
        ("GET", "/_mock/journal".to_owned(), ""),
    ];
    let answers = steps
        .iter()
        .map(|(method, path, body)| {
            let host = if path.contains("oauth2") {
                "login.microsoftonline.com"
            } else {
                "cppmock.test"
            };
            exchange(server.addr(), method, path, host, body)
        })
        .collect();
    server.shutdown_blocking();
    answers
}

/// `method path` with `body`, sent as bytes; the whole answer read back.
fn exchange(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    host: &str,
    body: &str,
) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    let kind = if body.starts_with('{') {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer contoso-token\r\n\
         Content-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("writes");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    answer
}

#[test]
fn two_runs_with_a_seed_and_a_frozen_clock_answer_byte_for_byte_the_same() {
    let first = session(7);
    let second = session(7);
    let other_seed = session(8);

    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(a, b, "answer {i} differs");
    }
    assert_eq!(first.len(), 12);
    // The answers carry what would differ without the settings: ids, times, ETags, Date.
    assert!(first[1].starts_with("HTTP/1.1 202"), "{}", first[1]);
    assert!(
        first[1].contains("date: Thu, 01 Jan 2026 00:00:00 GMT"),
        "{}",
        first[1]
    );
    assert!(first[4].contains("etag: "), "{}", first[4]);
    assert!(first[9].contains("trace_id"), "{}", first[9]);
    assert!(
        first[11].contains("\"time\":\"2026-01-01T00:00"),
        "{}",
        first[11]
    );
    let advanced = first
        .iter()
        .find(|answer| answer.contains("offsetSeconds"))
        .expect("the clock's advance is in the session");
    assert!(advanced.contains("\"frozen\":true"), "{advanced}");
    // Another seed, other ids.
    assert_ne!(first[1], other_seed[1]);
}
