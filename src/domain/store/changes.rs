//! What a state file keeps of a store: the changes made since the file last took them
//! (`ChangeLog`), and the store's shape on disk (`StoreSnapshot`, read back as `SavedStore`).

use super::grants::{Client, Grants};
use super::publisher::{OfferLoc, Publisher};
use crate::domain::ids::OperationId;
use crate::domain::map::Map;

/// One change to a store, for a state file to append: it names what changed, the file reads
/// the thing itself as it stands once the change is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Everything: the store was replaced, or is kept for the first time.
    Whole,
    /// An offer's own fields (neither its history nor its operations).
    Offer(OfferLoc),
    /// The version at this index of the offer's history.
    Revision(OfferLoc, usize),
    Operation(OperationId),
    /// The tokens' grants and the app registrations.
    Grants,
    AdvanceByPolls,
    /// The clock's offset, kept with the store.
    Clock,
}

/// A store's count of changes and, once a state file keeps it, the list of them.
#[derive(Debug, Clone, Default)]
pub(super) struct ChangeLog {
    /// Grows with every change, so a caller can tell whether anything changed.
    generation: u64,
    /// What changed since a state file last took the changes; `None` when none keeps them.
    changes: Option<Vec<Change>>,
}

impl ChangeLog {
    pub(super) fn note(&mut self, change: Change) {
        self.generation += 1;
        if let Some(changes) = &mut self.changes {
            changes.push(change);
        }
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    /// Lists the changes from now on (`take`).
    pub(super) fn keep(&mut self) {
        self.changes = Some(Vec::new());
    }

    /// The changes since the last call, each once, in the order first made.
    pub(super) fn take(&mut self) -> Vec<Change> {
        let Some(changes) = &mut self.changes else {
            return Vec::new();
        };
        let mut taken = std::mem::take(changes);
        if taken.contains(&Change::Whole) {
            return vec![Change::Whole];
        }
        let mut seen = 0;
        for i in 0..taken.len() {
            if !taken[..seen].contains(&taken[i]) {
                taken.swap(seen, i);
                seen += 1;
            }
        }
        taken.truncate(seen);
        taken
    }

    /// Takes the place of `previous`: the count goes on from there, one further, and a list
    /// kept by `previous` is kept here, with the whole store in it.
    pub(super) fn succeed(&mut self, previous: &ChangeLog) {
        self.generation = previous.generation;
        if previous.changes.is_some() {
            self.keep();
        }
        self.note(Change::Whole);
    }
}

/// What a state file holds of a store: the publishers (offers, operations) and the tokens;
/// the indexes are rebuilt when it is read.
#[derive(Debug, serde::Serialize)]
pub(crate) struct StoreSnapshot<'a> {
    pub(super) publishers: &'a [Publisher],
    pub(super) tokens: &'a Map<String, Grants>,
    pub(super) clients: &'a Map<String, Client>,
    pub(super) advance_by_polls: Option<u32>,
}

/// A `StoreSnapshot` as read back.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SavedStore {
    pub(super) publishers: Vec<Publisher>,
    pub(super) tokens: Map<String, Grants>,
    /// Absent from state files written before app registrations existed.
    #[serde(default)]
    pub(super) clients: Map<String, Client>,
    pub(super) advance_by_polls: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_listed_only_when_kept_each_once_in_first_order() {
        let mut log = ChangeLog::default();
        log.note(Change::Clock);
        assert!(log.take().is_empty(), "not kept yet");

        log.keep();
        log.note(Change::AdvanceByPolls);
        log.note(Change::Clock);
        log.note(Change::AdvanceByPolls);

        assert_eq!(log.take(), [Change::AdvanceByPolls, Change::Clock]);
        assert!(log.take().is_empty(), "taken");
    }

    #[test]
    fn the_whole_store_stands_for_every_other_change() {
        let mut log = ChangeLog::default();
        log.keep();
        log.note(Change::Clock);
        log.note(Change::Whole);
        log.note(Change::AdvanceByPolls);

        assert_eq!(log.take(), [Change::Whole]);

        let mut next = ChangeLog::default();
        next.succeed(&log);
        assert!(next.generation() > log.generation());
        assert_eq!(next.take(), [Change::Whole], "the new store is kept too");
    }
}
