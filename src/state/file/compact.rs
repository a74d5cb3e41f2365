//! Compaction: the sealed segments folded into a new snapshot, on a thread of its own. It reads
//! the files, not the live state, so requests never wait for it; only the moment it starts
//! (a new segment) and the moment it ends (the rename) take the writer's lock.

use std::time::Instant;

use super::{
    StateFile, Writer, commit_snapshot, read, segment_path, temp_path, write_temp_snapshot,
};

impl StateFile {
    /// Seals the active segment, opens the next and folds the sealed ones into a snapshot in
    /// the background. Whether it started (the next segment could be made).
    pub(super) fn start_compaction(&self, writer: &mut Writer) -> bool {
        let sealed = writer.segment;
        let next = sealed + 1;
        let opened = super::open_segment(&self.inner.path, next);
        let file = match opened {
            Ok(file) => file,
            Err(e) => {
                tracing::error!(path = %self.inner.path.display(), error = %e, "the state file's next log segment could not be made; no compaction");
                writer.retry_at = writer.log_bytes.saturating_mul(2);
                return false;
            }
        };
        writer.active = Some((next, file));
        writer.segment = next;
        writer.compacting = Some(writer.log_bytes);
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("state-compaction".to_owned())
            .spawn(move || me.run_compaction(sealed));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "no thread for the state file's compaction");
            writer.compacting = None;
            writer.retry_at = writer.log_bytes.saturating_mul(2);
            return false;
        }
        true
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
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "the state file could not be compacted");
                writer.retry_at = writer.log_bytes.saturating_mul(2);
                return;
            }
        };
        if let Err(e) = commit_snapshot(path) {
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
        for n in first..=sealed {
            let _ = std::fs::remove_file(segment_path(path, n));
        }
        tracing::debug!(path = %path.display(), snapshot_bytes = bytes, elapsed_ms = started.elapsed().as_millis() as u64, "state file compacted");
    }
}
