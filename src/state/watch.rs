//! Waiting for a world to change: the hold a stream or a wait keeps on a world's changes
//! (`Watch`), and `AppState::wait_until`, which checks a condition again after each change.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{AppState, WorldSlot};

/// How often a wait checks again without a change: operations move with time alone.
const WAIT_TICK: Duration = Duration::from_millis(20);

/// A stream's hold on a world's changes (`AppState::watch`).
#[derive(Debug)]
pub(crate) struct Watch {
    slot: Arc<WorldSlot>,
}

impl Watch {
    /// Waits for the next change: `ready` runs once the wake is armed (so a change it misses
    /// wakes the wait) and ends it at once by giving `None`, or gives how long to wait at most
    /// (until the time something moves without a change, such as a step's end).
    pub(crate) async fn next(&self, ready: impl FnOnce() -> Option<Duration>) {
        let changed = self.slot.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let Some(tick) = ready() else {
            return;
        };
        tokio::select! {
            () = &mut changed => {}
            () = tokio::time::sleep(tick) => {}
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.slot.waiters.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AppState {
    /// A watch on the world's changes, for a stream: while it lives, `with_world` wakes it.
    pub(crate) fn watch(&self) -> Watch {
        self.slot.waiters.fetch_add(1, Ordering::Relaxed);
        Watch {
            slot: Arc::clone(&self.slot),
        }
    }

    /// Checks `check` until it says its condition is met, again after every change of the
    /// world (a request, a clock advance) and at least every `WAIT_TICK` (operations move
    /// with time), until `timeout`: whether it was met, and what `check` saw last.
    pub(crate) async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&AppState) -> (bool, T),
    ) -> (bool, T) {
        let watch = self.watch();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let tick = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(WAIT_TICK);
            let mut last = None;
            watch
                .next(|| {
                    let (met, seen) = check(self);
                    let done = met || tokio::time::Instant::now() >= deadline;
                    last = Some((met, seen, done));
                    (!done).then_some(tick)
                })
                .await;
            if let Some((met, seen, true)) = last {
                return (met, seen);
            }
        }
    }
}
