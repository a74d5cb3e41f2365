//! Microsoft's identity platform, emulated on `login.microsoftonline.com`: discovery, the v2
//! and v1 client-credentials token endpoints and their errors, and the tokens strict auth
//! accepts on the CPP API.

use std::time::Duration;

use cloudpartner_mock::{AuthMode, Config};
use reqwest::{Certificate, Client, Method, Proxy};
use serde_json::Value;

use crate::helpers::{API_VERSION, TestApp, header, json, spawn_app, spawn_app_with, test_config};

const LOGIN: &str = "login.microsoftonline.com";
const CONTOSO_APP: &str = "11111111-1111-1111-1111-111111111111";
const FABRIKAM_APP: &str = "22222222-2222-2222-2222-222222222222";

/// A request to the identity host, addressed to the mock's plain port by `Host`.
fn to_login(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("Host", LOGIN)
}

/// GET of `path` on the identity host, as JSON.
async fn login_json(app: &TestApp, path: &str) -> Value {
    json(
        to_login(app, Method::GET, path)
            .send()
            .await
            .expect("answered"),
    )
    .await
}

/// POSTs a token request form to `path` on the identity host.
async fn token(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = to_login(app, Method::POST, path)
        .form(form)
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, json(response).await)
}

fn v2_form<'a>(client: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("client_id", client),
        ("client_secret", secret),
        ("scope", "https://cloudpartner.azure.com/.default"),
    ]
}

/// The claims of a JWT, read without checking it.
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64url(payload)).expect("JSON claims")
}

fn base64url(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        _ => 63,
    };
    let mut bytes = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        acc = (acc << 6) | u32::from(value(c));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push(u8::try_from((acc >> bits) & 0xff).expect("a byte"));
        }
    }
    bytes
}

async fn strict_app() -> TestApp {
    spawn_app_with(Config {
        auth: AuthMode::Strict,
        ..test_config()
    })
    .await
}

#[tokio::test]
async fn the_discovery_documents_name_the_tenants_endpoints() {
    let app = spawn_app().await;

    let v2 = login_json(
        &app,
        "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
    )
    .await;
    let v1 = login_json(
        &app,
        "/contoso.onmicrosoft.com/.well-known/openid-configuration",
    )
    .await;
    let instance = login_json(&app, "/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize").await;

    let tid = v2["issuer"]
        .as_str()
        .and_then(|i| i.split('/').nth(3))
        .expect("a tenant id in the issuer")
        .to_owned();
    assert_eq!(tid.len(), 36, "a GUID made from the name: {tid}");
    assert_eq!(
        v2["token_endpoint"],
        format!("http://{LOGIN}/{tid}/oauth2/v2.0/token")
    );
    assert_eq!(v2["issuer"], format!("https://{LOGIN}/{tid}/v2.0"));
    assert!(v2["authorization_endpoint"].is_string());
    assert_eq!(
        v1["token_endpoint"],
        format!("http://{LOGIN}/{tid}/oauth2/token")
    );
    assert_eq!(v1["issuer"], format!("https://sts.windows.net/{tid}/"));
    assert_eq!(
        instance["tenant_discovery_endpoint"],
        format!("http://{LOGIN}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
    );
}

#[tokio::test]
async fn identity_routes_exist_only_on_the_identity_host() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/common/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .expect("answered");

    assert_eq!(response.status(), 404);
    assert_eq!(json(response).await["error"]["code"], "NotFound");
}

