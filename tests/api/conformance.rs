//! `/_mock/conformance`: for every client rule, a client that breaks it and one that does not,
//! on a frozen clock that only the test moves (so every interval is the one the test chose).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    API_VERSION, TestApp, golive_path, header, json as body_json, offer_path, operation_id,
    spawn_app_with, test_config,
};

/// A server whose clock stands still until the test moves it, with operations as long as the
/// fixtures say (a go-live of `ready-to-go-live` runs for minutes).
async fn frozen_app() -> TestApp {
    spawn_app_with(cloudpartner_mock::Config {
        frozen_clock: Some(1_767_225_600_000_000_000),
        time_scale: 1.0,
        ..test_config()
    })
    .await
}

async fn report(app: &TestApp, query: &str) -> Value {
    let response = app
        .control(Method::GET, &format!("/_mock/conformance{query}"), None)
        .await;
    assert_eq!(response.status(), 200);
    body_json(response).await
}

/// The rule `id` of the current report: its status and its violations.
async fn rule(app: &TestApp, id: &str) -> Value {
    let report = report(app, "").await;
    report["rules"]
        .as_array()
        .and_then(|rules| rules.iter().find(|rule| rule["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("no rule {id} in {report}"))
}

async fn status_of(app: &TestApp, id: &str) -> String {
    rule(app, id).await["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn reset(app: &TestApp) {
    let response = app.control(Method::POST, "/_mock/reset", None).await;
    assert_eq!(response.status(), 200);
}

async fn add_fault(app: &TestApp, rule: Value) {
    let response = app.control(Method::POST, "/_mock/faults", Some(rule)).await;
    assert_eq!(response.status(), 201, "the fault rule is taken");
}

fn seqs(rule: &Value) -> Vec<u64> {
    rule["violations"][0]["seqs"]
        .as_array()
        .map(|seqs| seqs.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn sentence(rule: &Value) -> String {
    rule["violations"][0]["sentence"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_empty_journal_exercises_no_rule_and_the_report_has_every_rule() {
    let app = frozen_app().await;
    let report = report(&app, "").await;
    let ids: Vec<&str> = report["rules"]
        .as_array()
        .map(|rules| rules.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        [
            "client.poll-too-fast",
            "client.retry-after-ignored",
            "client.retry-without-backoff",
            "client.poll-after-end",
            "client.operation-abandoned",
            "client.put-without-if-match",
            "client.constructed-operation-url",
            "client.secret-in-url",
            "client.unchanged-retry-of-4xx",
        ]
    );
    assert_eq!(
        report["summary"],
        json!({"passed": 0, "violated": 0, "notExercised": 9})
    );
    assert_eq!(
        (report["world"].as_str(), report["requests"].as_u64()),
        (Some("default"), Some(0))
    );
    assert_eq!(report["pollIntervalMs"], 1000);
    for rule in report["rules"].as_array().into_iter().flatten() {
        assert!(
            ["error", "warning", "info"].contains(&rule["severity"].as_str().unwrap_or_default())
                && rule["statement"].as_str().is_some_and(|s| s.len() > 20)
                && rule["evidence"]
                    .as_str()
                    .is_some_and(|s| s.contains("docs/") || s.contains("RFC")),
            "{rule}"
        );
    }
}

#[tokio::test]
async fn reading_a_running_operation_faster_than_the_interval_is_too_fast() {
    let app = frozen_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    for _ in 0..3 {
        assert_eq!(app.get(&location).await.status(), 200);
    }
    let fast = rule(&app, "client.poll-too-fast").await;
    assert_eq!(fast["status"], "violated");
    assert_eq!(seqs(&fast), [3, 4]);
    assert!(
        sentence(&fast).contains("was read 3 times; 2 reads came less than 1000 ms"),
        "{fast}"
    );

    reset(&app).await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    for _ in 0..3 {
        assert_eq!(app.get(&location).await.status(), 200);
        app.advance_clock(2.0).await;
    }
    assert_eq!(status_of(&app, "client.poll-too-fast").await, "passed");
    // The interval is the report's setting: 2 s apart is too fast for a 5 s floor.
    let strict = report(&app, "?pollIntervalMs=5000").await;
    assert_eq!(strict["pollIntervalMs"], 5000);
    assert_eq!(strict["rules"][0]["status"], "violated");

    // The offer's status read before and after a go-live reads news, not the same thing twice.
    reset(&app).await;
    let status = offer_path("contoso", "ready-to-go-live", "/status");
    assert_eq!(app.get(&status).await.status(), 200);
    app.go_live("contoso", "ready-to-go-live").await;
    assert_eq!(app.get(&status).await.status(), 200);
    assert_eq!(
        status_of(&app, "client.poll-too-fast").await,
        "notExercised"
    );
    assert_eq!(app.get(&status).await.status(), 200);
    assert_eq!(status_of(&app, "client.poll-too-fast").await, "violated");
}

#[tokio::test]
async fn a_retry_before_retry_after_has_passed_ignores_it() {
    let app = frozen_app().await;
    let status = offer_path("contoso", "ready-to-go-live", "/status");
    let throttle = json!({
        "match": {"method": "GET", "path": "/api/publishers/*/offers/*/status"},
        "respond": {"status": 429, "headers": {"Retry-After": "5"}},
        "times": 1
    });
    add_fault(&app, throttle.clone()).await;
    assert_eq!(app.get(&status).await.status(), 429);
    app.advance_clock(1.0).await;
    assert_eq!(app.get(&status).await.status(), 200);
    let ignored = rule(&app, "client.retry-after-ignored").await;
    assert_eq!(ignored["status"], "violated");
    assert_eq!(seqs(&ignored), [1, 2]);
    assert!(
        sentence(&ignored).contains(
            "answered 429 with Retry-After: 5 and sent again 1.000 s later, 4.000 s before"
        ),
        "{ignored}"
    );

    reset(&app).await;
    add_fault(&app, throttle).await;
    assert_eq!(app.get(&status).await.status(), 429);
    app.advance_clock(5.0).await;
    assert_eq!(app.get(&status).await.status(), 200);
    assert_eq!(
        status_of(&app, "client.retry-after-ignored").await,
        "passed"
    );
}

#[tokio::test]
async fn retries_at_a_constant_interval_do_not_back_off() {
    let app = frozen_app().await;
    let failing = json!({
        "match": {"method": "POST", "path": "/api/publishers/*/offers/*/golive"},
        "respond": {"status": 503},
        "times": 3
    });
    add_fault(&app, failing.clone()).await;
    for _ in 0..4 {
        app.go_live("contoso", "ready-to-go-live").await;
        app.advance_clock(1.0).await;
    }
    let constant = rule(&app, "client.retry-without-backoff").await;
    assert_eq!(constant["status"], "violated");
    assert_eq!(seqs(&constant), [1, 2, 3, 4]);
    assert!(
        sentence(&constant).contains("retried 3 times, waiting 1.000 s, 1.000 s, 1.000 s"),
        "{constant}"
    );

    reset(&app).await;
    add_fault(&app, failing).await;
    for wait in [1.0, 2.0, 4.0, 0.0] {
        app.go_live("contoso", "ready-to-go-live").await;
        app.advance_clock(wait).await;
    }
    assert_eq!(
        status_of(&app, "client.retry-without-backoff").await,
        "passed"
    );
}

#[tokio::test]
async fn reading_an_ended_operation_again_and_again_is_polling_after_its_end() {
    let app = frozen_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    app.advance_clock(86_400.0).await;
    for _ in 0..3 {
        assert_eq!(
            body_json(app.get(&location).await).await["status"],
            "complete"
        );
    }
    let after = rule(&app, "client.poll-after-end").await;
    assert_eq!(
        (after["status"].as_str(), after["severity"].as_str()),
        (Some("violated"), Some("info"))
    );
    assert_eq!(seqs(&after), [2, 3, 4]);
    assert!(
        sentence(&after).contains("was complete when read (seq 2) and was read 2 more times after"),
        "{after}"
    );

    reset(&app).await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    app.advance_clock(86_400.0).await;
    assert_eq!(app.get(&location).await.status(), 200);
    assert_eq!(status_of(&app, "client.poll-after-end").await, "passed");
}

#[tokio::test]
async fn an_operation_never_looked_at_after_its_start_is_abandoned() {
    let app = frozen_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    let abandoned = rule(&app, "client.operation-abandoned").await;
    assert_eq!(abandoned["status"], "violated");
    assert_eq!(seqs(&abandoned), [1]);
    assert!(
        sentence(&abandoned).contains(&operation_id(&location)),
        "{abandoned}"
    );

    // Its offer's status page is a way to see how it ended, as azure-img-utils reads it.
    reset(&app).await;
    app.go_live("contoso", "ready-to-go-live").await;
    let status = app
        .get(&offer_path("contoso", "ready-to-go-live", "/status"))
        .await;
    assert_eq!(status.status(), 200);
    assert_eq!(
        status_of(&app, "client.operation-abandoned").await,
        "passed"
    );
}

#[tokio::test]
async fn replacing_an_existing_offer_without_if_match_is_reported_and_creating_one_is_not() {
    let app = frozen_app().await;
    let document = body_json(app.get_offer("contoso", "draft-offer", "").await).await;
    let mut new_offer = document.clone();
    new_offer["id"] = json!("brand-new");
    assert_eq!(
        app.put_offer("contoso", "brand-new", &new_offer, None)
            .await
            .status(),
        200
    );
    assert_eq!(
        status_of(&app, "client.put-without-if-match").await,
        "notExercised"
    );

    assert_eq!(
        app.put_offer("contoso", "draft-offer", &document, None)
            .await
            .status(),
        200
    );
    let blind = rule(&app, "client.put-without-if-match").await;
    assert_eq!(blind["status"], "violated");
    assert_eq!(seqs(&blind), [3]);
    assert!(
        sentence(&blind).contains("replaced offer contoso/draft-offer without If-Match"),
        "{blind}"
    );

    reset(&app).await;
    assert_eq!(
        app.put_offer("contoso", "draft-offer", &document, Some("*"))
            .await
            .status(),
        200
    );
    assert_eq!(
        status_of(&app, "client.put-without-if-match").await,
        "passed"
    );
}

#[tokio::test]
async fn an_operation_read_at_a_path_built_from_ids_is_a_constructed_url() {
    let app = frozen_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    let id = operation_id(&location);
    let built = format!(
        "/api/publishers/contoso/offers/ready-to-go-live/submissions/operations/{id}/?{API_VERSION}"
    );
    assert_eq!(app.get(&built).await.status(), 200);
    let constructed = rule(&app, "client.constructed-operation-url").await;
    assert_eq!(constructed["status"], "violated");
    assert_eq!(seqs(&constructed), [1, 2]);
    assert!(
        sentence(&constructed).contains("/submissions/operations/"),
        "{constructed}"
    );

    reset(&app).await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    assert_eq!(app.get(&location).await.status(), 200);
    assert_eq!(
        status_of(&app, "client.constructed-operation-url").await,
        "passed"
    );
}

#[tokio::test]
async fn a_credential_in_a_query_string_is_named_but_not_repeated() {
    let app = frozen_app().await;
    let leaky =
        format!("/api/publishers?{API_VERSION}&client_secret=hunter2&access_token=eyJa.b.c");
    assert_eq!(app.get(&leaky).await.status(), 200);
    let secret = rule(&app, "client.secret-in-url").await;
    assert_eq!(
        (secret["status"].as_str(), secret["severity"].as_str()),
        (Some("violated"), Some("error"))
    );
    let said = sentence(&secret);
    assert!(said.contains("`client_secret`, `access_token`"), "{said}");
    assert!(
        !said.contains("hunter2") && !said.contains("eyJa"),
        "{said}"
    );

    reset(&app).await;
    assert_eq!(
        app.get(&format!("/api/publishers?{API_VERSION}"))
            .await
            .status(),
        200
    );
    assert_eq!(status_of(&app, "client.secret-in-url").await, "passed");
}

#[tokio::test]
async fn a_client_error_sent_again_unchanged_is_reported_unless_something_changed() {
    let app = frozen_app().await;
    for _ in 0..2 {
        assert_eq!(app.go_live("contoso", "draft-offer").await.status(), 400);
    }
    let unchanged = rule(&app, "client.unchanged-retry-of-4xx").await;
    assert_eq!(unchanged["status"], "violated");
    assert_eq!(seqs(&unchanged), [1, 2]);
    assert!(
        sentence(&unchanged).contains("was answered 400 ("),
        "{unchanged}"
    );

    // A publish in between is a change: the same go-live may now be answered otherwise.
    reset(&app).await;
    assert_eq!(app.go_live("contoso", "draft-offer").await.status(), 400);
    let published = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    assert_eq!(published.status(), 202);
    app.go_live("contoso", "draft-offer").await;
    assert_eq!(
        status_of(&app, "client.unchanged-retry-of-4xx").await,
        "passed"
    );
}

#[tokio::test]
async fn each_world_is_judged_on_its_own_traffic_and_the_page_and_rust_helper_agree() {
    let app = frozen_app().await;
    let in_world = app
        .authed(Method::POST, &golive_path("contoso", "ready-to-go-live"))
        .header("X-Mock-World", "conf-a")
        .send()
        .await
        .expect("answered");
    assert_eq!(in_world.status(), 202);
    assert!(header(&in_world, "location").starts_with("/api/"));

    let world = app
        .client
        .get(app.url("/_mock/conformance"))
        .header("X-Mock-World", "conf-a")
        .send()
        .await
        .expect("answered");
    let world = body_json(world).await;
    assert_eq!(
        (world["world"].as_str(), world["requests"].as_u64()),
        (Some("conf-a"), Some(1))
    );
    assert_eq!(world["rules"][4]["status"], "violated");
    assert_eq!(report(&app, "").await["requests"], 0);

    let control = app.server.control().world("conf-a").expect("the world");
    let typed = control.conformance("").expect("a report");
    let abandoned = typed.rule("client.operation-abandoned").expect("the rule");
    assert_eq!(abandoned.status, "violated");
    assert_eq!(abandoned.violations[0].seqs, [1]);
    assert_eq!(
        typed
            .violated_at_least("warning")
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["client.operation-abandoned"]
    );
    assert!(typed.violated_at_least("error").is_empty());
    assert!(control.conformance("pollIntervalMs=soon").is_err());

    let page = app
        .client
        .get(app.url("/_mock/conformance.html"))
        .header("X-Mock-World", "conf-a")
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let page = page.text().await.expect("a page");
    assert!(
        page.contains("client.operation-abandoned") && page.contains("violated"),
        "{page}"
    );

    let refused = app
        .control(Method::GET, "/_mock/conformance?since=3", None)
        .await;
    assert_eq!(refused.status(), 400);
}
