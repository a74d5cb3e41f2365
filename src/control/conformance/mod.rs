//! `GET /_mock/conformance` (and `.html`): how the client under test behaved towards the
//! service (docs/conformance.md) — per client rule `passed`, `violated` (the journal's
//! sequence numbers that show it, and what happened) or `notExercised`. Worked out when asked
//! from what the journal and the store already hold, so requests pay nothing for it beyond
//! what the journal records.

mod calls;
mod facts;
mod polling;
mod retries;
mod rules;
mod verdict;

use std::fmt::Write as _;
use std::time::Duration;

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::reply::{html_escape, json};
use crate::state::journal::JournalFilter;
use crate::state::{AppState, InWorld};

use super::docs::{ConformanceQuery, ControlAuth, ControlErrorBody};
use super::error::{ControlError, Result};

use rules::RULES;
use verdict::{Facts, Severity, Verdict, Violation};

/// The poll interval below which two reads are too fast, unless the query says otherwise.
const DEFAULT_POLL_INTERVAL_MS: u64 = 1000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    /// The world reported (`default` unless the request chose one).
    world: String,
    /// `/api` requests the report is made of.
    requests: usize,
    /// Requests the journal dropped (`--journal-capacity`, `--journal-bytes`): not judged.
    dropped: u64,
    /// Whether every request so far is in the report.
    complete: bool,
    poll_interval_ms: u64,
    summary: Summary,
    rules: Vec<RuleReport>,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Summary {
    passed: usize,
    violated: usize,
    not_exercised: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) enum RuleStatus {
    Passed,
    Violated,
    NotExercised,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RuleReport {
    id: &'static str,
    severity: Severity,
    statement: &'static str,
    evidence: &'static str,
    status: RuleStatus,
    violations: Vec<Violation>,
}

/// The report of `state`'s world, reads closer than `poll_floor` counting as too fast.
pub(crate) fn report(state: &AppState, poll_floor: Duration) -> Report {
    let (entries, dropped) = state.with_world(|w| {
        (
            w.journal.list(&JournalFilter::default()),
            w.journal.dropped(),
        )
    });
    let mut requests = facts::requests(entries);
    state.with_world(|w| facts::note_statuses(&mut requests, &w.store));
    let facts = Facts {
        requests: &requests,
        poll_floor,
    };
    let mut summary = Summary::default();
    let rules = RULES
        .iter()
        .map(|rule| {
            let (status, violations) = match (rule.judge)(&facts) {
                Verdict::NotExercised => (RuleStatus::NotExercised, Vec::new()),
                Verdict::Passed => (RuleStatus::Passed, Vec::new()),
                Verdict::Violated(violations) => (RuleStatus::Violated, violations),
            };
            match status {
                RuleStatus::Passed => summary.passed += 1,
                RuleStatus::Violated => summary.violated += 1,
                RuleStatus::NotExercised => summary.not_exercised += 1,
            }
            RuleReport {
                id: rule.id,
                severity: rule.severity,
                statement: rule.statement,
                evidence: rule.evidence,
                status,
                violations,
            }
        })
        .collect();
    Report {
        world: state.world_name().unwrap_or("default").to_owned(),
        requests: requests.len(),
        dropped,
        complete: dropped == 0,
        poll_interval_ms: u64::try_from(poll_floor.as_millis()).unwrap_or(u64::MAX),
        summary,
        rules,
    }
}

/// The poll interval a report's query asks for.
pub(crate) fn poll_floor_from_query(query: &str) -> Result<Duration> {
    let mut ms = DEFAULT_POLL_INTERVAL_MS;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "pollIntervalMs" => {
                ms = value
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms <= 86_400_000)
                    .ok_or_else(|| {
                        ControlError::BadRequest(format!(
                            "pollIntervalMs '{value}' is not a number of milliseconds from 0 to 86400000."
                        ))
                    })?;
            }
            other => {
                return Err(ControlError::BadRequest(format!(
                    "Unknown parameter '{other}': the report takes pollIntervalMs."
                )));
            }
        }
    }
    Ok(Duration::from_millis(ms))
}

/// `GET /_mock/conformance`.
#[utoipa::path(
    get,
    path = "/_mock/conformance",
    tag = "control",
    summary = "How the client behaved towards the service: each client rule passed, violated or not exercised",
    params(ConformanceQuery),
    responses(
        (status = 200, description = "The report (docs/conformance.md)", body = Report),
        (status = 400, description = "An unknown parameter or a bad interval", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_conformance(InWorld(state): InWorld, uri: Uri) -> Result<Response> {
    let floor = poll_floor_from_query(uri.query().unwrap_or(""))?;
    Ok(json(StatusCode::OK, &report(&state, floor)))
}

/// `GET /_mock/conformance.html`: the same report as a page of its own, for a CI job to keep.
#[utoipa::path(
    get,
    path = "/_mock/conformance.html",
    tag = "control",
    summary = "The conformance report as a self-contained HTML page",
    params(ConformanceQuery),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 400, description = "An unknown parameter or a bad interval", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_conformance_html(InWorld(state): InWorld, uri: Uri) -> Result<Response> {
    let floor = poll_floor_from_query(uri.query().unwrap_or(""))?;
    let page = html(&report(&state, floor));
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response())
}

/// The report as a page of its own (no script, no link out).
fn html(report: &Report) -> String {
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>cloudpartner-mock conformance</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
         .violated{color:#a00}.passed{color:#070}.notExercised{color:#666}</style></head><body>",
    );
    let _ = write!(
        page,
        "<h1>Conformance of the client, world {}</h1><p>{} requests; {} rules passed, {} violated, {} not exercised{}</p>",
        html_escape(&report.world),
        report.requests,
        report.summary.passed,
        report.summary.violated,
        report.summary.not_exercised,
        if report.complete {
            String::new()
        } else {
            format!(
                "; {} more requests dropped by the journal, not judged",
                report.dropped
            )
        }
    );
    page.push_str(
        "<table><tr><th>Rule</th><th>Severity</th><th>Status</th><th>What happened</th></tr>",
    );
    for rule in &report.rules {
        let (class, status) = match rule.status {
            RuleStatus::Passed => ("passed", "passed"),
            RuleStatus::Violated => ("violated", "violated"),
            RuleStatus::NotExercised => ("notExercised", "not exercised"),
        };
        let mut happened = String::new();
        for violation in &rule.violations {
            let seqs: Vec<String> = violation.seqs.iter().map(u64::to_string).collect();
            let _ = write!(
                happened,
                "<p>{} (seq {})</p>",
                html_escape(&violation.sentence),
                seqs.join(", ")
            );
        }
        let _ = write!(
            page,
            "<tr><td><b>{}</b><br>{}<br><small>{}</small></td><td>{:?}</td><td class=\"{class}\">{status}</td><td>{happened}</td></tr>",
            rule.id,
            html_escape(rule.statement),
            html_escape(rule.evidence),
            rule.severity,
        );
    }
    page.push_str("</table></body></html>\n");
    page
}
