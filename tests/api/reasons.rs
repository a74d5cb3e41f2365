//! Every answer that is not a success says why: one request per reason code of
//! docs/reasons.md, its status and `x-mock-reason`, and for `/api` the journal's `reason`.

use std::collections::BTreeSet;
use std::time::Duration;

use cloudpartner_mock::{AuthMode, Config, PutMode};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json, spawn_app, spawn_app_with, test_config};

const Q: &str = "api-version=2017-10-31";
/// A JWT (`{"alg":"RS256","typ":"JWT"}`, `{"tid":"x"}`) the mock did not sign.
const FOREIGN_JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl";
const OFFER: &str = "/api/publishers/contoso/offers";

/// The reasons no request can bring about (a bug's answers, a body that cannot be read
/// without the connection breaking); every other reason documented is asserted below.
const NOT_REACHABLE: [&str; 3] = ["internal.panic", "body.unreadable", "identity.server_error"];

/// The reasons of the server's limits, which need a flood or a held connection: asserted in
/// `hostile.rs` (`a_body_past_the_bytes_in_flight_is_refused_503_before_it_is_read`,
/// `past_the_connection_cap_health_still_answers_and_the_rest_is_told_503_and_closed`).
const ASSERTED_IN_HOSTILE: [&str; 2] = ["body.no-room", "server.connections"];

/// The reasons the tests of this file assert, one request each.
const ASSERTED: [&str; 56] = [
    "auth.missing-bearer",
    "auth.unknown-token",
    "auth.invalid-token",
    "auth.publisher-not-granted",
    "api-version.missing",
    "api-version.unsupported",
    "route.unknown",
    "route.method-not-allowed",
    "path.invalid",
    "body.invalid-json",
    "body.invalid",
    "body.invalid-document",
    "body.too-deep",
    "body.too-large",
    "body.timeout",
    "publisher.not-found",
    "offer.not-found",
    "operation.not-found",
    "operation.malformed-id",
    "operation.malformed-key",
    "version.malformed",
    "version.not-found",
    "slot.unknown",
    "slot.empty",
    "name.invalid",
    "etag.missing",
    "etag.invalid",
    "etag.stale",
    "offer.invalid",
    "lifecycle.nothing-in-preview",
    "lifecycle.operation-running",
    "lifecycle.cannot-cancel",
    "fault.rule=<id>",
    "control.token-missing",
    "control.bad-request",
    "control.not-found",
    "fixtures.invalid",
    "lifecycle.operation-ended",
    "lifecycle.step-ended",
    "operation.not-a-step",
    "world.invalid-name",
    "world.limit",
    "world.not-found",
    "world.default",
    "world.broken",
    "state-file.unwritten",
    "identity.invalid_request",
    "identity.invalid_client",
    "identity.unauthorized_client",
    "identity.invalid_scope",
    "identity.unsupported_grant_type",
    "identity.temporarily_unavailable",
    // Counted once each above; these name the same codes from another plane.
    "route.unknown",
    "world.invalid-name",
    "world.limit",
    "auth.missing-bearer",
];

/// Sends `method path` (with `bearer` if given, `headers`, `body`) and gives the status and
/// `x-mock-reason`, and the body.
async fn ask(
    app: &TestApp,
    method: Method,
    path: impl AsRef<str>,
    bearer: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, String, Value) {
    let mut request = app.client.request(method, app.url(path.as_ref()));
    if let Some(token) = bearer {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body);
    }
    read(request.send().await.expect("answered")).await
}

async fn read(response: Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let reason = crate::helpers::header(&response, "x-mock-reason");
    let body = response.json().await.unwrap_or(Value::Null);
    (status, reason, body)
}

/// Asserts `seen` is `status` with `reason`.
fn expect(seen: &(u16, String, Value), status: u16, reason: &str) {
    assert_eq!((seen.0, seen.1.as_str()), (status, reason), "{}", seen.2);
}

fn offer_document(id: &str) -> String {
    json!({"publisherId": "contoso", "id": id, "offerTypeId": "microsoft-azure-corevm",
           "definition": {"displayText": "x"}})
    .to_string()
}

/// A request and the refusal it must get.
struct Case {
    method: Method,
    path: String,
    bearer: Option<&'static str>,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<String>,
    status: u16,
    reason: &'static str,
}

