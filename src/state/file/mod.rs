//! The state file (docs/reliability.md#the-state-file): a snapshot of the whole state at its
//! path and, beside it, a log of the changes made since (`{path}.{n}.log`). Each change is
//! appended as a record and synced before it is answered, so a write costs the size of what
//! it changed, not of the state. Once the log outgrows the snapshot, a compaction folds it into
//! a new snapshot on a thread of its own while writes go on into a new segment.

mod compact;
mod disk;
mod error;
mod read;
mod record;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;

use crate::domain::{Change, Store};
use disk::{cut, new_segment, parent, segment_path, temp_path, write_snapshot};
pub use error::StateError;

/// A log shorter than this is never compacted, whatever the snapshot's size.
const COMPACT_MIN_BYTES: u64 = 4 << 20;

/// One world's state file. Cloning is cheap (a compaction holds a clone).
#[derive(Debug, Clone)]
pub(crate) struct StateFile {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// Taken by a writing request with its world's lock held (so never contended by
    /// another request), and briefly by a compaction as it starts and ends.
    writer: Mutex<Writer>,
}

#[derive(Debug, Default)]
struct Writer {
    /// No snapshot yet: the first save writes one.
    fresh: bool,
    /// The segment appended to, once opened, and its length.
    active: Option<(u64, File, u64)>,
    /// The number of the segment appended to.
    segment: u64,
    /// The first segment after the snapshot.
    first: u64,
    snapshot_bytes: u64,
    /// Bytes of the records in the segments after the snapshot (their headers aside).
    log_bytes: u64,
    /// A compaction is making the next segment.
    starting: bool,
    /// While a compaction runs: the bytes of the records it folds in.
    compacting: Option<u64>,
    /// After a compaction failed: no other starts before the log is this long.
    retry_at: u64,
    compactions: u64,
    last_compaction: Option<Duration>,
    /// Why the file is no longer written, after a write that could not be undone.
    broken: Option<String>,
    /// A write failed: the log lacks a change the state has, so the next record is the whole
    /// state.
    resync: bool,
    /// The world was deleted: nothing is written any more.
    removed: bool,
    buf: Vec<u8>,
}

/// What `GET /_mock/state-file` reports.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StateFileStatus {
    pub(crate) path: String,
    pub(crate) snapshot_bytes: u64,
    /// Bytes of the records logged since the snapshot.
    pub(crate) log_bytes: u64,
    /// The segment appended to.
    pub(crate) segment: u64,
    pub(crate) compacting: bool,
    /// Compactions finished since start.
    pub(crate) compactions: u64,
    /// How long the last one took, in milliseconds.
    pub(crate) last_compaction_ms: Option<f64>,
    /// Why changes are no longer written, when a write failed and could not be undone.
    pub(crate) broken: Option<String>,
}

/// A state read back from its file.
pub(crate) struct Loaded {
    pub(crate) store: Store,
    pub(crate) clock_offset: Duration,
}

