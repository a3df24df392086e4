//! Writing accepted stories to `newswire.raw`, acknowledged only once Kafka has them.

use std::time::Duration;

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;

use crate::accept::RawRecord;

/// An idempotent producer to the raw topic.
#[derive(Clone)]
pub struct RawProducer {
    producer: FutureProducer,
    topic: String,
}

impl RawProducer {
    /// Creates the producer (no connection is made until the first write).
    pub fn new(kafka: &KafkaConfig, topic: &str) -> Result<Self, rdkafka::error::KafkaError> {
        let producer = client::idempotent_producer(kafka, "newswire-ingest").create()?;
        Ok(RawProducer { producer, topic: topic.to_owned() })
    }

    /// Writes one record and waits for the broker's acknowledgement (`acks=all`).
    /// Returns the partition and offset it was written at.
    pub async fn write(&self, record: &RawRecord) -> Result<(i32, i64), rdkafka::error::KafkaError> {
        let future_record = FutureRecord::to(&self.topic)
            .key(&record.key)
            .payload(&record.payload)
            .headers(record.headers.to_kafka());
        match self.producer.send(future_record, Timeout::After(Duration::from_secs(1))).await {
            Ok(delivery) => Ok((delivery.partition, delivery.offset)),
            Err((error, _)) => Err(error),
        }
    }
}
