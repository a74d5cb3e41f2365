//! Compaction: the sealed segments folded into a new snapshot, on a thread of its own. It reads
//! the files, not the live state, so requests never wait for it; only the switch to the next
//! segment and the rename of the new snapshot take the writer's lock.

use std::fs::File;
use std::time::Instant;

use super::disk::{new_segment, parent, segment_path, temp_path, write_temp_snapshot};
use super::{StateFile, read};

impl StateFile {
    /// Starts a compaction, unless one runs or starts already or the log holds no record:
    /// whether one started. All of it runs on a thread of its own, even making the next
    /// segment (its header written and synced, the directory synced), so that no write waits
    /// for more than the switch to it.
    pub(crate) fn compact(&self) -> bool {
        {
            let mut writer = self.writer();
            if writer.compacting.is_some()
                || writer.starting
                || writer.log_bytes == 0
                || writer.removed
                || writer.fresh
            {
                return false;
            }
            writer.starting = true;
        }
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("state-compaction".to_owned())
            .spawn(move || me.run());
        if let Err(e) = spawned {
            tracing::error!(error = %e, "no thread for the state file's compaction");
            let mut writer = self.writer();
            writer.starting = false;
            writer.retry_at = writer.log_bytes.saturating_mul(2);
            return false;
        }
        true
    }

    fn run(&self) {
        let path = &self.inner.path;
        // Only a compaction moves to another segment, and none other runs meanwhile.
        let next = self.writer().segment + 1;
        let made = new_segment(path, next);
        let mut writer = self.writer();
        writer.starting = false;
        let (file, header) = match made {
            Ok(made) => made,
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "the state file's next log segment could not be made; no compaction");
                writer.retry_at = writer.log_bytes.saturating_mul(2);
                return;
            }
        };
        if writer.removed {
            drop(file);
            let _ = std::fs::remove_file(segment_path(path, next));
            return;
        }
        let sealed = writer.segment;
        writer.active = Some((next, file, header));
        writer.segment = next;
        writer.compacting = Some(writer.log_bytes);
        drop(writer);
        self.run_compaction(sealed);
    }

    fn run_compaction(&self, sealed: u64) {
        let started = Instant::now();
        let path = &self.inner.path;
        let outcome = read::read(path, Some(sealed))
            .map_err(|e| e.to_string())
            .and_then(|read| read.ok_or_else(|| "the snapshot is gone".to_owned()))
            .and_then(|read| {
                write_temp_snapshot(path, &read.store, read.clock_offset, sealed + 1)
                    .map(|bytes| (bytes, read.first))
                    .map_err(|e| e.to_string())
            });
        let mut writer = self.writer();
        let folded = writer.compacting.take().unwrap_or(0);
        let (bytes, first) = match outcome {
            Ok(done) if !writer.removed => done,
            Ok(_) => {
                let _ = std::fs::remove_file(temp_path(path));
                return;
            }
            // A deleted world's files went from under it.
            Err(_) if writer.removed => return,
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "the state file could not be compacted");
                writer.retry_at = writer.log_bytes.saturating_mul(2);
                return;
            }
        };
        if let Err(e) = std::fs::rename(temp_path(path), path) {
            tracing::error!(path = %path.display(), error = %e, "the state file's new snapshot could not be put in place");
            writer.retry_at = writer.log_bytes.saturating_mul(2);
            return;
        }
        writer.first = sealed + 1;
        writer.snapshot_bytes = bytes;
        writer.log_bytes -= folded;
        writer.compactions += 1;
        writer.last_compaction = Some(started.elapsed());
        drop(writer);
        // Synced without the lock: until it is, a crash leaves the old snapshot, whose
        // segments are all still there.
        let synced = File::open(parent(path)).and_then(|dir| dir.sync_all());
        if let Err(e) = synced {
            tracing::error!(path = %path.display(), error = %e, "the state file's directory could not be synced; the folded segments are kept");
            return;
        }
        for n in first..=sealed {
            let _ = std::fs::remove_file(segment_path(path, n));
        }
        tracing::debug!(path = %path.display(), snapshot_bytes = bytes, elapsed_ms = started.elapsed().as_millis() as u64, "state file compacted");
    }
}
