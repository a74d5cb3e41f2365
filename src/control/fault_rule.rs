//! [`Fault`]: a fault rule built in Rust for [`Control::add_fault`](super::Control::add_fault),
//! the JSON the README writes (`POST /_mock/faults`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A fault rule (docs: the README's fault rules), built in Rust:
///
/// ```
/// use cloudpartner_mock::Fault;
/// let throttled = Fault::on_post("/api/publishers/*/offers/*/golive")
///     .respond(429)
///     .with_header("Retry-After", "2")
///     .times(1);
/// # let _ = throttled;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Fault {
    /// Which requests it applies to; every given field must match.
    #[serde(rename = "match", default)]
    pub matches: FaultMatch,
    /// Answer with this status and a CPP error body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond: Option<FaultResponse>,
    /// Wait this long first (milliseconds, at most an hour).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub latency_ms: u64,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop: bool,
    /// Let the request take effect first, then answer with `respond` or `drop`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_commit: bool,
    /// Fire for the next this many matching requests only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Fire with this probability (0–1), drawn from a generator seeded with `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seed: u64,
}

/// What requests a [`Fault`] applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FaultMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A path pattern: `*` stands for one segment, a final `**` for the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<FaultHeader>,
}

/// A header a request must carry (with this value, if one is given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultHeader {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The answer a [`Fault`] gives instead of the real one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultResponse {
    pub status: u16,
    /// The CPP error code (default: the status's own, e.g. `ServiceUnavailable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extra headers, e.g. `Retry-After`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Fault {
    /// A rule for requests with `method` to paths matching `path` (`*` one segment, a final
    /// `**` the rest); give it an effect next ([`respond`](Self::respond),
    /// [`latency`](Self::latency) or [`drop_connection`](Self::drop_connection)).
    pub fn on(method: &str, path: &str) -> Self {
        let mut fault = Self::on_any(path);
        fault.matches.method = Some(method.to_owned());
        fault
    }

    /// [`on`](Self::on) for `POST`.
    pub fn on_post(path: &str) -> Self {
        Self::on("POST", path)
    }

    /// [`on`](Self::on) for `GET`.
    pub fn on_get(path: &str) -> Self {
        Self::on("GET", path)
    }

    /// [`on`](Self::on) for `PUT`.
    pub fn on_put(path: &str) -> Self {
        Self::on("PUT", path)
    }

    /// A rule for requests of any method to paths matching `path`.
    pub fn on_any(path: &str) -> Self {
        Self {
            matches: FaultMatch {
                path: Some(path.to_owned()),
                ..FaultMatch::default()
            },
            ..Self::default()
        }
    }

    /// Only for this publisher's requests.
    pub fn for_publisher(mut self, publisher: &str) -> Self {
        self.matches.publisher = Some(publisher.to_owned());
        self
    }

    /// Only for this offer's requests.
    pub fn for_offer(mut self, offer: &str) -> Self {
        self.matches.offer = Some(offer.to_owned());
        self
    }

    /// Only for requests carrying header `name` (with `value`, if given).
    pub fn with_request_header(mut self, name: &str, value: Option<&str>) -> Self {
        self.matches.header = Some(FaultHeader {
            name: name.to_owned(),
            value: value.map(str::to_owned),
        });
        self
    }

    /// Answers `status` with a CPP error body.
    pub fn respond(mut self, status: u16) -> Self {
        self.respond = Some(FaultResponse {
            status,
            code: None,
            message: None,
            headers: BTreeMap::new(),
        });
        self
    }

    /// The CPP error code of the answer (after [`respond`](Self::respond)).
    pub fn with_code(mut self, code: &str) -> Self {
        if let Some(respond) = &mut self.respond {
            respond.code = Some(code.to_owned());
        }
        self
    }

    /// The error message of the answer (after [`respond`](Self::respond)).
    pub fn with_message(mut self, message: &str) -> Self {
        if let Some(respond) = &mut self.respond {
            respond.message = Some(message.to_owned());
        }
        self
    }

    /// A header of the answer, e.g. `Retry-After` (after [`respond`](Self::respond)).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Some(respond) = &mut self.respond {
            respond.headers.insert(name.to_owned(), value.to_owned());
        }
        self
    }

    /// Waits this long first (whole milliseconds).
    pub fn latency(mut self, by: Duration) -> Self {
        self.latency_ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Closes the connection without an answer.
    pub fn drop_connection(mut self) -> Self {
        self.drop = true;
        self
    }

    /// Lets the request take effect, then answers with the rule's effect instead.
    pub fn after_commit(mut self) -> Self {
        self.after_commit = true;
        self
    }

    /// Fires for the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Fires with `probability` (0–1), drawn from a generator seeded with `seed`.
    pub fn probability(mut self, probability: f64, seed: u64) -> Self {
        self.probability = Some(probability);
        self.seed = seed;
        self
    }
}
