//! Reading a state back: the snapshot, then the log's segments after it, in order.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::disk::{FORMAT, parent, segment_path};
use super::error::StateError;
use super::record::{self, Applied, BadLine};
use crate::domain::{SavedStore, Store};

/// A snapshot as read back; `log` is the first segment that follows it (absent in format 1,
/// which had no log: 1).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    format: u32,
    #[serde(default = "first_segment")]
    log: u64,
    clock_offset_nanos: u64,
    store: SavedStore,
}

fn first_segment() -> u64 {
    1
}

/// A state read back, and what its files hold.
pub(super) struct Read {
    pub(super) store: Store,
    pub(super) clock_offset: Duration,
    /// The first segment after the snapshot.
    pub(super) first: u64,
    /// The segments read, in order, with their lengths (once a torn end is cut off).
    pub(super) segments: Vec<(u64, u64)>,
    /// The bytes of their records, headers aside.
    pub(super) record_bytes: u64,
    pub(super) snapshot_bytes: u64,
    /// Segments older than the snapshot, which a compaction left.
    pub(super) stale: Vec<u64>,
    /// A torn last record: the segment and the length that keeps the records before it.
    pub(super) torn: Option<(u64, u64)>,
}

/// Reads the state at `path`: `None` when there is no snapshot (and no segment). `upto` stops
/// after that segment (a compaction reads only the sealed ones); a torn last record is then
/// damage, since a sealed segment was synced whole.
pub(super) fn read(path: &Path, upto: Option<u64>) -> Result<Option<Read>, StateError> {
    let shown = |p: &Path| p.display().to_string();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let segments = segments_of(path).map_err(unreadable(path))?;
            if let Some(&n) = segments.first() {
                return Err(StateError::Corrupt {
                    path: shown(&segment_path(path, n)),
                    reason: format!("a log segment without its snapshot {}", path.display()),
                });
            }
            return Ok(None);
        }
        Err(source) => return Err(unreadable(path)(source)),
    };
    let corrupt = |at: &Path, reason: String| StateError::Corrupt {
        path: shown(at),
        reason,
    };
    let snapshot_bytes = file.metadata().map_err(unreadable(path))?.len();
    // Read as it streams in: the snapshot of a large state is hundreds of MiB.
    let saved: Saved = serde_json::from_reader(BufReader::with_capacity(1 << 20, file))
        .map_err(|e| corrupt(path, e.to_string()))?;
    if !(1..=FORMAT).contains(&saved.format) {
        return Err(corrupt(
            path,
            format!("format {} where 1 to {FORMAT} was expected", saved.format),
        ));
    }
    let first = saved.log;
    let mut store = Store::from_saved(saved.store).map_err(|e| corrupt(path, e))?;
    let mut clock_offset = Duration::from_nanos(saved.clock_offset_nanos);
    let all = segments_of(path).map_err(unreadable(path))?;
    let stale = all.iter().copied().filter(|&n| n < first).collect();
    let mut numbers: Vec<u64> = all.into_iter().filter(|&n| n >= first).collect();
    if let Some(upto) = upto {
        numbers.retain(|&n| n <= upto);
    }
    let mut segments = Vec::with_capacity(numbers.len());
    let mut record_bytes = 0;
    let mut torn = None;
    for (i, &n) in numbers.iter().enumerate() {
        let at = segment_path(path, n);
        let expected = first + i as u64;
        if n != expected {
            return Err(corrupt(
                &at,
                format!("log segment {expected} is missing before it"),
            ));
        }
        let last = i + 1 == numbers.len() && upto.is_none();
        let (length, records, cut) = replay(&at, n, &mut store, &mut clock_offset, last)?;
        record_bytes += records;
        if cut {
            torn = Some((n, length));
        }
        segments.push((n, length));
    }
    Ok(Some(Read {
        store,
        clock_offset,
        first,
        segments,
        record_bytes,
        snapshot_bytes,
        stale,
        torn,
    }))
}

/// Applies the records of segment `number` at `at`; gives the length its good lines take, the
/// bytes of its records (its header aside), and whether a torn last record follows them
/// (allowed in the `last` segment only).
fn replay(
    at: &Path,
    number: u64,
    store: &mut Store,
    clock_offset: &mut Duration,
    last: bool,
) -> Result<(u64, u64, bool), StateError> {
    let file = File::open(at).map_err(unreadable(at))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let mut good = 0u64;
    let mut records = 0u64;
    let mut lines = 0u64;
    let mut pending: Option<(u64, BadLine)> = None;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(unreadable(at))?;
        if read == 0 {
            break;
        }
        lines += 1;
        if let Some((at_line, bad)) = pending.take() {
            // A bad record with more after it is damage, not a write cut short.
            return Err(bad_line(at, at_line, bad));
        }
        let Some(body) = line.strip_suffix(b"\n") else {
            // No newline: the last write did not finish.
            pending = Some((lines, BadLine::Checksum));
            continue;
        };
        match record::apply(body, number, store, clock_offset) {
            Ok(applied) => {
                good += read as u64;
                if let Applied::Change = applied {
                    records += read as u64;
                }
            }
            Err(bad) => pending = Some((lines, bad)),
        }
    }
    match pending {
        None => Ok((good, records, false)),
        Some((_, BadLine::Checksum)) if last => Ok((good, records, true)),
        Some((number, bad)) => Err(bad_line(at, number, bad)),
    }
}

/// The error of a file at `at` that cannot be read.
pub(super) fn unreadable(at: &Path) -> impl FnOnce(io::Error) -> StateError + '_ {
    move |source| StateError::Read {
        path: at.display().to_string(),
        source,
    }
}

fn bad_line(at: &Path, number: u64, bad: BadLine) -> StateError {
    let reason = match bad {
        BadLine::Checksum => format!("line {number} does not match its checksum"),
        BadLine::Record(reason) => format!("line {number}: {reason}"),
    };
    StateError::Corrupt {
        path: at.display().to_string(),
        reason,
    }
}

/// The numbers of the log segments beside `path`, in order.
pub(super) fn segments_of(path: &Path) -> io::Result<Vec<u64>> {
    let dir = parent(path);
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{name}.");
    let mut numbers = Vec::new();
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(numbers),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name();
        let number = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.strip_suffix(".log"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(n) = number {
            numbers.push(n);
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}
