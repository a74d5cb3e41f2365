//! What a PUT may write: the offer document as the client owns it, and the If-Match header
//! (docs/behaviour.md#e6-create-or-replace-an-offer).

use serde_json::{Map, Value};

use super::error::DomainError;
use super::json::json_type;
use super::time::Timestamp;

/// Top-level keys the server owns: ignored on PUT (docs/behaviour.md#offer-document). pub sends its
/// ETag in the body; the docs' example sends `version`.
const SERVER_OWNED: &[&str] = &[
    "publisherId",
    "id",
    "offerTypeId",
    "version",
    "status",
    "changedTime",
    "eTag",
    "Etag",
    "etag",
    "ETag",
    "pcMigrationStatus",
    "pcRedirectUri",
    "lockStatus",
    "offerTypeChanges",
    "pricingNotRecalculatedRegions",
    "offerTypeVersionsOverride",
];

/// Read-only keys GET returns on core-VM offers that the service refused on PUT in 2024
/// (Debian's workaround, docs/behaviour.md#what-real-clients-rely-on): refused in strict mode only.
const LEGACY_KEYS: &[&str] = &[
    "microsoft-azure-corevm.legacyOfferId",
    "microsoft-azure-corevm.legacyPublisherId",
];

/// The If-Match header of a PUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IfMatch {
    Absent,
    /// `*`: last writer wins.
    Any,
    /// One or more ETags; the write proceeds if the current one is among them.
    Tags(Vec<String>),
}

impl IfMatch {
    pub(crate) fn parse(header: Option<&str>) -> Self {
        let Some(value) = header.map(str::trim) else {
            return IfMatch::Absent;
        };
        if value == "*" {
            return IfMatch::Any;
        }
        // Our ETags hold no comma, so a comma separates list items (RFC 9110 §13.1.1).
        IfMatch::Tags(
            value
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Checks the header against the current ETag (`None` when the offer does not exist).
    pub(crate) fn check(&self, current: Option<&ETag>, required: bool) -> Result<(), DomainError> {
        match (self, current) {
            (IfMatch::Absent, Some(_)) if required => Err(DomainError::IfMatchRequired),
            (IfMatch::Absent | IfMatch::Any, _) => Ok(()),
            (IfMatch::Tags(tags), Some(current)) if tags.iter().any(|t| t == current.as_str()) => {
                Ok(())
            }
            (IfMatch::Tags(tags), current) => Err(DomainError::PreconditionFailed {
                given: tags.join(", "),
                current: current.map(|c| c.as_str().to_owned()),
            }),
        }
    }
}

/// A PUT body, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OfferWrite {
    pub(crate) offer_type_id: String,
    /// `definition` and the other keys the client owns.
    pub(crate) body: Map<String, Value>,
}

impl OfferWrite {
    /// Checks a PUT body for the offer `offer` of `publisher` (the URL's ids): a JSON object
    /// with `publisherId` and `id` equal to the URL's (ignoring case), an `offerTypeId` and a
    /// `definition` object. `strict` also refuses the read-only legacy core-VM keys.
    pub(crate) fn from_json(
        publisher: &str,
        offer: &str,
        value: Value,
        strict: bool,
    ) -> Result<Self, DomainError> {
        let invalid = |m: String| DomainError::InvalidDocument(m);
        let Value::Object(mut body) = value else {
            return Err(invalid("it must be a JSON object.".to_owned()));
        };
        let text = |body: &Map<String, Value>, key: &str| match body.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::String(_)) => Err(invalid(format!("'{key}' must not be empty."))),
            Some(other) => Err(invalid(format!(
                "'{key}' must be a string, not {}.",
                json_type(other)
            ))),
            None => Err(invalid(format!("'{key}' is required."))),
        };
        let body_publisher = text(&body, "publisherId")?;
        if !body_publisher.eq_ignore_ascii_case(publisher) {
            return Err(invalid(format!(
                "publisherId '{body_publisher}' does not match the publisher '{publisher}' of the URL."
            )));
        }
        let body_offer = text(&body, "id")?;
        if !body_offer.eq_ignore_ascii_case(offer) {
            return Err(invalid(format!(
                "id '{body_offer}' does not match the offer '{offer}' of the URL."
            )));
        }
        let offer_type_id = match body.get("offerTypeId") {
            None | Some(Value::Null) => return Err(DomainError::OfferTypeMissing),
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(DomainError::OfferTypeMissing);
            }
            Some(_) => text(&body, "offerTypeId")?,
        };
        match body.get("definition") {
            Some(Value::Object(definition)) => {
                if strict {
                    let offer_keys = definition.get("offer").and_then(Value::as_object);
                    if let Some(key) = LEGACY_KEYS
                        .iter()
                        .find(|k| offer_keys.is_some_and(|o| o.contains_key(**k)))
                    {
                        return Err(invalid(format!("definition.offer['{key}'] is read-only.")));
                    }
                }
            }
            Some(other) => {
                return Err(invalid(format!(
                    "'definition' must be an object, not {}.",
                    json_type(other)
                )));
            }
            None => return Err(invalid("'definition' is required.".to_owned())),
        }
        for key in SERVER_OWNED {
            body.remove(*key);
        }
        super::defaults::fill(&offer_type_id, &mut body);
        Ok(Self {
            offer_type_id,
            body,
        })
    }
}

