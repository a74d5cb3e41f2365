//! The state file's log: each change appended and synced, a torn last record dropped, damage
//! refused, compactions (on demand and on their own) that lose nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::http::Method;
use cloudpartner_mock::{Config, MockServer, StartError};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json, spawn_app, spawn_app_with, test_config};

fn with_state(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_owned()),
        ..test_config()
    }
}

/// A server on a state file in a new temporary directory (kept while the first lives).
async fn started() -> (tempfile::TempDir, PathBuf, TestApp) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = dir.path().join("state.json");
    let app = spawn_app_with(with_state(&state)).await;
    (dir, state, app)
}

fn segment(state: &Path, n: u64) -> PathBuf {
    PathBuf::from(format!("{}.{n}.log", state.display()))
}

/// The length of a segment's header, its first line.
fn header_length(log: &[u8]) -> usize {
    log.iter().position(|&b| b == b'\n').expect("a header") + 1
}

/// PUTs a new offer `id` whose document carries `padding` bytes.
async fn put(app: &TestApp, id: &str, padding: usize) {
    let document = json!({
        "publisherId": "contoso", "id": id, "offerTypeId": "t",
        "definition": {"displayText": id, "padding": "x".repeat(padding)}
    });
    let answer = app.put_offer("contoso", id, &document, None).await;
    assert_eq!(answer.status(), 200, "PUT {id}");
}

async fn exists(app: &TestApp, id: &str) -> bool {
    let answer = app.get_offer("contoso", id, "").await;
    match answer.status().as_u16() {
        200 => true,
        404 => false,
        other => panic!("GET {id}: {other}"),
    }
}

async fn status(app: &TestApp) -> Value {
    let answer = app.control(Method::GET, "/_mock/state-file", None).await;
    assert_eq!(answer.status(), 200);
    json(answer).await
}

/// The state file's status once no compaction runs (at most 20 s).
async fn settled(app: &TestApp) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen = status(app).await;
        if seen["compacting"] == false {
            return seen;
        }
        assert!(Instant::now() < deadline, "still compacting: {seen}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn refused(config: Config) -> String {
    match MockServer::start(config).await {
        Ok(server) => panic!("a server started on {}", server.base_url()),
        Err(e @ StartError::State(_)) => e.to_string(),
        Err(e) => panic!("refused for another reason: {e}"),
    }
}

#[tokio::test]
async fn each_change_is_one_record_appended_to_the_log() {
    let (_dir, state, app) = started().await;
    let snapshot = std::fs::read(&state).expect("a snapshot at start");

    put(&app, "one", 10).await;
    let after_one = std::fs::read(segment(&state, 1)).expect("the log");
    put(&app, "two", 10).await;
    let after_two = std::fs::read(segment(&state, 1)).expect("the log");

    // The snapshot is not rewritten; the log grows by one line a change.
    assert_eq!(std::fs::read(&state).expect("still there"), snapshot);
    let header = header_length(&after_one);
    let (_, first_line) = std::str::from_utf8(&after_one[..header - 1])
        .expect("text")
        .split_once(' ')
        .expect("checksum, then JSON");
    assert_eq!(
        serde_json::from_str::<Value>(first_line).expect("JSON"),
        json!({"segment": {"number": 1}})
    );
    assert_eq!(after_one.iter().filter(|&&b| b == b'\n').count(), 2);
    assert!(after_two.starts_with(&after_one));
    let line = std::str::from_utf8(&after_two[after_one.len()..]).expect("text");
    let (crc, record) = line
        .trim_end()
        .split_once(' ')
        .expect("checksum, then JSON");
    assert_eq!(crc.len(), 8);
    let record: Value = serde_json::from_str(record).expect("JSON");
    assert_eq!(record["offer"]["publisher"], "contoso");
    assert_eq!(record["offer"]["offer"]["id"], "two");
    let seen = status(&app).await;
    assert_eq!(seen["logBytes"], (after_two.len() - header) as u64);
    assert_eq!(seen["segment"], 1);
    assert_eq!(seen["snapshotBytes"], snapshot.len() as u64);
}

