//! Dead letters for webhook deliveries that gave up.
//!
//! A webhook delivery runs long after the Kafka transaction that routed its story
//! committed, so its dead letter cannot be part of that transaction: it goes
//! through this separate **idempotent** producer (`acks=all`, producer retries never
//! duplicate). The job is marked dead in sled only after the broker acknowledged
//! the dead letter; a crash between the two re-sends it after the restart, so a
//! webhook dead letter is delivered at least once (its headers carry the delivery
//! id for deduplication).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use newswire_shared::kafka::headers::{self, HeaderMap};
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::signature::DELIVERY_HEADER;
use crate::store::WebhookJob;

/// Somewhere webhook dead letters can go: Kafka in the service, a recorder in tests.
pub trait DeadLetters: Send + Sync + 'static {
    /// Writes the dead letter of `job` and resolves once it is durably stored.
    fn dead_letter<'a>(
        &'a self,
        job: &'a WebhookJob,
        reason: &'a str,
        detail: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

impl DeadLetters for DeadLetterSink {
    fn dead_letter<'a>(
        &'a self,
        job: &'a WebhookJob,
        reason: &'a str,
        detail: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move { self.send(job, reason, detail).await.map_err(|e| e.to_string()) })
    }
}

/// Where webhook dead letters go: `newswire.dlq`, through its own idempotent producer.
pub struct DeadLetterSink {
    producer: FutureProducer,
    topic: String,
}

impl DeadLetterSink {
    /// A sink writing to `topic` with its own idempotent producer.
    pub fn new(kafka: &KafkaConfig, topic: &str) -> Result<Self, KafkaError> {
        let producer = client::idempotent_producer(kafka, "newswire-publish-webhook-dlq").create()?;
        Ok(DeadLetterSink { producer, topic: topic.to_owned() })
    }

    /// The headers of a webhook dead letter.
    pub fn headers(job: &WebhookJob, reason: &str, detail: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if !job.trace_id.is_empty() {
            h.insert(headers::TRACE_ID, job.trace_id.as_str());
        }
        h.insert(headers::STORY_URI, job.uri.as_str());
        h.insert(headers::STORY_VERSION, job.version.to_string());
        h.insert(headers::DLQ_STAGE, "publish");
        h.insert(headers::DLQ_REASON, reason);
        h.insert(headers::DLQ_DETAIL, detail);
        h.insert(headers::DLQ_SOURCE, format!("webhook/{}", job.subscriber));
        h.insert(headers::SUBSCRIBER, job.subscriber.as_str());
        h.insert(&DELIVERY_HEADER.to_ascii_lowercase(), job.delivery_id.as_str());
        h
    }

    /// Writes the dead letter of `job` (its ninjs body, keyed by the story uri) and
    /// waits for the broker's acknowledgement.
    pub async fn send(&self, job: &WebhookJob, reason: &str, detail: &str) -> Result<(), KafkaError> {
        let headers = Self::headers(job, reason, detail).to_kafka();
        let record = FutureRecord::to(&self.topic).key(job.uri.as_bytes()).payload(job.body.as_bytes()).headers(headers);
        self.producer.send(record, Duration::from_secs(10)).await.map(|_| ()).map_err(|(error, _)| error)
    }
}
