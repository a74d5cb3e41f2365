//! The named worlds' registry (docs/worlds.md): by name and by tenant id, bounded by
//! `--max-worlds` (past it a new world is refused, never an old one evicted), each kept in a
//! file of its own beside the state file when there is one. What a world holds is the
//! state's business (`S`); selecting, making and deleting worlds is `worlds.rs`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use uuid::Uuid;

use crate::domain::{Map, tenant_id};

use super::file::{Loaded, StateError, StateFile};

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
pub(super) fn valid_world_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The named worlds of a server: `S` is what the server keeps of each (its world slot).
#[derive(Debug)]
pub(super) struct Registry<S> {
    named: Mutex<Named<S>>,
    /// How many named worlds exist: requests check it without the lock, so a server that has
    /// none never takes it.
    count: AtomicUsize,
    max: usize,
    /// Where named worlds are kept, with a state file.
    dir: Option<PathBuf>,
}

#[derive(Debug)]
struct Named<S> {
    by_name: Map<Box<str>, Arc<S>>,
    by_tenant: Map<Uuid, Box<str>>,
}

impl<S> Registry<S> {
    pub(super) fn new(state_file: Option<&StateFile>, max: usize) -> Self {
        let dir = state_file.map(|file| {
            let mut dir = file.path().as_os_str().to_owned();
            dir.push(".worlds");
            PathBuf::from(dir)
        });
        Self {
            named: Mutex::new(Named {
                by_name: Map::default(),
                by_tenant: Map::default(),
            }),
            count: AtomicUsize::new(0),
            max,
            dir,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Named<S>> {
        self.named.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state file of the world `name`, opened, with what it holds.
    pub(super) fn file_of(
        &self,
        name: &str,
    ) -> Result<Option<(StateFile, Option<Loaded>)>, StateError> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        StateFile::open(dir.join(format!("{name}.json"))).map(Some)
    }

    /// Takes the world `name` out (only if it is `slot`, when given): the world taken.
    pub(super) fn remove(&self, name: &str, slot: Option<&Arc<S>>) -> Option<Arc<S>> {
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
    pub(super) fn insert(&self, name: &str, slot: Arc<S>) -> Result<Arc<S>, WorldError> {
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

    /// How many named worlds exist (read without the lock).
    pub(super) fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// How many may exist at once.
    pub(super) fn max(&self) -> usize {
        self.max
    }

    /// Where named worlds are kept, with a state file.
    pub(super) fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The world `name`, if it exists.
    pub(super) fn get(&self, name: &str) -> Option<Arc<S>> {
        self.lock().by_name.get(name).map(Arc::clone)
    }

    /// Whether `slot` is the world `name`.
    pub(super) fn holds(&self, name: &str, slot: &Arc<S>) -> bool {
        self.lock()
            .by_name
            .get(name)
            .is_some_and(|kept| Arc::ptr_eq(kept, slot))
    }

    /// The world whose tenant id is `tid`, if one exists.
    pub(super) fn of_tenant(&self, tid: Uuid) -> Option<Arc<S>> {
        let named = self.lock();
        let name = named.by_tenant.get(&tid)?;
        named.by_name.get(name).map(Arc::clone)
    }

    /// Every named world, by name.
    pub(super) fn sorted(&self) -> Vec<(String, Arc<S>)> {
        let mut all: Vec<(String, Arc<S>)> = self
            .lock()
            .by_name
            .iter()
            .map(|(name, slot)| (name.to_string(), Arc::clone(slot)))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

/// The world a kept file is of: `{name}.json` with a valid name.
pub(super) fn world_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?.strip_suffix(".json")?;
    valid_world_name(name).then(|| name.to_owned())
}
