//! The client rules (docs/conformance.md): each a stable id, a statement, its evidence, a
//! default severity, and a judgement of the journal's requests.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::domain::{OperationStatus, REDACTED, is_secret_parameter};

use super::facts::{Request, Target};

/// How much a violated rule matters, least first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Info,
    Warning,
    Error,
}

/// What a rule found.
#[derive(Debug)]
pub(super) enum Verdict {
    /// Nothing in the traffic the rule could judge.
    NotExercised,
    Passed,
    Violated(Vec<Violation>),
}

/// One breach: the journal's sequence numbers that show it, and what happened.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Violation {
    pub(crate) seqs: Vec<u64>,
    pub(crate) sentence: String,
}

/// What the rules judge.
#[derive(Debug)]
pub(super) struct Facts<'a> {
    pub(super) requests: &'a [Request],
    /// The shortest interval between two reads of one operation that is not too fast.
    pub(super) poll_floor: Duration,
}

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

/// Most sequence numbers a violation lists.
const MAX_SEQS: usize = 20;

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn status_name(status: OperationStatus) -> &'static str {
    match status {
        OperationStatus::Running => "running",
        OperationStatus::Complete => "complete",
        OperationStatus::Failed => "failed",
        OperationStatus::Canceled => "canceled",
    }
}

/// `seqs` as a violation lists them (the first [`MAX_SEQS`]).
fn listed(mut seqs: Vec<u64>) -> Vec<u64> {
    seqs.truncate(MAX_SEQS);
    seqs
}

fn verdict(exercised: bool, violations: Vec<Violation>) -> Verdict {
    match (exercised, violations.is_empty()) {
        (false, _) => Verdict::NotExercised,
        (true, true) => Verdict::Passed,
        (true, false) => Verdict::Violated(violations),
    }
}

/// The later request after `index` that makes the same call.
fn next_same_call(requests: &[Request], index: usize) -> Option<usize> {
    let first = &requests[index];
    (index + 1..requests.len()).find(|&j| first.same_call(&requests[j]))
}

fn describe(target: &Target) -> String {
    match target {
        Target::Operation(name) => format!("operation {name}"),
        Target::OfferProgress(offer) => format!("the progress of offer {offer}"),
        Target::OfferPut(offer) => format!("offer {offer}"),
        Target::Other => "a resource".to_owned(),
    }
}

/// What was polled, how often it was read, and the reads that came too soon (seq, gap).
type Polled<'a> = (&'a Target, usize, Vec<(u64, Duration)>);

fn poll_too_fast(facts: &Facts<'_>) -> Verdict {
    // Per polled thing: the read before, and (what it is, how often read, the fast reads).
    let mut last: BTreeMap<String, &Request> = BTreeMap::new();
    let mut polled: BTreeMap<String, Polled<'_>> = BTreeMap::new();
    let mut exercised = false;
    for request in facts.requests {
        // An operation started on an offer: the next read of its progress reads news, not a poll.
        if let Some(started) = &request.started {
            last.remove(&format!("offer:{}", started.offer));
        }
        let key = match &request.target {
            Target::Operation(name) => format!("op:{name}"),
            Target::OfferProgress(offer) => format!("offer:{offer}"),
            _ => continue,
        };
        let (_, reads, fast) =
            polled
                .entry(key.clone())
                .or_insert((&request.target, 0, Vec::new()));
        *reads += 1;
        if let Some(before) = last.insert(key, request) {
            exercised = true;
            let gap = request.time.since(before.time);
            if before.seen.is_none_or(|s| !s.is_terminal()) && gap < facts.poll_floor {
                fast.push((request.seq, gap));
            }
        }
    }
    let mut violations = Vec::new();
    for (target, reads, fast) in polled.values() {
        if let Some(shortest) = fast.iter().map(|(_, gap)| *gap).min() {
            violations.push(Violation {
                seqs: listed(fast.iter().map(|(seq, _)| *seq).collect()),
                sentence: format!(
                    "{} was read {reads} times; {} reads came less than {} ms after the one before (the shortest gap {}).",
                    describe(target),
                    fast.len(),
                    facts.poll_floor.as_millis(),
                    seconds(shortest),
                ),
            });
        }
    }
    verdict(exercised, violations)
}

