//! `POST /_mock/wait`: await an operation, requests or an offer instead of polling.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json, operation_id, spawn_app, spawn_app_at_scale};

async fn wait(app: &TestApp, body: Value) -> (u16, Value) {
    let answer = app.control(Method::POST, "/_mock/wait", Some(body)).await;
    let status = answer.status().as_u16();
    (status, json(answer).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_for_an_operation_ends_as_soon_as_a_clock_advance_ends_it() {
    let app = spawn_app().await;
    let id = operation_id(&app.go_live_location("contoso", "slow-golive").await);
    let advance = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        app.control(
            Method::POST,
            "/_mock/clock/advance",
            Some(json!({"seconds": 7200})),
        )
        .await
    };
    let started = Instant::now();

    let ((status, waited), advanced) = tokio::join!(
        wait(
            &app,
            json!({"operation": {"id": id, "status": "complete"}, "timeoutMs": 20000})
        ),
        advance
    );

    assert_eq!(advanced.status(), 200);
    assert_eq!(status, 200);
    assert_eq!(waited["met"], true, "{waited}");
    assert_eq!(waited["seen"]["status"], "complete");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "woken by the advance"
    );
}

#[tokio::test]
async fn a_wait_that_times_out_says_what_it_saw_last() {
    let app = spawn_app().await;
    let id = operation_id(&app.go_live_location("contoso", "slow-golive").await);

    let (status, waited) = wait(
        &app,
        json!({"operation": {"id": id, "status": "ended"}, "timeoutMs": 200}),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(waited["met"], false);
    assert_eq!(waited["seen"]["status"], "running");
    assert!(
        waited["waitedMs"].as_u64().is_some_and(|ms| ms >= 200),
        "{waited}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_for_requests_ends_when_the_tool_has_sent_them() {
    let app = spawn_app_at_scale(0.0).await;
    let since =
        json(app.control(Method::GET, "/_mock/journal", None).await).await["lastSeq"].clone();
    let tool = async {
        for offer in ["ready-to-go-live", "draft-offer"] {
            tokio::time::sleep(Duration::from_millis(50)).await;
            app.go_live("contoso", offer).await;
        }
    };
    let condition = json!({"requests": {"method": "POST", "pathPrefix": "/api/publishers/contoso",
                           "since": since, "count": 2}, "timeoutMs": 10000});

    let ((status, waited), ()) = tokio::join!(wait(&app, condition), tool);

    assert_eq!((status, &waited["met"]), (200, &json!(true)), "{waited}");
    assert_eq!(waited["seen"]["count"], 2);
}

#[tokio::test]
async fn a_wait_for_an_offer_status_met_already_answers_at_once() {
    let app = spawn_app_at_scale(0.0).await;
    app.go_live("contoso", "ready-to-go-live").await;

    let (status, waited) = wait(
        &app,
        json!({"offer": {"publisher": "contoso", "offer": "ready-to-go-live", "status": "succeeded"}}),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(waited["met"], true, "{waited}");
    assert!(waited["waitedMs"].as_u64().is_some_and(|ms| ms < 1000));
}

#[tokio::test]
async fn a_wait_for_what_cannot_be_is_refused() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), 400),
        (
            json!({"operation": {"id": "00000000-0000-0000-0000-000000000001", "status": "complete"},
                   "offer": {"publisher": "contoso", "offer": "x", "status": "running"}}),
            400,
        ),
        (
            json!({"operation": {"id": "not-a-guid", "status": "complete"}}),
            400,
        ),
        (
            json!({"operation": {"id": "00000000-0000-0000-0000-000000000001", "status": "done"}}),
            400,
        ),
        (
            json!({"operation": {"id": "00000000-0000-0000-0000-000000000001", "status": "complete"}}),
            404,
        ),
        (
            json!({"offer": {"publisher": "contoso", "offer": "nope", "status": "running"}}),
            404,
        ),
        (json!({"requests": {"count": 1}, "timeoutMs": 300001}), 400),
        // The ranges the OpenAPI document states: count an int32 from 1, since an int64
        // not past the last sequence number.
        (json!({"requests": {"count": 0}}), 400),
        (json!({"requests": {"count": 2_147_483_648_u64}}), 400),
        (
            json!({"requests": {"count": 9_223_372_036_854_775_808_u64}}),
            400,
        ),
        (json!({"requests": {"since": 1_000_000}}), 400),
        (json!({"requests": {"since": -1}}), 400),
        (json!({"operation": null, "requests": null}), 400),
    ];
    for (body, expected) in cases {
        let (status, answer) = wait(&app, body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
    }
}

#[tokio::test]
async fn whole_numbers_written_with_a_zero_fraction_are_taken_as_the_document_allows() {
    let app = spawn_app().await;
    let (status, answer) = wait(
        &app,
        json!({"requests": {"count": 1.0, "since": 0.0}, "timeoutMs": 0.0}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["met"], false, "{answer}");
}

/// serde's derive reads a struct from an array too; the document says object, so does the
/// server.
#[tokio::test]
async fn a_condition_or_a_body_written_as_an_array_is_refused() {
    let app = spawn_app().await;
    for body in [
        json!({"requests": [null, null], "timeoutMs": 0}),
        json!({"operation": ["00000000-0000-0000-0000-000000000001", "complete"]}),
        json!([{"requests": {"count": 1}}, 0]),
    ] {
        let (status, answer) = wait(&app, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
    }
    let answer = app
        .control(
            Method::POST,
            "/_mock/faults",
            Some(json!({"match": ["POST", "/api/**"], "respond": {"status": 503}})),
        )
        .await;
    assert_eq!(answer.status(), 400);
}