#[tokio::test]
async fn a_torn_last_record_is_dropped_and_writing_goes_on() {
    let (_dir, state, app) = started().await;
    put(&app, "a", 10).await;
    put(&app, "b", 10).await;
    app.server.shutdown().await;
    let whole = std::fs::metadata(segment(&state, 1))
        .expect("the log")
        .len();
    // What a crash in the middle of a write leaves: part of a record, no newline.
    let mut log = std::fs::read(segment(&state, 1)).expect("the log");
    log.extend_from_slice(b"1f2e3d4c {\"offer\":{\"publisher\":\"cont");
    std::fs::write(segment(&state, 1), &log).expect("written");

    let again = spawn_app_with(with_state(&state)).await;

    assert!(exists(&again, "a").await && exists(&again, "b").await);
    assert_eq!(
        std::fs::metadata(segment(&state, 1))
            .expect("the log")
            .len(),
        whole,
        "the torn record is cut off"
    );
    put(&again, "c", 10).await;
    again.server.shutdown().await;
    let third = spawn_app_with(with_state(&state)).await;
    assert!(exists(&third, "a").await && exists(&third, "c").await);
}

#[tokio::test]
async fn a_damaged_record_with_others_after_it_stops_start_up_and_is_left_alone() {
    let (_dir, state, app) = started().await;
    put(&app, "a", 10).await;
    put(&app, "b", 10).await;
    app.server.shutdown().await;
    let mut log = std::fs::read(segment(&state, 1)).expect("the log");
    let at = log.iter().position(|&b| b == b'{').expect("a record") + 2;
    log[at] ^= 0x01;
    std::fs::write(segment(&state, 1), &log).expect("written");

    let shown = refused(with_state(&state)).await;

    assert!(
        shown.contains("state.json.1.log")
            && shown.contains("line 1 does not match its checksum")
            && shown.contains("not a state this server wrote"),
        "{shown}"
    );
    assert_eq!(std::fs::read(segment(&state, 1)).expect("still there"), log);
}

