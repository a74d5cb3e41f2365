//! Named worlds: isolated copies of the mock, each with its own offers, operations, journal,
//! fault rules, clock offset and fixture set, selected per request (docs/worlds.md). The
//! default world is the one a request without a selector sees.
//!
//! A world is made on first use from the default world's fixture set as it is then, up to
//! `--max-worlds` at once: past it, a new one is refused (never an eviction, which would lose
//! what a client was told succeeded). With a state file, each named world is kept in a file
//! of its own beside it (`{state file}.worlds/{name}.json`), written after each change like
//! the default world's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use uuid::Uuid;

use crate::domain::{Map, tenant_id};
use crate::fixtures;

use super::file::{Loaded, StateError, StateFile};
use super::{AppState, FixtureSources, World, WorldSlot};

/// The name that always selects the default world.
pub(crate) const DEFAULT_WORLD: &str = "default";
/// Longest world name.
const NAME_MAX: usize = 64;

/// Why a world could not be selected, made or deleted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WorldError {
    #[error(
        "'{0}' is not a world name: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'."
    )]
    InvalidName(String),
    #[error(
        "No new world can be made: {0} worlds exist, the most --max-worlds (CPPMOCK_MAX_WORLDS) allows. Delete one (DELETE /_mock/worlds/{{name}}) or raise the limit."
    )]
    Limit(usize),
    #[error("There is no world named '{0}'.")]
    NotFound(String),
    /// A request named a world that does not exist, and may not make it (docs/worlds.md).
    #[error(
        "There is no world named '{name}', and this request does not make one: {}",
        if *control_token {
            "with a control token set, only control calls that carry it make worlds (PUT /_mock/worlds/{name} with 'Authorization: Bearer <control token>')."
        } else {
            "a world is made by a control call, or by an /api request to a known route that passes its bearer-token and api-version checks; never by /_mock/health, /_mock/ca.pem or /_mock/openapi.json."
        }
    )]
    NotMade { name: String, control_token: bool },
    #[error("The default world cannot be deleted; reset it instead (POST /_mock/reset).")]
    Default,
    #[error("The world '{name}' could not be made: {reason}")]
    Broken { name: String, reason: String },
}

/// One world, as `GET /_mock/worlds` lists it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorldSummary {
    pub(crate) name: String,
    /// The tenant id whose tokens (issued by the mock) select this world.
    pub(crate) tenant_id: Option<Uuid>,
    pub(crate) publishers: usize,
    pub(crate) offers: usize,
    pub(crate) operations: usize,
    pub(crate) journal: usize,
    pub(crate) clock_offset_seconds: f64,
}

/// Whether `name` may name a world: 1 to 64 of `[A-Za-z0-9._-]`, not starting with `.` (so
/// it is also a safe file name).
fn valid_world_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The named worlds of a server.
#[derive(Debug)]
pub(super) struct Registry {
    named: Mutex<Named>,
    /// How many named worlds exist: requests check it without the lock, so a server that has
    /// none never takes it.
    count: AtomicUsize,
    max: usize,
    /// Where named worlds are kept, with a state file.
    dir: Option<PathBuf>,
}

#[derive(Debug, Default)]
struct Named {
    by_name: Map<Box<str>, Arc<WorldSlot>>,
    by_tenant: Map<Uuid, Box<str>>,
}

