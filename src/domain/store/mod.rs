//! `Store`: publishers → offers → operations (`Tree`), the one collection the server keeps,
//! with who may act on it (`grants`) and the changes a state file keeps (`changes`). Every
//! change goes through a `Store` method, which counts it.

mod changes;
mod grants;
mod publisher;
mod tree;

pub(crate) use changes::{Change, SavedStore, StoreSnapshot};
pub(crate) use grants::{Client, Grants};
pub(crate) use publisher::{OfferLoc, Publisher};

use changes::ChangeLog;
use grants::SignIns;
use publisher::{OpRef, op_ref};
use tree::Tree;

use super::error::DomainError;
use super::ids::{IdSource, KeySlot, OperationId, OperationKey};
use super::map::Map;
use super::offer::{Offer, Revision};
use super::operation::Operation;
use super::step::SubmissionType;
use super::time::Timestamp;

#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    tree: Tree,
    sign_ins: SignIns,
    /// When set, operations started from now on advance by this many reads (control plane).
    advance_by_polls: Option<u32>,
    log: ChangeLog,
    /// Where new operation ids come from (`--seed`: a repeatable sequence).
    ids: IdSource,
}

/// An operation with the offer it belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'a> {
    pub(crate) offer: &'a Offer,
    pub(crate) operation: &'a Operation,
}

