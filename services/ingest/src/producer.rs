//! Writing accepted stories to `newswire.raw`, acknowledged only once Kafka has them.

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::accept::RawRecord;

/// An idempotent producer to the raw topic.
#[derive(Clone)]
pub struct RawProducer {
    producer: FutureProducer,
    topic: String,
}

impl RawProducer {
    /// Creates the producer (no connection is made until the first write).
    /// `delivery_timeout_ms` bounds how long a write may wait for the broker
    /// before it is reported failed (librdkafka's `message.timeout.ms`).
    pub fn new(kafka: &KafkaConfig, topic: &str, delivery_timeout_ms: u64) -> Result<Self, KafkaError> {
        let mut config = client::idempotent_producer(kafka, "newswire-ingest");
        config
            .set("message.timeout.ms", delivery_timeout_ms.to_string())
            .set("request.timeout.ms", delivery_timeout_ms.clamp(1, 5_000).to_string());
        let producer = config.create()?;
        Ok(RawProducer { producer, topic: topic.to_owned() })
    }

    /// The topic written to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Writes every record and waits for the broker's acknowledgement of each
    /// (`acks=all`). All are queued before any is awaited, so a feed document's
    /// entries travel together. Returns, per record in order, its partition and
    /// offset or the error that kept it out of Kafka.
    pub async fn write_all(&self, records: &[&RawRecord]) -> Vec<Result<(i32, i64), KafkaError>> {
        let mut pending = Vec::with_capacity(records.len());
        for record in records {
            let future_record = FutureRecord::to(&self.topic)
                .key(&record.key)
                .payload(&record.payload)
                .headers(record.headers.to_kafka());
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
}
