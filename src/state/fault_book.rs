//! Fault injection: rules that match requests and answer for them — a status with a CPP error
//! body, added latency, or a dropped connection — for the next N matches or with a seeded
//! probability. Selecting a rule is pure; waiting happens elsewhere, after the lock is released.

use std::time::Duration;

use axum::http::HeaderMap;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::domain::{FaultSpec, RespondSpec};

/// What a request looks like to the rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestFacts<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) publisher: Option<&'a str>,
    pub(crate) offer: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
}

/// What a fired rule does to one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Effect {
    pub(crate) rule: String,
    pub(crate) respond: Option<RespondSpec>,
    pub(crate) latency: Duration,
    pub(crate) drop: bool,
    pub(crate) after_commit: bool,
}

#[derive(Debug)]
pub(crate) struct FaultRule {
    pub(crate) id: String,
    pub(crate) spec: FaultSpec,
    /// `fixture` or `control`.
    pub(crate) source: &'static str,
    pub(crate) fired: u64,
    remaining: Option<u32>,
    rng: StdRng,
}

impl FaultRule {
    pub(crate) fn remaining(&self) -> Option<u32> {
        self.remaining
    }

    fn matches(&self, r: &RequestFacts<'_>) -> bool {
        let m = &self.spec.matches;
        let same_name = |wanted: &Option<String>, got: Option<&str>| {
            wanted
                .as_deref()
                .is_none_or(|w| got.is_some_and(|g| g.eq_ignore_ascii_case(w)))
        };
        m.method
            .as_deref()
            .is_none_or(|w| w.eq_ignore_ascii_case(r.method))
            && m.path.as_deref().is_none_or(|p| path_matches(p, r.path))
            && same_name(&m.publisher, r.publisher)
            && same_name(&m.offer, r.offer)
            && m.header.as_ref().is_none_or(|h| {
                r.headers.get(h.name.as_str()).is_some_and(|v| {
                    h.value
                        .as_deref()
                        .is_none_or(|w| v.to_str().is_ok_and(|v| v == w))
                })
            })
    }

    /// Whether the rule fires this time: spends its budget and draws its probability.
    fn fires(&mut self) -> bool {
        if self.remaining == Some(0) {
            return false;
        }
        if let Some(p) = self.spec.probability {
            if self.rng.random::<f64>() >= p {
                return false;
            }
        }
        if let Some(n) = &mut self.remaining {
            *n -= 1;
        }
        self.fired += 1;
        true
    }
}

