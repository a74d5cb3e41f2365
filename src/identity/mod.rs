//! Microsoft's identity platform, emulated for requests to `login.microsoftonline.com`
//! (docs/identity.md): the discovery documents MSAL and ADAL read, the keys tokens are signed
//! with, and the client-credentials token endpoints (v2 and v1), answering as Azure AD does.
//! Its routes are Microsoft's, not the CPP API's: they are served on that host only and are not
//! in the OpenAPI document.

mod token;

use crate::domain::tenant_id;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use crate::origin::{IDENTITY_HOST as HOST, SecureOrigin};
use crate::reply::{json, json_response};
use crate::state::AppState;

use token::error_body;

/// Every route of the emulated identity platform.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration_v2),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(openid_configuration_v1),
        )
        .route("/{tenant}/discovery/instance", get(instance_discovery))
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
        .route("/{tenant}/discovery/keys", get(keys))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_v2))
        .route("/{tenant}/oauth2/token", post(token::token_v1))
        .fallback(unknown)
        .with_state(state)
}

/// `https://login.microsoftonline.com`, or how a plain request named the host.
fn base(uri: &Uri, host: Option<&HeaderValue>, secure: bool) -> String {
    let name = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| host.and_then(|h| h.to_str().ok()).map(str::to_owned))
        .unwrap_or_else(|| HOST.to_owned());
    if secure {
        format!("https://{name}")
    } else {
        format!("http://{name}")
    }
}

/// Where this request came in, as the base of the URLs the documents name.
#[derive(Debug)]
struct Base(String);

impl axum::extract::FromRequestParts<AppState> for Base {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secure = parts.extensions.get::<SecureOrigin>().is_some();
        Ok(Self(base(
            &parts.uri,
            parts.headers.get(header::HOST),
            secure,
        )))
    }
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: what MSAL reads before it asks for
/// a token.
async fn openid_configuration_v2(Path(tenant): Path<String>, Base(base): Base) -> Response {
    let tid = tenant_id(&tenant);
    json(
        StatusCode::OK,
        &json!({
            "token_endpoint": format!("{base}/{tid}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tid}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            // The issuer names the real host even when a plain request reached the mock by
            // another name: tokens look as Azure AD's do.
            "issuer": format!("https://{HOST}/{tid}/v2.0"),
            "request_uri_parameter_supported": false,
            "authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/devicecode"),
            "end_session_endpoint": format!("{base}/{tid}/oauth2/v2.0/logout"),
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }),
    )
}

/// `GET /{tenant}/.well-known/openid-configuration`: the v1 document (ADAL).
async fn openid_configuration_v1(Path(tenant): Path<String>, Base(base): Base) -> Response {
    let tid = tenant_id(&tenant);
    json(
        StatusCode::OK,
        &json!({
            "token_endpoint": format!("{base}/{tid}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/common/discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": format!("https://sts.windows.net/{tid}/"),
            "authorization_endpoint": format!("{base}/{tid}/oauth2/authorize"),
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }),
    )
}

/// `GET /common/discovery/instance`: MSAL's instance discovery, for authorities it does not
/// know. The tenant comes from the `authorization_endpoint` it asks about.
async fn instance_discovery(RawQuery(query): RawQuery, Base(base): Base) -> Response {
    let endpoint = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "authorization_endpoint")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let tenant = endpoint
        .split('/')
        .nth(3)
        .filter(|t| !t.is_empty())
        .unwrap_or("common")
        .to_owned();
    json(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": HOST,
                "preferred_cache": "login.windows.net",
                "aliases": [HOST, "login.windows.net", "login.microsoft.com", "sts.windows.net"],
            }],
        }),
    )
}

/// `GET /{tenant}/discovery/v2.0/keys` (and v1): the public key tokens are signed with.
async fn keys(State(state): State<AppState>) -> Response {
    match &state.settings().token_keys {
        Some(keys) => json_response(StatusCode::OK, Bytes::from(keys.jwks().to_owned())),
        None => json(StatusCode::OK, &json!({"keys": []})),
    }
}

/// Any other path of the identity host: Azure AD's error shape.
async fn unknown(State(state): State<AppState>, uri: Uri) -> Response {
    let body = error_body(
        &state,
        "invalid_request",
        900_561,
        &format!(
            "The endpoint {} is not emulated by cloudpartner-mock.",
            uri.path()
        ),
    );
    let mut response = json(StatusCode::NOT_FOUND, &body);
    response.headers_mut().insert(
        crate::reply::X_MOCK_REASON.clone(),
        HeaderValue::from_static("route.unknown"),
    );
    response
}
