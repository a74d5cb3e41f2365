//! Hostile and careless input (docs/reliability.md#hostile-input): every request gets an HTTP
//! answer, the journal keeps no credential, refused requests make no world, what was
//! acknowledged reads back after a restart, and no client grows memory without a bound.

use std::io::{Read, Write};

use crate::helpers::{BEARER, spawn_app};

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