/// A weak, Azure-Table-style ETag built from the change time, colons percent-encoded:
/// `W/"datetime'2019-10-30T22%3A03%3A51.6562051Z'"` (docs/behaviour.md#response-headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ETag(String);

impl ETag {
    pub(crate) fn of(changed: Timestamp) -> Self {
        Self(format!(
            "W/\"datetime'{}'\"",
            changed.to_string().replace(':', "%3A")
        ))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body() -> Value {
        json!({
            "publisherId": "Contoso", "id": "offer-1", "offerTypeId": "microsoft-azure-corevm",
            "version": 5, "status": "succeeded", "Etag": "W/\"x\"", "isvUpgradeRequest": false,
            "definition": { "displayText": "x", "offer": {
                "microsoft-azure-corevm.legacyOfferId": "old" }, "plans": [] }
        })
    }

    #[test]
    fn a_put_body_keeps_what_the_client_owns() {
        let write = OfferWrite::from_json("contoso", "OFFER-1", body(), false).expect("valid");
        assert_eq!(write.offer_type_id, "microsoft-azure-corevm");
        let keys: Vec<&str> = write.body.keys().map(String::as_str).collect();
        assert_eq!(keys, ["definition", "isvUpgradeRequest"]);
    }

    #[test]
    fn strict_mode_refuses_legacy_keys() {
        let err = OfferWrite::from_json("contoso", "offer-1", body(), true).expect_err("refused");
        assert!(err.to_string().contains("legacyOfferId"), "{err}");
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let cases = [
            (json!([]), "must be a JSON object"),
            (
                json!({"publisherId": "fabrikam"}),
                "does not match the publisher",
            ),
            (
                json!({"publisherId": "contoso", "id": 3}),
                "'id' must be a string, not a number",
            ),
            (
                json!({"publisherId": "contoso", "id": "offer-1", "offerTypeId": "t"}),
                "'definition' is required",
            ),
            (
                json!({"publisherId": "contoso", "id": "offer-1", "offerTypeId": "t", "definition": []}),
                "'definition' must be an object",
            ),
        ];
        for (value, expected) in cases {
            let err =
                OfferWrite::from_json("contoso", "offer-1", value, false).expect_err("refused");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn if_match_follows_the_table_of_the_reference() {
        let current = ETag::of(super::super::time::Timestamp::from_unix_nanos(0));
        let same = IfMatch::parse(Some(current.as_str()));
        assert!(same.check(Some(&current), true).is_ok());
        assert!(
            IfMatch::parse(Some("*"))
                .check(Some(&current), true)
                .is_ok()
        );
        assert!(IfMatch::Absent.check(Some(&current), false).is_ok());
        assert_eq!(
            IfMatch::Absent.check(Some(&current), true),
            Err(DomainError::IfMatchRequired)
        );
        assert!(IfMatch::Absent.check(None, true).is_ok());
        assert!(matches!(
            IfMatch::parse(Some("W/\"other\"")).check(Some(&current), false),
            Err(DomainError::PreconditionFailed { .. })
        ));
        assert!(matches!(
            IfMatch::parse(Some("W/\"other\"")).check(None, false),
            Err(DomainError::PreconditionFailed { current: None, .. })
        ));
    }
}