/// `method path` with the test token, no body.
fn case(method: Method, path: String, status: u16, reason: &'static str) -> Case {
    Case {
        method,
        path,
        bearer: Some("contoso-token"),
        headers: Vec::new(),
        body: None,
        status,
        reason,
    }
}

impl Case {
    fn body(self, body: impl Into<String>) -> Case {
        Case {
            body: Some(body.into()),
            ..self
        }
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Case {
        self.headers.push((name, value));
        self
    }

    fn anonymous(self) -> Case {
        Case {
            bearer: None,
            ..self
        }
    }

    async fn check(self, app: &TestApp) -> (u16, String, Value) {
        let seen = ask(
            app,
            self.method,
            &self.path,
            self.bearer,
            &self.headers,
            self.body,
        )
        .await;
        expect(&seen, self.status, self.reason);
        seen
    }
}

#[tokio::test]
async fn the_api_says_why_it_refuses() {
    let app = spawn_app().await;
    let (get, post, put) = (Method::GET, Method::POST, Method::PUT);
    let golive = format!("{OFFER}/ready-to-go-live/golive?{Q}");
    let draft = format!("{OFFER}/draft-offer?{Q}");
    let rr = format!("{OFFER}/ready-to-go-live");
    let cases = [
        case(post.clone(), golive.clone(), 401, "auth.missing-bearer").anonymous(),
        case(
            get.clone(),
            "/api/publishers".into(),
            400,
            "api-version.missing",
        ),
        case(
            get.clone(),
            "/api/publishers?api-version=2016-01-01".into(),
            400,
            "api-version.unsupported",
        ),
        case(get.clone(), golive.clone(), 405, "route.method-not-allowed"),
        case(
            get.clone(),
            format!("/api/publishers/%FF/offers?{Q}"),
            400,
            "path.invalid",
        ),
        case(post.clone(), golive.clone(), 400, "body.invalid-json").body("{not json"),
        case(post.clone(), golive.clone(), 400, "body.invalid").body("[]"),
        case(put.clone(), draft.clone(), 400, "body.invalid-document")
            .body(offer_document("other")),
        case(put.clone(), draft.clone(), 400, "body.too-deep").body(format!(
            "{}{}",
            "[".repeat(65),
            "]".repeat(65)
        )),
        case(put.clone(), draft.clone(), 413, "body.too-large").body("x".repeat(3 << 20)),
        case(
            get.clone(),
            format!("/api/publishers/nobody/offers?{Q}"),
            404,
            "publisher.not-found",
        ),
        case(
            get.clone(),
            format!("{OFFER}/no-such-offer?{Q}"),
            404,
            "offer.not-found",
        ),
        case(
            get.clone(),
            format!("{rr}/operations/00000000-0000-0000-0000-000000000001?{Q}"),
            404,
            "operation.not-found",
        ),
        case(
            get.clone(),
            format!("{rr}/operations/not-a-guid?{Q}"),
            400,
            "operation.malformed-id",
        ),
        case(
            get.clone(),
            format!("/api/operations/nonsense?{Q}"),
            400,
            "operation.malformed-key",
        ),
        case(
            get.clone(),
            format!("{rr}/versions/x?{Q}"),
            400,
            "version.malformed",
        ),
        case(
            get.clone(),
            format!("{rr}/versions/99?{Q}"),
            404,
            "version.not-found",
        ),
        case(
            get.clone(),
            format!("{rr}/slot/live?{Q}"),
            400,
            "slot.unknown",
        ),
        case(
            get.clone(),
            format!("{OFFER}/draft-offer/slot/preview?{Q}"),
            404,
            "slot.empty",
        ),
        case(
            put.clone(),
            format!("{OFFER}/bad~name?{Q}"),
            400,
            "name.invalid",
        )
        .body(offer_document("bad~name")),
        case(put.clone(), draft.clone(), 412, "etag.stale")
            .header("If-Match", "W/\"old\"")
            .body(offer_document("draft-offer")),
        case(
            post.clone(),
            format!("{OFFER}/invalid-offer/publish?{Q}"),
            422,
            "offer.invalid",
        ),
        case(
            post.clone(),
            format!("{OFFER}/draft-offer/golive?{Q}"),
            400,
            "lifecycle.nothing-in-preview",
        ),
        case(
            post.clone(),
            format!("{OFFER}/publish-running/golive?{Q}"),
            409,
            "lifecycle.operation-running",
        ),
        case(
            post.clone(),
            format!("{OFFER}/cannot-cancel/cancel?{Q}"),
            409,
            "lifecycle.cannot-cancel",
        ),
    ];
    for case in cases {
        case.check(&app).await;
    }
    let unknown = case(post, format!("{rr}/go-live?{Q}"), 404, "route.unknown")
        .check(&app)
        .await;
    let message = unknown.2["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message
            .contains("Did you mean POST /api/publishers/{publisherId}/offers/{offerId}/golive?"),
        "{message}"
    );
    let not_text = app
        .client
        .put(app.url(&draft))
        .header("Authorization", "Bearer contoso-token")
        .header(
            "If-Match",
            reqwest::header::HeaderValue::from_bytes(b"W/\"\xff\"").expect("obs-text"),
        )
        .body(offer_document("draft-offer"))
        .send()
        .await
        .expect("answered");
    expect(&read(not_text).await, 400, "etag.invalid");
    let rule = json!({"match": {"offer": "fabrikam-linux"}, "respond": {"status": 503}});
    let id = json(app.control(Method::POST, "/_mock/faults", Some(rule)).await).await["id"]
        .as_str()
        .expect("a rule id")
        .to_owned();
    let faulted = ask(
        &app,
        get,
        format!("/api/publishers/fabrikam/offers/fabrikam-linux?{Q}"),
        Some("contoso-token"),
        &[],
        None,
    )
    .await;
    expect(&faulted, 503, &format!("fault.rule={id}"));

    // The journal keeps the same reason beside each refusal.
    let journal = json(app.control(Method::GET, "/_mock/journal", None).await).await;
    let requests = journal["requests"].as_array().expect("requests");
    assert_eq!(requests[0]["reason"], format!("fault.rule={id}"));
    let journaled: BTreeSet<&str> = requests
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    for reason in [
        "auth.missing-bearer",
        "route.unknown",
        "etag.stale",
        "lifecycle.cannot-cancel",
    ] {
        assert!(journaled.contains(reason), "{reason} not in {journaled:?}");
    }
    assert!(
        requests
            .iter()
            .filter(|r| r["status"].as_u64().is_some_and(|s| s < 400))
            .all(|r| r["reason"].is_null()),
        "a success has no reason"
    );
}

#[tokio::test]
async fn strict_modes_say_why_they_refuse() {
    let app = spawn_app_with(Config {
        auth: AuthMode::Strict,
        put_mode: PutMode::Strict,
        ..test_config()
    })
    .await;
    let publishers = format!("/api/publishers?{Q}");

    expect(
        &ask(&app, Method::GET, &publishers, Some("nobody"), &[], None).await,
        401,
        "auth.unknown-token",
    );
    expect(
        &ask(&app, Method::GET, &publishers, Some(FOREIGN_JWT), &[], None).await,
        401,
        "auth.invalid-token",
    );
    expect(
        &ask(
            &app,
            Method::GET,
            &format!("/api/publishers/fabrikam/offers?{Q}"),
            Some("contoso-token"),
            &[],
            None,
        )
        .await,
        403,
        "auth.publisher-not-granted",
    );
    expect(
        &ask(
            &app,
            Method::PUT,
            &format!("{OFFER}/draft-offer?{Q}"),
            Some("contoso-token"),
            &[],
            Some(offer_document("draft-offer")),
        )
        .await,
        400,
        "etag.missing",
    );

    // The identity platform, which checks app registrations in strict mode.
    let token = |tenant: &str, form: Vec<(&'static str, &'static str)>| {
        let request = app
            .client
            .post(app.url(&format!("/{tenant}/oauth2/v2.0/token")))
            .header("Host", "login.microsoftonline.com")
            .form(&form);
        async move { read(request.send().await.expect("answered")).await }
    };
    let form = |client: &'static str, secret: &'static str, scope: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", scope),
        ]
    };
    let cpp = "https://cloudpartner.azure.com/.default";
    let contoso_app = "11111111-1111-1111-1111-111111111111";
    expect(
        &token(
            "contoso.example",
            vec![("grant_type", "client_credentials")],
        )
        .await,
        400,
        "identity.invalid_request",
    );
    expect(
        &token("contoso.example", form(contoso_app, "wrong", cpp)).await,
        401,
        "identity.invalid_client",
    );
    expect(
        &token(
            "contoso.example",
            form("00000000-0000-0000-0000-00000000000f", "x", cpp),
        )
        .await,
        400,
        "identity.unauthorized_client",
    );
    expect(
        &token(
            "contoso.example",
            form(
                contoso_app,
                "contoso-secret",
                "https://graph.microsoft.com/.default",
            ),
        )
        .await,
        400,
        "identity.invalid_scope",
    );
    expect(
        &token("contoso.example", vec![("grant_type", "password")]).await,
        400,
        "identity.unsupported_grant_type",
    );
    let unknown = app
        .client
        .get(app.url("/contoso.example/nothing"))
        .header("Host", "login.microsoftonline.com")
        .send()
        .await
        .expect("answered");
    expect(&read(unknown).await, 404, "route.unknown");
}

