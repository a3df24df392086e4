//! Everything newswire does with Kafka, written once.

pub mod acked;
pub mod batch_budget;
pub mod claims;
pub mod client;
pub mod connect_check;
pub mod context;
pub mod dead_letter;
pub mod headers;
pub mod leadership;
pub mod read_to_end;
pub mod runtime;
pub mod state_sync;
pub mod state_tail;
pub mod security;
pub mod topics;
pub mod transaction;
