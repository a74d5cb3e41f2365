//! The in-process server from every kind of test: a plain `#[test]`, a current-thread and a
//! multi-thread runtime; called with an async client and by another process
//! (`std::process::Command`) while the test's thread waits for it.

use std::process::Command;
use std::time::{Duration, Instant};

use cloudpartner_mock::{Config, MockServer, RunningServer};

/// The config of these tests: `Config::for_tests()`, with the tests' shared CA directory.
fn config() -> Config {
    Config {
        ca_dir: Some(crate::helpers::test_ca_dir()),
        ..Config::for_tests()
    }
}

/// Another process asks the server's health, and this thread blocks until it ends: with a
/// server on the test's own runtime thread, nothing would answer.
fn probe_from_another_process(server: &RunningServer) {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudpartner-mock"))
        .args(["healthcheck", "--port"])
        .arg(server.addr().port().to_string())
        .output()
        .expect("the healthcheck runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Goes live with an async client and polls the operation to its end (time scale 0).
async fn go_live(server: &RunningServer) {
    let client = reqwest::Client::new();
    let base = server.base_url();
    let golive = client
        .post(format!(
            "{base}/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31"
        ))
        .header("Authorization", crate::helpers::BEARER)
        .send()
        .await
        .expect("answered");
    assert_eq!(golive.status(), 202);
    let location = golive.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let operation: serde_json::Value = client
        .get(format!("{base}{location}"))
        .header("Authorization", crate::helpers::BEARER)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(operation["status"], "complete", "{operation}");
}

/// Whether a connection to `server`'s address is refused within five seconds.
fn refuses_soon(addr: std::net::SocketAddr) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_plain_test_starts_uses_and_stops_the_server() {
    let server = MockServer::start_blocking(config()).expect("starts");
    probe_from_another_process(&server);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the async client");
    runtime.block_on(go_live(&server));
    assert_eq!(server.control().journal("").expect("a journal").len(), 2);
    let addr = server.addr();
    server.shutdown_blocking();
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err(),
        "still listening after shutdown_blocking"
    );
}

/// Starts a server on the test's runtime, probes it from another process while this thread
/// waits, goes live with an async client, shuts it down.
async fn start_use_and_stop() {
    let server = MockServer::start(config()).await.expect("starts");
    probe_from_another_process(&server);
    go_live(&server).await;
    let addr = server.addr();
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .expect("shutdown completes");
    assert!(refuses_soon(addr));
}

#[tokio::test(flavor = "current_thread")]
async fn a_current_thread_runtime_may_block_while_the_server_answers() {
    start_use_and_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_thread_runtime_starts_uses_and_stops_the_server() {
    start_use_and_stop().await;
}

/// Dropping the handle inside an async test does not shut a runtime down there (which
/// panics): the server stops on its own thread.
#[tokio::test(flavor = "current_thread")]
async fn dropping_the_handle_in_an_async_test_stops_the_server_without_a_panic() {
    let server = MockServer::start(config()).await.expect("starts");
    go_live(&server).await;
    let addr = server.addr();
    drop(server);
    assert!(refuses_soon(addr));
}

/// The blocking twin, called from inside an async test, neither panics nor deadlocks.
#[tokio::test(flavor = "current_thread")]
async fn start_blocking_inside_an_async_test_serves_too() {
    let server = MockServer::start_blocking(config()).expect("starts");
    probe_from_another_process(&server);
    go_live(&server).await;
    server.shutdown_blocking();
}

#[test]
fn a_broken_fixture_is_an_error_from_start_blocking_not_a_server() {
    let error = MockServer::start_blocking(Config {
        fixtures: Some(crate::helpers::test_data("syntax")),
        ..config()
    })
    .expect_err("refused");
    assert!(error.to_string().contains("fixtures"), "{error}");
}
