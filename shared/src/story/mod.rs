//! Decisions about a story's original bytes that are made once, at ingest, and
//! trusted by every stage after: which format they are in, which character
//! encoding, and which id and version the source gave the story.

pub mod charset;
pub mod format;
pub mod identity;
pub mod page_url;
pub mod xml_fields;
pub mod xml_guard;

pub use format::SourceFormat;
