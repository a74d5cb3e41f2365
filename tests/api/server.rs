//! Starting and stopping in-process.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{BEARER, golive_path, header, json, raw_get, spawn_app, test_config};
use cloudpartner_mock::MockServer;

#[tokio::test]
async fn two_servers_get_two_ports_on_loopback() {
    let a = MockServer::start(test_config()).await.expect("starts");
    let b = MockServer::start(test_config()).await.expect("starts");

    assert_ne!(a.addr(), b.addr());
    assert!(a.addr().ip().is_loopback());
    assert_eq!(a.base_url(), format!("http://{}", a.addr()));
}

#[tokio::test]
async fn after_shutdown_the_port_refuses_connections() {
    let app = spawn_app().await;
    let url = app.url("/api/nothing");
    assert_eq!(
        app.client
            .get(&url)
            .send()
            .await
            .expect("answered")
            .status(),
        404
    );

    tokio::time::timeout(Duration::from_secs(5), app.server.shutdown())
        .await
        .expect("shutdown completes");

    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}

/// The binary, started with JSON logs on a free port: logs its address, serves, logs one line
/// per request, and exits 0 on SIGTERM.
#[test]
fn the_binary_logs_json_lines_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudpartner-mock"))
        .args(["--port", "0", "--log-format", "json", "--fixtures"])
        .arg(crate::helpers::bundled_fixtures())
        .arg("--ca-dir")
        .arg(crate::helpers::test_ca_dir())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next_json = || -> serde_json::Value {
        let line = lines.next().expect("a log line").expect("readable");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    };

    let started = next_json();
    let address = started["address"]
        .as_str()
        .expect("the address is logged")
        .to_owned();
    let code = raw_get(&address, "/api/nothing");
    let request_line = next_json();
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    let exit = child.wait().expect("the binary exits");

    assert_eq!(code, "404");
    assert_eq!(request_line["status"], 404);
    assert_eq!(request_line["method"], "GET");
    assert_eq!(request_line["path"], "/api/nothing");
    assert_eq!(request_line["request_id"].as_str().map(str::len), Some(36));
    assert!(request_line["latency_us"].is_u64(), "{request_line}");
    assert!(terminated.success());
    assert!(exit.success(), "exit status {exit}");
}

#[tokio::test]
async fn the_healthcheck_subcommand_exits_0_only_when_the_server_is_healthy() {
    let app = spawn_app().await;
    let port = app.server.addr().port().to_string();
    let run = |port: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_cloudpartner-mock"))
                .args(["--host", "0.0.0.0", "--port", &port, "healthcheck"])
                .output()
                .expect("the binary runs")
        })
    };

    let healthy = run(port).await.expect("ran");
    // A port nothing listens on: bind one, note it, free it.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("an address")
        .port();
    let down = run(free.to_string()).await.expect("ran");

    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    assert!(!down.status.success());
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("cannot connect"),
        "{down:?}"
    );
}

#[tokio::test]
async fn a_shutdown_lets_an_in_flight_request_finish() {
    let app = spawn_app().await;
    app.server
        .control()
        .add_fault(serde_json::json!({"match": {"offer": "draft-offer"}, "latencyMs": 300}))
        .expect("a valid rule");
    let url = app.url(&crate::helpers::offer_path("contoso", "draft-offer", ""));
    let in_flight = tokio::spawn(app.client.get(url).header("Authorization", BEARER).send());
    // The request is in flight once its rule has fired (it then waits 300 ms).
    while app.server.control().faults()[0].fired != 1 {
        tokio::task::yield_now().await;
    }

    tokio::time::timeout(Duration::from_secs(5), app.server.shutdown())
        .await
        .expect("shutdown completes");

    let answered = in_flight.await.expect("the task ends").expect("answered");
    assert_eq!(answered.status(), 200);
}

