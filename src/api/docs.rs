//! The pieces of the OpenAPI description every CPP route shares: the path and query
//! parameters, the error body and the errors any route can answer. Descriptions only: never
//! built at run time.
#![expect(
    dead_code,
    reason = "types that describe the API in the OpenAPI document; never built"
)]

use utoipa::{IntoParams, IntoResponses, ToResponse, ToSchema};

/// The `api-version` query parameter: one value only.
#[derive(Debug, ToSchema)]
pub(crate) enum ApiVersion {
    #[schema(rename = "2017-10-31")]
    V20171031,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ApiVersionQuery {
    /// The one supported version
    #[param(rename = "api-version", inline)]
    api_version: ApiVersion,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct PublisherPath {
    /// The publisher id (matched ignoring case)
    #[param(rename = "publisherId", example = "contoso")]
    publisher_id: String,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct OfferPath {
    /// The publisher id (matched ignoring case)
    #[param(rename = "publisherId", example = "contoso")]
    publisher_id: String,
    /// The offer id (matched ignoring case)
    #[param(rename = "offerId", example = "ready-to-go-live")]
    offer_id: String,
}

/// An offer document as PUT takes it: GET's answer with the client's changes. Other keys
/// (`version`, `etag`, …) may come too; those the server owns are ignored.
#[derive(Debug, ToSchema)]
#[schema(example = json!({
    "publisherId": "contoso",
    "id": "ready-to-go-live",
    "offerTypeId": "microsoft-azure-corevm",
    "definition": {"displayText": "Ready to go live", "offer": {}, "plans": []}
}))]
pub(crate) struct OfferDocument {
    /// The publisher of the URL (ignoring case)
    #[schema(rename = "publisherId", pattern = r"\S")]
    publisher_id: String,
    /// The offer of the URL (ignoring case)
    #[schema(pattern = r"\S")]
    id: String,
    /// E.g. `microsoft-azure-corevm`
    #[schema(rename = "offerTypeId", pattern = r"\S")]
    offer_type_id: String,
    #[schema(value_type = Object)]
    definition: serde_json::Value,
}

/// The CPP error body (what `error::ErrorBody` writes).
#[derive(Debug, ToSchema)]
pub(crate) struct CppError {
    /// ASP.NET's shape, on 401 only.
    #[schema(rename = "Message")]
    legacy_message: Option<String>,
    error: CppErrorDetail,
}

#[derive(Debug, ToSchema)]
pub(crate) struct CppErrorDetail {
    code: String,
    message: String,
}

/// Partner Center's 404 for an unknown offer, as the service answered `GET` of one in 2022
/// (docs/behaviour.md#profiles).
#[derive(Debug, ToSchema)]
pub(crate) struct ProductNotFound {
    #[schema(rename = "Product")]
    product: ProductNotFoundDetail,
}

#[derive(Debug, ToSchema)]
#[schema(rename_all = "camelCase")]
pub(crate) struct ProductNotFoundDetail {
    service_name: String,
    error: String,
    exception_code: String,
    http_status_code: String,
}

/// An unknown offer's 404: Partner Center's body (`--service-profile 2022`) or the CPP error
/// (`2018`).
#[derive(Debug, ToSchema)]
#[serde(untagged)]
pub(crate) enum UnknownOffer {
    #[schema(title = "Partner Center (2022)")]
    Product(ProductNotFound),
    #[schema(title = "CPP error (2018)")]
    Cpp(CppError),
}

/// What any CPP route can answer before its own work (docs/behaviour.md#order-of-checks).
#[derive(Debug, IntoResponses)]
pub(crate) enum CppErrors {
    /// api-version missing or unsupported, or a malformed request
    #[response(status = 400)]
    BadRequest(CppError),
    /// No bearer token, or one strict auth refuses
    #[response(status = 401)]
    Unauthorized(CppError),
    /// Strict auth: the token is not granted this publisher
    #[response(status = 403)]
    Forbidden(CppError),
    /// Unknown publisher, offer or operation
    #[response(status = 404)]
    NotFound(CppError),
}

/// The answers of the routes that start or cancel an operation.
#[derive(Debug, IntoResponses)]
pub(crate) enum StartErrors {
    /// Another operation runs on the offer, or it cannot be canceled
    #[response(status = 409)]
    Conflict(CppError),
    /// Body over 2 MiB
    #[response(status = 413)]
    TooLarge(CppError),
}

/// The optional body of publish, go-live and cancel.
#[derive(Debug, ToSchema)]
pub(crate) struct MetadataBody {
    metadata: Option<Metadata>,
}

#[derive(Debug, ToSchema)]
pub(crate) struct Metadata {
    /// Comma-separated addresses
    #[schema(rename = "notification-emails")]
    notification_emails: Option<String>,
}

/// Where the operation is: what publish and go-live answer `202` with, and cancel `202` (or
/// `200` in sync cancel mode). No body; when nothing runs, a cancel's `202` names the newest
/// operation, or none.
#[derive(Debug, ToResponse)]
#[response(headers(
    ("Location" = String, description = "Host-relative path of the operation, with api-version"),
    ("Operation-Location" = String, description = "The operation's URL (absolute by default)")
))]
pub(crate) struct LocationHeaders;
