//! Fixture files → a new `Store`, all or nothing. Every error names the file, the JSON path
//! and what is wrong; unknown fields are errors.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::{
    CancelPlan, Failure, Offer, Operation, OperationPlan, Plans, Publisher, Revision, Stop, Store,
    SubmissionType, Timestamp, json_terms, scale_duration, validate_name, without_bom,
};
use crate::faults::FaultSpec;
use crate::whole;

/// A fixture set that cannot be loaded: which file, where in it, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {path}: {reason}", path = if path.is_empty() { "(document)" } else { path })]
pub struct FixtureError {
    /// The file (or the name given to a fixture body).
    pub file: String,
    /// The JSON path inside it, e.g. `offers[2].goLive.failAt`; empty for the whole file.
    pub path: String,
    pub reason: String,
}

impl FixtureError {
    fn new(file: &str, path: impl Into<String>, reason: impl fmt::Display) -> Self {
        Self {
            file: file.to_owned(),
            path: path.into(),
            reason: reason.to_string(),
        }
    }
}

/// Settings that shape how fixtures become operations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LoadOptions {
    /// Every step duration is multiplied by this (0 = operations end at once).
    pub(crate) time_scale: f64,
    /// From a cancel request to the cancel, unless a plan says otherwise (before the scale).
    pub(crate) cancel_delay: Duration,
}

impl LoadOptions {
    /// How a plan cancels after `delay` (before the scale): at once when it scales to zero.
    fn cancel_after(self, delay: Duration) -> CancelPlan {
        let delay = scale_duration(delay, self.time_scale);
        if delay.is_zero() {
            CancelPlan::Immediate
        } else {
            CancelPlan::After(delay)
        }
    }
}

/// One fixture file: a publisher and its offers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PublisherFixture {
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,128}$")]
    id: String,
    display_text: Option<String>,
    /// Any int64 from 0.
    #[serde(default, deserialize_with = "whole::optional")]
    #[schema(minimum = 0)]
    seller_id: Option<i64>,
    /// Bearer tokens granted this publisher in strict auth mode.
    #[serde(default)]
    tokens: Vec<String>,
    #[serde(default)]
    offers: Vec<OfferFixture>,
    /// Fault rules, matching this publisher unless they name another.
    #[serde(default)]
    faults: Vec<FaultSpec>,
}

/// A fixture set, loaded: the store and the fault rules the files define.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) store: Store,
    pub(crate) faults: Vec<FaultSpec>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OfferFixture {
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,128}$")]
    id: String,
    /// E.g. `microsoft-azure-corevm`.
    #[schema(pattern = r"\S")]
    offer_type_id: String,
    #[serde(default)]
    state: FixtureState,
    #[serde(default = "default_version", deserialize_with = "whole::number")]
    #[schema(minimum = 1)]
    version: i32,
    #[serde(default = "default_true")]
    migrated: bool,
    last_operation: Option<LastOperationFixture>,
    #[serde(default)]
    publish: PlanFixture,
    #[serde(default)]
    go_live: PlanFixture,
    /// Publish answers 422 with this reason.
    #[schema(pattern = r"\S")]
    validation_error: Option<String>,
    /// The offer's `definition`, as GET answers it.
    #[schema(value_type = Option<Object>)]
    definition: Option<serde_json::Value>,
}

fn default_version() -> i32 {
    1
}

fn default_true() -> bool {
    true
}

/// Where the offer stands when the server starts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) enum FixtureState {
    /// Never published: nothing in preview.
    #[default]
    Draft,
    /// A publish completed: the version waits in preview for go-live.
    Preview,
    /// Published and gone live.
    Live,
}

/// Step durations and outcome for one kind of operation on the offer.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PlanFixture {
    /// Step id → seconds (before the time scale).
    #[serde(default)]
    step_seconds: BTreeMap<String, f64>,
    /// The step at whose end the operation fails.
    fail_at: Option<String>,
    failure_message: Option<String>,
    /// Seconds from a cancel request to the cancel (before the time scale); absent: the
    /// server's --cancel-delay; 0: canceled as the request is answered.
    #[schema(minimum = 0.0)]
    cancel_seconds: Option<f64>,
    /// `false`: cancel requests are refused with 409 (absent: `true`).
    cancelable: Option<bool>,
    /// Operations advance on reads instead of with time, ending on this read.
    #[serde(default, deserialize_with = "whole::optional")]
    #[schema(minimum = 1)]
    advance_by_polls: Option<i32>,
}

