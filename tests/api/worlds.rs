//! Isolated worlds: selected by `X-Mock-World`, by the path prefix `/_world/{name}/…`, or by
//! the tenant of a token the mock issued; each with its own offers, operations, journal,
//! fault rules, clock and fixture set; bounded; kept in the state file.

use std::collections::BTreeSet;

use cloudpartner_mock::{Config, MockServer};
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

use crate::helpers::{
    API_VERSION, BEARER, TestApp, header, json, spawn_app, spawn_app_with, test_config,
};

/// How a test reaches a world.
#[derive(Clone, Copy)]
enum By {
    Header,
    Path,
}

/// A request to `path` in world `name`.
fn in_world(
    client: &Client,
    base: &str,
    name: &str,
    by: By,
    method: Method,
    path: &str,
) -> RequestBuilder {
    match by {
        By::Header => client
            .request(method, format!("{base}{path}"))
            .header("X-Mock-World", name),
        By::Path => client.request(method, format!("{base}/_world/{name}{path}")),
    }
}

const GOLIVE: &str =
    "/api/publishers/contoso/offers/ready-to-go-live/golive?api-version=2017-10-31";
const RUNNING_GOLIVES: &str = "/_mock/operations?offer=ready-to-go-live&type=goLive";

fn ids(listing: &Value) -> BTreeSet<String> {
    listing["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter_map(|op| op["id"].as_str().map(str::to_owned))
        .collect()
}

/// What one world's client saw: its operation id, the operation ids its world lists, and the
/// paths and statuses of its journal.
async fn drive(
    client: Client,
    base: String,
    name: String,
    by: By,
) -> (String, BTreeSet<String>, Vec<(String, u64)>) {
    let started = in_world(&client, &base, &name, by, Method::POST, GOLIVE)
        .header("Authorization", BEARER)
        .send()
        .await
        .expect("answered");
    assert_eq!(started.status(), 202, "{name}");
    let location = header(&started, "location");
    let operation_location = header(&started, "operation-location");
    let poll = match by {
        By::Path => {
            assert!(
                location.starts_with(&format!("/_world/{name}/api/")),
                "{location}"
            );
            assert!(
                operation_location.starts_with(&format!("{base}/_world/{name}/api/")),
                "{operation_location}"
            );
            client.get(format!("{base}{location}"))
        }
        By::Header => {
            assert!(location.starts_with("/api/"), "{location}");
            client
                .get(format!("{base}{location}"))
                .header("X-Mock-World", &name)
        }
    };
    let operation = json(
        poll.header("Authorization", BEARER)
            .send()
            .await
            .expect("answered"),
    )
    .await;
    let id = operation["id"]
        .as_str()
        .expect("an operation id")
        .to_owned();
    let listed = json(
        in_world(&client, &base, &name, by, Method::GET, RUNNING_GOLIVES)
            .send()
            .await
            .expect("answered"),
    )
    .await;
    let journal = json(
        in_world(&client, &base, &name, by, Method::GET, "/_mock/journal")
            .send()
            .await
            .expect("answered"),
    )
    .await;
    let requests = journal["requests"].as_array().expect("requests");
    // The journal keeps the Location the client was given, world prefix included.
    let recorded = requests
        .iter()
        .find(|r| r["status"] == 202)
        .and_then(|r| r["location"].as_str());
    assert_eq!(recorded, Some(location.as_str()), "{name}");
    let entries = requests
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    (id, ids(&listed), entries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_worlds_go_live_on_the_same_offer_each_seeing_only_its_own() {
    let app = spawn_app().await;
    let before = ids(&json(app.control(Method::GET, RUNNING_GOLIVES, None).await).await);

    let mut tasks = Vec::new();
    for i in 0..32 {
        let by = if i % 2 == 0 { By::Header } else { By::Path };
        let run = drive(
            app.client.clone(),
            app.base_url.clone(),
            format!("w{i}"),
            by,
        );
        tasks.push(tokio::spawn(run));
    }
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.expect("the world's client ran"));
    }
    let default_journal = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    let default_after = ids(&json(app.control(Method::GET, RUNNING_GOLIVES, None).await).await);
    let worlds = json(app.control(Method::GET, "/_mock/worlds", None).await).await;

    let own: BTreeSet<&String> = seen.iter().map(|(id, _, _)| id).collect();
    assert_eq!(own.len(), 32, "every world started an operation of its own");
    for (id, listed, journal) in &seen {
        let mut expected = before.clone();
        expected.insert(id.clone());
        assert_eq!(listed, &expected, "a world lists its own operation only");
        let paths: Vec<&str> = journal.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                format!("/api/publishers/contoso/offers/ready-to-go-live/operations/{id}").as_str(),
                "/api/publishers/contoso/offers/ready-to-go-live/golive",
            ],
            "a world's journal holds its own requests, without the prefix"
        );
    }
    assert_eq!(default_journal["count"], 0, "{default_journal}");
    assert_eq!(default_after, before);
    assert_eq!(worlds["count"], 32);
    assert_eq!(worlds["worlds"][0]["name"], "default");
}

