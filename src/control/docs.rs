//! The pieces of the OpenAPI description the control routes share: the error body, the 401
//! of the control token, the journal's filters and the answers of a forced ending.
//! Descriptions only: never built at run time.
#![expect(
    dead_code,
    reason = "types that describe the API in the OpenAPI document; never built"
)]

use utoipa::{IntoParams, IntoResponses, ToSchema};

/// The control plane's error body (what `error::Body` writes).
#[derive(Debug, ToSchema)]
pub(crate) struct ControlErrorBody {
    error: ControlErrorDetail,
}

#[derive(Debug, ToSchema)]
pub(crate) struct ControlErrorDetail {
    code: String,
    message: String,
    /// For a refused fixture set: the document and the JSON path.
    file: Option<String>,
    path: Option<String>,
}

/// What every guarded control route can answer.
#[derive(Debug, IntoResponses)]
pub(crate) enum ControlAuth {
    /// A control token is set and was not sent
    #[response(status = 401)]
    Unauthorized(ControlErrorBody),
}

/// The journal's filters; every given one must match.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct JournalFilters {
    method: Option<String>,
    #[param(rename = "pathPrefix")]
    path_prefix: Option<String>,
    publisher: Option<String>,
    offer: Option<String>,
    #[param(minimum = 100, maximum = 599)]
    status: Option<u16>,
    /// The request's `x-request-id` (the client's, or the one the mock answered with)
    #[param(rename = "requestId")]
    request_id: Option<String>,
    /// The CPP error code answered
    #[param(rename = "errorCode")]
    error_code: Option<String>,
    /// Only entries with a greater sequence number (`lastSeq` of an earlier listing)
    #[param(minimum = 0)]
    since: Option<i64>,
}

/// Filters of the operation list; names and values ignore case.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "describes the query in the OpenAPI document; never built"
)]
pub(crate) struct OperationFilters {
    publisher: Option<String>,
    offer: Option<String>,
    /// `publish` or `goLive`
    #[param(rename = "type")]
    kind: Option<String>,
    /// `running`, `canceled`, `failed` or the success status
    status: Option<String>,
}

/// The world a control call names.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(
    dead_code,
    reason = "describes the path in the OpenAPI document; never built"
)]
pub(crate) struct WorldPath {
    /// 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'
    #[param(pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    name: String,
}

/// The operation a control call ends.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct OperationPath {
    /// The operation's GUID
    id: uuid::Uuid,
}

/// The report's settings.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConformanceQuery {
    /// The shortest interval between two reads of a running operation that is not too fast
    /// (`client.poll-too-fast`), in milliseconds; 1000 unless given
    #[param(rename = "pollIntervalMs", minimum = 0, maximum = 86_400_000)]
    poll_interval_ms: Option<u64>,
}