/// One more operation on top of what `state` implies, started when the fixtures load.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct LastOperationFixture {
    submission_type: FixtureSubmissionType,
    status: SeedStatus,
    notification_emails: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) enum FixtureSubmissionType {
    Publish,
    GoLive,
}

impl From<FixtureSubmissionType> for SubmissionType {
    fn from(value: FixtureSubmissionType) -> Self {
        match value {
            FixtureSubmissionType::Publish => SubmissionType::Publish,
            FixtureSubmissionType::GoLive => SubmissionType::GoLive,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) enum SeedStatus {
    /// Started at load time; runs for the offer's plan of that kind.
    Running,
    /// Failed by load time: at the plan's `failAt`, or else at its first real step.
    Failed,
    /// Canceled at load time.
    Canceled,
}

/// The plans of an offer a PUT creates: the default step durations, scaled.
pub(crate) fn default_plans(options: LoadOptions) -> Plans {
    Plans {
        publish: Arc::new(
            OperationPlan::default_for(SubmissionType::Publish, options.time_scale)
                .with_cancel(options.cancel_after(options.cancel_delay)),
        ),
        go_live: Arc::new(
            OperationPlan::default_for(SubmissionType::GoLive, options.time_scale)
                .with_cancel(options.cancel_after(options.cancel_delay)),
        ),
    }
}

/// One publisher document or an array of them.
// Describes the body of `PUT /_mock/fixtures` in the OpenAPI document; `split_body` reads it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "describes the request body in the OpenAPI document"
)]
pub(crate) enum FixtureBody {
    One(PublisherFixture),
    Many(Vec<PublisherFixture>),
}

/// Named JSON documents, one publisher each, as read (kept to reset to).
pub(crate) type Sources = Vec<(String, Vec<u8>)>;

/// Reads every `*.json` file of `dir` (sorted by name) into a new store; also gives the
/// documents as read.
pub(crate) fn load_dir(
    dir: &Path,
    options: LoadOptions,
    now: Timestamp,
) -> Result<(Loaded, Sources), FixtureError> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        FixtureError::new(
            &shown,
            "",
            format!("cannot read the fixtures directory: {e}"),
        )
    })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| {
                FixtureError::new(
                    &shown,
                    "",
                    format!("cannot list the fixtures directory: {e}"),
                )
            })?
            .path();
        if path.extension().is_some_and(|ext| ext == "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(FixtureError::new(
            &shown,
            "",
            "the directory holds no *.json fixture file",
        ));
    }
    let mut sources: Sources = Vec::with_capacity(files.len());
    for path in &files {
        let name = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| FixtureError::new(&name, "", format!("cannot read: {e}")))?;
        sources.push((name, bytes));
    }
    let loaded = load_sources(&sources, options, now)?;
    Ok((loaded, sources))
}

/// Builds a store from named JSON documents, each one publisher.
pub(crate) fn load_sources(
    sources: &Sources,
    options: LoadOptions,
    now: Timestamp,
) -> Result<Loaded, FixtureError> {
    let mut store = Store::default();
    let mut faults = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (file, bytes) in sources {
        let file = file.as_str();
        let mut fixture = parse(file, bytes)?;
        for (i, mut fault) in std::mem::take(&mut fixture.faults).into_iter().enumerate() {
            fault.validate().map_err(|(field, reason)| {
                let path = if field.is_empty() {
                    format!("faults[{i}]")
                } else {
                    format!("faults[{i}].{field}")
                };
                FixtureError::new(file, path, reason)
            })?;
            fault
                .matches
                .publisher
                .get_or_insert_with(|| fixture.id.clone());
            faults.push(fault);
        }
        let (publisher, tokens) = build_publisher(file, fixture, options, now)?;
        let key = crate::domain::name_key(&publisher.id);
        if let Some((_, other)) = seen.iter().find(|(k, _)| *k == key) {
            return Err(FixtureError::new(
                file,
                "id",
                format!("publisher '{}' is already defined in {other}", publisher.id),
            ));
        }
        seen.push((key, file.to_owned()));
        for token in tokens {
            store.grant(&token, &publisher.id);
        }
        // Duplicates were refused just above.
        let _ = store.add_publisher(publisher);
    }
    Ok(Loaded { store, faults })
}

