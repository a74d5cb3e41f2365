//! The client rules (docs/conformance.md): each a stable id, a statement, its evidence, a
//! default severity, and the judgement (in `polling.rs`, `retries.rs`, `calls.rs`) of the
//! journal's requests.

use super::calls::{put_without_if_match, secret_in_url};
use super::polling::{
    constructed_operation_url, operation_abandoned, poll_after_end, poll_too_fast,
};
use super::retries::{retry_after_ignored, retry_without_backoff, unchanged_retry_of_4xx};
use super::verdict::{Facts, Severity, Verdict};

/// A client rule.
#[derive(Debug)]
pub(super) struct Rule {
    pub(super) id: &'static str,
    pub(super) severity: Severity,
    pub(super) statement: &'static str,
    pub(super) evidence: &'static str,
    pub(super) judge: fn(&Facts<'_>) -> Verdict,
}

/// Every rule, in the order docs/conformance.md gives them.
pub(super) const RULES: [Rule; 9] = [
    Rule {
        id: "client.poll-too-fast",
        severity: Severity::Warning,
        statement: "An operation (or an offer's progress) is read at most once per poll interval while it runs (1 s unless the report's pollIntervalMs says otherwise).",
        evidence: "The service documents no polling interval, and its operations take minutes to days (docs/behaviour.md#steps); mash polled every 4 hours, openshift-ansible every 5 s (docs/behaviour.md#what-real-clients-rely-on). Faster reads only load the service.",
        judge: poll_too_fast,
    },
    Rule {
        id: "client.retry-after-ignored",
        severity: Severity::Error,
        statement: "A request answered 429 or 503 with Retry-After is not sent again before that time has passed (on the mock's clock).",
        evidence: "RFC 9110 §10.2.3: Retry-After is how long the client ought to wait before a follow-up request; Azure's throttling guidance is to wait that long. The mock's fault rules and its own 503s send it (docs/reasons.md).",
        judge: retry_after_ignored,
    },
    Rule {
        id: "client.retry-without-backoff",
        severity: Severity::Warning,
        statement: "Three or more retries of a call that failed (5xx, 408, 429, a dropped connection) wait longer each time; they never keep a constant or shrinking interval.",
        evidence: "Azure's retry guidance for transient faults is exponential back-off; azure-img-utils retries a PUT after 2, 4, 8, 16 and 32 s (docs/behaviour.md#what-real-clients-rely-on).",
        judge: retry_without_backoff,
    },
    Rule {
        id: "client.poll-after-end",
        severity: Severity::Info,
        statement: "An operation is not read more than once after it reached a terminal status (complete, failed, canceled).",
        evidence: "A terminal status never changes (docs/behaviour.md#lifecycle); mash stopped polling at complete, failed or canceled (docs/behaviour.md#what-real-clients-rely-on).",
        judge: poll_after_end,
    },
    Rule {
        id: "client.operation-abandoned",
        severity: Severity::Warning,
        statement: "An operation the client started (a 202 with Location) is read afterwards: the operation itself, or its offer's status or operations.",
        evidence: "Publish, go-live and cancel are long-running: the 202 only says the work started, and how it ended is in the operation its Location names (docs/behaviour.md#location-and-operation-location). A go-live never looked at can fail unseen.",
        judge: operation_abandoned,
    },
    Rule {
        id: "client.put-without-if-match",
        severity: Severity::Warning,
        statement: "A PUT that replaces an existing offer carries If-Match (its ETag, or * to overwrite knowingly).",
        evidence: "The CPP documentation asks for If-Match on every update (* to overwrite); the service has accepted a PUT without it since 2022, and the mock does unless --put-mode strict (docs/behaviour.md#concurrency). Without it a concurrent edit is lost silently.",
        judge: put_without_if_match,
    },
    Rule {
        id: "client.constructed-operation-url",
        severity: Severity::Warning,
        statement: "An operation is read at the path of the Location (or Operation-Location) it was given, not at one built from ids.",
        evidence: "The documentation directs clients to the Location of the 202; its form differs between migrated and non-migrated offers (docs/behaviour.md#location-and-operation-location), so a URL built from ids breaks when the offer's form does.",
        judge: constructed_operation_url,
    },
    Rule {
        id: "client.secret-in-url",
        severity: Severity::Error,
        statement: "No query string carries a credential (a parameter named like a secret, token, password, signature or key, or a value that looks like a JWT).",
        evidence: "URLs are kept by proxies, servers and logs; RFC 6750 §2.3 advises against a bearer token in the query. The CPP API takes credentials only as Authorization: Bearer (docs/behaviour.md#authorization).",
        judge: secret_in_url,
    },
    Rule {
        id: "client.unchanged-retry-of-4xx",
        severity: Severity::Warning,
        statement: "A call answered with a client error (400, 403, 404, 405, 412, 413, 415, 422) is not sent again unchanged while nothing else changed.",
        evidence: "The CPP documentation: a 4xx is not to be retried without fixing its cause (docs/behaviour.md#errors). The same call gets the same answer.",
        judge: unchanged_retry_of_4xx,
    },
];
