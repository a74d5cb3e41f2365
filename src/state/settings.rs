//! `Settings`: what handlers read of the configuration, fixed at start.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{AuthMode, CancelMode, Config, OperationLocationStyle, PutMode, SuccessStatus};
use crate::domain::{Plans, Timestamp};
use crate::fixtures::LoadOptions;

use super::keys::TokenKeys;
use super::worlds;

/// Settings handlers need, fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) auth: AuthMode,
    pub(crate) operation_location: OperationLocationStyle,
    pub(crate) public_base_url: Option<String>,
    pub(crate) success_status: SuccessStatus,
    pub(crate) put_mode: PutMode,
    /// How the operations of an offer a PUT creates run.
    pub(crate) new_offer_plans: Plans,
    pub(crate) time_scale: f64,
    /// From a cancel request to the cancel, unless a plan says otherwise (before the scale).
    pub(crate) cancel_delay: Duration,
    pub(crate) cancel_mode: CancelMode,
    pub(crate) journal_capacity: usize,
    /// The most bytes one world's journal holds.
    pub(crate) journal_bytes: usize,
    /// How many connections are served at once (`--max-connections`).
    pub(crate) max_connections: u32,
    /// The most bytes of request bodies read at once (`--body-bytes-in-flight`).
    pub(crate) body_bytes_in_flight: usize,
    /// How many named worlds may exist at once.
    pub(crate) max_worlds: usize,
    /// When set, the control plane wants `Authorization: Bearer <this>`.
    pub(crate) control_token: Option<String>,
    pub(crate) request_timeout: Duration,
    /// The mock's CA certificate (PEM), when it could be loaded or made.
    pub(crate) ca_pem: Option<Arc<str>>,
    /// What the emulated sign-in signs tokens with, when its key could be loaded or made.
    pub(crate) token_keys: Option<Arc<TokenKeys>>,
    /// `--seed`: repeatable ids.
    pub(crate) seed: Option<u64>,
    /// `--frozen-clock`: the instant the clock stands at (before any advance).
    pub(crate) frozen_clock: Option<Timestamp>,
}

impl Settings {
    pub(crate) fn from_config(
        config: &Config,
        new_offer_plans: Plans,
        ca_pem: Option<Arc<str>>,
        token_keys: Option<Arc<TokenKeys>>,
    ) -> Self {
        Self {
            auth: config.auth,
            operation_location: config.operation_location,
            public_base_url: config.public_base_url.clone(),
            success_status: config.success_status,
            put_mode: config.put_mode,
            new_offer_plans,
            time_scale: config.time_scale,
            cancel_delay: Duration::try_from_secs_f64(config.cancel_delay).unwrap_or_default(),
            cancel_mode: config.cancel_mode,
            journal_capacity: config.journal_capacity,
            journal_bytes: config.journal_bytes,
            max_connections: config.max_connections,
            body_bytes_in_flight: config.body_bytes_in_flight,
            max_worlds: config.max_worlds,
            control_token: config.control_token.clone(),
            request_timeout: Duration::from_secs_f64(config.request_timeout),
            ca_pem,
            token_keys,
            seed: config.seed,
            frozen_clock: config.frozen_clock.map(Timestamp::from_unix_nanos),
        }
    }

    /// How a fixture set is loaded for the world `world` (`None`: the default one).
    pub(crate) fn load_options(&self, world: Option<&str>) -> LoadOptions {
        LoadOptions {
            time_scale: self.time_scale,
            cancel_delay: self.cancel_delay,
            ids: self.id_key(world, "operations"),
        }
    }

    /// With `--seed`, the key of the world's ids of kind `what`.
    pub(crate) fn id_key(&self, world: Option<&str>, what: &str) -> Option<u64> {
        let world = world.unwrap_or(worlds::DEFAULT_WORLD);
        self.seed
            .map(|seed| crate::domain::id_key(seed, world, what))
    }
}