/// Checks fixture JSON (one publisher document, or an array of them) exactly as the server
/// would load it, without starting anything; the error names `name`, the JSON path and the
/// reason.
///
/// ```
/// let ok = br#"{"id": "contoso", "offers": [{"id": "o", "offerTypeId": "t"}]}"#;
/// assert!(cloudpartner_mock::check_fixtures("contoso.json", ok).is_ok());
/// let bad = br#"{"id": "contoso", "offers": [{"id": "o"}]}"#;
/// let error = cloudpartner_mock::check_fixtures("contoso.json", bad).unwrap_err();
/// assert_eq!(error.path, "offers[0]");
/// ```
pub fn check_fixtures(name: &str, json: &[u8]) -> Result<(), FixtureError> {
    let sources = split_body(name, json)?;
    let options = LoadOptions {
        time_scale: 1.0,
        cancel_delay: Duration::ZERO,
    };
    load_sources(&sources, options, Timestamp::from_unix_nanos(0)).map(|_| ())
}

/// A fixture set sent as one JSON body: an array of publisher documents, or one. Each is
/// named `{name}[i]` in errors.
pub(crate) fn split_body(name: &str, body: &[u8]) -> Result<Sources, FixtureError> {
    let value: serde_json::Value =
        serde_json::from_slice(without_bom(body)).map_err(|e| FixtureError::new(name, "", e))?;
    let documents = match value {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return Err(FixtureError::new(
                name,
                "",
                "expected a publisher object or an array of them",
            ));
        }
    };
    documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            serde_json::to_vec(doc)
                .map(|bytes| (format!("{name}[{i}]"), bytes))
                .map_err(|e| FixtureError::new(name, format!("[{i}]"), e))
        })
        .collect()
}

fn parse(file: &str, bytes: &[u8]) -> Result<PublisherFixture, FixtureError> {
    let mut de = serde_json::Deserializer::from_slice(without_bom(bytes));
    let fixture: PublisherFixture = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        FixtureError::new(file, path, json_terms(&e.into_inner()))
    })?;
    de.end()
        .map_err(|e| FixtureError::new(file, "", json_terms(&e)))?;
    Ok(fixture)
}

fn build_publisher(
    file: &str,
    fixture: PublisherFixture,
    options: LoadOptions,
    now: Timestamp,
) -> Result<(Publisher, Vec<String>), FixtureError> {
    validate_name("publisher", &fixture.id).map_err(|e| FixtureError::new(file, "id", e))?;
    for (i, token) in fixture.tokens.iter().enumerate() {
        if token.trim().is_empty() || token.chars().any(char::is_whitespace) {
            return Err(FixtureError::new(
                file,
                format!("tokens[{i}]"),
                "a token must be non-empty and contain no white space",
            ));
        }
    }
    let display_text = fixture.display_text.unwrap_or_else(|| fixture.id.clone());
    let mut publisher = Publisher::new(
        fixture.id,
        display_text,
        fixture.seller_id.map(i64::unsigned_abs),
    );
    for (i, offer) in fixture.offers.into_iter().enumerate() {
        let path = format!("offers[{i}]");
        let offer = build_offer(file, &path, offer, options, now)?;
        if let Err(offer) = publisher.add_offer(offer) {
            return Err(FixtureError::new(
                file,
                format!("{path}.id"),
                format!("offer '{}' is defined twice", offer.id),
            ));
        }
    }
    Ok((publisher, fixture.tokens))
}

