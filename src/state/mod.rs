//! `AppState`: the store behind one short lock, the clock, and the settings handlers read.

pub(crate) mod clock;
pub(crate) mod events;
mod fault_book;
mod file;
mod in_world;
pub(crate) mod journal;
mod keys;
mod registry;
mod rendered;
mod settings;
mod watch;
mod worlds;

pub(crate) use fault_book::{Effect, FaultBook, RequestFacts};
pub use file::StateError;
pub(crate) use file::{StateFile, StateFileStatus};
pub(crate) use in_world::InWorld;
pub(crate) use keys::{AUDIENCE, TokenClaims, TokenKeys};
pub(crate) use registry::{WorldError, WorldSummary};
pub(crate) use rendered::{Rendered, WorldId};
pub(crate) use settings::Settings;
pub(crate) use watch::Watch;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::domain::{FaultSpec, Store, Timestamp};

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
    worlds: registry::Registry<WorldSlot>,
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
            journal: Journal::new(
                settings.config.journal_capacity,
                settings.config.journal_bytes,
            ),
            faults: fault_book(faults),
            fixtures,
            rendered: Rendered::new(),
            events: events::EventLog::default(),
        }
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
        let worlds = registry::Registry::new(state_file.as_ref(), settings.config.max_worlds);
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
                    (settings.config.body_bytes_in_flight / BODY_UNIT)
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
