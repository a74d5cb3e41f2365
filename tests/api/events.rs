//! `GET /_mock/events`: domain events as server-sent events, ids from the one sequence,
//! resumable with `Last-Event-ID`, produced at once by a clock advance.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, json, operation_id, spawn_app, spawn_app_at_scale};

/// One server-sent event: id, type, data.
#[derive(Debug, Clone)]
struct Sse {
    id: u64,
    kind: String,
    data: serde_json::Value,
}

/// Reads events from `response` until `enough` says so (or five seconds pass).
async fn read_events(
    response: &mut reqwest::Response,
    enough: impl Fn(&[Sse]) -> bool,
) -> Vec<Sse> {
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !enough(&events) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("no more events in 5 s; had {events:?}"))
            .expect("the stream reads")
            .expect("the stream goes on");
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|line| line.strip_prefix(&format!("{name}:")))
                    .map(|v| v.trim().to_owned())
            };
            if let (Some(id), Some(kind), Some(data)) = (field("id"), field("event"), field("data"))
            {
                events.push(Sse {
                    id: id.parse().expect("a numeric id"),
                    kind,
                    data: serde_json::from_str(&data).expect("JSON data"),
                });
            }
        }
    }
    events
}

async fn subscribe(app: &TestApp, last_event_id: Option<u64>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/_mock/events"));
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let response = request.send().await.expect("subscribed");
    assert_eq!(response.status(), 200);
    assert!(crate::helpers::header(&response, "content-type").starts_with("text/event-stream"));
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_live_streams_its_start_its_steps_and_its_end_and_a_client_resumes() {
    let app = spawn_app().await;
    let mut stream = subscribe(&app, None).await;
    let id = operation_id(&app.go_live_location("contoso", "slow-golive").await);
    let started = read_events(&mut stream, |events| !events.is_empty()).await;
    app.control(
        Method::POST,
        "/_mock/clock/advance",
        Some(json!({"seconds": 7200})),
    )
    .await;
    let rest = read_events(&mut stream, |events| {
        events.iter().any(|e| e.kind == "operation.ended")
    })
    .await;

    assert_eq!(started[0].kind, "operation.started");
    assert_eq!(started[0].data["operationId"], id.as_str());
    assert_eq!(started[0].data["type"], "goLive");
    let journal = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    assert_eq!(
        started[0].id, journal["requests"][0]["seq"],
        "the event's id is the request's sequence number"
    );
    let kinds: Vec<(&str, &str)> = rest
        .iter()
        .map(|e| (e.kind.as_str(), e.data["step"].as_str().unwrap_or("")))
        .collect();
    assert!(
        kinds.contains(&("step.finished", "publisher-signoff")),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("step.started", "live")), "{kinds:?}");
    assert!(kinds.contains(&("step.finished", "live")), "{kinds:?}");
    let ended = rest.last().expect("an end");
    assert_eq!(
        (ended.kind.as_str(), &ended.data["status"]),
        ("operation.ended", &json!("complete"))
    );
    let ids: Vec<u64> = started.iter().chain(&rest).map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");

    // A client that read up to the start resumes after it, and gets the rest again.
    let mut resumed = subscribe(&app, Some(started[0].id)).await;
    let again = read_events(&mut resumed, |events| events.len() >= rest.len()).await;
    let again_ids: Vec<u64> = again.iter().map(|e| e.id).collect();
    let rest_ids: Vec<u64> = rest.iter().map(|e| e.id).collect();
    assert_eq!(again_ids, rest_ids);
}

/// With the clock running and nothing else happening, a stream wakes as each step ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_that_end_with_time_alone_are_streamed_as_they_end() {
    // A go-live of 0.1 s then 0.4 s.
    let app = spawn_app_at_scale(0.1).await;
    let mut stream = subscribe(&app, None).await;
    let id = operation_id(&app.go_live_location("contoso", "ready-to-go-live").await);

    let events = read_events(&mut stream, |events| {
        events.iter().any(|e| e.kind == "operation.ended")
    })
    .await;

    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.data["step"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        kinds,
        [
            ("operation.started", ""),
            ("step.started", "publisher-signoff"),
            ("step.finished", "publisher-signoff"),
            ("step.started", "live"),
            ("step.finished", "live"),
            ("operation.ended", ""),
        ]
    );
    assert!(events.iter().all(|e| e.data["operationId"] == id.as_str()));
}

#[tokio::test]
async fn a_bad_last_event_id_is_refused() {
    let app = spawn_app().await;
    let answer = app
        .client
        .get(app.url("/_mock/events"))
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 400);
}

#[tokio::test]
async fn a_stream_with_a_timeout_sends_what_is_kept_and_ends() {
    let app = spawn_app().await;
    let id = operation_id(&app.go_live_location("contoso", "slow-golive").await);
    let started = std::time::Instant::now();
    let answer = app
        .client
        .get(app.url("/_mock/events?since=0&timeoutMs=0"))
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200);
    let text = tokio::time::timeout(Duration::from_secs(5), answer.text())
        .await
        .expect("the stream ended")
        .expect("read");
    assert!(
        text.contains("event: operation.started") && text.contains(&id),
        "{text}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    let started = std::time::Instant::now();
    let answer = app
        .client
        .get(app.url("/_mock/events?timeoutMs=300"))
        .send()
        .await
        .expect("answered");
    let text = tokio::time::timeout(Duration::from_secs(5), answer.text())
        .await
        .expect("the stream ended")
        .expect("read");
    assert!(!text.contains("event:"), "{text}");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn what_the_document_refuses_the_stream_refuses() {
    let app = spawn_app().await;
    let query_cases = [
        "since=-1",
        "since=%2B1",
        "since=1000000",
        "timeoutMs=300001",
        "timeoutMs=1.5",
        "timeoutMs=",
    ];
    for query in query_cases {
        let answer = app
            .client
            .get(app.url(&format!("/_mock/events?{query}")))
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status(), 400, "{query}");
        let body = json(answer).await;
        assert_eq!(body["error"]["code"], "BadRequest", "{query}: {body}");
    }
    // A Last-Event-ID from before a restart (past the last number) would never see an event.
    let answer = app
        .client
        .get(app.url("/_mock/events"))
        .header("Last-Event-ID", "5000")
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 400);
    assert!(
        json(answer).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("past the last sequence number")),
    );
}
