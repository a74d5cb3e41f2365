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
}

/// The operation a control call ends.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct OperationPath {
    /// The operation's GUID
    id: uuid::Uuid,
}
