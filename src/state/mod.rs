//! `AppState`: the store behind one short lock, the clock, and the settings handlers read.

pub(crate) mod clock;
pub(crate) mod events;
mod fault_book;
mod file;
mod in_world;
pub(crate) mod journal;
mod keys;
mod worlds;

pub(crate) use fault_book::{Effect, FaultBook, RequestFacts};
pub use file::StateError;
pub(crate) use file::{StateFile, StateFileStatus};
pub(crate) use in_world::InWorld;
pub(crate) use keys::{AUDIENCE, TokenClaims, TokenKeys};
pub(crate) use worlds::{WorldError, WorldSummary};

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;

use crate::config::{AuthMode, CancelMode, Config, OperationLocationStyle, PutMode, SuccessStatus};
use crate::domain::{FaultSpec, Map, OperationId, Plans, Store, Timestamp};
use crate::fixtures::LoadOptions;

use clock::Clock;
use journal::Journal;

/// The running server's state as one world sees it (the default world, or a named one: see
/// `worlds.rs`), shared by every request of that world. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Shared>,
    slot: Arc<WorldSlot>,
}

/// What every world shares: the settings, the default world and the named ones, and the
/// room for request bodies.
#[derive(Debug)]
struct Shared {
    settings: Settings,
    default: Arc<WorldSlot>,
    worlds: worlds::Registry,
    /// `--body-bytes-in-flight`, in KiB: a body being read holds its size's worth.
    bodies: tokio::sync::Semaphore,
}

/// The unit of `Shared::bodies`.
const BODY_UNIT: usize = 1024;

/// A body's room in `--body-bytes-in-flight`, given back when dropped.
pub(crate) type BodyRoom<'a> = tokio::sync::SemaphorePermit<'a>;

/// One world and what goes with it.
#[derive(Debug)]
struct WorldSlot {
    /// `None` for the default world.
    name: Option<Box<str>>,
    /// Everything that must change together sits behind this one lock. It is taken only by
    /// `with_world`, whose closure cannot `.await`, so it is never held across a suspension
    /// point and is held only for a lookup or a state change.
    world: Mutex<World>,
    /// Whether any fault rule exists, refreshed after every locked call, so requests skip
    /// the lock when there is nothing to inject.
    has_faults: AtomicBool,
    clock: Clock,
    state_file: Option<StateFile>,
    /// With `--seed`: the key of the world's request ids, and how many were given.
    request_ids: Option<u64>,
    requests: AtomicU64,
    /// Wakes the waits of `POST /_mock/wait` on a change; only when there are some.
    changed: tokio::sync::Notify,
    waiters: AtomicUsize,
}

impl WorldSlot {
    fn new(
        name: Option<Box<str>>,
        world: World,
        clock_offset: Duration,
        state_file: Option<StateFile>,
        settings: &Settings,
    ) -> Self {
        let clock = Clock::new(settings.frozen_clock);
        let mut world = world;
        if state_file.is_some() {
            world.store.keep_changes();
        }
        let request_ids = settings.id_key(name.as_deref(), "requests");
        clock.advance(clock_offset);
        Self {
            name,
            has_faults: AtomicBool::new(!world.faults.is_empty()),
            world: Mutex::new(world),
            clock,
            state_file,
            request_ids,
            requests: AtomicU64::new(0),
            changed: tokio::sync::Notify::new(),
            waiters: AtomicUsize::new(0),
        }
    }
}

/// A stream's hold on a world's changes (`AppState::watch`).
#[derive(Debug)]
pub(crate) struct Watch {
    slot: Arc<WorldSlot>,
}