#[tokio::test]
async fn without_a_signing_key_the_sign_in_says_it_is_unavailable() {
    let not_a_directory = tempfile::NamedTempFile::new().expect("a file");
    let app = spawn_app_with(Config {
        ca_dir: Some(not_a_directory.path().to_owned()),
        ..test_config()
    })
    .await;
    let answer = crate::helpers::contoso_token_request(&app, "contoso.example").await;
    expect(&read(answer).await, 503, "identity.temporarily_unavailable");
}

#[tokio::test]
async fn the_control_plane_says_why_it_refuses() {
    let app = spawn_app_with(Config {
        control_token: Some("ctl".to_owned()),
        max_worlds: 1,
        ..test_config()
    })
    .await;
    let ctl = Some("ctl");
    let control = |method: Method, path: &'static str, body: Option<Value>| {
        ask(&app, method, path, ctl, &[], body.map(|b| b.to_string()))
    };

    expect(
        &ask(&app, Method::GET, "/_mock/journal", None, &[], None).await,
        401,
        "control.token-missing",
    );
    expect(
        &control(Method::GET, "/_mock/journal?bogus=1", None).await,
        400,
        "control.bad-request",
    );
    expect(
        &control(Method::DELETE, "/_mock/faults/nope", None).await,
        404,
        "control.not-found",
    );
    expect(
        &control(
            Method::PUT,
            "/_mock/fixtures",
            Some(json!({"id": "x", "offers": [{"id": "o"}]})),
        )
        .await,
        400,
        "fixtures.invalid",
    );

    // An operation to end: ready-to-go-live's go-live (sign-off 1 s, then live 4 s).
    let started = ask(
        &app,
        Method::POST,
        &format!("{OFFER}/ready-to-go-live/golive?{Q}"),
        Some("t"),
        &[],
        None,
    )
    .await;
    assert_eq!(started.0, 202);
    let id = json(
        app.client
            .get(app.url("/_mock/operations?offer=ready-to-go-live&status=running"))
            .bearer_auth("ctl")
            .send()
            .await
            .expect("answered"),
    )
    .await["operations"][0]["id"]
        .as_str()
        .expect("a running operation")
        .to_owned();
    app.server
        .control()
        .advance_clock(Duration::from_secs(2))
        .expect("the clock moved");
    let fail = |step: &str| {
        ask(
            &app,
            Method::POST,
            format!("/_mock/operations/{id}/fail"),
            ctl,
            &[],
            Some(json!({"step": step}).to_string()),
        )
    };
    expect(
        &fail("publisher-signoff").await,
        409,
        "lifecycle.step-ended",
    );
    expect(&fail("nope").await, 400, "operation.not-a-step");
    let complete = format!("/_mock/operations/{id}/complete");
    assert_eq!(
        ask(&app, Method::POST, &complete, ctl, &[], None).await.0,
        200
    );
    expect(
        &ask(&app, Method::POST, &complete, ctl, &[], None).await,
        409,
        "lifecycle.operation-ended",
    );

    // Worlds, from the control plane and from the API.
    let world = |name: &'static str| [("X-Mock-World", name)];
    expect(
        &ask(
            &app,
            Method::GET,
            "/_mock/health",
            ctl,
            &world("../x"),
            None,
        )
        .await,
        400,
        "world.invalid-name",
    );
    expect(
        &ask(
            &app,
            Method::GET,
            &format!("/api/publishers?{Q}"),
            Some("t"),
            &world("../x"),
            None,
        )
        .await,
        400,
        "world.invalid-name",
    );
    assert_eq!(control(Method::PUT, "/_mock/worlds/one", None).await.0, 201);
    expect(
        &control(Method::PUT, "/_mock/worlds/two", None).await,
        429,
        "world.limit",
    );
    expect(
        &ask(
            &app,
            Method::GET,
            "/_world/two/_mock/journal",
            ctl,
            &[],
            None,
        )
        .await,
        429,
        "world.limit",
    );
    // With a control token, an /api request makes no world.
    expect(
        &ask(
            &app,
            Method::GET,
            &format!("/_world/two/api/publishers?{Q}"),
            Some("t"),
            &[],
            None,
        )
        .await,
        404,
        "world.not-found",
    );
    expect(
        &control(Method::DELETE, "/_mock/worlds/never", None).await,
        404,
        "world.not-found",
    );
    expect(
        &control(Method::DELETE, "/_mock/worlds/default", None).await,
        409,
        "world.default",
    );
}

