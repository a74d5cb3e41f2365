//! The typed control calls of `Control`: what they take and give has named fields, and the
//! JSON behind them is the `/_mock` endpoints' own.

use std::time::Duration;

use cloudpartner_mock::{Config, Fault, MockServer, RunningServer, Wait};
use serde_json::json;

use crate::helpers::{operation_id, spawn_app, test_ca_dir};

/// A server on its own thread and runtime, and a current-thread runtime for the test: what
/// the test awaits runs on a runtime that is not the server's.
fn server_and_a_runtime_of_its_own() -> (RunningServer, tokio::runtime::Runtime) {
    let server = MockServer::start_blocking(Config {
        ca_dir: Some(test_ca_dir()),
        ..Config::for_tests()
    })
    .expect("started");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    (server, runtime)
}

#[test]
fn a_fault_built_in_rust_is_the_json_the_readme_writes() {
    let fault = Fault::on_post("/api/publishers/*/offers/*/golive")
        .for_publisher("contoso")
        .respond(503)
        .with_header("Retry-After", "2")
        .after_commit()
        .times(1);

    let written = serde_json::to_value(&fault).expect("serialises");

    assert_eq!(
        written,
        json!({
            "match": {"method": "POST", "path": "/api/publishers/*/offers/*/golive", "publisher": "contoso"},
            "respond": {"status": 503, "headers": {"Retry-After": "2"}},
            "afterCommit": true,
            "times": 1
        })
    );
}

#[tokio::test]
async fn a_typed_rule_is_added_fires_and_is_listed_with_its_counters() {
    let app = spawn_app().await;
    let control = app.server.control();
    let fault = Fault::on_post("/api/publishers/*/offers/*/golive")
        .respond(429)
        .with_header("Retry-After", "1")
        .times(2);

    let id = control.add_fault(fault.clone()).expect("added");
    let refused =
        app.client
            .post(app.url(
                "/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31",
            ))
            .bearer_auth("t")
            .send()
            .await
            .expect("answered");

    assert_eq!(refused.status(), 429);
    let rules = control.faults();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].id, id);
    assert_eq!(rules[0].source, "control");
    assert_eq!((rules[0].fired, rules[0].remaining), (1, Some(1)));
    assert_eq!(rules[0].rule, fault);
    let refused = control
        .add_fault(Fault::on_get("/api/**"))
        .expect_err("a rule without an effect");
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn the_journal_operations_health_and_worlds_come_typed() {
    let app = spawn_app().await;
    let control = app.server.control();
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    let id = operation_id(&location);

    let posts = control.journal("method=POST").expect("listed");
    let running = control
        .operations("type=goLive&status=running")
        .expect("listed");
    let health = control.health();
    let worlds = control.worlds();

    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!((post.method.as_str(), post.status), ("POST", Some(202)));
    assert_eq!(post.operation_id.as_deref(), Some(id.as_str()));
    assert_eq!(post.offer.as_deref(), Some("ready-to-go-live"));
    assert_eq!(post.header("Authorization"), Some("Bearer [redacted]"));
    assert!(post.error_code.is_none());
    assert!(running.iter().any(|op| op.id == id && op.kind == "goLive"));
    assert!(health.ready);
    assert_eq!(health.publishers, 2);
    assert_eq!(worlds[0].name, "default");
    assert!(worlds[0].journal >= 1);
}

/// A wait runs on the server's runtime: a test on a runtime of its own awaits it while it
/// sends the requests the wait is for.
#[test]
fn a_wait_is_awaited_from_a_runtime_that_is_not_the_servers() {
    let (server, runtime) = server_and_a_runtime_of_its_own();
    let control = server.control();
    let url = format!(
        "{}/api/publishers?api-version=2017-10-31",
        server.base_url()
    );

    let (waited, _) = runtime.block_on(async {
        let wait = control.wait(
            Wait::requests(2)
                .method("GET")
                .timeout(Duration::from_secs(10)),
        );
        let send = async {
            let client = reqwest::Client::new();
            for _ in 0..2 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                client
                    .get(&url)
                    .bearer_auth("t")
                    .send()
                    .await
                    .expect("answered");
            }
        };
        tokio::join!(wait, send)
    });
    let unmet = runtime.block_on(control.wait(
        Wait::offer("contoso", "ready-to-go-live", "canceled").timeout(Duration::from_millis(50)),
    ));

    let waited = waited.expect("a valid wait");
    assert!(waited.met, "{waited:?}");
    assert_eq!(waited.seen["count"], 2);
    let unmet = unmet.expect("a valid wait");
    assert!(!unmet.met);
    assert_eq!(unmet.seen["status"], "running");
    let refused = runtime
        .block_on(control.wait(Wait::requests(0)))
        .expect_err("count 0");
    assert_eq!(refused.status, 400);
}

/// The events a go-live makes, read in Rust as they happen, on a runtime of the test's own.
#[test]
fn events_stream_to_rust_as_they_happen() {
    let (server, runtime) = server_and_a_runtime_of_its_own();
    let control = server.control();
    let mut events = control.events(None).expect("subscribed");
    let url = format!(
        "{}/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31",
        server.base_url()
    );

    let kinds = runtime.block_on(async {
        let answer = reqwest::Client::new()
            .post(&url)
            .bearer_auth("t")
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status(), 202);
        let mut kinds = Vec::new();
        while kinds.last().map(String::as_str) != Some("operation.ended") {
            let event = tokio::time::timeout(Duration::from_secs(5), events.next())
                .await
                .expect("an event within 5 s")
                .expect("the stream goes on");
            assert!(event.id.is_some());
            if event.kind == "operation.started" {
                assert_eq!(event.data["offer"], "ready-to-go-live");
            }
            kinds.push(event.kind);
        }
        kinds
    });

    assert_eq!(kinds.first().map(String::as_str), Some("operation.started"));
    assert!(kinds.iter().any(|k| k == "step.finished"), "{kinds:?}");
    let refused = control
        .events(Some(1_000_000))
        .expect_err("past the last number");
    assert_eq!(refused.status, 400);
}