#[tokio::test]
async fn past_the_limit_a_new_world_is_refused_with_429_and_nothing_is_evicted() {
    let app = spawn_app_with(Config {
        max_worlds: 2,
        ..test_config()
    })
    .await;
    let golive = |name: &'static str| {
        in_world(
            &app.client,
            &app.base_url,
            name,
            By::Header,
            Method::POST,
            GOLIVE,
        )
        .header("Authorization", BEARER)
        .send()
    };

    let first = golive("a").await.expect("answered");
    let second = golive("b").await.expect("answered");
    let third = golive("c").await.expect("answered");
    let a_again = json(
        in_world(
            &app.client,
            &app.base_url,
            "a",
            By::Header,
            Method::GET,
            "/_mock/journal",
        )
        .send()
        .await
        .expect("answered"),
    )
    .await;
    let deleted = app.control(Method::DELETE, "/_mock/worlds/a", None).await;
    let after_delete = golive("c").await.expect("answered");

    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (202, 202)
    );
    assert_eq!(third.status(), 429);
    let refusal = json(third).await;
    assert_eq!(refusal["error"]["code"], "TooManyWorlds");
    let message = refusal["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("--max-worlds") && message.contains('2'),
        "{message}"
    );
    assert_eq!(
        a_again["count"], 1,
        "world a kept what it was told: {a_again}"
    );
    assert_eq!(deleted.status(), 204);
    assert_eq!(after_delete.status(), 202);
}