/// `*` matches one segment, a final `**` any rest; other segments match ignoring ASCII case.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.trim_matches('/').split('/');
    let mut got = path.trim_matches('/').split('/');
    loop {
        match (want.next(), got.next()) {
            (Some("**"), _) => return true,
            (Some("*"), Some(_)) => {}
            (Some(w), Some(g)) if w.eq_ignore_ascii_case(g) => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// The rules, in the order they were added; the first that matches and fires decides.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    rules: Vec<FaultRule>,
    next_id: u64,
}

impl FaultBook {
    /// Adds a validated rule and returns its id (`f1`, `f2`, …).
    pub(crate) fn add(&mut self, spec: FaultSpec, source: &'static str) -> String {
        self.next_id += 1;
        let id = format!("f{}", self.next_id);
        self.rules.push(FaultRule {
            id: id.clone(),
            remaining: spec.times.map(i32::unsigned_abs),
            rng: StdRng::seed_from_u64(spec.seed.unsigned_abs()),
            spec,
            source,
            fired: 0,
        });
        id
    }

    pub(crate) fn remove(&mut self, id: &str) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.rules.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The effect of the first rule that matches `request` and fires, its budget spent.
    pub(crate) fn select(&mut self, request: &RequestFacts<'_>) -> Option<Effect> {
        let index = self
            .rules
            .iter_mut()
            .position(|rule| rule.matches(request) && rule.fires())?;
        let rule = &self.rules[index];
        Some(Effect {
            rule: rule.id.clone(),
            respond: rule.spec.respond.clone(),
            latency: Duration::from_millis(rule.spec.latency_ms),
            drop: rule.spec.drop,
            after_commit: rule.spec.after_commit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> FaultSpec {
        let spec: FaultSpec = serde_json::from_value(json).expect("a rule");
        spec.validate().expect("valid");
        spec
    }

    fn facts<'a>(method: &'a str, path: &'a str, headers: &'a HeaderMap) -> RequestFacts<'a> {
        RequestFacts {
            method,
            path,
            publisher: Some("contoso"),
            offer: Some("ready-to-go-live"),
            headers,
        }
    }

    #[test]
    fn a_rule_fires_for_its_next_n_matches_only() {
        let mut book = FaultBook::default();
        book.add(
            spec(serde_json::json!({"match": {"method": "POST", "path": "/api/publishers/*/offers/*/golive"},
                                    "respond": {"status": 503}, "times": 2})),
            "control",
        );
        let headers = HeaderMap::new();
        let golive = facts(
            "POST",
            "/api/publishers/contoso/offers/ready-to-go-live/golive",
            &headers,
        );
        let other = facts(
            "GET",
            "/api/publishers/contoso/offers/ready-to-go-live/golive",
            &headers,
        );

        assert!(book.select(&other).is_none());
        assert!(book.select(&golive).is_some());
        assert!(book.select(&golive).is_some());
        assert!(book.select(&golive).is_none());
        assert_eq!(book.rules()[0].fired, 2);
    }

    #[test]
    fn a_probability_is_repeatable_for_a_seed() {
        let draw = |seed: u64| {
            let mut book = FaultBook::default();
            book.add(spec(serde_json::json!({"respond": {"status": 500}, "probability": 0.5, "seed": seed})), "control");
            let headers = HeaderMap::new();
            let r = facts("GET", "/api/x", &headers);
            (0..64)
                .map(|_| book.select(&r).is_some())
                .collect::<Vec<bool>>()
        };
        assert_eq!(draw(7), draw(7));
        let fired = draw(7).iter().filter(|f| **f).count();
        assert!((16..=48).contains(&fired), "{fired} of 64");
    }

    #[test]
    fn path_patterns_take_one_segment_per_star_and_the_rest_for_two() {
        assert!(path_matches(
            "/api/publishers/*/offers/*/golive",
            "/api/publishers/a/offers/b/golive"
        ));
        assert!(!path_matches(
            "/api/publishers/*/offers/*/golive",
            "/api/publishers/a/offers/b/publish"
        ));
        assert!(path_matches("/api/**", "/api/publishers/a"));
        assert!(!path_matches("/api/*", "/api/publishers/a"));
    }

    #[test]
    fn headers_and_publishers_narrow_the_match() {
        let mut book = FaultBook::default();
        book.add(
            spec(serde_json::json!({"match": {"publisher": "CONTOSO", "header": {"name": "x-fault", "value": "yes"}},
                                    "drop": true})),
            "control",
        );
        let mut headers = HeaderMap::new();
        assert!(book.select(&facts("GET", "/api/x", &headers)).is_none());
        headers.insert("x-fault", "yes".parse().expect("a value"));
        let effect = book
            .select(&facts("GET", "/api/x", &headers))
            .expect("fires");
        assert!(effect.drop);
    }

    #[test]
    fn invalid_rules_name_the_field() {
        let cases = [
            (serde_json::json!({}), ""),
            (
                serde_json::json!({"respond": {"status": 42}}),
                "respond.status",
            ),
            (
                serde_json::json!({"respond": {"status": 500}, "probability": 2.0}),
                "probability",
            ),
            (
                serde_json::json!({"latencyMs": 5, "afterCommit": true}),
                "afterCommit",
            ),
            (
                serde_json::json!({"respond": {"status": 500}, "drop": true}),
                "drop",
            ),
        ];
        for (json, field) in cases {
            let spec: FaultSpec = serde_json::from_value(json.clone()).expect("parses");
            let (got, _) = spec.validate().expect_err("invalid");
            assert_eq!(got, field, "{json}");
        }
    }
}