#[tokio::test]
async fn a_record_about_an_offer_the_state_lacks_stops_start_up() {
    let (_dir, state, app) = started().await;
    put(&app, "a", 10).await;
    app.server.shutdown().await;
    let record = br#"{"revision":{"publisher":"contoso","offer":"nowhere","index":0,"revision":{"version":1,"changed":0,"offer_type_id":"t","body":{}}}}"#;
    let mut log = std::fs::read(segment(&state, 1)).expect("the log");
    log.extend_from_slice(format!("{:08x} ", crc32fast::hash(record)).as_bytes());
    log.extend_from_slice(record);
    log.push(b'\n');
    std::fs::write(segment(&state, 1), &log).expect("written");

    let shown = refused(with_state(&state)).await;

    assert!(
        shown.contains("state.json.1.log")
            && shown.contains("line 3: offer 'nowhere' of publisher 'contoso' is not in the state"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_compaction_folds_the_log_into_a_new_snapshot_while_writes_go_on() {
    let (_dir, state, app) = started().await;
    for i in 0..20 {
        put(&app, &format!("before-{i}"), 1000).await;
    }
    // A publish (a new version and an operation) and a clock move, in the log too.
    let publish = app
        .send(
            Method::POST,
            "/api/publishers/contoso/offers/draft-offer/publish?api-version=2017-10-31",
        )
        .await;
    assert_eq!(publish.status(), 202);
    app.advance_clock(30.0).await;
    let operations = |app: &TestApp| app.server.control().operations("").expect("listed");
    let kept_before = operations(&app);
    assert!(!kept_before.is_empty());
    let version_2 = json(app.get_offer("contoso", "draft-offer", "/versions/2").await).await;
    let before = status(&app).await;

    let started = app
        .control(Method::POST, "/_mock/state-file/compact", None)
        .await;
    assert_eq!(started.status(), 202);
    assert_eq!(json(started).await["compacting"], true);
    for i in 0..20 {
        put(&app, &format!("during-{i}"), 1000).await;
    }
    let after = settled(&app).await;

    assert_eq!(before["compactions"], 0);
    assert_eq!(after["compactions"], 1);
    assert_eq!(after["segment"], 2);
    assert!(after["lastCompactionMs"].as_f64().is_some(), "{after}");
    // The log holds only what was written after the compaction began.
    let second = std::fs::read(segment(&state, 2)).expect("segment 2");
    assert_eq!(
        after["logBytes"],
        (second.len() - header_length(&second)) as u64
    );
    assert!(!segment(&state, 1).exists(), "segment 1 is folded in");
    let snapshot: Value =
        serde_json::from_slice(&std::fs::read(&state).expect("the snapshot")).expect("JSON");
    assert_eq!(
        (snapshot["format"].clone(), snapshot["log"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(
        after["snapshotBytes"],
        std::fs::metadata(&state).expect("it").len()
    );
    app.server.shutdown().await;

    let again = spawn_app_with(with_state(&state)).await;
    for i in 0..20 {
        assert!(exists(&again, &format!("before-{i}")).await, "before-{i}");
        assert!(exists(&again, &format!("during-{i}")).await, "during-{i}");
    }
    assert_eq!(operations(&again), kept_before);
    assert_eq!(
        json(
            again
                .get_offer("contoso", "draft-offer", "/versions/2")
                .await
        )
        .await,
        version_2
    );
    // With the log folded in and nothing since, there is nothing to compact.
    let first = again
        .control(Method::POST, "/_mock/state-file/compact", None)
        .await;
    assert_eq!(first.status(), 202);
    settled(&again).await;
    let nothing = again
        .control(Method::POST, "/_mock/state-file/compact", None)
        .await;
    assert_eq!(nothing.status(), 200);
    assert_eq!(json(nothing).await["logBytes"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_compacted_on_its_own_once_it_outgrows_the_snapshot() {
    let (_dir, state, app) = started().await;

    // 200 KB a record: past the 4 MiB floor after about 21 writes.
    let mut written = 0;
    while status(&app).await["compactions"] == 0 {
        assert!(written < 60, "no compaction after {written} writes");
        put(&app, &format!("big-{written}"), 200_000).await;
        written += 1;
    }
    let after = settled(&app).await;
    app.server.shutdown().await;

    assert!(written >= 20, "compacted after {written} writes: {after}");
    assert!(
        after["snapshotBytes"].as_u64().expect("a size") > 4 << 20,
        "{after}"
    );
    let again = spawn_app_with(with_state(&state)).await;
    for i in 0..written {
        assert!(exists(&again, &format!("big-{i}")).await, "big-{i}");
    }
}

#[tokio::test]
async fn a_snapshot_of_format_1_is_still_read() {
    let (_dir, state, app) = started().await;
    put(&app, "old", 10).await;
    app.control(Method::POST, "/_mock/state-file/compact", None)
        .await;
    settled(&app).await;
    app.server.shutdown().await;
    // What a server without a log wrote: the whole state, format 1, no "log".
    let mut snapshot: Value =
        serde_json::from_slice(&std::fs::read(&state).expect("the snapshot")).expect("JSON");
    snapshot["format"] = json!(1);
    snapshot.as_object_mut().expect("an object").remove("log");
    std::fs::write(&state, snapshot.to_string()).expect("written");
    for n in 1..=2 {
        let _ = std::fs::remove_file(segment(&state, n));
    }

    let again = spawn_app_with(with_state(&state)).await;
    assert!(exists(&again, "old").await);
    put(&again, "new", 10).await;
    again.server.shutdown().await;

    let third = spawn_app_with(with_state(&state)).await;
    assert!(exists(&third, "old").await && exists(&third, "new").await);
    assert!(segment(&state, 1).exists());
}

#[tokio::test]
async fn a_log_without_its_snapshot_stops_start_up() {
    let (_dir, state, app) = started().await;
    put(&app, "a", 10).await;
    app.server.shutdown().await;
    std::fs::remove_file(&state).expect("removed");

    let shown = refused(with_state(&state)).await;

    assert!(
        shown.contains("state.json.1.log") && shown.contains("without its snapshot"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_deleted_world_leaves_no_file_behind() {
    let (dir, _state, app) = started().await;
    let made = app.control(Method::PUT, "/_mock/worlds/gone", None).await;
    assert_eq!(made.status(), 201);
    let world = app.server.control().world("gone").expect("the world");
    world
        .advance_clock(Duration::from_secs(5))
        .expect("the clock moved");
    let worlds = dir.path().join("state.json.worlds");
    let kept: Vec<_> = std::fs::read_dir(&worlds)
        .expect("the worlds' directory")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert!(kept.len() >= 2, "a snapshot and a log: {kept:?}");

    let deleted = app
        .control(Method::DELETE, "/_mock/worlds/gone", None)
        .await;

    assert_eq!(deleted.status(), 204);
    let left: Vec<_> = std::fs::read_dir(&worlds)
        .expect("the worlds' directory")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn without_a_state_file_its_routes_answer_404() {
    let app = spawn_app().await;

    let read = app.control(Method::GET, "/_mock/state-file", None).await;
    let compact = app
        .control(Method::POST, "/_mock/state-file/compact", None)
        .await;

    for answer in [read, compact] {
        assert_eq!(answer.status(), 404);
        assert_eq!(
            crate::helpers::header(&answer, "x-mock-reason"),
            "control.not-found"
        );
        let body = json(answer).await;
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("--state-file")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_segment_whose_header_names_another_stops_start_up() {
    let (_dir, state, app) = started().await;
    put(&app, "a", 10).await;
    put(&app, "b", 10).await;
    app.server.shutdown().await;
    let log = std::fs::read(segment(&state, 1)).expect("the log");
    let header = br#"{"segment":{"number":7}}"#;
    let mut moved = format!("{:08x} ", crc32fast::hash(header)).into_bytes();
    moved.extend_from_slice(header);
    moved.push(b'\n');
    moved.extend_from_slice(&log[header_length(&log)..]);
    std::fs::write(segment(&state, 1), &moved).expect("written");

    let shown = refused(with_state(&state)).await;

    assert!(
        shown.contains("state.json.1.log")
            && shown.contains("line 1: the header of segment 7, in segment 1"),
        "{shown}"
    );
}

#[tokio::test]
async fn the_rust_control_calls_do_what_the_routes_do() {
    let (_dir, _state, app) = started().await;
    put(&app, "a", 10).await;
    let control = app.server.control();

    let over_http = status(&app).await;
    let read = control.state_file().expect("a state file");
    let started = control.compact_state_file().expect("a state file");
    let again = control.compact_state_file().expect("a state file");
    let after = settled(&app).await;
    let without = spawn_app().await;
    let refused = without.server.control().state_file();

    assert_eq!(read, over_http);
    assert!(read["logBytes"].as_u64().is_some_and(|n| n > 0), "{read}");
    assert!(started, "a compaction started");
    assert!(!again, "not a second one while the first runs");
    assert_eq!(after["compactions"], 1);
    assert_eq!(control.state_file().expect("a state file"), after);
    assert_eq!(refused.expect_err("no state file").status, 404);
}

#[tokio::test]
async fn a_state_file_is_written_at_start_or_the_server_does_not_start() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let nested = dir.path().join("made").join("on").join("state.json");
    let under_a_file = dir.path().join("a-file").join("state.json");
    std::fs::write(dir.path().join("a-file"), b"not a directory").expect("written");
    // A directory where no file can be made, even by root.
    let unwritable = PathBuf::from("/proc/self/cppmock-state.json");

    let app = spawn_app_with(with_state(&nested)).await;
    let not_a_directory = refused(with_state(&under_a_file)).await;
    let not_writable = refused(with_state(&unwritable)).await;

    assert!(
        nested.exists(),
        "its directory is made and the snapshot written"
    );
    assert_eq!(status(&app).await["compactions"], 0);
    assert!(
        not_a_directory.contains("a-file/state.json")
            && not_a_directory.contains("Not a directory"),
        "{not_a_directory}"
    );
    assert!(
        not_writable.contains("/proc/self/cppmock-state.json: cannot write the state file"),
        "{not_writable}"
    );
}

#[tokio::test]
async fn a_world_whose_file_cannot_be_written_is_not_made() {
    let (dir, _state, app) = started().await;
    // The snapshot is written to `{name}.json.tmp` first: a directory there stops it.
    let worlds = dir.path().join("state.json.worlds");
    std::fs::create_dir_all(worlds.join("blocked.json.tmp")).expect("made");

    let blocked = app
        .control(Method::PUT, "/_mock/worlds/blocked", None)
        .await;
    let other = app.control(Method::PUT, "/_mock/worlds/other", None).await;

    assert_eq!(blocked.status(), 500);
    assert_eq!(
        crate::helpers::header(&blocked, "x-mock-reason"),
        "world.broken"
    );
    let body = json(blocked).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot write the state file")),
        "{body}"
    );
    assert_eq!(other.status(), 201);
    let listed = json(app.control(Method::GET, "/_mock/worlds", None).await).await;
    let names: Vec<&str> = listed["worlds"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert_eq!(names, ["default", "other"]);
    assert!(!worlds.join("blocked.json").exists());
}
