//! Writes that count only once Kafka acknowledged them, outside a stage's
//! transaction: ingest's accepted stories (`newswire.raw`) and publish's
//! webhook dead letters (`newswire.dlq`).
//!
//! One **idempotent** producer per use (`enable.idempotence=true`, so
//! `acks=all`: a write is acknowledged once every in-sync replica has it, and
//! the producer's own retries never duplicate or reorder records). A write
//! the broker did not acknowledge within the delivery timeout is reported
//! failed; the caller decides whether to retry (at least once, then).

use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::config::KafkaConfig;
use crate::kafka::client;
use crate::kafka::headers::HeaderMap;

/// One record to write: its key, value and headers.
#[derive(Debug, Clone, Copy)]
pub struct AckedRecord<'a> {
    /// The key (the story's stable key, or its uri).
    pub key: &'a [u8],
    /// The value.
    pub payload: &'a [u8],
    /// The headers.
    pub headers: &'a HeaderMap,
}

/// An idempotent producer to one topic whose writes resolve on the broker's acknowledgement.
#[derive(Clone)]
pub struct AckedProducer {
    producer: FutureProducer,
    topic: String,
}

impl AckedProducer {
    /// Creates the producer (no connection is made until the first write) for
    /// `topic`, named `client_id` to the broker. `delivery_timeout` bounds how
    /// long a write may wait for the broker before it is reported failed
    /// (librdkafka's `message.timeout.ms`; each request waits at most 5 s of it).
    pub fn new(kafka: &KafkaConfig, client_id: &str, topic: &str, delivery_timeout: Duration) -> Result<Self, KafkaError> {
        let timeout_ms = u64::try_from(delivery_timeout.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut config = client::idempotent_producer(kafka, client_id);
        config.set("message.timeout.ms", timeout_ms.to_string()).set("request.timeout.ms", timeout_ms.clamp(1, 5_000).to_string());
        let producer = config.create()?;
        Ok(AckedProducer { producer, topic: topic.to_owned() })
    }

    /// The topic written to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Writes every record and waits for the broker's acknowledgement of each.
    /// All are queued before any is awaited, so they travel together. Returns,
    /// per record in order, its partition and offset or the error that kept it
    /// out of Kafka.
    pub async fn write_all(&self, records: &[AckedRecord<'_>]) -> Vec<Result<(i32, i64), KafkaError>> {
        let mut pending = Vec::with_capacity(records.len());
        for record in records {
            let future_record = FutureRecord::to(&self.topic).key(record.key).payload(record.payload).headers(record.headers.to_kafka());
            pending.push(self.producer.send_result(future_record).map_err(|(error, _)| error));
        }
        let mut outcomes = Vec::with_capacity(pending.len());
        for delivery in pending {
            outcomes.push(match delivery {
                Err(error) => Err(error),
                Ok(future) => match future.await {
                    Ok(Ok(delivery)) => Ok((delivery.partition, delivery.offset)),
                    Ok(Err((error, _))) => Err(error),
                    Err(_) => Err(KafkaError::Canceled),
                },
            });
        }
        outcomes
    }

    /// Writes one record and waits for the broker's acknowledgement: its
    /// partition and offset, or the error that kept it out of Kafka.
    pub async fn write(&self, record: AckedRecord<'_>) -> Result<(i32, i64), KafkaError> {
        self.write_all(&[record]).await.pop().unwrap_or(Err(KafkaError::Canceled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_write_no_broker_acknowledges_fails_within_its_delivery_timeout() {
        let kafka = KafkaConfig { brokers: "127.0.0.1:1".into(), statistics_interval_ms: 0, ..KafkaConfig::default() };
        let producer = AckedProducer::new(&kafka, "newswire-test", "nowhere", Duration::from_millis(300)).unwrap();
        let headers = HeaderMap::new();
        let record = AckedRecord { key: b"k", payload: b"v", headers: &headers };
        let started = std::time::Instant::now();
        let outcomes = producer.write_all(&[record, record]).await;
        assert_eq!(outcomes.len(), 2, "one outcome per record");
        assert!(outcomes.iter().all(Result::is_err), "{outcomes:?}");
        assert!(producer.write(record).await.is_err());
        assert!(started.elapsed() < Duration::from_secs(10), "bounded by the delivery timeout: {:?}", started.elapsed());
    }
}
