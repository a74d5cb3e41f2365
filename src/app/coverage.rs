//! `GET /_mock/coverage` (and `.html`): what the traffic so far exercised of the API, and what
//! it never did (docs/coverage.md) — per documented endpoint the statuses and reasons seen and
//! not seen, the lifecycle transitions the operations it started took, the outcomes a client
//! saw by polling. Worked out from the journal and the store when asked, so requests pay
//! nothing for it; a journal that dropped entries makes the report partial, and says so.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::domain::{OperationId, OperationStatus, SubmissionType};
use crate::reply::html_escape;
use crate::state::AppState;
use crate::state::journal::JournalFilter;

use super::known::{Known, route_of};

/// The reason catalogue (docs/reasons.md), read from its tables once.
fn documented_reasons() -> &'static [String] {
    static REASONS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    REASONS.get_or_init(|| {
        include_str!("../../docs/reasons.md")
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .map(|code| code.replace("=<id>", "=*"))
            .collect()
    })
}

/// The transitions of the lifecycle (docs/behaviour.md#lifecycle), in order.
const TRANSITIONS: [&str; 8] = [
    "draft→publishing",
    "publishing→preview",
    "publishing→failed",
    "publishing→canceled",
    "preview→going-live",
    "going-live→live",
    "going-live→failed",
    "going-live→canceled",
];

/// How an operation can end, as a client polling it sees.
const OUTCOMES: [&str; 3] = ["complete", "failed", "canceled"];

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Coverage {
    /// The world reported (`default` unless the request chose one).
    world: String,
    /// `/api` requests the report is made of.
    requests: usize,
    /// Requests the journal dropped (`--journal-capacity`): not in the report.
    dropped: u64,
    /// Whether every request so far is in the report.
    complete: bool,
    endpoints: Vec<EndpointCoverage>,
    reasons: Seen,
    transitions: Seen,
    outcomes: Seen,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EndpointCoverage {
    method: &'static str,
    path: String,
    requests: usize,
    /// Of the statuses the API document gives this endpoint.
    statuses: Seen,
    /// Reasons its refusals gave.
    reasons_seen: Vec<String>,
}

/// What was seen and what was not, of a known set.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Seen {
    seen: Vec<String>,
    not_seen: Vec<String>,
}

impl Seen {
    fn of<'a>(known: impl IntoIterator<Item = &'a str>, seen: &BTreeSet<String>) -> Seen {
        let mut report = Seen::default();
        for item in known {
            if seen.contains(item) {
                report.seen.push(item.to_owned());
            } else {
                report.not_seen.push(item.to_owned());
            }
        }
        // Seen though not in the known set (a status a fault rule gave, say).
        for item in seen {
            if !report.seen.contains(item) {
                report.seen.push(item.clone());
            }
        }
        report
    }
}

/// A tally of one endpoint: requests, statuses seen, reasons seen.
#[derive(Debug, Default)]
struct Tally {
    requests: usize,
    statuses: BTreeSet<String>,
    reasons: BTreeSet<String>,
}