impl Registry {
    pub(super) fn new(state_file: Option<&StateFile>, max: usize) -> Self {
        let dir = state_file.map(|file| {
            let mut dir = file.path().as_os_str().to_owned();
            dir.push(".worlds");
            PathBuf::from(dir)
        });
        Self {
            named: Mutex::new(Named::default()),
            count: AtomicUsize::new(0),
            max,
            dir,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Named> {
        self.named.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state file of the world `name`, opened, with what it holds.
    fn file_of(&self, name: &str) -> Result<Option<(StateFile, Option<Loaded>)>, StateError> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        StateFile::open(dir.join(format!("{name}.json"))).map(Some)
    }

    /// Takes the world `name` out (only if it is `slot`, when given): the world taken.
    fn remove(&self, name: &str, slot: Option<&Arc<WorldSlot>>) -> Option<Arc<WorldSlot>> {
        let mut named = self.lock();
        let found = named.by_name.get(name)?;
        if slot.is_some_and(|slot| !Arc::ptr_eq(slot, found)) {
            return None;
        }
        let removed = named.by_name.remove(name);
        named.by_tenant.remove(&tenant_id(name));
        self.count.store(named.by_name.len(), Ordering::Relaxed);
        removed
    }

    /// Adds `slot` under `name`, unless one is there already (then gives that one).
    fn insert(&self, name: &str, slot: Arc<WorldSlot>) -> Result<Arc<WorldSlot>, WorldError> {
        let mut named = self.lock();
        if let Some(existing) = named.by_name.get(name) {
            return Ok(Arc::clone(existing));
        }
        if named.by_name.len() >= self.max {
            return Err(WorldError::Limit(named.by_name.len()));
        }
        named.by_name.insert(name.into(), Arc::clone(&slot));
        named.by_tenant.insert(tenant_id(name), name.into());
        self.count.store(named.by_name.len(), Ordering::Relaxed);
        Ok(slot)
    }
}

impl AppState {
    /// Whether any named world exists.
    pub(crate) fn has_named_worlds(&self) -> bool {
        self.inner.worlds.count.load(Ordering::Relaxed) > 0
    }

    /// The default world.
    pub(crate) fn default_world(&self) -> AppState {
        AppState {
            inner: Arc::clone(&self.inner),
            slot: Arc::clone(&self.inner.default),
        }
    }

    /// The world named `name` (`default`: the default world), if it exists.
    pub(crate) fn find_world(&self, name: &str) -> Result<Option<AppState>, WorldError> {
        if name.eq_ignore_ascii_case(DEFAULT_WORLD) {
            return Ok(Some(self.default_world()));
        }
        if !valid_world_name(name) {
            return Err(WorldError::InvalidName(name.to_owned()));
        }
        let slot = self.inner.worlds.lock().by_name.get(name).map(Arc::clone);
        Ok(slot.map(|slot| self.with_slot(slot)))
    }

    /// The world named `name` (`default`: the default world), made from the default world's
    /// fixture set if it does not exist yet.
    pub(crate) fn world(&self, name: &str) -> Result<AppState, WorldError> {
        if let Some(world) = self.find_world(name)? {
            return Ok(world);
        }
        let registry = &self.inner.worlds;
        if registry.count.load(Ordering::Relaxed) >= registry.max {
            return Err(WorldError::Limit(registry.max));
        }
        // Made outside the registry's lock (loading takes a while); a world made meanwhile
        // under the same name wins.
        let default = self.default_world();
        let sources = default.with_world(|w| Arc::clone(&w.fixtures));
        let file = registry.file_of(name).map_err(|e| WorldError::Broken {
            name: name.to_owned(),
            reason: e.to_string(),
        })?;
        let fresh = file.as_ref().is_some_and(|(_, loaded)| loaded.is_none());
        let slot = self.make_slot(name, sources, file)?;
        let made = Arc::ptr_eq(&slot, &registry.insert(name, Arc::clone(&slot))?);
        let world = self.with_slot(slot);
        if made && fresh {
            // Kept at once: a client may be told of a change in it before any other. A
            // world that cannot be kept is not made.
            if let Err(e) = world.write_whole() {
                registry.remove(name, Some(&world.slot));
                if let Some(file) = &world.slot.state_file {
                    file.remove();
                }
                return Err(WorldError::Broken {
                    name: name.to_owned(),
                    reason: e.to_string(),
                });
            }
        }
        Ok(world)
    }

    /// Whether this world still exists: the default one always; a named one until deleted.
    pub(crate) fn is_current(&self) -> bool {
        let Some(name) = self.world_name() else {
            return true;
        };
        self.inner
            .worlds
            .lock()
            .by_name
            .get(name)
            .is_some_and(|slot| Arc::ptr_eq(slot, &self.slot))
    }

    /// Whether a named world `name` exists.
    pub(crate) fn has_world(&self, name: &str) -> bool {
        self.inner.worlds.lock().by_name.contains_key(name)
    }

    /// How many named worlds may exist at once.
    pub(crate) fn max_worlds(&self) -> usize {
        self.inner.worlds.max
    }

    /// The world whose tenant id is `tid`, if one exists.
    pub(crate) fn world_of_tenant(&self, tid: Uuid) -> Option<AppState> {
        let named = self.inner.worlds.lock();
        let name = named.by_tenant.get(&tid)?;
        let slot = named.by_name.get(name)?;
        Some(self.with_slot(Arc::clone(slot)))
    }

    /// Every world, the default first, then the named ones by name.
    pub(crate) fn worlds(&self) -> Vec<WorldSummary> {
        let mut slots: Vec<(String, Arc<WorldSlot>)> = self
            .inner
            .worlds
            .lock()
            .by_name
            .iter()
            .map(|(name, slot)| (name.to_string(), Arc::clone(slot)))
            .collect();
        slots.sort_by(|a, b| a.0.cmp(&b.0));
        let mut listed = vec![summary(DEFAULT_WORLD, None, &self.default_world())];
        for (name, slot) in slots {
            let tenant = Some(tenant_id(&name));
            listed.push(summary(&name, tenant, &self.with_slot(slot)));
        }
        listed
    }

    /// Deletes the named world `name`, and its file.
    pub(crate) fn delete_world(&self, name: &str) -> Result<(), WorldError> {
        if name.eq_ignore_ascii_case(DEFAULT_WORLD) {
            return Err(WorldError::Default);
        }
        let slot = self
            .inner
            .worlds
            .remove(name, None)
            .ok_or_else(|| WorldError::NotFound(name.to_owned()))?;
        if let Some(file) = &slot.state_file {
            // Under the world's lock, so that no write of a request still in it comes after.
            let _guard = slot.world.lock().unwrap_or_else(PoisonError::into_inner);
            file.remove();
        }
        // Its event streams and waits wake, see it gone and end, letting go of it.
        slot.changed.notify_waiters();
        Ok(())
    }

    /// Reads the named worlds kept beside the state file, at start-up.
    pub(crate) fn load_saved_worlds(&self) -> Result<(), StateError> {
        let Some(dir) = self.inner.worlds.dir.clone() else {
            return Ok(());
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(StateError::Read {
                    path: dir.display().to_string(),
                    source,
                });
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| world_file_name(&entry.path()))
            .collect();
        names.sort();
        let sources = self.with_world(|w| Arc::clone(&w.fixtures));
        for name in names {
            let Some((file, Some(loaded))) = self.inner.worlds.file_of(&name)? else {
                continue;
            };
            let slot = self
                .make_slot(&name, Arc::clone(&sources), Some((file, Some(loaded))))
                .map_err(|e| StateError::Corrupt {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
            self.inner
                .worlds
                .insert(&name, slot)
                .map_err(|e| StateError::Corrupt {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
        }
        Ok(())
    }

    fn with_slot(&self, slot: Arc<WorldSlot>) -> AppState {
        AppState {
            inner: Arc::clone(&self.inner),
            slot,
        }
    }

    /// A world named `name` from `sources` (or from what its file kept, with `saved`).
    fn make_slot(
        &self,
        name: &str,
        sources: FixtureSources,
        file: Option<(StateFile, Option<Loaded>)>,
    ) -> Result<Arc<WorldSlot>, WorldError> {
        let settings = &self.inner.settings;
        let options = settings.load_options(Some(name));
        let loaded = fixtures::load_sources(&sources, options, self.default_world().now())
            .map_err(|e| WorldError::Broken {
                name: name.to_owned(),
                reason: e.to_string(),
            })?;
        let (file, saved) = match file {
            Some((file, saved)) => (Some(file), saved),
            None => (None, None),
        };
        let (store, offset) = match saved {
            Some(saved) => {
                let mut store = saved.store;
                store.continue_ids(settings.id_key(Some(name), "operations"));
                (store, saved.clock_offset)
            }
            None => (loaded.store, Duration::ZERO),
        };
        let world = World::new(store, loaded.faults, sources, settings);
        if let Some(dir) = file.as_ref().and_then(|f| f.path().parent()) {
            std::fs::create_dir_all(dir).map_err(|e| WorldError::Broken {
                name: name.to_owned(),
                reason: format!("cannot make {}: {e}", dir.display()),
            })?;
        }
        Ok(Arc::new(WorldSlot::new(
            Some(name.into()),
            world,
            offset,
            file,
            settings,
        )))
    }
}

/// The world a kept file is of: `{name}.json` with a valid name.
fn world_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?.strip_suffix(".json")?;
    valid_world_name(name).then(|| name.to_owned())
}

fn summary(name: &str, tenant_id: Option<Uuid>, state: &AppState) -> WorldSummary {
    let (publishers, offers, operations, journal) = state.with_world(|w| {
        let (p, o, ops) = w.store.counts();
        (p, o, ops, w.journal.len())
    });
    WorldSummary {
        name: name.to_owned(),
        tenant_id,
        publishers,
        offers,
        operations,
        journal,
        clock_offset_seconds: state.clock().offset().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_names_are_safe_file_names() {
        for good in ["a", "team-1", "ci.run_7", &"x".repeat(64)] {
            assert!(valid_world_name(good), "{good}");
        }
        for bad in [
            "",
            ".hidden",
            "a/b",
            "..",
            "with space",
            "é",
            &"x".repeat(65),
        ] {
            assert!(!valid_world_name(bad), "{bad}");
        }
    }
}
