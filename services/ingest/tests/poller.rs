//! A feed poller against a local HTTP server that serves an RSS feed with an
//! ETag, with a producer aimed at a port where no broker listens (the full
//! poll-and-deliver path with Kafka is in `tests/tests/ingest_api.rs`).

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use newswire_ingest::config::PollConfig;
use newswire_ingest::deliver::Delivery;
use newswire_ingest::poll::poller::{PollOutcome, PollState, Poller};
use newswire_ingest::producer::RawProducer;
use newswire_ingest::repush::RepushStore;
use newswire_ingest::stories::ShapeLimits;
use newswire_ingest::IngestMetrics;
use newswire_shared::config::KafkaConfig;
use newswire_shared::metrics::Metrics;

const RSS: &str =
    "<rss version='2.0'><channel><item><guid>p-1</guid></item><item><guid>p-2</guid></item></channel></rss>";

/// Serves `RSS` with ETag "e1" (304 when sent back); records each If-None-Match.
async fn feed_server(seen: Arc<Mutex<Vec<Option<String>>>>) -> String {
    let app = axum::Router::new().route(
        "/rss",
        get(move |headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                let sent = headers.get("if-none-match").and_then(|v| v.to_str().ok()).map(str::to_owned);
                seen.lock().unwrap().push(sent.clone());
                let status = if sent.as_deref() == Some("\"e1\"") { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
                (
                    status,
                    [("etag", "\"e1\""), ("content-type", "application/rss+xml")],
                    if status == StatusCode::OK { RSS } else { "" },
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/rss")
}

fn poller(url: &str, allow_private: bool, dir: &std::path::Path) -> (Poller, Arc<Metrics>) {
    let kafka = KafkaConfig { brokers: "127.0.0.1:1".into(), statistics_interval_ms: 0, ..KafkaConfig::default() };
    let metrics = Arc::new(Metrics::new("ingest"));
    let delivery = Delivery {
        producer: RawProducer::new(&kafka, "nowhere.raw", 300).unwrap(),
        repush: RepushStore::open(dir, 3_600_000).unwrap(),
        metrics: Arc::new(IngestMetrics::register(&metrics)),
        stage_metrics: metrics.clone(),
        unavailable_retry_after_secs: 5,
        locks: Arc::default(),
    };
    let config =
        PollConfig { feed: "pa".into(), url: url.into(), allow_private, idle_alert_secs: 0, ..PollConfig::default() };
    (Poller { config, delivery, shape: ShapeLimits::default(), max_body_bytes: 1 << 20 }, metrics)
}

#[tokio::test]
async fn a_loopback_feed_is_not_fetched_unless_the_feed_allows_private_addresses() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = feed_server(seen.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let (poller, metrics) = poller(&url, false, dir.path());
    let mut state = PollState::default();
    let outcome = poller.poll_once(&mut state).await;
    assert!(
        matches!(&outcome, PollOutcome::Failed { reason: "address", detail } if detail.contains("127.0.0.1")),
        "{outcome:?}"
    );
    assert!(seen.lock().unwrap().is_empty(), "the server was never contacted");
    assert_eq!(state.failures, 1, "a failure counts toward the backoff");
    assert!(metrics
        .render()
        .contains("newswire_ingest_polls_total{feed=\"pa\",outcome=\"address\",stage=\"ingest\"} 1"));
}

#[tokio::test]
async fn a_document_kafka_did_not_take_is_fetched_again_in_full_next_time() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = feed_server(seen.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let (poller, _) = poller(&url, true, dir.path());
    let mut state = PollState::default();
    for round in 1..=2 {
        let outcome = poller.poll_once(&mut state).await;
        assert!(matches!(outcome, PollOutcome::Failed { reason: "unavailable", .. }), "{outcome:?}");
        assert_eq!(state.failures, round);
    }
    assert_eq!(*seen.lock().unwrap(), vec![None, None], "no ETag is sent for a document that was not delivered");
}