/// The coverage of `state`'s world, of the documented `routes`.
pub(crate) fn coverage(state: &AppState, routes: &[Known]) -> Coverage {
    let now = state.now();
    let (entries, dropped) = state.with_world(|w| {
        (
            w.journal.list(&JournalFilter::default()),
            w.journal.dropped(),
        )
    });
    let mut by_route: BTreeMap<usize, Tally> = BTreeMap::new();
    let mut reasons = BTreeSet::new();
    let mut started: Vec<OperationId> = Vec::new();
    let mut polled: Vec<(OperationId, crate::domain::Timestamp)> = Vec::new();
    for entry in &entries {
        let request = &entry.request;
        let reason = entry
            .answer
            .reason()
            .map(|reason| match reason.split_once('=') {
                Some((rule, _)) => format!("{rule}=*"),
                None => reason.to_owned(),
            });
        if let Some(reason) = &reason {
            reasons.insert(reason.clone());
        }
        let Some(route) = route_of(routes, request.method.as_str(), request.path()) else {
            continue;
        };
        let index = routes
            .iter()
            .position(|known| std::ptr::eq(known, route))
            .unwrap_or(usize::MAX);
        let tally = by_route.entry(index).or_default();
        tally.requests += 1;
        if let Some(status) = request.status {
            tally.statuses.insert(status.to_string());
        }
        if let Some(reason) = reason {
            tally.reasons.insert(reason);
        }
        if let Some(id) = entry
            .answer
            .operation_id()
            .and_then(|id| OperationId::parse(id).ok())
        {
            started.push(id);
        }
        if request.method == "GET"
            && request.status == Some(200)
            && route.template.contains("operations/{")
        {
            if let Some(id) = request
                .path()
                .rsplit('/')
                .next()
                .and_then(|id| OperationId::parse(id).ok())
            {
                polled.push((id, request.time));
            }
        }
    }
    let (transitions, outcomes) = state.with_world(|w| {
        let mut transitions = BTreeSet::new();
        for id in &started {
            let Some(op) = w.store.find_operation(*id) else {
                continue;
            };
            let (start, from) = match op.kind() {
                SubmissionType::Publish => ("draft→publishing", "publishing"),
                SubmissionType::GoLive => ("preview→going-live", "going-live"),
            };
            transitions.insert(start.to_owned());
            let to = match (op.kind(), op.status_at(now)) {
                (_, OperationStatus::Running) => None,
                (SubmissionType::Publish, OperationStatus::Complete) => Some("preview"),
                (SubmissionType::GoLive, OperationStatus::Complete) => Some("live"),
                (_, OperationStatus::Failed) => Some("failed"),
                (_, OperationStatus::Canceled) => Some("canceled"),
            };
            if let Some(to) = to {
                transitions.insert(format!("{from}→{to}"));
            }
        }
        let mut outcomes = BTreeSet::new();
        for (id, at) in &polled {
            let status = w.store.find_operation(*id).map(|op| op.status_at(*at));
            let outcome = match status {
                Some(OperationStatus::Complete) => "complete",
                Some(OperationStatus::Failed) => "failed",
                Some(OperationStatus::Canceled) => "canceled",
                _ => continue,
            };
            outcomes.insert(outcome.to_owned());
        }
        (transitions, outcomes)
    });
    let endpoints = routes
        .iter()
        .enumerate()
        .filter(|(_, known)| known.template.starts_with("/api"))
        .map(|(index, known)| {
            let empty = Tally::default();
            let tally = by_route.get(&index).unwrap_or(&empty);
            EndpointCoverage {
                method: known.method,
                path: known.template.clone(),
                requests: tally.requests,
                statuses: Seen::of(known.statuses.iter().map(String::as_str), &tally.statuses),
                reasons_seen: tally.reasons.iter().cloned().collect(),
            }
        })
        .collect();
    Coverage {
        world: state.world_name().unwrap_or("default").to_owned(),
        requests: entries.len(),
        dropped,
        complete: dropped == 0,
        endpoints,
        reasons: Seen::of(documented_reasons().iter().map(String::as_str), &reasons),
        transitions: Seen::of(TRANSITIONS, &transitions),
        outcomes: Seen::of(OUTCOMES, &outcomes),
    }
}

/// The report as a page of its own (no script, no link out).
pub(crate) fn html(report: &Coverage) -> String {
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>cloudpartner-mock coverage</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
         .no{color:#a00}.yes{color:#070}</style></head><body>",
    );
    let _ = write!(
        page,
        "<h1>Coverage of world {}</h1><p>{} requests{}</p>",
        html_escape(&report.world),
        report.requests,
        if report.complete {
            String::new()
        } else {
            format!(
                "; {} more dropped by the journal (raise --journal-capacity)",
                report.dropped
            )
        }
    );
    page.push_str("<h2>Endpoints</h2><table><tr><th>Endpoint</th><th>Requests</th><th>Statuses seen</th><th>Statuses never seen</th><th>Reasons seen</th></tr>");
    for endpoint in &report.endpoints {
        let _ = write!(
            page,
            "<tr><td>{} {}</td><td>{}</td><td class=\"yes\">{}</td><td class=\"no\">{}</td><td>{}</td></tr>",
            endpoint.method,
            html_escape(&endpoint.path),
            endpoint.requests,
            html_escape(&endpoint.statuses.seen.join(" ")),
            html_escape(&endpoint.statuses.not_seen.join(" ")),
            html_escape(&endpoint.reasons_seen.join(" ")),
        );
    }
    page.push_str("</table>");
    for (title, seen) in [
        ("Reasons", &report.reasons),
        ("Lifecycle transitions", &report.transitions),
        ("Outcomes seen by a poll", &report.outcomes),
    ] {
        let _ = write!(
            page,
            "<h2>{title}</h2><p class=\"yes\">Seen: {}</p><p class=\"no\">Never seen: {}</p>",
            html_escape(&seen.seen.join(", ")),
            html_escape(&seen.not_seen.join(", ")),
        );
    }
    page.push_str("</body></html>\n");
    page
}
