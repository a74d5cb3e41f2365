//! An offer document as the API answers it: the server-owned keys (the envelope) and the
//! stored body, with its `ETag`; and an offer's summary in the offers list
//! (docs/behaviour.md#offer-document, #offer-summary).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::{Offer, OfferStatus, Revision};
use crate::reply::json;

/// An offer as the offers list shows it: the envelope, `definition` with only its
/// `displayText`, and what the 2022 list carried besides (docs/behaviour.md#offer-summary).
pub(super) fn summary(publisher: &str, offer: &Offer, status: OfferStatus) -> Map<String, Value> {
    let mut definition = Map::new();
    if let Some(text) = offer.draft.display_text() {
        definition.insert("displayText".to_owned(), Value::from(text));
    }
    let mut summary = envelope(publisher, offer, &offer.draft, status);
    summary.insert("lockStatus".to_owned(), Value::from("none"));
    summary.insert("offerTypeChanges".to_owned(), Value::Array(Vec::new()));
    summary.insert(
        "pricingNotRecalculatedRegions".to_owned(),
        Value::Array(Vec::new()),
    );
    summary.insert(
        "offerTypeVersionsOverride".to_owned(),
        Value::Object(Map::new()),
    );
    summary.insert("definition".to_owned(), Value::Object(definition));
    summary
}

/// An offer document, copied out of the lock (the body is shared, not cloned).
pub(super) struct Document {
    envelope: Map<String, Value>,
    revision: Revision,
}

impl Document {
    pub(super) fn of(
        publisher: &str,
        offer: &Offer,
        revision: &Revision,
        status: OfferStatus,
    ) -> Self {
        Self {
            envelope: envelope(publisher, offer, revision, status),
            revision: revision.clone(),
        }
    }

    pub(super) fn into_response(self, status: StatusCode) -> Response {
        #[derive(Serialize)]
        struct Full<'a> {
            #[serde(flatten)]
            envelope: &'a Map<String, Value>,
            #[serde(flatten)]
            body: &'a Map<String, Value>,
        }
        let full = Full {
            envelope: &self.envelope,
            body: &self.revision.body,
        };
        let mut response = json(status, &full);
        if let Ok(etag) = HeaderValue::from_str(self.revision.etag().as_str()) {
            response.headers_mut().insert(header::ETAG, etag);
        }
        response
    }
}

/// The server-owned top-level keys of a document (docs/behaviour.md#offer-document).
fn envelope(
    publisher: &str,
    offer: &Offer,
    revision: &Revision,
    status: OfferStatus,
) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(
        "offerTypeId".to_owned(),
        Value::from(revision.offer_type_id.as_str()),
    );
    map.insert("publisherId".to_owned(), Value::from(publisher));
    map.insert("status".to_owned(), Value::from(status.as_str()));
    map.insert("id".to_owned(), Value::from(offer.id.as_str()));
    map.insert("version".to_owned(), Value::from(revision.version));
    map.insert(
        "changedTime".to_owned(),
        Value::from(revision.changed.to_string()),
    );
    map.insert(
        "pcMigrationStatus".to_owned(),
        Value::from(if offer.migrated { "migrated" } else { "none" }),
    );
    if offer.migrated {
        // A migrated offer's link into Partner Center, empty here as in the 2022 recordings,
        // and whether an upgrade was asked for: the client's, when its PUT said
        // (docs/behaviour.md#offer-document).
        map.insert("pcRedirectUri".to_owned(), Value::from(""));
        if !revision.body.contains_key("isvUpgradeRequest") {
            map.insert("isvUpgradeRequest".to_owned(), Value::from(false));
        }
    }
    map
}
