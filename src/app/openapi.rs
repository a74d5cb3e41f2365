//! The OpenAPI 3 description of both planes, generated from the handlers' annotations so it
//! cannot drift from them; served at `/_mock/openapi.json` and checked in as `openapi.json`.

use serde_json::json;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::domain::StepId;
use crate::{api, control};

/// What the routes do not say: the title, the shared schemas, the bearer scheme, the tags.
/// The paths come from the route table (`routes.rs`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cloudpartner-mock",
        description = "A local emulator of the Cloud Partner Portal publishing API (api-version 2017-10-31) and its /_mock control plane."
    ),
    // Schemas only reached through `IntoResponses` types are not collected by themselves.
    components(
        schemas(control::operations::Forced, api::UnknownOffer),
        responses(api::LocationHeaders)
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "cpp", description = "The Cloud Partner Portal publishing API"),
        (name = "control", description = "The emulator's control plane")
    )
)]
pub(crate) struct ApiDoc;

/// Declares the `bearer` scheme the CPP paths require.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `document` as pretty JSON with a final newline, refined.
pub(crate) fn render(document: utoipa::openapi::OpenApi) -> String {
    let mut document = serde_json::to_value(document).unwrap_or_default();
    refine(&mut document);
    let mut json = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

/// A header name: an HTTP token.
const HEADER_NAME: &str = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/// A header value: no control characters but tab.
const HEADER_VALUE: &str = r"^[^\u0000-\u0008\u000A-\u001F\u007F]*$";

/// What the control routes' derived schemas cannot say, from the lists the server checks
/// against: a wait takes exactly one condition, the statuses it may wait for, the step names
/// a forced failure may give.
fn refine_control(schemas: &mut serde_json::Value) {
    let one = |name: &str| json!({"required": [name], "properties": {name: {"type": "object"}}});
    if let Some(wait) = schemas["Wait"].as_object_mut() {
        wait.insert(
            "oneOf".into(),
            json!([one("operation"), one("requests"), one("offer")]),
        );
    }
    schemas["OperationCondition"]["properties"]["status"]["enum"] =
        json!(control::wait::OPERATION_STATUSES);
    schemas["OperationCondition"]["properties"]["id"]["format"] = json!("uuid");
    schemas["OfferCondition"]["properties"]["status"]["enum"] =
        json!(control::wait::OFFER_STATUSES);
    let steps: Vec<&str> = StepId::ALL.iter().map(|s| s.id()).collect();
    schemas["Fail"]["properties"]["step"]["enum"] = json!(steps);
}

/// What the derived schemas cannot say: the rules across a fault rule's fields (what
/// `FaultSpec::validate` checks, so a rule the document allows is a rule the server takes),
/// and the patterns of map keys and list items.
fn refine(document: &mut serde_json::Value) {
    let schemas = &mut document["components"]["schemas"];
    let responds = json!({"required": ["respond"], "properties": {"respond": {"type": "object"}}});
    let drops = json!({"required": ["drop"], "properties": {"drop": {"const": true}}});
    if let Some(rule) = schemas["FaultSpec"].as_object_mut() {
        rule.insert(
            "description".into(),
            json!("A fault rule as written in a fixture or a control request. It needs an effect (respond, latencyMs or drop), may not both respond and drop, and afterCommit needs respond or drop."),
        );
        rule.insert(
            "anyOf".into(),
            json!([
                responds,
                {"required": ["latencyMs"], "properties": {"latencyMs": {"minimum": 1}}},
                drops,
            ]),
        );
        rule.insert(
            "not".into(),
            json!({
                "required": ["respond", "drop"],
                "properties": {"respond": {"type": "object"}, "drop": {"const": true}}
            }),
        );
        rule.insert(
            "if".into(),
            json!({"required": ["afterCommit"], "properties": {"afterCommit": {"const": true}}}),
        );
        rule.insert("then".into(), json!({"anyOf": [responds, drops]}));
    }
    refine_control(schemas);
    if let Some(token) =
        schemas["PublisherFixture"]["properties"]["tokens"]["items"].as_object_mut()
    {
        token.insert("pattern".into(), json!(r"^\S+$"));
    }
    if let Some(seconds) =
        schemas["PlanFixture"]["properties"]["stepSeconds"]["additionalProperties"].as_object_mut()
    {
        seconds.insert("minimum".into(), json!(0));
    }
    if let Some(name) = schemas["HeaderMatch"]["properties"]["name"].as_object_mut() {
        name.insert("pattern".into(), json!(HEADER_NAME));
    }
    if let Some(headers) = schemas["RespondSpec"]["properties"]["headers"].as_object_mut() {
        headers.insert("propertyNames".into(), json!({"pattern": HEADER_NAME}));
        headers.insert(
            "additionalProperties".into(),
            json!({"type": "string", "pattern": HEADER_VALUE}),
        );
    }
}
