//! The OpenAPI 3 description of both planes, generated from the handlers' annotations so it
//! cannot drift from them; served at `/_mock/openapi.json` and checked in as `openapi.json`.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::{api, control};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cloudpartner-mock",
        description = "A local emulator of the Cloud Partner Portal publishing API (api-version 2017-10-31) and its /_mock control plane."
    ),
    paths(
        api::offers::list_publishers,
        api::offers::list_offers,
        api::offers::get_offer,
        api::offers::get_offer_version,
        api::offers::get_offer_slot,
        api::offers::put_offer,
        api::status::get_offer_status,
        api::publish::publish,
        api::publish::go_live,
        api::publish::cancel,
        api::operations::list_submissions,
        api::operations::get_operation,
        api::operations::get_operation_by_key,
        control::state::health,
        control::state::post_reset,
        control::state::put_fixtures,
        control::state::put_progress,
        control::journal::get_journal,
        control::journal::get_count,
        control::journal::delete_journal,
        control::faults::get_faults,
        control::faults::post_fault,
        control::faults::delete_fault,
        control::faults::delete_faults,
        control::clock::get_clock,
        control::clock::post_advance,
        control::operations::complete,
        control::operations::fail,
        control::operations::cancel,
    ),
    // Schemas only reached through `IntoResponses` types are not collected by themselves.
    components(schemas(control::operations::Forced)),
    modifiers(&BearerAuth),
    tags(
        (name = "cpp", description = "The Cloud Partner Portal publishing API"),
        (name = "control", description = "The emulator's control plane")
    )
)]
struct ApiDoc;

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

/// The document, as pretty JSON with a final newline.
pub fn openapi_json() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}