impl Watch {
    /// Waits for the next change: `ready` runs once the wake is armed (so a change it misses
    /// wakes the wait) and ends it at once by giving `None`, or gives how long to wait at most
    /// (until the time something moves without a change, such as a step's end).
    pub(crate) async fn next(&self, ready: impl FnOnce() -> Option<Duration>) {
        let changed = self.slot.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let Some(tick) = ready() else {
            return;
        };
        tokio::select! {
            () = &mut changed => {}
            () = tokio::time::sleep(tick) => {}
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.slot.waiters.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A change the state file could not keep: the request that made it is answered with this
/// (`AppState::change`), never as if the change were kept. The change stays in memory, and
/// the next write that succeeds writes the whole state.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the state file {path} could not be written: {reason}")]
pub(crate) struct Unsaved {
    pub(crate) path: Arc<str>,
    pub(crate) reason: Arc<str>,
}

impl Unsaved {
    /// What the client is told (both planes), without the file's path.
    pub(crate) fn message(&self) -> String {
        format!(
            "The change was made, but could not be written to the state file ({}): it would not survive a restart.",
            self.reason
        )
    }
}

/// How often a wait checks again without a change: operations move with time alone.
pub(crate) const WAIT_TICK: Duration = Duration::from_millis(20);

/// Named JSON fixture documents, as loaded: what a reset goes back to.
pub(crate) type FixtureSources = Arc<Vec<(String, Vec<u8>)>>;

#[derive(Debug)]
pub(crate) struct World {
    pub(crate) store: Store,
    pub(crate) journal: Journal,
    pub(crate) faults: FaultBook,
    pub(crate) fixtures: FixtureSources,
    /// Answers to polls of finished operations; goes with the store it was rendered from.
    pub(crate) rendered: Rendered,
    /// The domain events streams read (worked out when they ask).
    pub(crate) events: events::EventLog,
}

impl World {
    /// A world of `store` and the fixtures' fault rules, with an empty journal and nothing
    /// rendered yet.
    fn new(
        store: Store,
        faults: Vec<FaultSpec>,
        fixtures: FixtureSources,
        settings: &Settings,
    ) -> Self {
        Self {
            store,
            journal: Journal::new(settings.journal_capacity, settings.journal_bytes),
            faults: fault_book(faults),
            fixtures,
            rendered: Rendered::new(),
            events: events::EventLog::default(),
        }
    }
}

/// Which world (a fixture set as loaded, with what became of it) a value was read from: each
/// start, reset and fixture load makes a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WorldId(u64);

impl WorldId {
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// The rendered bodies of finished operations of one world, which never change again, so a
/// poll of one (what pipelines do most) costs a lookup instead of a new JSON body. Holds at
/// most `RENDERED_MAX` bodies (about 1 KiB each), and starts over when full. A body is kept
/// only for the world it was read from: one rendered before a reset is never shown after it,
/// whatever the ids of the new world.
#[derive(Debug)]
pub(crate) struct Rendered {
    world: WorldId,
    bodies: Map<OperationId, Bytes>,
}

const RENDERED_MAX: usize = 1024;

impl Rendered {
    fn new() -> Self {
        Self {
            world: WorldId::new(),
            bodies: Map::default(),
        }
    }

    pub(crate) fn world(&self) -> WorldId {
        self.world
    }

    pub(crate) fn get(&self, id: OperationId) -> Option<Bytes> {
        self.bodies.get(&id).cloned()
    }

    /// Keeps the body of `id`, which must have finished, if it was read from this world.
    pub(crate) fn keep(&mut self, world: WorldId, id: OperationId, body: Bytes) {
        if world != self.world {
            return;
        }
        if self.bodies.len() >= RENDERED_MAX {
            self.bodies.clear();
        }
        self.bodies.insert(id, body);
    }
}

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

impl AppState {
    /// The default world of `store` and the fixtures' fault rules, its clock `clock_offset`
    /// ahead; `state_file` keeps it (and the named worlds, in `worlds_dir`).
    pub(crate) fn new(
        store: Store,
        faults: Vec<FaultSpec>,
        fixtures: FixtureSources,
        settings: Settings,
        state_file: Option<StateFile>,
        clock_offset: Duration,
    ) -> Self {
        let world = World::new(store, faults, fixtures, &settings);
        let worlds = worlds::Registry::new(state_file.as_ref(), settings.max_worlds);
        let slot = Arc::new(WorldSlot::new(
            None,
            world,
            clock_offset,
            state_file,
            &settings,
        ));
        Self {
            inner: Arc::new(Shared {
                bodies: tokio::sync::Semaphore::new(
                    (settings.body_bytes_in_flight / BODY_UNIT)
                        .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
                ),
                settings,
                default: Arc::clone(&slot),
                worlds,
            }),
            slot,
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.slot.clock.now()
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.slot.clock
    }

    /// A new id for a request (or a trace the sign-in reports): with `--seed`, the next of
    /// the world's repeatable sequence; else a random GUID.
    pub(crate) fn new_uuid(&self) -> uuid::Uuid {
        match self.slot.request_ids {
            Some(key) => {
                let n = self.slot.requests.fetch_add(1, Ordering::Relaxed);
                crate::domain::seeded_uuid(key, n)
            }
            None => uuid::Uuid::new_v4(),
        }
    }

    /// The `Date` header of a frozen clock (`--frozen-clock`): the clock's time, not the
    /// wall's; `None` when the clock runs.
    pub(crate) fn frozen_date(&self) -> Option<String> {
        self.slot.clock.is_frozen().then(|| {
            let now = std::time::UNIX_EPOCH + Duration::from_nanos(self.now().unix_nanos());
            httpdate::fmt_http_date(now)
        })
    }

    /// The name of this state's world; `None` for the default world.
    pub(crate) fn world_name(&self) -> Option<&str> {
        self.slot.name.as_deref()
    }

    /// Puts a freshly loaded fixture set in place of everything: the store, the fault rules
    /// (those of the fixtures only), an empty journal, and the clock back to the wall time.
    pub(crate) fn replace_world(
        &self,
        store: Store,
        faults: Vec<FaultSpec>,
        fixtures: FixtureSources,
    ) -> Result<(), Unsaved> {
        self.change(|world| {
            let mut store = store;
            // The new store counts on from the old one, so the change is seen (and saved).
            store.succeed(&world.store);
            *world = World::new(store, faults, fixtures, &self.inner.settings);
            self.slot.clock.reset();
            Ok(())
        })
    }

    /// Room for a body of at most `bytes` (its `Content-Length`, or the body limit), taken
    /// from `--body-bytes-in-flight` without waiting; `None` when there is not that much left.
    pub(crate) fn room_for_body(&self, bytes: usize) -> Option<BodyRoom<'_>> {
        let units = u32::try_from(bytes.div_ceil(BODY_UNIT).max(1)).unwrap_or(u32::MAX);
        self.inner.bodies.try_acquire_many(units).ok()
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Runs `f` with the world locked, for a change the state file keeps (the store's): the
    /// change is written before this returns, and an error says it could not be (`f`'s own
    /// error, if it gives one, wins). A panic in an earlier holder does not make the state
    /// unusable: every change is made in one step at the end of its function, so the data is
    /// consistent even then.
    pub(crate) fn change<R, E: From<Unsaved>>(
        &self,
        f: impl FnOnce(&mut World) -> Result<R, E>,
    ) -> Result<R, E> {
        let (result, saved) = self.locked(f);
        let result = result?;
        saved?;
        Ok(result)
    }

    /// Runs `f` with the world locked, for a change the state file does not keep (the
    /// journal, the fault rules, the kept poll bodies) or a look. Should `f` change the store
    /// after all, the change is written as `change` writes it, and a failed write is logged.
    pub(crate) fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let (result, saved) = self.locked(f);
        if let Err(unsaved) = saved {
            tracing::error!(path = %unsaved.path, error = %unsaved.reason, "the state file could not be written");
        }
        result
    }

    /// `f` run with the world locked; then the store written if `f` changed it, the fault
    /// flag refreshed and the waits woken.
    fn locked<R>(&self, f: impl FnOnce(&mut World) -> R) -> (R, Result<(), Unsaved>) {
        let mut guard = self.lock_world();
        let generation = guard.store.generation();
        let result = f(&mut guard);
        let saved = if guard.store.generation() == generation {
            Ok(())
        } else {
            self.save(&mut guard.store)
        };
        self.slot
            .has_faults
            .store(!guard.faults.is_empty(), Ordering::Relaxed);
        drop(guard);
        if self.slot.waiters.load(Ordering::Relaxed) > 0 {
            self.slot.changed.notify_waiters();
        }
        (result, saved)
    }

    /// Reads the world: `with_world` for a look that changes nothing and wakes no wait (a
    /// wait's own checks use it: waking itself, it would never sleep).
    pub(crate) fn peek_world<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&self.lock_world())
    }

    /// `with_world` for what no wait needs to hear of and no state file keeps (a stream
    /// working out its events): no wake, no save.
    pub(crate) fn with_world_quietly<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.lock_world())
    }

    /// The world's lock. A panic in an earlier holder does not make the state unusable (see
    /// `with_world`).
    fn lock_world(&self) -> std::sync::MutexGuard<'_, World> {
        self.slot
            .world
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A watch on the world's changes, for a stream: while it lives, `with_world` wakes it.
    pub(crate) fn watch(&self) -> Watch {
        self.slot.waiters.fetch_add(1, Ordering::Relaxed);
        Watch {
            slot: Arc::clone(&self.slot),
        }
    }

    /// Checks `check` until it says its condition is met, again after every change of the
    /// world (a request, a clock advance) and at least every `WAIT_TICK` (operations move
    /// with time), until `timeout`: whether it was met, and what `check` saw last.
    pub(crate) async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&AppState) -> (bool, T),
    ) -> (bool, T) {
        let watch = self.watch();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let tick = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(WAIT_TICK);
            let mut last = None;
            watch
                .next(|| {
                    let (met, seen) = check(self);
                    let done = met || tokio::time::Instant::now() >= deadline;
                    last = Some((met, seen, done));
                    (!done).then_some(tick)
                })
                .await;
            if let Some((met, seen, true)) = last {
                return (met, seen);
            }
        }
    }

    /// Writes the change to the state file, if there is one, before it is answered. A write
    /// that fails leaves the change in memory; the next write that succeeds writes the whole
    /// state, so the file holds it again.
    fn save(&self, store: &mut Store) -> Result<(), Unsaved> {
        let Some(file) = &self.slot.state_file else {
            return Ok(());
        };
        file.save(store, self.slot.clock.offset())
            .map_err(|e| Unsaved {
                path: file.path().display().to_string().into(),
                reason: e.to_string().into(),
            })
    }

    /// Writes the whole world to its state file, if it has one: an error if it cannot.
    pub(crate) fn write_whole(&self) -> Result<(), StateError> {
        let Some(file) = &self.slot.state_file else {
            return Ok(());
        };
        let offset = self.slot.clock.offset();
        self.with_world_quietly(|w| {
            w.store.keep_whole();
            file.save(&mut w.store, offset)
        })
        .map_err(|source| StateError::Write {
            path: file.path().display().to_string(),
            source,
        })
    }

    /// The world's state file, with `--state-file`.
    pub(crate) fn state_file(&self) -> Option<&StateFile> {
        self.slot.state_file.as_ref()
    }

    /// Whether any fault rule exists (as of the last locked call).
    pub(crate) fn has_faults(&self) -> bool {
        self.slot.has_faults.load(Ordering::Relaxed)
    }
}

fn fault_book(faults: Vec<FaultSpec>) -> FaultBook {
    let mut book = FaultBook::default();
    for spec in faults {
        book.add(spec, "fixture");
    }
    book
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_read_from_another_world_is_not_kept() {
        let id = OperationId::new_v4();
        let before_reset = Rendered::new();
        let mut after_reset = Rendered::new();

        after_reset.keep(before_reset.world(), id, Bytes::from_static(b"old"));
        assert_eq!(after_reset.get(id), None);

        after_reset.keep(after_reset.world(), id, Bytes::from_static(b"new"));
        assert_eq!(after_reset.get(id), Some(Bytes::from_static(b"new")));
    }
}
