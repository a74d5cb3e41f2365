//! A publisher with its offers, and where an offer or an operation lives in the store.

use crate::domain::ids::name_key;
use crate::domain::map::Map;
use crate::domain::offer::Offer;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Publisher {
    /// The id as first spelt; lookups ignore case.
    pub(crate) id: String,
    pub(crate) display_text: String,
    /// Shown in the publishers list when the fixture gives it.
    pub(crate) seller_id: Option<u64>,
    pub(super) offers: Vec<Offer>,
    /// Rebuilt from `offers` when a saved store is read.
    #[serde(skip)]
    pub(super) offer_index: Map<String, usize>,
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
    pub(super) publisher: usize,
    pub(super) offer: usize,
}

/// Where an operation lives: 12 bytes per operation in the index.
#[derive(Debug, Clone, Copy)]
pub(super) struct OpRef {
    pub(super) publisher: u32,
    pub(super) offer: u32,
    pub(super) index: u32,
}

/// Indices fit in u32: a store holds far fewer than 4 billion publishers, offers per
/// publisher or operations per offer (the benchmark's million is the largest seen).
pub(super) fn op_ref(publisher: usize, offer: usize, index: usize) -> OpRef {
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    OpRef {
        publisher: narrow(publisher),
        offer: narrow(offer),
        index: narrow(index),
    }
}
