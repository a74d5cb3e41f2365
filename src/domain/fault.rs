//! Fault rules as written in a fixture or a control request, and their checks: which
//! requests they match and what they do (a status with a CPP error body, latency, a dropped
//! connection), for the next N matches or with a seeded probability. The fault book that
//! fires them is the state's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{json, whole_number};

/// A fault rule as written in a fixture or a control request.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FaultSpec {
    #[serde(default, rename = "match", deserialize_with = "json::object")]
    pub(crate) matches: MatchSpec,
    /// Answer with this status and a CPP error body.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "json::optional_object"
    )]
    pub(crate) respond: Option<RespondSpec>,
    /// Wait this long before answering (or before handling, when there is no other effect).
    #[serde(
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "whole_number::number"
    )]
    #[schema(maximum = 3_600_000)]
    pub(crate) latency_ms: u64,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) drop: bool,
    /// Let the request take effect first, then answer with `respond` or `drop` instead of
    /// the real answer (only when the real answer was a success).
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) after_commit: bool,
    /// Fire for the next this many matches only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number::optional"
    )]
    #[schema(minimum = 1)]
    pub(crate) times: Option<i32>,
    /// Fire with this probability (0–1), drawn from a generator seeded with `seed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub(crate) probability: Option<f64>,
    /// Any int64 from 0.
    #[serde(default, deserialize_with = "whole_number::number")]
    #[schema(minimum = 0)]
    pub(crate) seed: i64,
}

/// The longest latency a rule may add: an hour.
const MAX_LATENCY_MS: u64 = 3_600_000;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MatchSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) method: Option<String>,
    /// A path pattern: `*` stands for one segment, a final `**` for the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) offer: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "json::optional_object"
    )]
    pub(crate) header: Option<HeaderMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct HeaderMatch {
    pub(crate) name: String,
    /// Absent: the header only has to be present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RespondSpec {
    #[serde(deserialize_with = "whole_number::number")]
    #[schema(minimum = 200, maximum = 599)]
    pub(crate) status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
    /// Extra response headers, e.g. `Retry-After`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) headers: BTreeMap<String, String>,
}

impl FaultSpec {
    /// Checks the rule; the error names the field (`respond.status`, …) and what is wrong.
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        let fail = |field: &str, reason: String| Err((field.to_owned(), reason));
        if self.respond.is_none() && self.latency_ms == 0 && !self.drop {
            return fail(
                "",
                "a rule needs an effect: respond, latencyMs or drop".to_owned(),
            );
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return fail(
                "latencyMs",
                format!("{} is more than an hour (3600000)", self.latency_ms),
            );
        }
        if self.respond.is_some() && self.drop {
            return fail(
                "drop",
                "a rule either responds or drops the connection, not both".to_owned(),
            );
        }
        if self.after_commit && self.respond.is_none() && !self.drop {
            return fail(
                "afterCommit",
                "afterCommit needs respond or drop".to_owned(),
            );
        }
        if let Some(respond) = &self.respond {
            if !(200..=599).contains(&respond.status) {
                return fail(
                    "respond.status",
                    format!("{} is not an HTTP status (200–599)", respond.status),
                );
            }
            for (name, value) in &respond.headers {
                if !is_header_name(name) || !is_header_value(value) {
                    return fail(
                        &format!("respond.headers.{name}"),
                        "is not a valid header".to_owned(),
                    );
                }
            }
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return fail("probability", format!("{p} is not between 0 and 1"));
            }
        }
        if self.times == Some(0) {
            return fail(
                "times",
                "a rule that fires 0 times does nothing: omit it or delete the rule".to_owned(),
            );
        }
        if let Some(header) = &self.matches.header {
            if !is_header_name(&header.name) {
                return fail(
                    "match.header.name",
                    format!("'{}' is not a header name", header.name),
                );
            }
        }
        Ok(())
    }
}

/// An HTTP header name: a token (RFC 9110 §5.6.2).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// An HTTP header value: no control characters but tab (RFC 9110 §5.5).
fn is_header_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || !(b < 0x20 || b == 0x7f))
}
