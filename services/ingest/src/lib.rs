//! newswire's ingest stage: the push API that authenticates feeds, validates
//! their stories and writes them durably to `newswire.raw`.

pub mod accept;
pub mod auth;
pub mod batch;
pub mod config;
pub mod decompress;
pub mod deliver;
pub mod format;
pub mod http;
pub mod live;
pub mod metrics;
pub mod newsml_1;
pub mod poll;
pub mod rate_limit;
pub mod rejection;
pub mod repush;
pub mod signature;
pub mod stories;
pub mod story_locks;
pub mod websub;
pub mod xml_scan;

pub use metrics::IngestMetrics;
