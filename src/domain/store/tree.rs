//! `Tree`: publishers → offers → operations, with an index from operation id to where the
//! operation lives. It counts no changes: `Store` does, around it.

use super::publisher::{OfferLoc, OpRef, Publisher, op_ref};
use crate::domain::error::DomainError;
use crate::domain::ids::{IdSource, OperationId, name_key, name_lookup};
use crate::domain::map::Map;
use crate::domain::offer::{Offer, Revision};
use crate::domain::operation::Operation;

#[derive(Debug, Clone, Default)]
pub(super) struct Tree {
    pub(super) publishers: Vec<Publisher>,
    publisher_index: Map<String, usize>,
    operations: Map<OperationId, OpRef>,
}

impl Tree {
    /// Adds a publisher with its offers and their operations; gives it back if one with the
    /// same id (ignoring case) exists.
    pub(super) fn add_publisher(&mut self, publisher: Publisher) -> Result<(), Box<Publisher>> {
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

    /// Gives every operation a new id from `ids`, in order.
    pub(super) fn rename_operations(&mut self, ids: &mut IdSource) {
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

    /// The index of a publisher, by id ignoring case.
    pub(super) fn locate_publisher(&self, publisher: &str) -> Result<usize, DomainError> {
        self.publisher_index
            .get(name_lookup(publisher).as_ref())
            .copied()
            .ok_or_else(|| DomainError::PublisherNotFound {
                publisher: publisher.to_owned(),
            })
    }

    pub(super) fn locate_offer(
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

    pub(super) fn publisher_at(&self, loc: OfferLoc) -> &Publisher {
        &self.publishers[loc.publisher]
    }

    pub(super) fn offer_at(&self, loc: OfferLoc) -> &Offer {
        &self.publishers[loc.publisher].offers[loc.offer]
    }

    pub(super) fn offer_at_mut(&mut self, loc: OfferLoc) -> &mut Offer {
        &mut self.publishers[loc.publisher].offers[loc.offer]
    }

    /// Appends an operation to the offer's history and indexes it.
    pub(super) fn push_operation(&mut self, loc: OfferLoc, operation: Operation) {
        let offer = &mut self.publishers[loc.publisher].offers[loc.offer];
        self.operations.insert(
            operation.id,
            op_ref(loc.publisher, loc.offer, offer.operations.len()),
        );
        offer.operations.push(operation);
    }

    /// Where operation `id` lives, if it exists.
    pub(super) fn operation_ref(&self, id: OperationId) -> Option<OpRef> {
        self.operations.get(&id).copied()
    }

    /// Where operation `id` lives, if it is one of the offer's at `loc`.
    pub(super) fn operation_ref_in(&self, loc: OfferLoc, id: OperationId) -> Option<OpRef> {
        self.operation_ref(id)
            .filter(|r| (r.publisher as usize, r.offer as usize) == (loc.publisher, loc.offer))
    }

    pub(super) fn operation(&self, r: OpRef) -> &Operation {
        &self.publishers[r.publisher as usize].offers[r.offer as usize].operations[r.index as usize]
    }

    pub(super) fn operation_mut(&mut self, r: OpRef) -> &mut Operation {
        &mut self.publishers[r.publisher as usize].offers[r.offer as usize].operations
            [r.index as usize]
    }

    /// The offer at `r` and its operation.
    pub(super) fn offer_and_operation(&self, r: OpRef) -> (&Publisher, &Offer, &Operation) {
        let publisher = &self.publishers[r.publisher as usize];
        let offer = &publisher.offers[r.offer as usize];
        (publisher, offer, &offer.operations[r.index as usize])
    }

    /// `f` on the publisher's id and the offer at `loc` with its history and operations set
    /// aside: what a state file's record of the offer's own fields holds.
    pub(super) fn with_offer_fields<R>(
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
    pub(super) fn revision_at(&self, loc: OfferLoc, index: usize) -> (&str, &str, &Revision) {
        let publisher = &self.publishers[loc.publisher];
        let offer = &publisher.offers[loc.offer];
        (&publisher.id, &offer.id, &offer.history[index])
    }

    /// Puts back an offer's own fields (a state file read back): in place of those of the
    /// offer with that id, or as a new offer without history or operations.
    pub(super) fn restore_offer(
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
            .map_err(|_| format!("publisher '{publisher}' is not in the state before it"))?;
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
    pub(super) fn restore_revision(
        &mut self,
        publisher: &str,
        offer: &str,
        index: usize,
        mut revision: Revision,
    ) -> Result<(), String> {
        let loc = self.locate_restored(publisher, offer)?;
        let offer = self.offer_at_mut(loc);
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
    pub(super) fn restore_operation(
        &mut self,
        publisher: &str,
        offer: &str,
        operation: Operation,
    ) -> Result<(), String> {
        let loc = self.locate_restored(publisher, offer)?;
        if let Some(r) = self.operation_ref_in(loc, operation.id) {
            *self.operation_mut(r) = operation;
        } else if self.operation_ref(operation.id).is_some() {
            return Err(format!(
                "operation {} belongs to another offer than '{offer}'",
                operation.id
            ));
        } else {
            self.push_operation(loc, operation);
        }
        Ok(())
    }

    fn locate_restored(&self, publisher: &str, offer: &str) -> Result<OfferLoc, String> {
        self.locate_offer(publisher, offer).map_err(|_| {
            format!("offer '{offer}' of publisher '{publisher}' is not in the state before it")
        })
    }

    /// How many publishers, offers and operations the tree holds.
    pub(super) fn counts(&self) -> (usize, usize, usize) {
        let offers = self.publishers.iter().map(|p| p.offers.len()).sum();
        (self.publishers.len(), offers, self.operations.len())
    }
}
