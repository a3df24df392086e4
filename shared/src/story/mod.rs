//! Decisions about a story's original bytes that are made once, at ingest, and
//! trusted by every stage after: which format they are in, which character
//! encoding, and which page URLs can be a story's identity.

pub mod charset;
pub mod format;
pub mod identity;

pub use format::SourceFormat;
