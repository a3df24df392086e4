//! Decisions about a story's original bytes that are made once, at ingest, and
//! trusted by every stage after: which character encoding they are in, and
//! which page URLs can be a story's identity.

pub mod charset;
pub mod identity;
