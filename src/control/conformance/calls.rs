//! The rules on how one call is made: `If-Match` when it replaces an offer, no credential in its
//! URL.

use crate::domain::{REDACTED, is_secret_parameter};

use super::facts::Target;
use super::verdict::{Facts, Verdict, Violation, verdict};

pub(super) fn put_without_if_match(facts: &Facts<'_>) -> Verdict {
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

pub(super) fn secret_in_url(facts: &Facts<'_>) -> Verdict {
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
