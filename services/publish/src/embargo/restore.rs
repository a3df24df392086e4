//! Reading the held stories back from the embargo topic on start-up: every
//! partition from its beginning to its end, committed records only.
//!
//! It runs after publish's transactional producer registered (see
//! [`newswire_shared::stage::Stage::prepare`]): that aborts a transaction a
//! killed predecessor left open, so the end of each partition is reached
//! instead of waiting on an undecided transaction. The end is librdkafka's
//! end-of-partition event, which under `read_committed` comes at the last
//! stable offset, past commit and abort markers.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use newswire_shared::kafka::headers::HeaderMap;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::embargo::held::Held;

/// How long reading the topic to its end may take before publish gives up
/// (and exits, to be restarted).
pub const RESTORE_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a topic just created may take to show its partitions in the
/// broker's metadata (publish creates it moments before reading it).
const PARTITIONS_WAIT: Duration = Duration::from_secs(30);

/// Why the held stories could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The consumer could not be made or assigned, or the topic's partitions not listed.
    #[error("reading the embargo topic {topic}: {source}")]
    Kafka {
        /// The embargo topic.
        topic: String,
        /// What Kafka said.
        #[source]
        source: KafkaError,
    },
    /// The topic showed no partitions within [`PARTITIONS_WAIT`] (it was not created).
    #[error("the embargo topic {0} has no partitions")]
    NoPartitions(String),
    /// Some partitions were not read to their end in time.
    #[error("the embargo topic {topic} was not read to its end within {seconds} s (partitions {partitions:?} left)")]
    Timeout {
        /// The embargo topic.
        topic: String,
        /// The time allowed.
        seconds: u64,
        /// The partitions not finished.
        partitions: Vec<i32>,
    },
}

/// Every record of the embargo `topic` in order per partition: the held story
/// under each uri, or `None` for a tombstone (released or cancelled).
pub fn read_all(kafka: &KafkaConfig, topic: &str, timeout: Duration) -> Result<Vec<(String, Option<Held>)>, RestoreError> {
    let failed = |source| RestoreError::Kafka { topic: topic.to_owned(), source };
    let mut config = client::reader(kafka, "newswire-publish-embargo-restore", &format!("{}-restore", kafka.group_prefix));
    config.set("enable.partition.eof", "true");
    let consumer: BaseConsumer = config.create().map_err(failed)?;
    let partitions = wait_for_partitions(&consumer, topic, PARTITIONS_WAIT.min(timeout))?;
    let mut assignment = TopicPartitionList::new();
    for partition in &partitions {
        assignment.add_partition_offset(topic, *partition, Offset::Beginning).map_err(failed)?;
    }
    consumer.assign(&assignment).map_err(failed)?;
    let mut open: HashSet<i32> = partitions.into_iter().collect();
    let mut records = Vec::new();
    let deadline = Instant::now() + timeout;
    while !open.is_empty() {
        if Instant::now() > deadline {
            let mut left: Vec<i32> = open.into_iter().collect();
            left.sort_unstable();
            return Err(RestoreError::Timeout { topic: topic.to_owned(), seconds: timeout.as_secs(), partitions: left });
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                open.remove(&partition);
            }
            Some(Err(error)) => tracing::warn!(%error, topic, "reading the embargo topic; retrying"),
            Some(Ok(message)) => {
                let uri = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
                let held = message.payload().map(|payload| {
                    Held::from_record(&uri, payload, &HeaderMap::from_kafka(message.headers()), message.partition(), message.offset())
                });
                records.push((uri, held));
            }
        }
    }
    Ok(records)
}

/// The partitions of `topic`, asking the broker again until it lists some:
/// a topic created a moment ago can be missing from the metadata of a broker
/// that has not caught up yet. Gives up after `wait`.
fn wait_for_partitions(consumer: &BaseConsumer, topic: &str, wait: Duration) -> Result<Vec<i32>, RestoreError> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
        let metadata = consumer.fetch_metadata(Some(topic), left).map_err(|source| RestoreError::Kafka { topic: topic.to_owned(), source })?;
        let partitions: Vec<i32> =
            metadata.topics().iter().filter(|t| t.name() == topic).flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
        if !partitions.is_empty() {
            return Ok(partitions);
        }
        if Instant::now() >= deadline {
            return Err(RestoreError::NoPartitions(topic.to_owned()));
        }
        tracing::debug!(topic, "the embargo topic shows no partitions yet; asking again");
        std::thread::sleep(Duration::from_millis(200));
    }
}
