//! The state file's files: the snapshot written whole (to a temporary path, synced, renamed
//! over), the log's segments made and named, and the directory synced after each.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::record;
use crate::domain::{Store, StoreSnapshot};

/// Bumped when the snapshot's shape changes; format 1 (a snapshot without a log) is still read.
pub(super) const FORMAT: u32 = 2;

/// What the snapshot holds.
#[derive(Serialize)]
struct Saving<'a> {
    format: u32,
    log: u64,
    clock_offset_nanos: u64,
    store: StoreSnapshot<'a>,
}

/// Makes segment `number` of `path` (emptied if it exists: no segment is written to before
/// it is made), its header written and synced, and the directory synced so that it survives
/// a crash: the file, opened to append, and its length. The header also takes the first
/// write to a new file, which costs a few milliseconds more than the next, off the writes
/// that are answered.
pub(super) fn new_segment(path: &Path, number: u64) -> io::Result<(File, u64)> {
    let at = segment_path(path, number);
    let mut file = OpenOptions::new().create(true).append(true).open(&at)?;
    file.set_len(0)?;
    let header = record::header(number);
    file.write_all(&header)?;
    file.sync_all()?;
    File::open(parent(path))?.sync_all()?;
    Ok((file, header.len() as u64))
}

/// `{path}.{number}.log`.
pub(super) fn segment_path(path: &Path, number: u64) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{number}.log"));
    PathBuf::from(name)
}

pub(super) fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Cuts the file at `at` to `length` and syncs it.
pub(super) fn cut(at: &Path, length: u64) -> io::Result<()> {
    let file = OpenOptions::new().write(true).open(at)?;
    file.set_len(length)?;
    file.sync_all()
}

/// Writes a snapshot of `store` followed by segment `log` at a temporary path, synced: its
/// size. Renamed over the snapshot (and the directory synced), a crash at any moment leaves
/// either the old snapshot or the new one, whole.
pub(super) fn write_temp_snapshot(
    path: &Path,
    store: &Store,
    clock_offset: Duration,
    log: u64,
) -> io::Result<u64> {
    let saving = Saving {
        format: FORMAT,
        log,
        clock_offset_nanos: record::nanos(clock_offset),
        store: store.snapshot(),
    };
    let temp = temp_path(path);
    let mut out = BufWriter::with_capacity(
        SYNC_EVERY,
        SyncingFile {
            file: File::create(&temp)?,
            unsynced: 0,
            written: 0,
        },
    );
    serde_json::to_writer(&mut out, &saving).map_err(io::Error::other)?;
    let out = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    out.file.sync_all()?;
    Ok(out.written)
}

/// How much of a snapshot is written between two syncs: the disk never has more than this
/// of it to flush at once, so a request's sync that comes meanwhile waits for little.
const SYNC_EVERY: usize = 1 << 20;

/// A file synced after every `SYNC_EVERY` bytes written.
struct SyncingFile {
    file: File,
    unsynced: usize,
    written: u64,
}

impl Write for SyncingFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = self.file.write(bytes)?;
        self.unsynced += n;
        self.written += n as u64;
        if self.unsynced >= SYNC_EVERY {
            self.file.sync_data()?;
            self.unsynced = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

pub(super) fn write_snapshot(
    path: &Path,
    store: &Store,
    clock_offset: Duration,
    log: u64,
) -> io::Result<u64> {
    let bytes = write_temp_snapshot(path, store, clock_offset, log)?;
    fs::rename(temp_path(path), path)?;
    File::open(parent(path))?.sync_all()?;
    Ok(bytes)
}

/// The directory `path` is in.
pub(super) fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}