/// `router` embedded in another axum app and called through tower, no socket: the front
/// layer still answers (request id echoed, the call journaled), and an unknown path is the
/// CPP 404.
#[tokio::test]
async fn the_router_nests_in_another_app_with_its_front_layer() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let state = cloudpartner_mock::load_state(&test_config()).expect("fixtures load");
    let app = axum::Router::new()
        .route("/own", axum::routing::get(|| async { "mine" }))
        .merge(cloudpartner_mock::router(state));
    let call = |uri: &str| {
        let request = Request::get(uri)
            .header("x-request-id", "given-id")
            .body(Body::empty())
            .expect("a request");
        app.clone().oneshot(request)
    };

    let own = call("/own").await.expect("answered");
    let unauthorized = call("/api/publishers/contoso/offers?api-version=2017-10-31")
        .await
        .expect("answered");
    let missing = call("/nowhere").await.expect("answered");
    let journal = call("/_mock/journal").await.expect("answered");

    assert_eq!(own.status(), 200);
    assert_eq!(unauthorized.status(), 401);
    assert_eq!(unauthorized.headers()["x-request-id"], "given-id");
    assert_eq!(missing.status(), 404);
    let missing = axum::body::to_bytes(missing.into_body(), 1 << 16)
        .await
        .expect("a body");
    let missing: serde_json::Value = serde_json::from_slice(&missing).expect("JSON");
    assert_eq!(missing["error"]["code"], "NotFound", "{missing}");
    let journal = axum::body::to_bytes(journal.into_body(), 1 << 16)
        .await
        .expect("a body");
    let journal: serde_json::Value = serde_json::from_slice(&journal).expect("JSON");
    assert_eq!(journal["count"], 1, "{journal}");
    assert_eq!(
        journal["requests"][0]["path"],
        "/api/publishers/contoso/offers"
    );
    assert_eq!(journal["requests"][0]["status"], 401);
}

/// `service` and `router` through tower, no socket, answer as the server does: a trailing
/// slash is trimmed before routing, and a world prefix chooses the world.
#[tokio::test]
async fn the_service_and_the_router_trim_a_trailing_slash_and_choose_the_world_as_the_server_does()
{
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let state = cloudpartner_mock::load_state(&test_config()).expect("fixtures load");
    let ask = |path: &str| Request::get(path).body(Body::empty()).expect("a request");

    let by_service = cloudpartner_mock::service(state.clone())
        .oneshot(ask("/_mock/health/"))
        .await
        .expect("answered");
    let by_router = cloudpartner_mock::router(state.clone())
        .oneshot(ask("/_mock/health/"))
        .await
        .expect("answered");
    let in_world = cloudpartner_mock::router(state.clone())
        .oneshot(
            Request::get("/_world/by-router/api/publishers?api-version=2017-10-31")
                .header("Authorization", "Bearer t")
                .body(Body::empty())
                .expect("a request"),
        )
        .await
        .expect("answered");
    let worlds = cloudpartner_mock::router(state)
        .oneshot(ask("/_mock/worlds"))
        .await
        .expect("answered");

    assert_eq!(by_service.status(), 200);
    assert_eq!(by_router.status(), 200);
    assert_eq!(in_world.status(), 200);
    let worlds = axum::body::to_bytes(worlds.into_body(), 1 << 20)
        .await
        .expect("a body");
    let worlds: serde_json::Value = serde_json::from_slice(&worlds).expect("JSON");
    let names: Vec<&str> = worlds["worlds"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert_eq!(names, ["default", "by-router"], "{worlds}");
}

#[tokio::test]
async fn a_request_id_is_echoed_or_made() {
    let app = spawn_app().await;

    let made = app.go_live("contoso", "draft-offer").await;
    let echoed = app
        .authed(Method::POST, &golive_path("contoso", "draft-offer"))
        .header("x-request-id", "my-request-1")
        .send()
        .await
        .expect("answered");

    assert_eq!(header(&made, "x-request-id").len(), 36);
    assert_eq!(header(&echoed, "x-request-id"), "my-request-1");
    // The journal shows each request's id once, the made one as its last header.
    let journal = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    let ids = |entry: &Value| -> Vec<Value> {
        let headers = entry["headers"].as_array().expect("headers");
        let ids = headers.iter().filter(|h| h[0] == "x-request-id");
        ids.map(|h| h[1].clone()).collect()
    };
    let made_entry = &journal["requests"][1];
    assert_eq!(ids(made_entry), [header(&made, "x-request-id")]);
    let made_headers = made_entry["headers"].as_array().expect("headers");
    assert_eq!(made_headers.last().expect("headers")[0], "x-request-id");
    assert_eq!(ids(&journal["requests"][0]), ["my-request-1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_go_lives_start_exactly_one_operation() {
    let app = spawn_app().await;
    let url = app.url(&golive_path("contoso", "ready-to-go-live"));

    let calls = (0..64).map(|_| {
        let request = app.client.post(&url).header("Authorization", BEARER);
        tokio::spawn(async move { request.send().await.expect("answered").status().as_u16() })
    });
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.expect("the task ends"));
    }

    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        63,
        "{statuses:?}"
    );
}
