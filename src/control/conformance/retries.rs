//! The rules on calls sent again: after `Retry-After`, with back-off, and not unchanged after a
//! client error.

use std::fmt::Write as _;
use std::time::Duration;

use super::verdict::{Facts, Verdict, Violation, listed, next_same_call, seconds, verdict};

pub(super) fn retry_after_ignored(facts: &Facts<'_>) -> Verdict {
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

pub(super) fn retry_without_backoff(facts: &Facts<'_>) -> Verdict {
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

/// The client errors a retry cannot cure by itself.
const LASTING_4XX: [u16; 8] = [400, 403, 404, 405, 412, 413, 415, 422];

pub(super) fn unchanged_retry_of_4xx(facts: &Facts<'_>) -> Verdict {
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
