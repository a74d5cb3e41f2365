//! Spawning a private server per test and calling it; no assertions here.

use std::path::{Path, PathBuf};

use cloudpartner_mock::{Config, MockServer, RunningServer};
use reqwest::{Client, Method, RequestBuilder, Response};

pub(crate) const API_VERSION: &str = "api-version=2017-10-31";
pub(crate) const TOKEN: &str = "contoso-token";
/// The `Authorization` value of the test token.
pub(crate) const BEARER: &str = "Bearer contoso-token";

pub(crate) struct TestApp {
    pub(crate) base_url: String,
    pub(crate) client: Client,
    pub(crate) server: RunningServer,
}

/// The fixtures shipped in `fixtures/`.
pub(crate) fn bundled_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A broken-fixture case under `tests/data/`.
pub(crate) fn test_data(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(case)
}

/// The CA directory every test shares: its key is made once, by the first server.
pub(crate) fn test_ca_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("ca")
}

/// A config for tests: a free port on loopback, the bundled fixtures, the shared CA.
pub(crate) fn test_config() -> Config {
    Config {
        port: 0,
        ca_dir: Some(test_ca_dir()),
        ..Config::default()
    }
}

pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

/// A server whose step durations are multiplied by `scale` (0: operations end at once).
pub(crate) async fn spawn_app_at_scale(scale: f64) -> TestApp {
    spawn_app_with(Config {
        time_scale: scale,
        ..test_config()
    })
    .await
}

/// A server in strict auth mode: only fixture tokens, on their publishers.
pub(crate) async fn spawn_strict_app() -> TestApp {
    spawn_app_with(Config {
        auth: cloudpartner_mock::AuthMode::Strict,
        ..test_config()
    })
    .await
}

/// A documented path template with every parameter filled in: `publisher`'s `offer`, a
/// `$` key of its go-live number 1, an unknown operation GUID, version 1, the preview slot.
pub(crate) fn concrete_path(template: &str, publisher: &str, offer: &str) -> String {
    template
        .replace("{publisherId}", publisher)
        .replace("{offerId}", offer)
        .replace(
            "{operationKey}",
            &format!("{publisher}${offer}$1$production"),
        )
        .replace("{operationId}", "00000000-0000-0000-0000-000000000001")
        .replace("{id}", "00000000-0000-0000-0000-000000000001")
        .replace("{version}", "1")
        .replace("{slotId}", "preview")
}