#[tokio::test]
async fn a_body_slower_than_the_request_timeout_says_so() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Config {
        request_timeout: 0.3,
        ..test_config()
    })
    .await;
    let mut stream = tokio::net::TcpStream::connect(app.server.addr())
        .await
        .expect("connects");
    let head = format!(
        "POST {OFFER}/ready-to-go-live/golive?{Q} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: 10\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered in time")
        .expect("reads");
    let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 408"), "{answer}");
    assert!(answer.contains("x-mock-reason: body.timeout"), "{answer}");
}

/// A state file that cannot be written: a world that cannot be kept is not made, and a change
/// that cannot be kept is not answered as kept.
#[tokio::test]
async fn a_state_file_that_cannot_be_written_says_so() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = dir.path().join("state.json");
    let app = spawn_app_with(Config {
        state_file: Some(state.clone()),
        ..test_config()
    })
    .await;
    // The first segment, not made yet, is a disk that is always full.
    std::os::unix::fs::symlink("/dev/full", dir.path().join("state.json.1.log")).expect("linked");
    // A world's snapshot goes to `{name}.json.tmp` first: a directory there stops it.
    std::fs::create_dir_all(dir.path().join("state.json.worlds/blocked.json.tmp")).expect("made");

    let world = ask(&app, Method::PUT, "/_mock/worlds/blocked", None, &[], None).await;
    let written = ask(
        &app,
        Method::PUT,
        format!("{OFFER}/unkept?{Q}"),
        Some("t"),
        &[],
        Some(offer_document("unkept")),
    )
    .await;

    expect(&world, 500, "world.broken");
    expect(&written, 500, "state-file.unwritten");
    let message = written.2["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("could not be written to the state file"),
        "{message}"
    );
    let journal = app.server.control().journal("").expect("listed");
    assert_eq!(journal[0].reason.as_deref(), Some("state-file.unwritten"));
    // A control call's change is not answered as kept either, nor a Rust call's.
    let progress = ask(
        &app,
        Method::PUT,
        "/_mock/progress",
        None,
        &[("Content-Type", "application/json")],
        Some(json!({"advanceByPolls": 2}).to_string()),
    )
    .await;
    expect(&progress, 500, "state-file.unwritten");
    assert_eq!(progress.2["error"]["code"], "InternalServerError");
    let moved = app.server.control().advance_clock(Duration::from_secs(1));
    let failure = moved.expect_err("the move could not be kept");
    assert_eq!(failure.status, 500);
    assert!(
        failure
            .message
            .contains("could not be written to the state file"),
        "{}",
        failure.message
    );
}

/// docs/reasons.md lists exactly the reasons asserted here and those no request can reach.
#[test]
fn the_reason_table_is_what_the_tests_assert() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reasons.md"))
        .expect("docs/reasons.md");
    let mut documented: BTreeSet<String> = doc
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect();
    // The identity platform's, written in a sentence.
    for word in doc.split('`') {
        if word.starts_with("identity.") && !word.contains('<') {
            documented.insert(word.to_owned());
        }
    }
    let expected: BTreeSet<String> = ASSERTED
        .iter()
        .chain(&NOT_REACHABLE)
        .chain(&ASSERTED_IN_HOSTILE)
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(documented, expected);
}