impl StateFile {
    /// The state file at `path`, and the state it holds (`None`: none yet, the first change
    /// writes it). A torn last record is cut off; a file that cannot be read is an error.
    pub(crate) fn open(path: PathBuf) -> Result<(Self, Option<Loaded>), StateError> {
        let read = read::read(&path, None)?;
        if read.is_none() {
            // Its directory is made, as the CA's is.
            fs::create_dir_all(parent(&path)).map_err(|source| StateError::Write {
                path: path.display().to_string(),
                source,
            })?;
        }
        let mut writer = Writer {
            fresh: read.is_none(),
            ..Writer::default()
        };
        let loaded = match read {
            None => None,
            Some(read) => {
                if let Some((n, length)) = read.torn {
                    let at = segment_path(&path, n);
                    cut(&at, length).map_err(read::unreadable(&at))?;
                    tracing::warn!(path = %at.display(), "the state file's last record was not written whole (the server stopped while writing it, before answering); it is dropped");
                }
                for n in read.stale {
                    let _ = fs::remove_file(segment_path(&path, n));
                }
                writer.first = read.first;
                writer.segment = read.segments.last().map_or(read.first, |&(n, _)| n);
                writer.snapshot_bytes = read.snapshot_bytes;
                writer.log_bytes = read.record_bytes;
                Some(Loaded {
                    store: read.store,
                    clock_offset: read.clock_offset,
                })
            }
        };
        let file = Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
            }),
        };
        Ok((file, loaded))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.inner.path
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps the store's changes since the last call (`Store::take_changes`): appended to
    /// the log and synced, or the whole store when there is no snapshot yet. Called with the
    /// world's lock held, so records are written in the order the changes were made.
    pub(crate) fn save(&self, store: &mut Store, clock_offset: Duration) -> io::Result<()> {
        let changes = store.take_changes();
        if changes.is_empty() {
            return Ok(());
        }
        let mut writer = self.writer();
        if writer.removed {
            return Ok(());
        }
        if let Some(reason) = &writer.broken {
            return Err(io::Error::other(format!(
                "no longer written since a write failed: {reason}"
            )));
        }
        if writer.fresh {
            let bytes = write_snapshot(&self.inner.path, store, clock_offset, 1)?;
            writer.fresh = false;
            writer.first = 1;
            writer.segment = 1;
            writer.snapshot_bytes = bytes;
            return Ok(());
        }
        let mut buf = std::mem::take(&mut writer.buf);
        buf.clear();
        let changes = if writer.resync {
            &[Change::Whole][..]
        } else {
            &changes[..]
        };
        let encoded = record::encode(&mut buf, store, changes, clock_offset);
        let written = encoded
            .map_err(io::Error::other)
            .and_then(|()| writer.append(&self.inner.path, &buf));
        writer.buf = buf;
        writer.resync = written.is_err();
        written?;
        let due = writer.log_bytes >= writer.snapshot_bytes.max(COMPACT_MIN_BYTES)
            && writer.log_bytes >= writer.retry_at;
        drop(writer);
        if due {
            self.compact();
        }
        Ok(())
    }

    pub(crate) fn status(&self) -> StateFileStatus {
        let writer = self.writer();
        StateFileStatus {
            path: self.inner.path.display().to_string(),
            snapshot_bytes: writer.snapshot_bytes,
            log_bytes: writer.log_bytes,
            segment: writer.segment,
            compacting: writer.starting || writer.compacting.is_some(),
            compactions: writer.compactions,
            last_compaction_ms: writer
                .last_compaction
                .map(|d| (d.as_secs_f64() * 1e6).round() / 1e3),
            broken: writer.broken.clone(),
        }
    }

    /// Deletes the snapshot and the log (a deleted world); nothing is written after.
    pub(crate) fn remove(&self) {
        let mut writer = self.writer();
        writer.removed = true;
        writer.active = None;
        let path = &self.inner.path;
        let mut doomed = vec![path.clone(), temp_path(path)];
        if let Ok(numbers) = read::segments_of(path) {
            doomed.extend(numbers.into_iter().map(|n| segment_path(path, n)));
        }
        for file in doomed {
            if let Err(e) = fs::remove_file(&file) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::error!(path = %file.display(), error = %e, "a deleted world's file could not be removed");
                }
            }
        }
    }
}

impl Writer {
    /// Appends `bytes` to the active segment and syncs it; a write that fails is undone, so
    /// no half record is ever followed by another.
    fn append(&mut self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        if self.active.is_none() {
            let number = self.segment.max(self.first);
            let at = segment_path(path, number);
            let active = match fs::metadata(&at) {
                Ok(kept) => {
                    let file = OpenOptions::new().append(true).open(&at)?;
                    (file, kept.len())
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => new_segment(path, number)?,
                Err(e) => return Err(e),
            };
            self.active = Some((number, active.0, active.1));
            self.segment = number;
        }
        let Some((_, file, length)) = &mut self.active else {
            unreachable!("opened above");
        };
        let before = *length;
        let written = file.write_all(bytes).and_then(|()| file.sync_data());
        if let Err(e) = written {
            if let Err(undo) = file.set_len(before).and_then(|()| file.sync_data()) {
                self.broken = Some(format!("{e}; then, cutting the record off: {undo}"));
                self.active = None;
            }
            return Err(e);
        }
        *length += bytes.len() as u64;
        self.log_bytes += bytes.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind of each record of segment 1 of `path`, in order.
    fn kinds(path: &Path) -> Vec<String> {
        fs::read_to_string(segment_path(path, 1))
            .expect("the log")
            .lines()
            .map(|line| {
                let (_, json) = line.split_once(' ').expect("checksum, then JSON");
                let record: serde_json::Value = serde_json::from_str(json).expect("JSON");
                record
                    .as_object()
                    .and_then(|o| o.keys().next().cloned())
                    .expect("one kind")
            })
            .collect()
    }

    #[test]
    fn after_a_failed_write_the_next_record_is_the_whole_state() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("state.json");
        let (file, loaded) = StateFile::open(path.clone()).expect("opens");
        assert!(loaded.is_none());
        let mut store = Store::default();
        store.keep_changes();
        store.keep_whole();
        file.save(&mut store, Duration::ZERO).expect("the snapshot");
        store.clock_moved();
        file.save(&mut store, Duration::from_secs(1))
            .expect("a record");

        // As a failed write leaves it: the log lacks a change the state has.
        file.writer().resync = true;
        store.clock_moved();
        file.save(&mut store, Duration::from_secs(2))
            .expect("a record");
        store.clock_moved();
        file.save(&mut store, Duration::from_secs(3))
            .expect("a record");

        assert_eq!(kinds(&path), ["segment", "clock", "whole", "clock"]);
        let (_, loaded) = StateFile::open(path).expect("reads back");
        let loaded = loaded.expect("a state");
        assert_eq!(loaded.clock_offset, Duration::from_secs(3));
    }
}
