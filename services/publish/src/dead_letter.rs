//! Dead letters for webhook deliveries that gave up.
//!
//! A webhook delivery runs long after the Kafka transaction that routed its story
//! committed, so its dead letter cannot be part of that transaction: it goes
//! through this separate **idempotent** producer ([`AckedProducer`]: `acks=all`, producer retries never
//! duplicate). The job is marked dead in sled only after the broker acknowledged
//! the dead letter; a crash between the two re-sends it after the restart, so a
//! webhook dead letter is delivered at least once (its headers carry the delivery
//! id for deduplication).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::acked::{AckedProducer, AckedRecord};
use newswire_shared::kafka::dead_letter::dead_letter_headers;
use newswire_shared::kafka::headers::{self, HeaderMap};
use rdkafka::error::KafkaError;

use crate::signature::DELIVERY_HEADER;
use crate::store::WebhookJob;

/// How long a dead letter may wait for the broker's acknowledgement before the
/// write is reported failed (and tried again by the dispatcher).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

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
    producer: AckedProducer,
}

impl DeadLetterSink {
    /// A sink writing to `topic` with its own idempotent producer.
    pub fn new(kafka: &KafkaConfig, topic: &str) -> Result<Self, KafkaError> {
        let producer = AckedProducer::new(kafka, "newswire-publish-webhook-dlq", topic, DELIVERY_TIMEOUT)?;
        Ok(DeadLetterSink { producer })
    }

    /// The headers of a webhook dead letter: the story, the subscriber and the
    /// delivery id, then why (`reason`, `detail`) and where (`webhook/<subscriber>`).
    pub fn headers(job: &WebhookJob, reason: &str, detail: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if !job.trace_id.is_empty() {
            h.insert(headers::TRACE_ID, job.trace_id.as_str());
        }
        h.insert(headers::STORY_URI, job.uri.as_str());
        h.insert(headers::STORY_VERSION, job.version.to_string());
        h.insert(headers::SUBSCRIBER, job.subscriber.as_str());
        h.insert(&DELIVERY_HEADER.to_ascii_lowercase(), job.delivery_id.as_str());
        dead_letter_headers(h, "publish", reason, detail, &format!("webhook/{}", job.subscriber))
    }

    /// Writes the dead letter of `job` (its ninjs body, keyed by the story uri) and
    /// waits for the broker's acknowledgement.
    pub async fn send(&self, job: &WebhookJob, reason: &str, detail: &str) -> Result<(), KafkaError> {
        let headers = Self::headers(job, reason, detail);
        let record = AckedRecord { key: job.uri.as_bytes(), payload: job.body.as_bytes(), headers: &headers };
        self.producer.write(record).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_dead_letter_names_the_story_the_delivery_and_why_with_a_bounded_detail() {
        let job = WebhookJob {
            delivery_id: "d-1".into(),
            subscriber: "desk".into(),
            uri: "urn:x".into(),
            version: 3,
            kill: false,
            withheld: false,
            body: "{}".into(),
            trace_id: "t-1".into(),
        };
        let h = DeadLetterSink::headers(&job, "webhook_rejected", &"x".repeat(10_000));
        let get = |name: &str| h.get_str(name).map(str::to_owned);
        assert_eq!(
            (get(headers::STORY_URI), get(headers::STORY_VERSION), get(headers::TRACE_ID), get(headers::SUBSCRIBER)),
            (Some("urn:x".into()), Some("3".into()), Some("t-1".into()), Some("desk".into()))
        );
        assert_eq!(get(&DELIVERY_HEADER.to_ascii_lowercase()).as_deref(), Some("d-1"));
        assert_eq!((get(headers::DLQ_STAGE), get(headers::DLQ_REASON)), (Some("publish".into()), Some("webhook_rejected".into())));
        assert_eq!(get(headers::DLQ_SOURCE).as_deref(), Some("webhook/desk"));
        assert!(get(headers::DLQ_DETAIL).is_some_and(|d| d.len() < 4200), "the detail is cut like every dead letter's");
    }
}
