//! What the pollers' integration tests share: a delivery whose producer aims
//! at a port where no broker listens, and the fetcher settings.

use std::sync::Arc;
use std::time::Duration;

use newswire_ingest::deliver::Delivery;
use newswire_ingest::poll::fetch::{self, Fetcher};
use newswire_ingest::poll::hosts::HostLimits;
use newswire_ingest::repush::RepushStore;
use newswire_ingest::IngestMetrics;
use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::acked::AckedProducer;
use newswire_shared::metrics::Metrics;

/// A delivery over `store` that Kafka never acknowledges (answers 503), and its metrics.
pub fn offline_delivery(store: &RepushStore) -> (Delivery, Arc<Metrics>) {
    let kafka = KafkaConfig { brokers: "127.0.0.1:1".into(), statistics_interval_ms: 0, ..KafkaConfig::default() };
    let metrics = Arc::new(Metrics::new("ingest"));
    let delivery = Delivery {
        producer: AckedProducer::new(&kafka, "newswire-ingest", "nowhere.raw", Duration::from_millis(300)).unwrap(),
        repush: store.clone(),
        metrics: Arc::new(IngestMetrics::register(&metrics)),
        stage_metrics: metrics.clone(),
        unavailable_retry_after_secs: 5,
        locks: Arc::default(),
    };
    (delivery, metrics)
}

/// Three redirects at most, two requests per host, a contact in the User-Agent.
pub fn fetcher() -> Fetcher {
    Fetcher {
        user_agent: fetch::user_agent("https://newsroom.example/bot"),
        max_redirects: 3,
        hosts: HostLimits::new(2),
        timeout: Duration::from_secs(10),
        max_bytes: 1 << 20,
    }
}