#[tokio::test]
async fn a_v2_token_is_a_signed_jwt_for_the_cpp_resource_on_the_mocks_clock() {
    let app = spawn_app().await;

    let (status, body) = token(
        &app,
        "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        &v2_form("any-app", "any-secret"),
    )
    .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    let token = body["access_token"].as_str().expect("a token");
    let header_json: Value =
        serde_json::from_slice(&base64url(token.split('.').next().expect("a header")))
            .expect("JSON");
    assert_eq!(header_json["alg"], "RS256");
    let claims = claims(token);
    assert_eq!(claims["aud"], "https://cloudpartner.azure.com");
    assert_eq!(claims["appid"], "any-app");
    assert_eq!(claims["azp"], "any-app");
    assert_eq!(claims["ver"], "2.0");
    let tid = claims["tid"].as_str().expect("tid");
    assert_eq!(claims["iss"], format!("https://{LOGIN}/{tid}/v2.0"));
    assert_eq!(
        claims["exp"].as_u64().expect("exp") - claims["iat"].as_u64().expect("iat"),
        3599
    );
    // The key it is signed with is published.
    let keys = login_json(&app, &format!("/{tid}/discovery/v2.0/keys")).await;
    assert_eq!(keys["keys"][0]["kid"], header_json["kid"]);
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    assert!(keys["keys"][0].get("d").is_none());
}

#[tokio::test]
async fn a_v1_token_names_its_resource_as_adal_expects() {
    let app = spawn_app().await;
    let tenant = "5f1a3b2c-0000-4000-8000-000000000001";

    let (status, body) = token(
        &app,
        &format!("/{tenant}/oauth2/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "any-app"),
            ("client_secret", "s"),
            ("resource", "https://cloudpartner.azure.com"),
        ],
    )
    .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resource"], "https://cloudpartner.azure.com");
    assert_eq!(body["expires_in"], "3599");
    assert!(
        body["expires_on"]
            .as_str()
            .is_some_and(|s| s.parse::<u64>().is_ok())
    );
    let claims = claims(body["access_token"].as_str().expect("a token"));
    assert_eq!(claims["tid"], tenant);
    assert_eq!(claims["iss"], format!("https://sts.windows.net/{tenant}/"));
    assert_eq!(claims["ver"], "1.0");
}

#[tokio::test]
async fn token_errors_are_azure_ads() {
    let app = strict_app().await;
    let v2 = "/contoso.onmicrosoft.com/oauth2/v2.0/token";
    // (form, path, status, error, AADSTS code)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, u16, &'a str, u64);
    let cases: Vec<Case> = vec![
        (
            v2_form("99999999-9999-9999-9999-999999999999", "x"),
            v2,
            400,
            "unauthorized_client",
            700_016,
        ),
        (
            v2_form(CONTOSO_APP, "wrong"),
            v2,
            401,
            "invalid_client",
            7_000_215,
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", CONTOSO_APP),
                ("client_secret", "contoso-secret"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
            v2,
            400,
            "invalid_scope",
            500_011,
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", CONTOSO_APP),
                ("client_secret", "contoso-secret"),
                ("scope", "https://cloudpartner.azure.com/user.read"),
            ],
            v2,
            400,
            "invalid_scope",
            1_002_012,
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", CONTOSO_APP),
                ("client_secret", "contoso-secret"),
                ("resource", "https://management.azure.com"),
            ],
            "/contoso.onmicrosoft.com/oauth2/token",
            400,
            "invalid_resource",
            500_011,
        ),
        (
            vec![
                ("client_id", CONTOSO_APP),
                ("client_secret", "contoso-secret"),
            ],
            v2,
            400,
            "invalid_request",
            900_144,
        ),
        (
            vec![
                ("grant_type", "password"),
                ("client_id", CONTOSO_APP),
                ("client_secret", "contoso-secret"),
            ],
            v2,
            400,
            "unsupported_grant_type",
            70_003,
        ),
        // fabrikam's app belongs to fabrikam's tenant.
        (
            v2_form(FABRIKAM_APP, "fabrikam-secret"),
            v2,
            400,
            "unauthorized_client",
            700_016,
        ),
    ];

    for (form, path, status, error, code) in cases {
        let (got, body) = token(&app, path, &form).await;

        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{form:?}: {body}"
        );
        assert_eq!(body["error_codes"][0], code, "{body}");
        let description = body["error_description"].as_str().expect("a description");
        assert!(
            description.starts_with(&format!("AADSTS{code}: ")),
            "{description}"
        );
        assert!(body["trace_id"].is_string() && body["correlation_id"].is_string());
        assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}

