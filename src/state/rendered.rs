//! The bodies of finished operations' polls, kept rendered (`Rendered`), and the world they
//! were read from (`WorldId`).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;

use crate::domain::{Map, OperationId};

/// Which world (a fixture set as loaded, with what became of it) a value was read from: each
/// start, reset and fixture load makes a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WorldId(u64);

impl WorldId {
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// The rendered bodies of finished operations of one world, which never change again, so a
/// poll of one (what pipelines do most) costs a lookup instead of a new JSON body. Holds at
/// most `RENDERED_MAX` bodies (about 1 KiB each), and starts over when full. A body is kept
/// only for the world it was read from: one rendered before a reset is never shown after it,
/// whatever the ids of the new world.
#[derive(Debug)]
pub(crate) struct Rendered {
    world: WorldId,
    bodies: Map<OperationId, Bytes>,
}

const RENDERED_MAX: usize = 1024;

impl Rendered {
    pub(super) fn new() -> Self {
        Self {
            world: WorldId::new(),
            bodies: Map::default(),
        }
    }

    pub(crate) fn world(&self) -> WorldId {
        self.world
    }

    pub(crate) fn get(&self, id: OperationId) -> Option<Bytes> {
        self.bodies.get(&id).cloned()
    }

    /// Keeps the body of `id`, which must have finished, if it was read from this world.
    pub(crate) fn keep(&mut self, world: WorldId, id: OperationId, body: Bytes) {
        if world != self.world {
            return;
        }
        if self.bodies.len() >= RENDERED_MAX {
            self.bodies.clear();
        }
        self.bodies.insert(id, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_read_from_another_world_is_not_kept() {
        let id = OperationId::new_v4();
        let before_reset = Rendered::new();
        let mut after_reset = Rendered::new();

        after_reset.keep(before_reset.world(), id, Bytes::from_static(b"old"));
        assert_eq!(after_reset.get(id), None);

        after_reset.keep(after_reset.world(), id, Bytes::from_static(b"new"));
        assert_eq!(after_reset.get(id), Some(Bytes::from_static(b"new")));
    }
}