fn retry_after_ignored(facts: &Facts<'_>) -> Verdict {
    let requests = facts.requests;
    let mut exercised = false;
    let mut violations = Vec::new();
    for (index, told) in requests.iter().enumerate() {
        let Some(allowed) = told.retry_at else {
            continue;
        };
        exercised = true;
        let Some(next) = next_same_call(requests, index) else {
            continue;
        };
        let again = &requests[next];
        if again.time < allowed {
            violations.push(Violation {
                seqs: vec![told.seq, again.seq],
                sentence: format!(
                    "{} was answered {} with Retry-After: {} and sent again {} later, {} before it was allowed.",
                    told.call(),
                    told.status.unwrap_or_default(),
                    told.retry_after.as_deref().unwrap_or_default(),
                    seconds(again.time.since(told.time)),
                    seconds(allowed.since(again.time)),
                ),
            });
        }
    }
    verdict(exercised, violations)
}

fn retry_without_backoff(facts: &Facts<'_>) -> Verdict {
    let requests = facts.requests;
    let mut in_a_chain = vec![false; requests.len()];
    let mut exercised = false;
    let mut violations = Vec::new();
    for start in 0..requests.len() {
        if in_a_chain[start] || !requests[start].failed_transiently() {
            continue;
        }
        // The attempts of one call while each before it failed.
        let mut chain = vec![start];
        let mut at = start;
        while let Some(next) = next_same_call(requests, at) {
            chain.push(next);
            in_a_chain[next] = true;
            if !requests[next].failed_transiently() {
                break;
            }
            at = next;
        }
        if chain.len() < 4 {
            continue;
        }
        exercised = true;
        let gaps: Vec<Duration> = chain
            .windows(2)
            .map(|pair| requests[pair[1]].time.since(requests[pair[0]].time))
            .collect();
        // Backing off: some wait more than 10 % longer than the one before it.
        let backs_off = gaps
            .windows(2)
            .any(|pair| pair[1].as_secs_f64() > pair[0].as_secs_f64() * 1.1);
        if !backs_off {
            let mut waits = String::new();
            for gap in &gaps {
                let _ = write!(
                    waits,
                    "{}{}",
                    if waits.is_empty() { "" } else { ", " },
                    seconds(*gap)
                );
            }
            violations.push(Violation {
                seqs: listed(chain.iter().map(|&i| requests[i].seq).collect()),
                sentence: format!(
                    "{} failed and was retried {} times, waiting {waits}: never longer than the wait before.",
                    requests[start].call(),
                    chain.len() - 1,
                ),
            });
        }
    }
    verdict(exercised, violations)
}

fn poll_after_end(facts: &Facts<'_>) -> Verdict {
    let mut after_end: BTreeMap<&str, Vec<&Request>> = BTreeMap::new();
    for request in facts.requests {
        if let (Target::Operation(name), Some(status)) = (&request.target, request.seen) {
            if status.is_terminal() {
                after_end.entry(name).or_default().push(request);
            }
        }
    }
    let exercised = !after_end.is_empty();
    let mut violations = Vec::new();
    for (name, reads) in after_end {
        if let [first, more @ ..] = reads.as_slice() {
            if !more.is_empty() {
                violations.push(Violation {
                    seqs: listed(reads.iter().map(|r| r.seq).collect()),
                    sentence: format!(
                        "operation {name} was {} when read (seq {}) and was read {} more times after.",
                        first.seen.map_or("ended", status_name),
                        first.seq,
                        more.len(),
                    ),
                });
            }
        }
    }
    verdict(exercised, violations)
}

fn operation_abandoned(facts: &Facts<'_>) -> Verdict {
    let requests = facts.requests;
    let mut seen_start = std::collections::BTreeSet::new();
    let mut exercised = false;
    let mut violations = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let Some(started) = &request.started else {
            continue;
        };
        if !seen_start.insert(started.name.as_str()) {
            continue;
        }
        exercised = true;
        let looked = requests[index + 1..]
            .iter()
            .any(|later| match &later.target {
                Target::Operation(name) => *name == started.name,
                Target::OfferProgress(offer) => *offer == started.offer,
                _ => false,
            });
        if !looked {
            violations.push(Violation {
                seqs: vec![request.seq],
                sentence: format!(
                    "{} started operation {} ({} {}), and no later request read it, its offer's status or its offer's operations.",
                    request.call(),
                    started.name,
                    request.status.unwrap_or_default(),
                    started.location,
                ),
            });
        }
    }
    verdict(exercised, violations)
}

