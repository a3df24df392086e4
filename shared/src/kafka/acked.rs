//! Writes that count only once Kafka acknowledged them, outside a stage's
//! transaction: ingest's accepted stories (`newswire.raw`) and publish's
//! webhook dead letters (`newswire.dlq`).
//!
//! One **idempotent** producer per use (`enable.idempotence=true`, so
//! `acks=all`: a write is acknowledged once every in-sync replica has it, and
//! the producer's own retries never duplicate or reorder records). A write
//! the broker did not acknowledge within the delivery timeout is reported
//! failed; the caller decides whether to retry (at least once, then).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, ProducerContext};
use tokio::sync::oneshot;

use crate::config::KafkaConfig;
use crate::kafka::client;
use crate::kafka::headers::HeaderMap;

/// How long the delivery thread waits for librdkafka's events in one poll.
/// A poll ends early on any event (a delivery report wakes it at once), so
/// this bounds only how soon the thread notices the producer was dropped.
/// It is long because rust-rdkafka's poll spins through the last
/// sub-millisecond of every wait: with FutureProducer's 100 ms polls that
/// spin was most of an idle ingest's CPU.
const POLL_WAIT: Duration = Duration::from_secs(1);

/// Where one record's acknowledgement goes: its partition and offset, or the error.
type AckSender = oneshot::Sender<Result<(i32, i64), KafkaError>>;

/// Routes each delivery report to the write waiting for it.
struct AckContext;

impl ClientContext for AckContext {}

impl ProducerContext for AckContext {
    type DeliveryOpaque = Box<AckSender>;

    fn delivery(&self, result: &DeliveryResult<'_>, ack: Self::DeliveryOpaque) {
        let outcome = match result {
            Ok(message) => Ok((message.partition(), message.offset())),
            Err((error, _)) => Err(error.clone()),
        };
        // The writer may have gone (its request was cancelled): nobody to tell.
        let _ = ack.send(outcome);
    }
}

/// The producer and the thread that delivers its acknowledgements; the
/// thread stops within [`POLL_WAIT`] once the last clone is dropped.
struct Inner {
    producer: Arc<BaseProducer<AckContext>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

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
    inner: Arc<Inner>,
    topic: String,
}

impl AckedProducer {
    /// Creates the producer (no connection is made until the first write) for
    /// `topic`, named `client_id` to the broker, and starts the thread that
    /// hands its acknowledgements to the writers. `delivery_timeout` bounds how
    /// long a write may wait for the broker before it is reported failed
    /// (librdkafka's `message.timeout.ms`; each request waits at most 5 s of it).
    pub fn new(kafka: &KafkaConfig, client_id: &str, topic: &str, delivery_timeout: Duration) -> Result<Self, KafkaError> {
        let timeout_ms = u64::try_from(delivery_timeout.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut config = client::idempotent_producer(kafka, client_id);
        config.set("message.timeout.ms", timeout_ms.to_string()).set("request.timeout.ms", timeout_ms.clamp(1, 5_000).to_string());
        // Nothing reads this producer's statistics, and the default context logs them at INFO.
        config.set("statistics.interval.ms", "0");
        let producer: Arc<BaseProducer<AckContext>> = Arc::new(config.create_with_context(AckContext)?);
        let stop = Arc::new(AtomicBool::new(false));
        let (polled, stopping) = (Arc::clone(&producer), Arc::clone(&stop));
        std::thread::Builder::new()
            .name(format!("{client_id}-acks"))
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    polled.poll(POLL_WAIT);
                }
            })
            .map_err(|error| KafkaError::ClientCreation(format!("cannot start the acknowledgement thread: {error}")))?;
        Ok(AckedProducer { inner: Arc::new(Inner { producer, stop }), topic: topic.to_owned() })
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
            let (ack, acknowledged) = oneshot::channel();
            let base_record = BaseRecord::with_opaque_to(&self.topic, Box::new(ack))
                .key(record.key)
                .payload(record.payload)
                .headers(record.headers.to_kafka());
            pending.push(self.inner.producer.send(base_record).map(|()| acknowledged).map_err(|(error, _)| error));
        }
        let mut outcomes = Vec::with_capacity(pending.len());
        for queued in pending {
            outcomes.push(match queued {
                Err(error) => Err(error),
                Ok(acknowledged) => acknowledged.await.unwrap_or(Err(KafkaError::Canceled)),
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

    /// The names of this process's threads (Linux truncates them to 15 bytes).
    fn thread_names() -> Vec<String> {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| tasks.filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok()).map(|name| name.trim().to_owned()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_acknowledgement_thread_stops_once_the_last_clone_is_dropped() {
        let kafka = KafkaConfig { brokers: "127.0.0.1:1".into(), statistics_interval_ms: 0, ..KafkaConfig::default() };
        let producer = AckedProducer::new(&kafka, "dropchk", "nowhere", Duration::from_millis(300)).unwrap();
        let clone = producer.clone();
        // A new thread names itself once it runs: wait for that.
        let started = std::time::Instant::now();
        while !thread_names().iter().any(|name| name == "dropchk-acks") {
            assert!(started.elapsed() < Duration::from_secs(5), "the thread never started: {:?}", thread_names());
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(producer);
        std::thread::sleep(POLL_WAIT * 2);
        assert!(thread_names().iter().any(|name| name == "dropchk-acks"), "a clone still uses it");
        drop(clone);
        let deadline = std::time::Instant::now() + POLL_WAIT * 5;
        while thread_names().iter().any(|name| name == "dropchk-acks") {
            assert!(std::time::Instant::now() < deadline, "the thread outlived its producer: {:?}", thread_names());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
