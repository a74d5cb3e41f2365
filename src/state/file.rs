//! The state file: the store and the clock's offset, written after every change (to a
//! temporary file, synced, renamed over the old one, the directory synced) and read at start.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::{SavedStore, Store};

/// Bumped when the file's shape changes; a file of another format is refused.
const FORMAT: u32 = 1;

/// A state file that cannot be used: the server does not start rather than replace it.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{path}: cannot read the state file: {source}")]
    Read { path: String, source: io::Error },
    #[error(
        "{path}: the state file is not a state this server wrote ({reason}); move it away to start from the fixtures"
    )]
    Corrupt { path: String, reason: String },
}

#[derive(Serialize)]
struct Saving<'a> {
    format: u32,
    clock_offset_nanos: u64,
    store: crate::domain::StoreSnapshot<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    format: u32,
    clock_offset_nanos: u64,
    store: SavedStore,
}

#[derive(Debug, Clone)]
pub(crate) struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The saved store and clock offset, or `None` when there is no file yet.
    pub(crate) fn load(&self) -> Result<Option<(Store, Duration)>, StateError> {
        let shown = self.path.display().to_string();
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Read {
                    path: shown,
                    source,
                });
            }
        };
        let corrupt = |reason: String| StateError::Corrupt {
            path: shown.clone(),
            reason,
        };
        let saved: Saved = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if saved.format != FORMAT {
            return Err(corrupt(format!(
                "format {} where {FORMAT} was expected",
                saved.format
            )));
        }
        let store = Store::from_saved(saved.store).map_err(corrupt)?;
        Ok(Some((
            store,
            Duration::from_nanos(saved.clock_offset_nanos),
        )))
    }

    /// Writes the whole state so that a crash at any moment leaves either the old file or the
    /// new one, complete.
    pub(crate) fn save(&self, store: &Store, clock_offset: Duration) -> io::Result<()> {
        let saving = Saving {
            format: FORMAT,
            clock_offset_nanos: u64::try_from(clock_offset.as_nanos()).unwrap_or(u64::MAX),
            store: store.snapshot(),
        };
        let bytes = serde_json::to_vec(&saving).map_err(io::Error::other)?;
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let mut temp = self.path.clone().into_os_string();
        temp.push(".tmp");
        let temp = PathBuf::from(temp);
        let mut file = File::create(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &self.path)?;
        File::open(&dir)?.sync_all()
    }
}
