//! The client-credentials token endpoints, v2 (MSAL: `scope`) and v1 (ADAL: `resource`), and
//! Azure AD's error answers (docs/identity.md#errors).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::config::AuthMode;
use crate::reply::{X_MOCK_REASON, json};
use crate::state::{AUDIENCE, AppState, TokenClaims};

use crate::domain::tenant_id;
use crate::origin::IDENTITY_HOST as HOST;

/// How long a token lives, as Azure AD's client-credential tokens do.
const LIFETIME_SECS: u64 = 3599;

/// The endpoint's version: how it names the resource and writes its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// `/oauth2/v2.0/token`: `scope=https://cloudpartner.azure.com/.default`.
    V2,
    /// `/oauth2/token`: `resource=https://cloudpartner.azure.com`.
    V1,
}

/// An Azure AD error: the OAuth error, the AADSTS code, the message, the status.
#[derive(Debug)]
struct AadError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: String,
}

impl AadError {
    fn new(status: StatusCode, error: &'static str, code: u32, message: String) -> Self {
        Self {
            status,
            error,
            code,
            message,
        }
    }

    fn missing(parameter: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900_144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(super) async fn token_v2(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    token(&state, &tenant, &body, Version::V2)
}

/// `POST /{tenant}/oauth2/token`.
pub(super) async fn token_v1(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    token(&state, &tenant, &body, Version::V1)
}

fn token(state: &AppState, tenant: &str, body: &[u8], version: Version) -> Response {
    match issue(state, tenant, body, version) {
        Ok(answer) => json(StatusCode::OK, &answer),
        Err(e) => {
            let mut response = json(e.status, &error_body(state, e.error, e.code, &e.message));
            if let Ok(reason) = HeaderValue::try_from(format!("identity.{}", e.error)) {
                response.headers_mut().insert(X_MOCK_REASON.clone(), reason);
            }
            response
        }
    }
}

/// The checks Azure AD makes, in its order: the grant, the client, the resource; then a token.
fn issue(state: &AppState, tenant: &str, body: &[u8], version: Version) -> Result<Value, AadError> {
    let form: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let grant = field("grant_type").ok_or_else(|| AadError::missing("grant_type"))?;
    if grant != "client_credentials" {
        return Err(AadError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70_003,
            format!(
                "The app requested an unsupported grant type '{grant}': cloudpartner-mock emulates client_credentials only."
            ),
        ));
    }
    let client_id = field("client_id").ok_or_else(|| AadError::missing("client_id"))?;
    let secret = field("client_secret").ok_or_else(|| {
        AadError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7_000_218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".to_owned(),
        )
    })?;
    check_client(state, tenant, client_id, secret)?;
    let resource = match version {
        Version::V2 => scope_resource(field("scope").ok_or_else(|| AadError::missing("scope"))?)?,
        Version::V1 => field("resource").ok_or_else(|| AadError::missing("resource"))?,
    };
    if resource.trim_end_matches('/') != AUDIENCE {
        return Err(AadError::new(
            StatusCode::BAD_REQUEST,
            match version {
                Version::V2 => "invalid_scope",
                Version::V1 => "invalid_resource",
            },
            500_011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {tenant}. cloudpartner-mock issues tokens for {AUDIENCE} only."
            ),
        ));
    }
    let keys = state.settings().token_keys.clone().ok_or_else(|| {
        AadError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            90_033,
            "The emulated sign-in has no signing key: the server's log says why.".to_owned(),
        )
    })?;
    let now = state.now().unix_nanos() / 1_000_000_000;
    let tid = tenant_id(tenant).to_string();
    let oid = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        client_id.to_ascii_lowercase().as_bytes(),
    )
    .to_string();
    let claims = TokenClaims {
        aud: AUDIENCE.to_owned(),
        iss: match version {
            Version::V2 => format!("https://{HOST}/{tid}/v2.0"),
            Version::V1 => format!("https://sts.windows.net/{tid}/"),
        },
        iat: now,
        nbf: now,
        exp: now + LIFETIME_SECS,
        appid: client_id.to_owned(),
        azp: client_id.to_owned(),
        oid: oid.clone(),
        sub: oid,
        tid,
        ver: match version {
            Version::V2 => "2.0",
            Version::V1 => "1.0",
        }
        .to_owned(),
    };
    let access_token = keys.sign(&claims).map_err(|e| {
        AadError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50_000,
            format!("The token could not be signed: {e}"),
        )
    })?;
    Ok(match version {
        Version::V2 => json!({
            "token_type": "Bearer",
            "expires_in": LIFETIME_SECS,
            "ext_expires_in": LIFETIME_SECS,
            "access_token": access_token,
        }),
        // The v1 endpoint writes its numbers as strings.
        Version::V1 => json!({
            "token_type": "Bearer",
            "expires_in": LIFETIME_SECS.to_string(),
            "ext_expires_in": LIFETIME_SECS.to_string(),
            "expires_on": (now + LIFETIME_SECS).to_string(),
            "not_before": now.to_string(),
            "resource": resource,
            "access_token": access_token,
        }),
    })
}

/// The resource a v2 `scope` names: `<resource>/.default`, the only form client credentials
/// take.
fn scope_resource(scope: &str) -> Result<&str, AadError> {
    scope
        .split_whitespace()
        .find_map(|s| s.strip_suffix("/.default"))
        .ok_or_else(|| {
            AadError::new(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1_002_012,
                format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            )
        })
}

/// Who may sign in: anyone with `--auth any`; in strict mode only an app a fixture registers,
/// with its secret, in its tenant.
fn check_client(
    state: &AppState,
    tenant: &str,
    client_id: &str,
    secret: &str,
) -> Result<(), AadError> {
    if state.settings().config.auth == AuthMode::Any {
        return Ok(());
    }
    let registered = state.with_world(|w| w.store.client(client_id).cloned());
    let in_tenant = |t: &str| t.eq_ignore_ascii_case(tenant) || tenant_id(t) == tenant_id(tenant);
    match registered {
        Some(client) if client.tenant.as_deref().is_none_or(in_tenant) => {
            if client.secret == secret {
                Ok(())
            } else {
                Err(AadError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_215,
                    format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                ))
            }
        }
        _ => Err(AadError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )),
    }
}

/// Azure AD's error body: `error`, `error_description` (the AADSTS code, the message and the
/// trace), `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
pub(crate) fn error_body(state: &AppState, error: &str, code: u32, message: &str) -> Value {
    let trace = state.new_uuid().to_string();
    let correlation = state.new_uuid().to_string();
    let now = state.now().text();
    let now = std::str::from_utf8(&now).unwrap_or("0000-00-00T00:00:00");
    // `2026-11-30 05:49:15Z`, as Azure AD writes it.
    let timestamp = format!("{} {}Z", &now[..10], &now[11..19]);
    json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://{HOST}/error?code={code}"),
    })
}
