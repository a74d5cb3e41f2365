//! `Store`: publishers → offers → operations, the one collection the server keeps, with an
//! index from operation id to where the operation lives.

use std::sync::Arc;

use super::error::DomainError;
use super::ids::{IdSource, KeySlot, OperationId, OperationKey, name_key, name_lookup};
use super::offer::{Offer, Revision};
use super::operation::Operation;
use super::step::SubmissionType;
use super::time::Timestamp;

/// The hash map of the store's indexes: foldhash instead of SipHash. Keys are ids a client
/// sent to its own local server, so there is no flooding to resist, and each request makes
/// several lookups.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Publisher {
    /// The id as first spelt; lookups ignore case.
    pub(crate) id: String,
    pub(crate) display_text: String,
    /// Shown in the publishers list when the fixture gives it.
    pub(crate) seller_id: Option<u64>,
    offers: Vec<Offer>,
    /// Rebuilt from `offers` when a saved store is read.
    #[serde(skip)]
    offer_index: Map<String, usize>,
}

impl Publisher {
    pub(crate) fn new(id: String, display_text: String, seller_id: Option<u64>) -> Self {
        Self {
            id,
            display_text,
            seller_id,
            offers: Vec::new(),
            offer_index: Map::default(),
        }
    }

    /// Adds an offer and gives its index; gives it back if one with the same id (ignoring
    /// case) exists.
    pub(crate) fn add_offer(&mut self, offer: Offer) -> Result<usize, Box<Offer>> {
        let key = name_key(&offer.id);
        if self.offer_index.contains_key(&key) {
            return Err(Box::new(offer));
        }
        let index = self.offers.len();
        self.offer_index.insert(key, index);
        self.offers.push(offer);
        Ok(index)
    }

    pub(crate) fn offers(&self) -> &[Offer] {
        &self.offers
    }
}

/// Where an offer lives in the store; valid until the store is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OfferLoc {
    publisher: usize,
    offer: usize,
}

/// Where an operation lives: 12 bytes per operation in the index.
#[derive(Debug, Clone, Copy)]
struct OpRef {
    publisher: u32,
    offer: u32,
    index: u32,
}

/// Which publishers a bearer token may act on (strict auth mode).
pub(crate) type Grants = Arc<[String]>;

/// An app registration that may sign in with the emulated identity platform, and the
/// publishers its tokens may act on (docs/identity.md).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Client {
    pub(crate) secret: String,
    /// The tenant it belongs to; any tenant when absent.
    pub(crate) tenant: Option<String>,
    pub(crate) grants: Grants,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    publishers: Vec<Publisher>,
    publisher_index: Map<String, usize>,
    operations: Map<OperationId, OpRef>,
    tokens: Map<String, Grants>,
    /// App registrations by client id, lower case.
    clients: Map<String, Client>,
    /// When set, operations started from now on advance by this many reads (control plane).
    advance_by_polls: Option<u32>,
    /// Grows with every change, so a caller can tell whether anything changed.
    generation: u64,
    /// What changed since a state file last took the changes; `None` when none keeps them.
    changes: Option<Vec<Change>>,
    /// Where new operation ids come from (`--seed`: a repeatable sequence).
    ids: IdSource,
}

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

/// What a state file holds of a store: the publishers (offers, operations) and the tokens;
/// the indexes are rebuilt when it is read.
#[derive(Debug, serde::Serialize)]
pub(crate) struct StoreSnapshot<'a> {
    publishers: &'a [Publisher],
    tokens: &'a Map<String, Grants>,
    clients: &'a Map<String, Client>,
    advance_by_polls: Option<u32>,
}