impl Store {
    /// What a state file keeps of this store.
    pub(crate) fn snapshot(&self) -> StoreSnapshot<'_> {
        StoreSnapshot {
            publishers: &self.tree.publishers,
            tokens: &self.sign_ins.tokens,
            clients: &self.sign_ins.clients,
            advance_by_polls: self.advance_by_polls,
        }
    }

    /// A store read back from a state file, its indexes rebuilt; refuses duplicate ids.
    pub(crate) fn from_saved(saved: SavedStore) -> Result<Self, String> {
        let mut store = Store {
            sign_ins: SignIns {
                tokens: saved.tokens,
                clients: saved.clients,
            },
            advance_by_polls: saved.advance_by_polls,
            ..Store::default()
        };
        for mut publisher in saved.publishers {
            let offers = std::mem::take(&mut publisher.offers);
            for mut offer in offers {
                offer.share_bodies();
                if let Err(offer) = publisher.add_offer(offer) {
                    return Err(format!(
                        "offer '{}' of '{}' appears twice",
                        offer.id, publisher.id
                    ));
                }
            }
            if let Err(publisher) = store.add_publisher(publisher) {
                return Err(format!("publisher '{}' appears twice", publisher.id));
            }
        }
        Ok(store)
    }

    /// Takes its operation ids from `ids` from now on. A seeded source first gives the
    /// operations the store holds (those of fixtures) ids of its own, in order, so that a
    /// fixture set always starts with the same ids.
    pub(crate) fn use_ids(&mut self, mut ids: IdSource) {
        if ids.is_seeded() {
            self.tree.rename_operations(&mut ids);
        }
        self.ids = ids;
    }

    /// Takes its operation ids from `key` (a store read back from a state file): the
    /// sequence goes on after as many ids as it holds operations, so none is given twice.
    pub(crate) fn continue_ids(&mut self, key: Option<u64>) {
        self.ids = IdSource::new(key, self.tree.counts().2 as u64);
    }

    /// The id of a new operation.
    pub(crate) fn next_operation_id(&mut self) -> OperationId {
        self.ids.next()
    }

    /// Changes with every change to the store.
    pub(crate) fn generation(&self) -> u64 {
        self.log.generation()
    }

    fn note(&mut self, change: Change) {
        self.log.note(change);
    }

    /// Lists its changes from now on, for a state file (`take_changes`).
    pub(crate) fn keep_changes(&mut self) {
        self.log.keep();
    }

    /// The changes since the last call, each once, in the order first made.
    pub(crate) fn take_changes(&mut self) -> Vec<Change> {
        self.log.take()
    }

    /// Takes the place of `previous`: its change count goes on from there, one further, and
    /// a state file keeping `previous` keeps this store whole.
    pub(crate) fn succeed(&mut self, previous: &Store) {
        self.log.succeed(&previous.log);
    }

    /// Counts a move of the clock, whose offset is kept with the store.
    pub(crate) fn clock_moved(&mut self) {
        self.note(Change::Clock);
    }

    /// Counts the whole store as changed: a state file writes all of it.
    pub(crate) fn keep_whole(&mut self) {
        self.note(Change::Whole);
    }

    pub(crate) fn advance_by_polls(&self) -> Option<u32> {
        self.advance_by_polls
    }

    pub(crate) fn set_advance_by_polls(&mut self, polls: Option<u32>) {
        self.advance_by_polls = polls;
        self.note(Change::AdvanceByPolls);
    }

    /// Adds a publisher with its offers and their operations; gives it back if one with the
    /// same id (ignoring case) exists.
    pub(crate) fn add_publisher(&mut self, publisher: Publisher) -> Result<(), Box<Publisher>> {
        self.tree.add_publisher(publisher)
    }

    /// Grants `token` access to the publisher `publisher_id` (added to earlier grants).
    pub(crate) fn grant(&mut self, token: &str, publisher_id: &str) {
        if self.sign_ins.grant(token, publisher_id) {
            self.note(Change::Grants);
        }
    }

    /// Registers the app `client_id` for the publisher `publisher_id` (added to its earlier
    /// grants); refused when it was registered before with another secret or tenant.
    pub(crate) fn register_client(
        &mut self,
        client_id: &str,
        secret: &str,
        tenant: Option<&str>,
        publisher_id: &str,
    ) -> Result<(), String> {
        if self
            .sign_ins
            .register_client(client_id, secret, tenant, publisher_id)?
        {
            self.note(Change::Grants);
        }
        Ok(())
    }

    /// The app registration of `client_id` (any case), if the fixtures list it.
    pub(crate) fn client(&self, client_id: &str) -> Option<&Client> {
        self.sign_ins.client(client_id)
    }

    /// The publishers a token may act on, if the fixtures list it.
    pub(crate) fn grants(&self, token: &str) -> Option<Grants> {
        self.sign_ins.grants(token)
    }

    pub(crate) fn publishers(&self) -> &[Publisher] {
        &self.tree.publishers
    }

    /// The index of a publisher, by id ignoring case.
    pub(crate) fn locate_publisher(&self, publisher: &str) -> Result<usize, DomainError> {
        self.tree.locate_publisher(publisher)
    }

    pub(crate) fn locate_offer(
        &self,
        publisher: &str,
        offer: &str,
    ) -> Result<OfferLoc, DomainError> {
        self.tree.locate_offer(publisher, offer)
    }

    pub(crate) fn publisher_at(&self, loc: OfferLoc) -> &Publisher {
        self.tree.publisher_at(loc)
    }

    pub(crate) fn offer_at(&self, loc: OfferLoc) -> &Offer {
        self.tree.offer_at(loc)
    }

    /// Adds a new offer to the publisher at index `publisher`; gives it back if one with the
    /// same id exists.
    pub(crate) fn add_offer(
        &mut self,
        publisher: usize,
        offer: Offer,
    ) -> Result<OfferLoc, Box<Offer>> {
        let index = self.tree.publishers[publisher].add_offer(offer)?;
        let loc = OfferLoc {
            publisher,
            offer: index,
        };
        self.note(Change::Offer(loc));
        Ok(loc)
    }

    /// The offer at `loc`, to change its own fields (see `publish_draft` and
    /// `last_operation_mut` for its history and operations).
    pub(crate) fn offer_mut(&mut self, loc: OfferLoc) -> &mut Offer {
        self.note(Change::Offer(loc));
        self.tree.offer_at_mut(loc)
    }

    /// Takes the offer's draft as its next version (`Offer::take_next_version`).
    pub(crate) fn publish_draft(&mut self, loc: OfferLoc) -> u32 {
        let offer = self.tree.offer_at_mut(loc);
        let version = offer.take_next_version();
        let index = offer.history.len() - 1;
        self.note(Change::Offer(loc));
        self.note(Change::Revision(loc, index));
        version
    }

    /// The offer's newest operation, to change it.
    pub(crate) fn last_operation_mut(&mut self, loc: OfferLoc) -> Option<&mut Operation> {
        let id = self.tree.offer_at(loc).operations.last()?.id;
        self.note(Change::Operation(id));
        self.tree.offer_at_mut(loc).operations.last_mut()
    }

    /// Appends an operation to the offer's history and indexes it.
    pub(crate) fn push_operation(&mut self, loc: OfferLoc, operation: Operation) {
        self.note(Change::Operation(operation.id));
        self.tree.push_operation(loc, operation);
    }

    /// Reads operation `id` of the offer at `loc` (one index lookup; an operation of another
    /// offer is not found, docs/behaviour.md#e12-get-an-operation): counts the read (see
    /// `Operation::poll`; a change only for an operation that advances by polls) and gives
    /// the operation as it then is.
    pub(crate) fn read_in(
        &mut self,
        loc: OfferLoc,
        id: OperationId,
        now: Timestamp,
    ) -> Result<Found<'_>, DomainError> {
        match self.tree.operation_ref_in(loc, id) {
            Some(r) => Ok(self.read_at(r, now)),
            None => Err(DomainError::OperationNotFound {
                publisher: self.publisher_at(loc).id.clone(),
                offer: self.offer_at(loc).id.clone(),
                operation: id.to_string(),
            }),
        }
    }

    /// Reads the operation a non-migrated key names, as [`Store::read_in`] does: the publish
    /// (`preview`) or go-live (`production`) with that publishing version, the newest if there
    /// were several.
    pub(crate) fn read_by_key(
        &mut self,
        key: &OperationKey,
        now: Timestamp,
    ) -> Result<Found<'_>, DomainError> {
        let (loc, index) = self
            .keyed(key)
            .ok_or_else(|| DomainError::OperationKeyNotFound(key.to_string()))?;
        Ok(self.read_at(op_ref(loc.publisher, loc.offer, index), now))
    }

    /// The operation a non-migrated key names, to read (nothing counted).
    pub(crate) fn find_by_key(&self, key: &OperationKey) -> Option<&Operation> {
        let (loc, index) = self.keyed(key)?;
        self.offer_at(loc).operations.get(index)
    }

    /// Where the operation `key` names is: its offer, and its place in the offer's operations.
    fn keyed(&self, key: &OperationKey) -> Option<(OfferLoc, usize)> {
        let loc = self.locate_offer(&key.publisher, &key.offer).ok()?;
        let kind = match key.slot {
            KeySlot::Preview => SubmissionType::Publish,
            KeySlot::Production => SubmissionType::GoLive,
        };
        let index =
            self.offer_at(loc).operations.iter().rposition(|op| {
                op.kind() == kind && op.publishing_version == key.publishing_version
            })?;
        Some((loc, index))
    }

    /// Operation `id`, to read (nothing counted).
    pub(crate) fn find_operation(&self, id: OperationId) -> Option<&Operation> {
        Some(self.tree.operation(self.tree.operation_ref(id)?))
    }

    /// Any operation, by id, to change it.
    pub(crate) fn operation_mut(&mut self, id: OperationId) -> Result<&mut Operation, DomainError> {
        let r = self
            .tree
            .operation_ref(id)
            .ok_or_else(|| DomainError::UnknownOperation(id.to_string()))?;
        self.note(Change::Operation(id));
        Ok(self.tree.operation_mut(r))
    }

    /// Counts a read of the operation at `r` and gives it as it then is.
    fn read_at(&mut self, r: OpRef, now: Timestamp) -> Found<'_> {
        let operation = self.tree.operation_mut(r);
        if operation.polls().is_some() {
            operation.poll(now);
            let id = operation.id;
            self.note(Change::Operation(id));
        }
        let (_, offer, operation) = self.tree.offer_and_operation(r);
        Found { offer, operation }
    }

    /// `f` on the publisher's id and the offer at `loc` with its history and operations set
    /// aside: what a state file's record of the offer's own fields holds.
    pub(crate) fn with_offer_fields<R>(
        &mut self,
        loc: OfferLoc,
        f: impl FnOnce(&str, &Offer) -> R,
    ) -> R {
        self.tree.with_offer_fields(loc, f)
    }

    /// The publisher's and offer's ids and version `index` of the offer's history.
    pub(crate) fn revision_at(&self, loc: OfferLoc, index: usize) -> (&str, &str, &Revision) {
        self.tree.revision_at(loc, index)
    }

    /// The publisher's and offer's ids and operation `id`, if it exists.
    pub(crate) fn operation_at(&self, id: OperationId) -> Option<(&str, &str, &Operation)> {
        let (publisher, offer, operation) =
            self.tree.offer_and_operation(self.tree.operation_ref(id)?);
        Some((&publisher.id, &offer.id, operation))
    }

    /// The tokens' grants and the app registrations.
    pub(crate) fn grants_and_clients(&self) -> (&Map<String, Grants>, &Map<String, Client>) {
        (&self.sign_ins.tokens, &self.sign_ins.clients)
    }

    /// Puts back what `grants_and_clients` gave (a state file read back).
    pub(crate) fn restore_grants(
        &mut self,
        tokens: Map<String, Grants>,
        clients: Map<String, Client>,
    ) {
        self.sign_ins = SignIns { tokens, clients };
    }

    /// Puts back an offer's own fields (a state file read back): in place of those of the
    /// offer with that id, or as a new offer without history or operations.
    pub(crate) fn restore_offer(&mut self, publisher: &str, fields: Offer) -> Result<(), String> {
        self.tree.restore_offer(publisher, fields)
    }

    /// Puts back version `index` of an offer's history (a state file read back): in place of
    /// the one there, or after the last.
    pub(crate) fn restore_revision(
        &mut self,
        publisher: &str,
        offer: &str,
        index: usize,
        revision: Revision,
    ) -> Result<(), String> {
        self.tree
            .restore_revision(publisher, offer, index, revision)
    }

    /// Puts back an operation (a state file read back): in place of the one with its id, or
    /// as the offer's newest.
    pub(crate) fn restore_operation(
        &mut self,
        publisher: &str,
        offer: &str,
        operation: Operation,
    ) -> Result<(), String> {
        self.tree.restore_operation(publisher, offer, operation)
    }

    /// How many publishers, offers and operations the store holds.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        self.tree.counts()
    }
}