fn build_offer(
    file: &str,
    path: &str,
    fixture: OfferFixture,
    options: LoadOptions,
    now: Timestamp,
) -> Result<Offer, FixtureError> {
    validate_name("offer", &fixture.id)
        .map_err(|e| FixtureError::new(file, format!("{path}.id"), e))?;
    if fixture.offer_type_id.trim().is_empty() {
        return Err(FixtureError::new(
            file,
            format!("{path}.offerTypeId"),
            "must not be empty",
        ));
    }
    if fixture.version == 0 {
        return Err(FixtureError::new(
            file,
            format!("{path}.version"),
            "versions start at 1",
        ));
    }
    let plans = Plans {
        publish: Arc::new(build_plan(
            file,
            &format!("{path}.publish"),
            SubmissionType::Publish,
            &fixture.publish,
            options,
        )?),
        go_live: Arc::new(build_plan(
            file,
            &format!("{path}.goLive"),
            SubmissionType::GoLive,
            &fixture.go_live,
            options,
        )?),
    };
    let definition = match fixture.definition {
        None => serde_json::json!({ "displayText": fixture.id, "offer": {}, "plans": [] }),
        Some(serde_json::Value::Object(map)) => serde_json::Value::Object(map),
        Some(_) => {
            return Err(FixtureError::new(
                file,
                format!("{path}.definition"),
                "must be a JSON object",
            ));
        }
    };
    if let Some(reason) = &fixture.validation_error {
        if reason.trim().is_empty() {
            return Err(FixtureError::new(
                file,
                format!("{path}.validationError"),
                "must not be empty",
            ));
        }
    }
    let mut body = serde_json::Map::new();
    body.insert("definition".to_owned(), definition);
    let mut offer = Offer {
        id: fixture.id,
        migrated: fixture.migrated,
        publishing_version: 0,
        plans,
        validation_error: fixture.validation_error,
        draft: Revision::new(
            fixture.version.unsigned_abs(),
            now,
            fixture.offer_type_id,
            body,
        ),
        history: Vec::new(),
        operations: Vec::new(),
    };
    // The fixture declares its document's version: `versions/{n}` can read it.
    offer.history.push(offer.draft.clone());
    seed_history(&mut offer, fixture.state, now);
    if let Some(last) = fixture.last_operation {
        seed_last(
            file,
            &format!("{path}.lastOperation"),
            &mut offer,
            fixture.state,
            last,
            now,
        )?;
    }
    Ok(offer)
}

fn build_plan(
    file: &str,
    path: &str,
    kind: SubmissionType,
    fixture: &PlanFixture,
    options: LoadOptions,
) -> Result<OperationPlan, FixtureError> {
    let steps = kind.steps();
    let expected = || steps.iter().map(|s| s.id()).collect::<Vec<_>>().join(", ");
    let position = |id: &str, field: String| {
        steps.iter().position(|s| s.id() == id).ok_or_else(|| {
            FixtureError::new(
                file,
                field,
                format!(
                    "'{id}' is not a step of a {kind} operation (expected one of: {})",
                    expected()
                ),
            )
        })
    };
    let mut durations: Vec<Duration> = steps.iter().map(|s| kind.default_duration(*s)).collect();
    for (id, &secs) in &fixture.step_seconds {
        let field = format!("{path}.stepSeconds.{id}");
        let index = position(id, field.clone())?;
        durations[index] = Duration::try_from_secs_f64(secs).map_err(|_| {
            FixtureError::new(
                file,
                field,
                format!("{secs} is not a duration in seconds (a number ≥ 0)"),
            )
        })?;
    }
    let durations = durations
        .into_iter()
        .map(|d| scale_duration(d, options.time_scale))
        .collect();
    let failure = match (&fixture.fail_at, &fixture.failure_message) {
        (Some(step), message) => Some(Failure {
            step: position(step, format!("{path}.failAt"))?,
            message: message
                .clone()
                .unwrap_or_else(|| format!("The {kind} operation failed at step '{step}'.")),
        }),
        (None, Some(_)) => {
            return Err(FixtureError::new(
                file,
                format!("{path}.failureMessage"),
                "a failure message needs failAt, the step that fails",
            ));
        }
        (None, None) => None,
    };
    let cancel = match (fixture.cancelable.unwrap_or(true), fixture.cancel_seconds) {
        (false, Some(_)) => {
            return Err(FixtureError::new(
                file,
                format!("{path}.cancelSeconds"),
                "an operation that cannot be canceled has no cancel delay: drop cancelSeconds or cancelable",
            ));
        }
        (false, None) => CancelPlan::Refused,
        (true, None) => options.cancel_after(options.cancel_delay),
        (true, Some(secs)) => {
            let delay = Duration::try_from_secs_f64(secs).map_err(|_| {
                FixtureError::new(
                    file,
                    format!("{path}.cancelSeconds"),
                    format!("{secs} is not a duration in seconds (a number ≥ 0)"),
                )
            })?;
            options.cancel_after(delay)
        }
    };
    if fixture.advance_by_polls == Some(0) {
        return Err(FixtureError::new(
            file,
            format!("{path}.advanceByPolls"),
            "must be at least 1",
        ));
    }
    Ok(OperationPlan::new(kind, durations, failure)
        .with_cancel(cancel)
        .with_advance_by_polls(fixture.advance_by_polls.map(i32::unsigned_abs)))
}

