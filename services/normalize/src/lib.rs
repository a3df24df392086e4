//! newswire's normalize stage: every source format to one clean canonical
//! article on `newswire.normalized`.

pub mod config;
pub mod dates;
pub mod dedupe;
pub mod extract;
pub mod formats;
pub mod normalizer;
pub mod problems;
pub mod text;

pub use formats::Ingested;
pub use normalizer::{normalize, normalize_record, normalize_stories, Normalizer};
