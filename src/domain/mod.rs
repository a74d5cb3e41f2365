//! The CPP model: ids, offers, operations, the store and the lifecycle rules; no HTTP, no clock.

mod defaults;
mod document;
mod error;
mod fault;
mod ids;
pub(crate) mod json;
mod lifecycle;
mod map;
mod offer;
mod operation;
mod plan;
mod secret;
mod snapshot;
mod step;
mod store;
mod time;
pub(crate) mod whole_number;

pub(crate) use document::{IfMatch, OfferWrite};
pub(crate) use error::{DomainError, ErrorKind};
pub(crate) use fault::{FaultSpec, RespondSpec};
pub(crate) use ids::{
    IdSource, OperationId, OperationKey, id_key, name_key, name_lookup, names_in_path, seeded_uuid,
    tenant_id, validate_name,
};
pub(crate) use json::{MAX_JSON_DEPTH, json_terms, json_type, nests_too_deep, without_bom};
pub(crate) use lifecycle::{
    Cancel, Force, Notify, OperationAddress, Put, Written, cancel, force, go_live, publish,
    put_offer,
};
pub(crate) use map::Map;
pub(crate) use offer::{Offer, Plans, Revision, Slot};
pub(crate) use operation::Operation;
pub(crate) use plan::{CancelPlan, Failure, OperationPlan, scale_duration};
pub(crate) use secret::{REDACTED, SECRET_FIELDS, is_secret_parameter, speaks_of_a_secret};
pub(crate) use snapshot::{Message, StepSnapshot};
pub(crate) use step::{OfferStatus, OperationStatus, StepId, StepStatus, SubmissionType};
pub(crate) use store::{
    Change, Client, Found, Grants, Publisher, SavedStore, Store, StoreSnapshot,
};
pub(crate) use time::{Timestamp, WireTime};
