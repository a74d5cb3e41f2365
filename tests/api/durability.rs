//! The state file: a restart keeps offers and operations; a SIGKILL in the middle of a write
//! load loses no acknowledged write; a corrupt file stops start-up and is left as it was.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudpartner_mock::{Config, MockServer, StartError};
use serde_json::json;

use crate::helpers::{BEARER, bundled_fixtures, header, json, spawn_app_with, test_config};

fn with_state(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_owned()),
        ..test_config()
    }
}

#[tokio::test]
async fn a_restart_keeps_offers_and_operations() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = dir.path().join("state.json");
    let app = spawn_app_with(with_state(&state)).await;
    let document = json!({"publisherId": "contoso", "id": "kept", "offerTypeId": "t", "definition": {"displayText": "Kept"}});
    assert_eq!(
        app.put_offer("contoso", "kept", &document, None)
            .await
            .status(),
        200
    );
    let location = header(&app.go_live("contoso", "slow-golive").await, "location");
    app.server
        .control()
        .advance_clock(Duration::from_secs(30))
        .expect("the clock moved");
    let before = json(app.get(&location).await).await;
    app.server.shutdown().await;

    let again = spawn_app_with(with_state(&state)).await;

    assert_eq!(
        json(again.get_offer("contoso", "kept", "").await).await["definition"]["displayText"],
        "Kept"
    );
    let after = json(again.get(&location).await).await;
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["status"], "running");
    // The clock's offset was kept: 30 s into the 60 s sign-off, not back at the start.
    assert_eq!(before["steps"][0]["progressPercentage"], 50);
    assert!(
        after["steps"][0]["progressPercentage"]
            .as_u64()
            .is_some_and(|p| p >= 50),
        "{after}"
    );
    assert_eq!(again.go_live("contoso", "slow-golive").await.status(), 409);
}

#[tokio::test]
async fn a_corrupt_state_file_stops_start_up_and_is_left_alone() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        b"{\"format\": 1, \"clock_offset_nanos\": 0, \"store\": {\"publishers\": [",
    )
    .expect("written");

    let error = match MockServer::start(with_state(&state)).await {
        Ok(server) => panic!("a server started on {}", server.base_url()),
        Err(e) => e,
    };

    assert!(matches!(error, StartError::State(_)), "{error}");
    let shown = error.to_string();
    assert!(
        shown.contains("state.json") && shown.contains("not a state this server wrote"),
        "{shown}"
    );
    assert_eq!(
        std::fs::read(&state).expect("still there"),
        b"{\"format\": 1, \"clock_offset_nanos\": 0, \"store\": {\"publishers\": [".to_vec()
    );
}

/// Starts the binary on a free port with a state file; returns it and its base URL.
fn start_binary(state: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudpartner-mock"))
        .args(["--port", "0", "--log-format", "json", "--fixtures"])
        .arg(bundled_fixtures())
        .arg("--state-file")
        .arg(state)
        .arg("--ca-dir")
        .arg(crate::helpers::test_ca_dir())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    // Lines about the state file read back (a record cut short by the kill) may come first.
    let address = lines
        .by_ref()
        .map(|line| line.expect("readable"))
        .find_map(|line| {
            let line: serde_json::Value = serde_json::from_str(&line).expect("JSON");
            line["address"].as_str().map(str::to_owned)
        })
        .expect("the listening line, with the address");
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_a_sigkill() {
    let (checked, _) = sigkill_under_writers(16, When::After(Duration::from_millis(400))).await;
    println!("durability: {checked} acknowledged writes checked after SIGKILL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_a_sigkill_during_a_compaction() {
    // 64 KB documents: the log passes its 4 MiB floor after about 64 writes.
    let (checked, compactions) = sigkill_under_writers(64_000, When::Compacting).await;
    println!(
        "durability: {checked} acknowledged writes checked after a SIGKILL during compaction {}",
        compactions + 1
    );
}

/// When the server is killed.
enum When {
    After(Duration),
    /// While a compaction runs (polled every few milliseconds), after at least one finished.
    Compacting,
}

/// Eight writers create offers (documents of `padding` bytes) on the binary until it is
/// killed with SIGKILL; restarted on the same file, every write answered `201` must be there.
/// Gives how many were checked, and the compactions finished before the kill.
async fn sigkill_under_writers(padding: usize, when: When) -> (usize, u64) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = dir.path().join("state.json");
    let (mut child, base) = start_binary(&state);
    let client = reqwest::Client::new();

    let writers: Vec<_> = (0..8)
        .map(|w| {
            let client = client.clone();
            let base = base.clone();
            let padding = "x".repeat(padding);
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for i in 0.. {
                    let id = format!("w{w}-{i}");
                    let body = json!({"publisherId": "contoso", "id": id, "offerTypeId": "t", "definition": {"padding": padding}});
                    let sent = client
                        .put(format!("{base}/api/publishers/contoso/offers/{id}?api-version=2017-10-31"))
                        .header("Authorization", BEARER)
                        .json(&body)
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 200 => acknowledged.push(id),
                        Ok(response) => panic!("unexpected {}", response.status()),
                        Err(_) => break, // the server is gone
                    }
                }
                acknowledged
            })
        })
        .collect();
    let started = Instant::now();
    let mut compactions = 0;
    match when {
        When::After(delay) => tokio::time::sleep(delay).await,
        When::Compacting => loop {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no compaction ran within 30 s"
            );
            let seen: serde_json::Value = client
                .get(format!("{base}/_mock/state-file"))
                .send()
                .await
                .expect("answered")
                .json()
                .await
                .expect("JSON");
            compactions = seen["compactions"].as_u64().expect("a count");
            if seen["compacting"] == true && compactions >= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        },
    }
    let killed = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let _ = child.wait();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.expect("a writer ends"));
    }
    let load_time = started.elapsed();

    let (mut again, base) = start_binary(&state);
    let mut missing = Vec::new();
    for id in &acknowledged {
        let status = client
            .get(format!(
                "{base}/api/publishers/contoso/offers/{id}?api-version=2017-10-31"
            ))
            .header("Authorization", BEARER)
            .send()
            .await
            .expect("answered")
            .status();
        if status != 200 {
            missing.push(id.clone());
        }
    }
    let _ = again.kill();
    let _ = again.wait();

    assert!(
        acknowledged.len() >= 8,
        "only {} writes acknowledged in {load_time:?}",
        acknowledged.len()
    );
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    (acknowledged.len(), compactions)
}

#[tokio::test]
async fn a_reset_is_saved_too() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = dir.path().join("state.json");
    let app = spawn_app_with(with_state(&state)).await;
    let document =
        json!({"publisherId": "contoso", "id": "gone", "offerTypeId": "t", "definition": {}});
    assert_eq!(
        app.put_offer("contoso", "gone", &document, None)
            .await
            .status(),
        200
    );
    app.server.shutdown().await;
    // Started from the state file (with the offer), then reset to the fixtures.
    let again = spawn_app_with(with_state(&state)).await;
    again.server.control().reset().expect("resets");
    again.server.shutdown().await;

    let third = spawn_app_with(with_state(&state)).await;

    assert_eq!(third.get_offer("contoso", "gone", "").await.status(), 404);
}
