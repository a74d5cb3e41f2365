//! The CPP model: ids, offers, operations, the store and the lifecycle rules; no HTTP, no clock.

mod error;
mod ids;
mod lifecycle;
mod offer;
mod operation;
mod store;
mod time;

pub(crate) use error::DomainError;
pub(crate) use ids::{OperationId, OperationKey, name_key, validate_name};
pub(crate) use lifecycle::{GoLiveRequest, OperationAddress, go_live};
pub(crate) use offer::{Offer, Plans};
pub(crate) use operation::{
    Failure, Message, Operation, OperationPlan, OperationStatus, StepSnapshot, Stop,
    SubmissionType, scale_duration,
};
pub(crate) use store::{Found, Grants, Publisher, Store};
pub(crate) use time::Timestamp;