/// A `StoreSnapshot` as read back.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SavedStore {
    publishers: Vec<Publisher>,
    tokens: Map<String, Grants>,
    /// Absent from state files written before app registrations existed.
    #[serde(default)]
    clients: Map<String, Client>,
    advance_by_polls: Option<u32>,
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
            publishers: &self.publishers,
            tokens: &self.tokens,
            clients: &self.clients,
            advance_by_polls: self.advance_by_polls,
        }
    }

    /// A store read back from a state file, its indexes rebuilt; refuses duplicate ids.
    pub(crate) fn from_saved(saved: SavedStore) -> Result<Self, String> {
        let mut store = Store {
            tokens: saved.tokens,
            clients: saved.clients,
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
            let mut renamed = Map::default();
            for (p, publisher) in self.publishers.iter_mut().enumerate() {
                for (o, offer) in publisher.offers.iter_mut().enumerate() {
                    for (i, operation) in offer.operations.iter_mut().enumerate() {
                        operation.id = ids.next();
                        renamed.insert(operation.id, op_ref(p, o, i));
                    }
                }
            }
            self.operations = renamed;
        }
        self.ids = ids;
    }

    /// Takes its operation ids from `key` (a store read back from a state file): the
    /// sequence goes on after as many ids as it holds operations, so none is given twice.
    pub(crate) fn continue_ids(&mut self, key: Option<u64>) {
        self.ids = IdSource::new(key, self.operations.len() as u64);
    }

    /// The id of a new operation.
    pub(crate) fn next_operation_id(&mut self) -> OperationId {
        self.ids.next()
    }

    /// Changes with every change to the store.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    fn note(&mut self, change: Change) {
        self.generation += 1;
        if let Some(changes) = &mut self.changes {
            changes.push(change);
        }
    }

    /// Lists its changes from now on, for a state file (`take_changes`).
    pub(crate) fn keep_changes(&mut self) {
        self.changes = Some(Vec::new());
    }

    /// The changes since the last call, each once, in the order first made.
    pub(crate) fn take_changes(&mut self) -> Vec<Change> {
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

    /// Takes the place of `previous`: its change count goes on from there, one further, and
    /// a state file keeping `previous` keeps this store whole.
    pub(crate) fn succeed(&mut self, previous: &Store) {
        self.generation = previous.generation;
        if previous.changes.is_some() {
            self.keep_changes();
        }
        self.note(Change::Whole);
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
        let key = name_key(&publisher.id);
        if self.publisher_index.contains_key(&key) {
            return Err(Box::new(publisher));
        }
        let p = self.publishers.len();
        for (o, offer) in publisher.offers.iter().enumerate() {
            for (i, op) in offer.operations.iter().enumerate() {
                self.operations.insert(op.id, op_ref(p, o, i));
            }
        }
        self.publisher_index.insert(key, p);
        self.publishers.push(publisher);
        Ok(())
    }

    /// Grants `token` access to the publisher `publisher_id` (added to earlier grants).
    pub(crate) fn grant(&mut self, token: &str, publisher_id: &str) {
        let key = name_key(publisher_id);
        let entry = self
            .tokens
            .entry(token.to_owned())
            .or_insert_with(|| Arc::from([]));
        if !entry.contains(&key) {
            let mut grants = entry.to_vec();
            grants.push(key);
            *entry = grants.into();
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
        let publisher = name_key(publisher_id);
        let client = self
            .clients
            .entry(client_id.to_ascii_lowercase())
            .or_insert_with(|| Client {
                secret: secret.to_owned(),
                tenant: tenant.map(str::to_owned),
                grants: Arc::from([]),
            });
        if client.secret != secret || client.tenant.as_deref() != tenant {
            return Err(format!(
                "client '{client_id}' is registered elsewhere with another secret or tenant"
            ));
        }
        if !client.grants.contains(&publisher) {
            let mut grants = client.grants.to_vec();
            grants.push(publisher);
            client.grants = grants.into();
            self.note(Change::Grants);
        }
        Ok(())
    }

    /// The app registration of `client_id` (any case), if the fixtures list it.
    pub(crate) fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.get(&client_id.to_ascii_lowercase())
    }

    /// The publishers a token may act on, if the fixtures list it.
    pub(crate) fn grants(&self, token: &str) -> Option<Grants> {
        self.tokens.get(token).cloned()
    }

    pub(crate) fn publishers(&self) -> &[Publisher] {
        &self.publishers
    }

    /// The index of a publisher, by id ignoring case.
    pub(crate) fn locate_publisher(&self, publisher: &str) -> Result<usize, DomainError> {
        self.publisher_index
            .get(name_lookup(publisher).as_ref())
            .copied()
            .ok_or_else(|| DomainError::PublisherNotFound {
                publisher: publisher.to_owned(),
            })
    }

    /// Adds a new offer to the publisher at index `publisher`; gives it back if one with the
    /// same id exists.
    pub(crate) fn add_offer(
        &mut self,
        publisher: usize,
        offer: Offer,
    ) -> Result<OfferLoc, Box<Offer>> {
        let index = self.publishers[publisher].add_offer(offer)?;
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
        &mut self.publishers[loc.publisher].offers[loc.offer]
    }

    /// Takes the offer's draft as its next version (`Offer::take_next_version`).
    pub(crate) fn publish_draft(&mut self, loc: OfferLoc) -> u32 {
        let offer = &mut self.publishers[loc.publisher].offers[loc.offer];
        let version = offer.take_next_version();
        let index = offer.history.len() - 1;
        self.note(Change::Offer(loc));
        self.note(Change::Revision(loc, index));
        version
    }

    /// The offer's newest operation, to change it.
    pub(crate) fn last_operation_mut(&mut self, loc: OfferLoc) -> Option<&mut Operation> {
        let id = self.publishers[loc.publisher].offers[loc.offer]
            .operations
            .last()?
            .id;
        self.note(Change::Operation(id));
        self.publishers[loc.publisher].offers[loc.offer]
            .operations
            .last_mut()
    }

    pub(crate) fn locate_offer(
        &self,
        publisher: &str,
        offer: &str,
    ) -> Result<OfferLoc, DomainError> {
        let p = self.locate_publisher(publisher)?;
        let o = *self.publishers[p]
            .offer_index
            .get(name_lookup(offer).as_ref())
            .ok_or_else(|| DomainError::OfferNotFound {
                publisher: self.publishers[p].id.clone(),
                offer: offer.to_owned(),
            })?;
        Ok(OfferLoc {
            publisher: p,
            offer: o,
        })
    }

    pub(crate) fn publisher_at(&self, loc: OfferLoc) -> &Publisher {
        &self.publishers[loc.publisher]
    }

    pub(crate) fn offer_at(&self, loc: OfferLoc) -> &Offer {
        &self.publishers[loc.publisher].offers[loc.offer]
    }

    /// Appends an operation to the offer's history and indexes it.
    pub(crate) fn push_operation(&mut self, loc: OfferLoc, operation: Operation) {
        self.note(Change::Operation(operation.id));
        let offer = &mut self.publishers[loc.publisher].offers[loc.offer];
        self.operations.insert(
            operation.id,
            op_ref(loc.publisher, loc.offer, offer.operations.len()),
        );
        offer.operations.push(operation);
    }

    /// Reads operation `id` of the offer at `loc` (one index lookup; an operation of another
    /// offer is not found, docs/behaviour.md#e12-get-an-operation): counts the read (see `Operation::poll`; a change
    /// only for an operation that advances by polls) and gives the operation as it then is.
    pub(crate) fn read_in(
        &mut self,
        loc: OfferLoc,
        id: OperationId,
        now: Timestamp,
    ) -> Result<Found<'_>, DomainError> {
        match self.operations.get(&id) {
            Some(r) if (r.publisher as usize, r.offer as usize) == (loc.publisher, loc.offer) => {
                Ok(self.read_at(*r, now))
            }
            _ => Err(DomainError::OperationNotFound {
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
        let not_found = || DomainError::OperationKeyNotFound(key.to_string());
        let loc = self
            .locate_offer(&key.publisher, &key.offer)
            .map_err(|_| not_found())?;
        let kind = match key.slot {
            KeySlot::Preview => SubmissionType::Publish,
            KeySlot::Production => SubmissionType::GoLive,
        };
        let index = self
            .offer_at(loc)
            .operations
            .iter()
            .rposition(|op| op.kind() == kind && op.publishing_version == key.publishing_version)
            .ok_or_else(not_found)?;
        Ok(self.read_at(op_ref(loc.publisher, loc.offer, index), now))
    }

    /// Operation `id`, to read (nothing counted).
    pub(crate) fn find_operation(&self, id: OperationId) -> Option<&Operation> {
        let r = self.operations.get(&id)?;
        Some(
            &self.publishers[r.publisher as usize].offers[r.offer as usize].operations
                [r.index as usize],
        )
    }

    /// Any operation, by id, to change it.
    pub(crate) fn operation_mut(&mut self, id: OperationId) -> Result<&mut Operation, DomainError> {
        let r = *self
            .operations
            .get(&id)
            .ok_or_else(|| DomainError::UnknownOperation(id.to_string()))?;
        self.note(Change::Operation(id));
        Ok(
            &mut self.publishers[r.publisher as usize].offers[r.offer as usize].operations
                [r.index as usize],
        )
    }

    /// Counts a read of the operation at `r` and gives it as it then is.
    fn read_at(&mut self, r: OpRef, now: Timestamp) -> Found<'_> {
        let operation = &mut self.publishers[r.publisher as usize].offers[r.offer as usize]
            .operations[r.index as usize];
        if operation.polls().is_some() {
            operation.poll(now);
            let id = operation.id;
            self.note(Change::Operation(id));
        }
        self.found(r)
    }

    /// `f` on the publisher's id and the offer at `loc` with its history and operations set
    /// aside: what a state file's record of the offer's own fields holds.
    pub(crate) fn with_offer_fields<R>(
        &mut self,
        loc: OfferLoc,
        f: impl FnOnce(&str, &Offer) -> R,
    ) -> R {
        let Publisher { id, offers, .. } = &mut self.publishers[loc.publisher];
        let offer = &mut offers[loc.offer];
        let history = std::mem::take(&mut offer.history);
        let operations = std::mem::take(&mut offer.operations);
        let result = f(id, offer);
        offer.history = history;
        offer.operations = operations;
        result
    }

    /// The publisher's and offer's ids and version `index` of the offer's history.
    pub(crate) fn revision_at(&self, loc: OfferLoc, index: usize) -> (&str, &str, &Revision) {
        let publisher = &self.publishers[loc.publisher];
        let offer = &publisher.offers[loc.offer];
        (&publisher.id, &offer.id, &offer.history[index])
    }

    /// The publisher's and offer's ids and operation `id`, if it exists.
    pub(crate) fn operation_at(&self, id: OperationId) -> Option<(&str, &str, &Operation)> {
        let r = self.operations.get(&id)?;
        let publisher = &self.publishers[r.publisher as usize];
        let offer = &publisher.offers[r.offer as usize];
        Some((
            &publisher.id,
            &offer.id,
            &offer.operations[r.index as usize],
        ))
    }

    /// The tokens' grants and the app registrations.
    pub(crate) fn grants_and_clients(&self) -> (&Map<String, Grants>, &Map<String, Client>) {
        (&self.tokens, &self.clients)
    }

    /// Puts back what `grants_and_clients` gave (a state file read back).
    pub(crate) fn restore_grants(
        &mut self,
        tokens: Map<String, Grants>,
        clients: Map<String, Client>,
    ) {
        self.tokens = tokens;
        self.clients = clients;
    }

    /// Puts back an offer's own fields (a state file read back): in place of those of the
    /// offer with that id, or as a new offer without history or operations.
    pub(crate) fn restore_offer(
        &mut self,
        publisher: &str,
        mut fields: Offer,
    ) -> Result<(), String> {
        if !fields.history.is_empty() || !fields.operations.is_empty() {
            return Err(format!(
                "offer '{}' comes with its history or operations",
                fields.id
            ));
        }
        let p = self
            .locate_publisher(publisher)
            .map_err(|_| unknown_publisher(publisher))?;
        let existing = self.publishers[p]
            .offer_index
            .get(&name_key(&fields.id))
            .copied();
        match existing {
            Some(o) => {
                let offer = &mut self.publishers[p].offers[o];
                fields.history = std::mem::take(&mut offer.history);
                fields.operations = std::mem::take(&mut offer.operations);
                *offer = fields;
            }
            None => {
                // Cannot clash: no offer of that id exists.
                let _ = self.publishers[p].add_offer(fields);
            }
        }
        Ok(())
    }

    /// Puts back version `index` of an offer's history (a state file read back): in place of
    /// the one there, or after the last.
    pub(crate) fn restore_revision(
        &mut self,
        publisher: &str,
        offer: &str,
        index: usize,
        mut revision: Revision,
    ) -> Result<(), String> {
        let loc = self.locate_restored(publisher, offer)?;
        let offer = &mut self.publishers[loc.publisher].offers[loc.offer];
        offer.share_body(&mut revision);
        match index.cmp(&offer.history.len()) {
            std::cmp::Ordering::Less => offer.history[index] = revision,
            std::cmp::Ordering::Equal => offer.history.push(revision),
            std::cmp::Ordering::Greater => {
                return Err(format!(
                    "version {index} of offer '{}' comes before the {} ahead of it",
                    offer.id,
                    index - offer.history.len()
                ));
            }
        }
        Ok(())
    }

    /// Puts back an operation (a state file read back): in place of the one with its id, or
    /// as the offer's newest.
    pub(crate) fn restore_operation(
        &mut self,
        publisher: &str,
        offer: &str,
        operation: Operation,
    ) -> Result<(), String> {
        let loc = self.locate_restored(publisher, offer)?;
        match self.operations.get(&operation.id) {
            Some(r) if (r.publisher as usize, r.offer as usize) == (loc.publisher, loc.offer) => {
                self.publishers[loc.publisher].offers[loc.offer].operations[r.index as usize] =
                    operation;
            }
            Some(_) => {
                return Err(format!(
                    "operation {} belongs to another offer than '{offer}'",
                    operation.id
                ));
            }
            None => self.push_operation(loc, operation),
        }
        Ok(())
    }

    fn locate_restored(&self, publisher: &str, offer: &str) -> Result<OfferLoc, String> {
        self.locate_offer(publisher, offer).map_err(|_| {
            format!("offer '{offer}' of publisher '{publisher}' is not in the state before it")
        })
    }

    /// How many publishers, offers and operations the store holds.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        let offers = self.publishers.iter().map(|p| p.offers.len()).sum();
        (self.publishers.len(), offers, self.operations.len())
    }

    fn found(&self, r: OpRef) -> Found<'_> {
        let publisher = &self.publishers[r.publisher as usize];
        let offer = &publisher.offers[r.offer as usize];
        Found {
            offer,
            operation: &offer.operations[r.index as usize],
        }
    }
}

