//! Named worlds, as the state selects, makes and deletes them: isolated copies of the mock, each with its own offers, operations, journal,
//! fault rules, clock offset and fixture set, selected per request (docs/worlds.md). The
//! default world is the one a request without a selector sees.
//!
//! A world is made on first use from the default world's fixture set as it is then, up to
//! `--max-worlds` at once: past it, a new one is refused (never an eviction, which would lose
//! what a client was told succeeded). With a state file, each named world is kept in a file
//! of its own beside it (`{state file}.worlds/{name}.json`), written after each change like
//! the default world's.

use std::path::Path;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use uuid::Uuid;

use crate::domain::tenant_id;
use crate::fixtures;

use super::file::{Loaded, StateError, StateFile};
use super::registry::{DEFAULT_WORLD, WorldError, WorldSummary, valid_world_name, world_file_name};
use super::{AppState, FixtureSources, World, WorldSlot};

impl AppState {
    /// Whether any named world exists.
    pub(crate) fn has_named_worlds(&self) -> bool {
        self.inner.worlds.count() > 0
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
        let slot = self.inner.worlds.get(name);
        Ok(slot.map(|slot| self.with_slot(slot)))
    }

    /// The world named `name` (`default`: the default world), made from the default world's
    /// fixture set if it does not exist yet.
    pub(crate) fn world(&self, name: &str) -> Result<AppState, WorldError> {
        if let Some(world) = self.find_world(name)? {
            return Ok(world);
        }
        let registry = &self.inner.worlds;
        if registry.count() >= registry.max() {
            return Err(WorldError::Limit(registry.max()));
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
        self.inner.worlds.holds(name, &self.slot)
    }

    /// Whether a named world `name` exists.
    pub(crate) fn has_world(&self, name: &str) -> bool {
        self.inner.worlds.get(name).is_some()
    }

    /// How many named worlds may exist at once.
    pub(crate) fn max_worlds(&self) -> usize {
        self.inner.worlds.max()
    }

    /// The world whose tenant id is `tid`, if one exists.
    pub(crate) fn world_of_tenant(&self, tid: Uuid) -> Option<AppState> {
        Some(self.with_slot(self.inner.worlds.of_tenant(tid)?))
    }

    /// Every world, the default first, then the named ones by name.
    pub(crate) fn worlds(&self) -> Vec<WorldSummary> {
        let slots = self.inner.worlds.sorted();
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
        let Some(dir) = self.inner.worlds.dir().map(Path::to_owned) else {
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