/// A v2 token for `client` from the strict server.
async fn signed_in(app: &TestApp, tenant: &str, client: &str, secret: &str) -> String {
    let (status, body) = token(
        app,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &v2_form(client, secret),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn strict_auth_takes_the_mocks_tokens_for_the_publishers_their_app_is_granted() {
    let app = strict_app().await;
    let contoso = signed_in(
        &app,
        "contoso.onmicrosoft.com",
        CONTOSO_APP,
        "contoso-secret",
    )
    .await;
    let fabrikam = signed_in(
        &app,
        "fabrikam.onmicrosoft.com",
        FABRIKAM_APP,
        "fabrikam-secret",
    )
    .await;
    let read = |publisher: &'static str, offer: &'static str, token: &str| {
        let authorization = format!("Bearer {token}");
        let path = format!("/api/publishers/{publisher}/offers/{offer}?{API_VERSION}");
        let app = &app;
        async move {
            app.send_as(Method::GET, &path, Some(&authorization), None)
                .await
        }
    };

    let own = read("contoso", "draft-offer", &contoso).await;
    let others = read("contoso", "draft-offer", &fabrikam).await;
    let fabrikams = read("fabrikam", "fabrikam-linux", &fabrikam).await;

    assert_eq!(own.status(), 200);
    assert_eq!(others.status(), 403);
    assert_eq!(fabrikams.status(), 200);
}

#[tokio::test]
async fn a_token_expired_by_a_clock_advance_or_not_the_mocks_is_refused_with_the_reason() {
    let app = strict_app().await;
    let token = signed_in(
        &app,
        "contoso.onmicrosoft.com",
        CONTOSO_APP,
        "contoso-secret",
    )
    .await;
    let path = format!("/api/publishers/contoso/offers/draft-offer?{API_VERSION}");
    let mut forged = token.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");

    let bad_signature = app
        .send_as(Method::GET, &path, Some(&format!("Bearer {forged}")), None)
        .await;
    app.advance_clock(3600.0).await;
    let expired = app
        .send_as(Method::GET, &path, Some(&format!("Bearer {token}")), None)
        .await;

    for (response, reason) in [(bad_signature, "signature"), (expired, "expired")] {
        assert_eq!(response.status(), 401);
        let challenge = header(&response, "www-authenticate");
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\", error_description=\""),
            "{challenge}"
        );
        assert!(challenge.contains(reason), "{challenge}");
        assert_eq!(json(response).await["error"]["code"], "Unauthorized");
    }
}

#[tokio::test]
async fn msal_style_discovery_and_token_work_through_the_https_proxy() {
    let app = spawn_app().await;
    let ca = reqwest::get(format!("{}/_mock/ca.pem", app.base_url))
        .await
        .expect("answered")
        .bytes()
        .await
        .expect("a body");
    let client = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(&ca).expect("PEM"))
        .proxy(Proxy::all(&app.base_url).expect("a proxy URL"))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client");

    let config: Value = client
        .get(format!(
            "https://{LOGIN}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    let endpoint = config["token_endpoint"].as_str().expect("an endpoint");
    assert!(
        endpoint.starts_with(&format!("https://{LOGIN}/")),
        "{endpoint}"
    );
    let answer: Value = client
        .post(endpoint)
        .form(&v2_form("any-app", "any-secret"))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    let token = answer["access_token"].as_str().expect("a token");

    let offer = client
        .get(format!(
            "https://cloudpartner.azure.com/api/publishers/contoso/offers/draft-offer?{API_VERSION}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("answered");
    assert_eq!(offer.status(), 200);
}