/// `method path` in world `name` (by header), with the test token and an optional JSON body.
async fn call(
    app: &TestApp,
    name: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = in_world(&app.client, &app.base_url, name, By::Header, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request
        .header("Authorization", BEARER)
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn fixtures_faults_clock_and_reset_belong_to_one_world() {
    let app = spawn_app().await;
    let solo_fixture =
        json!({"id": "solo", "offers": [{"id": "only", "offerTypeId": "microsoft-azure-corevm"}]});
    let rule = json!({"match": {"method": "GET"}, "respond": {"status": 503}});
    let solo = format!("/api/publishers/solo/offers/only?{API_VERSION}");
    let contoso = format!("/api/publishers/contoso/offers/ready-to-go-live?{API_VERSION}");

    let loaded = call(
        &app,
        "a",
        Method::PUT,
        "/_mock/fixtures",
        Some(solo_fixture),
    )
    .await;
    let faulted = call(&app, "a", Method::POST, "/_mock/faults", Some(rule)).await;
    let advance = Some(json!({"seconds": 60}));
    let advanced = call(&app, "a", Method::POST, "/_mock/clock/advance", advance).await;
    let in_a = call(&app, "a", Method::GET, &solo, None).await;
    let in_b = call(&app, "b", Method::GET, &solo, None).await;
    let contoso_in_b = call(&app, "b", Method::GET, &contoso, None).await;
    let default_clock = json(app.control(Method::GET, "/_mock/clock", None).await).await;
    let default_faults = json(app.control(Method::GET, "/_mock/faults", None).await).await;
    call(&app, "a", Method::POST, "/_mock/reset", None).await;
    let a_faults_after_reset =
        json(call(&app, "a", Method::GET, "/_mock/faults", None).await).await;
    let solo_after_reset = call(&app, "a", Method::GET, &solo, None).await;

    assert_eq!(
        (
            loaded.status().as_u16(),
            faulted.status().as_u16(),
            advanced.status().as_u16()
        ),
        (200, 201, 200)
    );
    assert_eq!(in_a.status(), 503, "world a's fault rule");
    assert_eq!(
        in_b.status(),
        404,
        "world b started from the default world's fixtures"
    );
    assert_eq!(contoso_in_b.status(), 200);
    assert_eq!(default_clock["offsetSeconds"], 0.0);
    assert_eq!(default_faults, json!([]));
    assert_eq!(a_faults_after_reset, json!([]));
    assert_eq!(
        solo_after_reset.status(),
        200,
        "a reset goes back to the world's own set"
    );
}

#[tokio::test]
async fn a_token_the_mock_issued_selects_the_world_of_its_tenant() {
    let app = spawn_app().await;
    let made = app.control(Method::PUT, "/_mock/worlds/team-a", None).await;
    let token = |tenant: &'static str| {
        let app = &app;
        async move {
            let answer = crate::helpers::contoso_token_request(app, tenant).await;
            json(answer).await["access_token"]
                .as_str()
                .expect("a token")
                .to_owned()
        }
    };
    let team_a = token("team-a").await;
    let other = token("other-tenant").await;
    let golive = |token: String| {
        app.client
            .post(app.url(GOLIVE))
            .header("Authorization", format!("Bearer {token}"))
            .send()
    };

    let in_team_a = golive(team_a).await.expect("answered");
    let in_default = golive(other).await.expect("answered");
    let team_a_journal = json(
        in_world(
            &app.client,
            &app.base_url,
            "team-a",
            By::Path,
            Method::GET,
            "/_mock/journal",
        )
        .send()
        .await
        .expect("answered"),
    )
    .await;
    let default_journal = json(app.control(Method::GET, "/_mock/journal", None).await).await;

    assert_eq!(made.status(), 201);
    assert_eq!(
        (in_team_a.status().as_u16(), in_default.status().as_u16()),
        (202, 202)
    );
    assert_eq!(team_a_journal["count"], 1);
    assert_eq!(default_journal["count"], 1);
}

#[tokio::test]
async fn a_lower_case_bearer_scheme_selects_the_world_of_its_tenant_too() {
    let app = spawn_app().await;
    assert_eq!(
        app.control(Method::PUT, "/_mock/worlds/team-b", None)
            .await
            .status(),
        201
    );
    let answer = crate::helpers::contoso_token_request(&app, "team-b").await;
    let token = json(answer).await["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();

    let started = app
        .client
        .post(app.url(GOLIVE))
        .header("Authorization", format!("bearer {token}"))
        .send()
        .await
        .expect("answered");

    assert_eq!(started.status(), 202);
    let in_team_b = in_world(
        &app.client,
        &app.base_url,
        "team-b",
        By::Header,
        Method::GET,
        "/_mock/journal/count",
    )
    .send()
    .await
    .expect("answered");
    assert_eq!(
        json(in_team_b).await["count"],
        1,
        "RFC 7235: the scheme ignores case"
    );
    let in_default = json(app.control(Method::GET, "/_mock/journal/count", None).await).await;
    assert_eq!(in_default["count"], 0);
}

#[tokio::test]
async fn a_bad_world_name_is_a_clear_400() {
    let app = spawn_app().await;

    let by_header = app
        .client
        .get(app.url("/_mock/health"))
        .header("X-Mock-World", "../etc")
        .send()
        .await
        .expect("answered");
    let by_path = app
        .get(&format!("/_world/.x/api/publishers?{API_VERSION}"))
        .await;
    let deleting_default = app
        .control(Method::DELETE, "/_mock/worlds/default", None)
        .await;
    let unknown = app
        .control(Method::DELETE, "/_mock/worlds/never-made", None)
        .await;

    for answer in [by_header, by_path] {
        assert_eq!(answer.status(), 400);
        assert_eq!(json(answer).await["error"]["code"], "InvalidWorld");
    }
    assert_eq!(deleting_default.status(), 409);
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn worlds_are_kept_in_the_state_file_across_a_restart() {
    let dir = tempfile::tempdir().expect("a directory");
    let config = Config {
        state_file: Some(dir.path().join("state.json")),
        ..test_config()
    };
    let first = MockServer::start(config.clone()).await.expect("starts");
    let control = first.control().world("kept").expect("a world");
    let app = TestApp::for_server(first);
    let started = in_world(
        &app.client,
        &app.base_url,
        "kept",
        By::Header,
        Method::POST,
        GOLIVE,
    )
    .header("Authorization", BEARER)
    .send()
    .await
    .expect("answered");
    assert_eq!(started.status(), 202);
    let id = crate::helpers::operation_id(&header(&started, "location"));
    drop(control);
    app.server.shutdown().await;

    let second = MockServer::start(config).await.expect("starts again");
    let kept = second.control().world("kept").expect("the world");
    let listed = kept
        .operations("type=goLive&offer=ready-to-go-live")
        .expect("listed");
    let default = second
        .control()
        .operations("type=goLive&offer=ready-to-go-live")
        .expect("listed");

    assert!(listed.iter().any(|op| op.id == id), "{listed:?}");
    assert!(!default.iter().any(|op| op.id == id));
    assert_eq!(second.control().worlds().len(), 2);
}