/// The operations `state` implies, ended at `now`: a publish for `preview`, a publish and a
/// go-live for `live`. They take no time and succeed, whatever the fixture says of later
/// operations.
fn seed_history(offer: &mut Offer, state: FixtureState, now: Timestamp) {
    let kinds: &[SubmissionType] = match state {
        FixtureState::Draft => &[],
        FixtureState::Preview => &[SubmissionType::Publish],
        FixtureState::Live => &[SubmissionType::Publish, SubmissionType::GoLive],
    };
    for &kind in kinds {
        if kind == SubmissionType::Publish {
            offer.publishing_version += 1;
        }
        let plan = Arc::new(OperationPlan::instant(kind, None));
        offer.operations.push(seeded(offer, plan, now, None));
    }
}

fn seed_last(
    file: &str,
    path: &str,
    offer: &mut Offer,
    state: FixtureState,
    last: LastOperationFixture,
    now: Timestamp,
) -> Result<(), FixtureError> {
    let kind = SubmissionType::from(last.submission_type);
    if kind == SubmissionType::GoLive && state != FixtureState::Preview {
        return Err(FixtureError::new(
            file,
            format!("{path}.submissionType"),
            "a go-live needs a version waiting in preview: set the offer's state to \"preview\"",
        ));
    }
    let (plan, stopped) = match last.status {
        SeedStatus::Running => (offer.plans.for_kind(kind).clone(), None),
        SeedStatus::Canceled => (
            offer.plans.for_kind(kind).clone(),
            Some((now, Stop::Canceled)),
        ),
        SeedStatus::Failed => {
            let failure = offer
                .plans
                .for_kind(kind)
                .failure()
                .cloned()
                .unwrap_or_else(|| {
                    let step = match kind {
                        SubmissionType::Publish => 1, // certification
                        SubmissionType::GoLive => 1,  // live
                    };
                    Failure {
                        step,
                        message: format!(
                            "The {kind} operation failed at step '{}'.",
                            kind.steps()[step].id()
                        ),
                    }
                });
            (Arc::new(OperationPlan::instant(kind, Some(failure))), None)
        }
    };
    if kind == SubmissionType::Publish {
        offer.publishing_version += 1;
    }
    let mut operation = seeded(offer, plan, now, stopped);
    operation.set_notification_emails(last.notification_emails.map(String::into_boxed_str));
    offer.operations.push(operation);
    Ok(())
}

/// A seeded operation of the offer's current versions, started at `created`.
fn seeded(
    offer: &Offer,
    plan: Arc<OperationPlan>,
    created: Timestamp,
    stopped: Option<(Timestamp, Stop)>,
) -> Operation {
    let mut operation =
        Operation::new(plan, offer.draft.version, offer.publishing_version, created);
    if let Some((at, why)) = stopped {
        operation.set_stopped(at, why);
    }
    operation
}
