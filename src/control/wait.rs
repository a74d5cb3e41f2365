//! `POST /_mock/wait`: await a condition instead of polling for it (docs/wait.md) — an
//! operation reaching a status, requests matching a method and path, an offer reaching a
//! status — up to a timeout.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::domain::{OperationId, OperationStatus, json, whole_number};
use crate::reply::{json, status_str};
use crate::state::journal::JournalFilter;
use crate::state::{AppState, InWorld};

use super::docs::{ControlAuth, ControlErrorBody};
use super::error::{ControlError, Result, not_ahead, parse};

/// The longest wait: five minutes.
const MAX_TIMEOUT_MS: u64 = 300_000;

/// One condition, and how long to wait for it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Wait {
    #[serde(default, deserialize_with = "json::optional_object")]
    operation: Option<OperationCondition>,
    #[serde(default, deserialize_with = "json::optional_object")]
    requests: Option<RequestsCondition>,
    #[serde(default, deserialize_with = "json::optional_object")]
    offer: Option<OfferCondition>,
    /// How long to wait, in milliseconds (default 10 000, at most 300 000).
    #[serde(default = "default_timeout", deserialize_with = "whole_number::number")]
    #[schema(minimum = 0, maximum = 300_000)]
    timeout_ms: u64,
}

fn default_timeout() -> u64 {
    10_000
}

/// An operation reaches a status: `running`, `complete` (or the success status the server
/// spells), `failed`, `canceled`, or `ended` (any of the last three).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperationCondition {
    id: String,
    status: String,
}

/// At least `count` recorded `/api` requests match (the journal's filters).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RequestsCondition {
    method: Option<String>,
    path_prefix: Option<String>,
    /// Only requests after this sequence number (a journal listing's `lastSeq`); not past the
    /// last one.
    #[serde(default, deserialize_with = "whole_number::optional")]
    #[schema(minimum = 0)]
    since: Option<i64>,
    #[serde(default = "one", deserialize_with = "whole_number::number")]
    #[schema(minimum = 1)]
    count: i32,
}

fn one() -> i32 {
    1
}

/// What an operation condition may wait for.
pub(crate) const OPERATION_STATUSES: [&str; 7] = [
    "running",
    "complete",
    "completed",
    "succeeded",
    "failed",
    "canceled",
    "ended",
];

/// What an offer condition may wait for.
pub(crate) const OFFER_STATUSES: [&str; 5] = [
    "neverPublished",
    "running",
    "succeeded",
    "canceled",
    "failed",
];

/// An offer reaches a status: `neverPublished`, `running`, `succeeded`, `canceled`,
/// `failed`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OfferCondition {
    publisher: String,
    offer: String,
    status: String,
}

/// Whether the condition was met, what was seen last, and how long it took.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Waited {
    met: bool,
    /// The operation's or the offer's status, or how many requests matched.
    seen: serde_json::Value,
    waited_ms: u64,
}

/// What a condition looks at, checked.
enum Condition {
    Operation {
        id: OperationId,
        wanted: String,
    },
    Requests {
        filter: JournalFilter,
        count: u64,
    },
    Offer {
        publisher: String,
        offer: String,
        wanted: String,
    },
}

