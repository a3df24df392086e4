//! Everything newswire does with Kafka, written once.

pub mod client;
pub mod context;
pub mod dead_letter;
pub mod headers;
pub mod runtime;
pub mod topics;
pub mod transaction;
