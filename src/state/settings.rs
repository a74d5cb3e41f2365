//! `Settings`: what handlers read of the configuration, fixed at start.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::domain::{Plans, Timestamp};
use crate::fixtures::LoadOptions;

use super::keys::TokenKeys;
use super::registry;

/// Settings handlers need, fixed at start: the configuration as given, and what is made of
/// it once (durations, the plans of new offers, the CA and the sign-in's keys).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) config: Config,
    /// How the operations of an offer a PUT creates run.
    pub(crate) new_offer_plans: Plans,
    /// From a cancel request to the cancel, unless a plan says otherwise (before the scale).
    pub(crate) cancel_delay: Duration,
    pub(crate) request_timeout: Duration,
    /// The mock's CA certificate (PEM), when it could be loaded or made.
    pub(crate) ca_pem: Option<Arc<str>>,
    /// What the emulated sign-in signs tokens with, when its key could be loaded or made.
    pub(crate) token_keys: Option<Arc<TokenKeys>>,
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
            config: config.clone(),
            new_offer_plans,
            cancel_delay: Duration::try_from_secs_f64(config.cancel_delay).unwrap_or_default(),
            request_timeout: Duration::from_secs_f64(config.request_timeout),
            ca_pem,
            token_keys,
            frozen_clock: config.frozen_clock.map(Timestamp::from_unix_nanos),
        }
    }

    /// How a fixture set is loaded for the world `world` (`None`: the default one).
    pub(crate) fn load_options(&self, world: Option<&str>) -> LoadOptions {
        LoadOptions {
            time_scale: self.config.time_scale,
            cancel_delay: self.cancel_delay,
            ids: self.id_key(world, "operations"),
        }
    }

    /// With `--seed`, the key of the world's ids of kind `what`.
    pub(crate) fn id_key(&self, world: Option<&str>, what: &str) -> Option<u64> {
        let world = world.unwrap_or(registry::DEFAULT_WORLD);
        self.config
            .seed
            .map(|seed| crate::domain::id_key(seed, world, what))
    }
}
