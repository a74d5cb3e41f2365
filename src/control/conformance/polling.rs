//! The rules on reading operations: not too often, not after their end, not never, and at the
//! `Location` given.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::facts::{Request, Target};
use super::verdict::{Facts, Verdict, Violation, describe, listed, seconds, status_name, verdict};

/// What was polled, how often it was read, and the reads that came too soon (seq, gap).
type Polled<'a> = (&'a Target, usize, Vec<(u64, Duration)>);

pub(super) fn poll_too_fast(facts: &Facts<'_>) -> Verdict {
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

pub(super) fn poll_after_end(facts: &Facts<'_>) -> Verdict {
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

pub(super) fn operation_abandoned(facts: &Facts<'_>) -> Verdict {
    let requests = facts.requests;
    let mut seen_start = BTreeSet::new();
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

pub(super) fn constructed_operation_url(facts: &Facts<'_>) -> Verdict {
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