fn put_without_if_match(facts: &Facts<'_>) -> Verdict {
    let mut exercised = false;
    let mut violations = Vec::new();
    for request in facts.requests {
        let Target::OfferPut(offer) = &request.target else {
            continue;
        };
        let replaced = request
            .status
            .is_some_and(|s| (200..300).contains(&s) && !request.created);
        let refused_for_it = request.reason.as_deref() == Some("etag.missing");
        if !(replaced || refused_for_it) {
            continue;
        }
        exercised = true;
        if !request.if_match {
            violations.push(Violation {
                seqs: vec![request.seq],
                sentence: format!(
                    "{} {} offer {offer} without If-Match.",
                    request.call(),
                    if replaced {
                        "replaced"
                    } else {
                        "tried to replace"
                    },
                ),
            });
        }
    }
    verdict(exercised, violations)
}

fn constructed_operation_url(facts: &Facts<'_>) -> Verdict {
    // The Location each operation was first given: (seq, path).
    let mut given: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    let mut exercised = false;
    let mut violations: BTreeMap<&str, (Vec<u64>, String)> = BTreeMap::new();
    for request in facts.requests {
        if let Some(started) = &request.started {
            given
                .entry(&started.name)
                .or_insert((request.seq, &started.location));
        }
        let Target::Operation(name) = &request.target else {
            continue;
        };
        let Some((start, location)) = given.get(name.as_str()) else {
            continue;
        };
        exercised = true;
        let path = request.path.trim_end_matches('/');
        if path != *location {
            let (seqs, _) = violations.entry(name).or_insert_with(|| {
                (
                    vec![*start],
                    format!(
                        "operation {name} was given Location {location} (seq {start}) and read at {path} (seq {}).",
                        request.seq
                    ),
                )
            });
            seqs.push(request.seq);
        }
    }
    let violations = violations
        .into_values()
        .map(|(seqs, sentence)| Violation {
            seqs: listed(seqs),
            sentence,
        })
        .collect();
    verdict(exercised, violations)
}

fn secret_in_url(facts: &Facts<'_>) -> Verdict {
    let mut violations = Vec::new();
    for request in facts.requests {
        let Some(query) = &request.query else {
            continue;
        };
        let named: Vec<String> = form_urlencoded::parse(query.as_bytes())
            // The journal keeps such a value as `[redacted]`.
            .filter(|(name, value)| is_secret_parameter(name, value) || value == REDACTED)
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        if !named.is_empty() {
            violations.push(Violation {
                seqs: vec![request.seq],
                sentence: format!(
                    "{} carried {} in its query string (the value is not repeated here).",
                    request.call(),
                    named.join(", ")
                ),
            });
        }
    }
    verdict(!facts.requests.is_empty(), violations)
}

/// The client errors a retry cannot cure by itself.
const LASTING_4XX: [u16; 8] = [400, 403, 404, 405, 412, 413, 415, 422];

fn unchanged_retry_of_4xx(facts: &Facts<'_>) -> Verdict {
    let requests = facts.requests;
    let mut exercised = false;
    let mut violations = Vec::new();
    for (index, refused) in requests.iter().enumerate() {
        let Some(status) = refused.status.filter(|s| LASTING_4XX.contains(s)) else {
            continue;
        };
        exercised = true;
        let Some(next) = next_same_call(requests, index) else {
            continue;
        };
        let again = &requests[next];
        let changed_between = requests[index + 1..next]
            .iter()
            .any(|r| r.method != "GET" && r.status.is_some_and(|s| (200..300).contains(&s)));
        if again.body == refused.body && !changed_between {
            violations.push(Violation {
                seqs: vec![refused.seq, again.seq],
                sentence: format!(
                    "{} was answered {status}{} and sent again unchanged {} later, with nothing changed in between.",
                    refused.call(),
                    refused
                        .reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default(),
                    seconds(again.time.since(refused.time)),
                ),
            });
        }
    }
    verdict(exercised, violations)
}