fn unknown_publisher(publisher: &str) -> String {
    format!("publisher '{publisher}' is not in the state before it")
}

/// Indices fit in u32: a store holds far fewer than 4 billion publishers, offers per
/// publisher or operations per offer (the benchmark's million is the largest seen).
fn op_ref(publisher: usize, offer: usize, index: usize) -> OpRef {
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    OpRef {
        publisher: narrow(publisher),
        offer: narrow(offer),
        index: narrow(index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_listed_only_when_kept_each_once_in_first_order() {
        let mut store = Store::default();
        store.clock_moved();
        assert!(store.take_changes().is_empty(), "not kept yet");

        store.keep_changes();
        store.set_advance_by_polls(Some(2));
        store.clock_moved();
        store.set_advance_by_polls(None);

        assert_eq!(
            store.take_changes(),
            [Change::AdvanceByPolls, Change::Clock]
        );
        assert!(store.take_changes().is_empty(), "taken");
    }

    #[test]
    fn the_whole_store_stands_for_every_other_change() {
        let mut store = Store::default();
        store.keep_changes();
        store.clock_moved();
        store.keep_whole();
        store.set_advance_by_polls(Some(1));

        assert_eq!(store.take_changes(), [Change::Whole]);

        let mut next = Store::default();
        next.succeed(&store);
        assert!(next.generation() > store.generation());
        assert_eq!(
            next.take_changes(),
            [Change::Whole],
            "the new store is kept too"
        );
    }
}