/// The operation id at the end of a `Location` path.
pub(crate) fn operation_id(location: &str) -> String {
    let path = location.split('?').next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

pub(crate) async fn spawn_app_with(config: Config) -> TestApp {
    let server = MockServer::start(config).await.expect("the server starts");
    TestApp::for_server(server)
}

/// `/api/publishers/{publisher}/offers/{offer}{tail}?api-version=…`
pub(crate) fn offer_path(publisher: &str, offer: &str, tail: &str) -> String {
    format!("/api/publishers/{publisher}/offers/{offer}{tail}?{API_VERSION}")
}

pub(crate) fn golive_path(publisher: &str, offer: &str) -> String {
    format!("/api/publishers/{publisher}/offers/{offer}/golive?{API_VERSION}")
}

impl TestApp {
    /// A client of `server`.
    pub(crate) fn for_server(server: RunningServer) -> TestApp {
        TestApp {
            base_url: server.base_url(),
            client: Client::new(),
            server,
        }
    }

    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }

    /// A request to `path_and_query` on this server with the test token, to finish and send.
    pub(crate) fn authed(&self, method: Method, path_and_query: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path_and_query))
            .header("Authorization", BEARER)
    }

    /// Polls `location` (what clients do: this host + the `Location` value) until the
    /// operation is no longer running, moving the mock's clock one second between polls
    /// instead of sleeping; returns every answer, the last one finished.
    pub(crate) async fn poll_until_done(&self, location: &str) -> Vec<serde_json::Value> {
        let mut answers = Vec::new();
        for _ in 0..1000 {
            let operation = json(self.get(location).await).await;
            let running = operation["status"] == "running";
            answers.push(operation);
            if !running {
                return answers;
            }
            self.advance_clock(1.0).await;
        }
        panic!("the operation at {location} still runs after 1000 polls a second apart");
    }

    /// A request with the test bearer token.
    pub(crate) async fn send(&self, method: Method, path_and_query: &str) -> Response {
        self.send_as(method, path_and_query, Some(BEARER), None)
            .await
    }

    /// A request with the given `Authorization` value (or none) and body (or none).
    pub(crate) async fn send_as(
        &self,
        method: Method,
        path_and_query: &str,
        authorization: Option<&str>,
        body: Option<&str>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path_and_query));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        request.send().await.expect("the request is answered")
    }

    /// PUT of an offer document, with `If-Match` when given.
    pub(crate) async fn put_offer(
        &self,
        publisher: &str,
        offer: &str,
        body: &serde_json::Value,
        if_match: Option<&str>,
    ) -> Response {
        let mut request = self
            .authed(Method::PUT, &offer_path(publisher, offer, ""))
            .json(body);
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        request.send().await.expect("the request is answered")
    }

    /// POST to `…/offers/{offer}{tail}` (`/publish`, `/cancel`, …) with an optional JSON body.
    pub(crate) async fn post_offer(
        &self,
        publisher: &str,
        offer: &str,
        tail: &str,
        body: Option<&str>,
    ) -> Response {
        self.send_as(
            Method::POST,
            &offer_path(publisher, offer, tail),
            Some(BEARER),
            body,
        )
        .await
    }

    /// GET of `…/offers/{offer}{tail}` with the api-version.
    pub(crate) async fn get_offer(&self, publisher: &str, offer: &str, tail: &str) -> Response {
        self.get(&offer_path(publisher, offer, tail)).await
    }

    /// Goes live and returns the `Location` header ("" when absent).
    pub(crate) async fn go_live_location(&self, publisher: &str, offer: &str) -> String {
        header(&self.go_live(publisher, offer).await, "location")
    }

    pub(crate) async fn go_live(&self, publisher: &str, offer: &str) -> Response {
        self.send(Method::POST, &golive_path(publisher, offer))
            .await
    }

    pub(crate) async fn get(&self, path_and_query: &str) -> Response {
        self.send(Method::GET, path_and_query).await
    }

    /// A control-plane call (no CPP token), with an optional JSON body.
    pub(crate) async fn control(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the request is answered")
    }

    /// Moves the mock's clock `seconds` forward.
    pub(crate) async fn advance_clock(&self, seconds: f64) {
        let response = self
            .control(
                Method::POST,
                "/_mock/clock/advance",
                Some(serde_json::json!({ "seconds": seconds })),
            )
            .await;
        assert_eq!(response.status(), 200, "the clock moves");
    }

    /// GET of an absolute URL, with the test token.
    pub(crate) async fn get_url(&self, url: &str) -> Response {
        self.client
            .get(url)
            .header("Authorization", BEARER)
            .send()
            .await
            .expect("the request is answered")
    }
}

/// A header's value as text, or "" when absent.
pub(crate) fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("ASCII header").to_owned())
        .unwrap_or_default()
}

/// The body as JSON.
pub(crate) async fn json(response: Response) -> serde_json::Value {
    response.json().await.expect("a JSON body")
}

/// `(status, code, message)` of a CPP error response.
pub(crate) async fn cpp_error(response: Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body = json(response).await;
    let text = |key: &str| {
        body["error"][key]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("(no error.{key} in {body})"))
    };
    (status, text("code"), text("message"))
}

/// The `id` of every step of an operation or offer status body, in order.
pub(crate) fn step_ids(body: &serde_json::Value) -> Vec<String> {
    body["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| s["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `GET path` over a plain TCP socket, with the test token; returns the status code.
pub(crate) fn raw_get(base_url: &str, path: &str) -> String {
    raw_request(base_url, "GET", path, &[], "")
}

/// `method path` with `headers` (and the test token) and `body` over a plain TCP socket;
/// returns the status code.
pub(crate) fn raw_request(
    base_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    use std::io::{Read, Write};
    let host = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connects");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {BEARER}\r\n{extra}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("writes");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    answer.split(' ').nth(1).unwrap_or_default().to_owned()
}

/// A v2 client-credentials token request of contoso's app, sent to the identity host's
/// `/{tenant}/oauth2/v2.0/token` on `app` (by `Host`).
pub(crate) async fn contoso_token_request(app: &TestApp, tenant: &str) -> Response {
    app.client
        .post(app.url(&format!("/{tenant}/oauth2/v2.0/token")))
        .header("Host", "login.microsoftonline.com")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-1111-1111-1111-111111111111"),
            ("client_secret", "contoso-secret"),
            ("scope", "https://cloudpartner.azure.com/.default"),
        ])
        .send()
        .await
        .expect("answered")
}