impl Condition {
    /// `wait` checked; `last_seq`: the last sequence number given out, which `since` may not
    /// pass.
    fn from(wait: Wait, last_seq: u64) -> Result<(Condition, Duration)> {
        if wait.timeout_ms > MAX_TIMEOUT_MS {
            return Err(ControlError::BadRequest(format!(
                "timeoutMs must be at most {MAX_TIMEOUT_MS}."
            )));
        }
        let timeout = Duration::from_millis(wait.timeout_ms);
        let condition = match (wait.operation, wait.requests, wait.offer) {
            (Some(op), None, None) => {
                one_of(
                    &op.status,
                    &OPERATION_STATUSES,
                    "an operation status to wait for",
                )?;
                Condition::Operation {
                    id: OperationId::parse(&op.id)?,
                    wanted: op.status,
                }
            }
            (None, Some(requests), None) => {
                let count = u64::try_from(requests.count)
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| {
                        ControlError::BadRequest("count must be at least 1.".to_owned())
                    })?;
                let since = match requests.since {
                    Some(since) => Some(not_ahead(since.unsigned_abs(), last_seq)?),
                    None => None,
                };
                Condition::Requests {
                    filter: JournalFilter {
                        method: requests.method,
                        path_prefix: requests.path_prefix,
                        since,
                        ..JournalFilter::default()
                    },
                    count,
                }
            }
            (None, None, Some(offer)) => {
                one_of(&offer.status, &OFFER_STATUSES, "an offer status")?;
                Condition::Offer {
                    publisher: offer.publisher,
                    offer: offer.offer,
                    wanted: offer.status,
                }
            }
            _ => {
                return Err(ControlError::BadRequest(
                    "Give exactly one condition: operation, requests or offer.".to_owned(),
                ));
            }
        };
        Ok((condition, timeout))
    }

    /// Whether it holds now, and what was seen; an error for what can never hold (an
    /// unknown operation or offer).
    fn check(&self, state: &AppState) -> Result<(bool, serde_json::Value)> {
        let now = state.now();
        match self {
            Condition::Operation { id, wanted } => {
                let status = state
                    .peek_world(|w| w.store.find_operation(*id).map(|op| op.status_at(now)))
                    .ok_or_else(|| {
                        ControlError::NotFound(format!("There is no operation '{id}'."))
                    })?;
                let spelt = status_str(status, state.settings().config.success_status);
                let met = match wanted.as_str() {
                    "ended" => status != OperationStatus::Running,
                    "complete" | "completed" | "succeeded" => status == OperationStatus::Complete,
                    other => spelt == other,
                };
                Ok((met, serde_json::json!({ "status": spelt })))
            }
            Condition::Requests { filter, count } => {
                let matched = state.peek_world(|w| w.journal.count(filter)) as u64;
                Ok((matched >= *count, serde_json::json!({ "count": matched })))
            }
            Condition::Offer {
                publisher,
                offer,
                wanted,
            } => {
                let status = state.peek_world(|w| {
                    let loc = w.store.locate_offer(publisher, offer)?;
                    Ok::<_, crate::domain::DomainError>(w.store.offer_at(loc).status_at(now))
                })?;
                Ok((
                    status.as_str() == wanted,
                    serde_json::json!({ "status": status.as_str() }),
                ))
            }
        }
    }
}

/// `Ok` when `value` is one of `allowed`; else the `400` that lists them (`what`: what a
/// value is).
fn one_of(value: &str, allowed: &[&str], what: &str) -> Result<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ControlError::BadRequest(format!(
        "'{value}' is not {what}: use {}.",
        allowed.join(", ")
    )))
}

/// Waits for `wait`'s condition.
pub(crate) async fn wait(state: &AppState, wait: Wait) -> Result<Waited> {
    let last_seq = state.peek_world(|w| w.journal.last_seq());
    let (condition, timeout) = Condition::from(wait, last_seq)?;
    // What can never hold is refused at once.
    condition.check(state)?;
    let started = Instant::now();
    let (met, seen) = state
        .wait_until(timeout, |state| match condition.check(state) {
            Ok(checked) => checked,
            Err(e) => (false, serde_json::json!({ "error": e.to_string() })),
        })
        .await;
    Ok(Waited {
        met,
        seen,
        waited_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// `POST /_mock/wait`.
#[utoipa::path(
    post,
    path = "/_mock/wait",
    tag = "control",
    summary = "Wait for an operation, requests or an offer to reach a state",
    request_body(content = Wait, content_type = "application/json"),
    responses(
        (status = 200, description = "Met, or the timeout passed (met: false)", body = Waited),
        (status = 400, description = "Not one valid condition", body = ControlErrorBody),
        (status = 404, description = "No such operation or offer", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn post_wait(InWorld(state): InWorld, body: Bytes) -> Result<Response> {
    let waited = wait(&state, parse(&body)?).await?;
    Ok(json(StatusCode::OK, &waited))
}
