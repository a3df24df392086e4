//! newswire's ingest stage: the push API that authenticates feeds, validates
//! their stories and writes them durably to `newswire.raw`.

pub mod accept;
pub mod auth;
pub mod config;
pub mod format;
pub mod http;
pub mod producer;
pub mod rejection;

use newswire_shared::metrics::{counter_vec, Metrics};
use prometheus::IntCounterVec;

/// Ingest's own metrics, registered beside the shared stage family.
pub struct IngestMetrics {
    /// `newswire_ingest_requests_total{status,feed}`.
    pub requests: IntCounterVec,
    /// `newswire_ingest_bytes_accepted_total{feed}`.
    pub bytes_accepted: IntCounterVec,
}

impl IngestMetrics {
    /// Creates ingest's metrics and registers them in `metrics`' registry.
    pub fn register(metrics: &Metrics) -> Self {
        let m = IngestMetrics {
            requests: counter_vec("newswire_ingest_requests_total", "Push API requests, by HTTP status and feed.", &["status", "feed"]),
            bytes_accepted: counter_vec("newswire_ingest_bytes_accepted_total", "Bytes of accepted stories, by feed.", &["feed"]),
        };
        metrics.register(Box::new(m.requests.clone()));
        metrics.register(Box::new(m.bytes_accepted.clone()));
        m
    }
}
