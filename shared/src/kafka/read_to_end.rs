//! Reading a topic's committed records, partition by partition, from a given
//! offset to the partition's end: how a stage rebuilds state kept in Kafka
//! (publish's held stories, a changelog-backed store's slice).
//!
//! Run it after the stage's transactional producer registered: that aborts a
//! transaction a killed predecessor left open, so the end of each partition is
//! reached instead of waiting on an undecided transaction. The end is
//! librdkafka's end-of-partition event, which under `read_committed` comes at
//! the last stable offset, past commit and abort markers.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use crate::config::KafkaConfig;
use crate::kafka::client;

/// How long a topic just created may take to show its partitions in the
/// broker's metadata (a stage creates its topics moments before reading them).
pub const PARTITIONS_WAIT: Duration = Duration::from_secs(30);

/// Why a topic could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The consumer could not be made or assigned, or the topic's partitions not listed.
    #[error("reading {topic}: {source}")]
    Kafka {
        /// The topic.
        topic: String,
        /// What Kafka said.
        #[source]
        source: KafkaError,
    },
    /// The topic showed no partitions within the time allowed (it was not created).
    #[error("the topic {0} has no partitions")]
    NoPartitions(String),
    /// Some partitions were not read to their end in time.
    #[error("{topic} was not read to its end within {seconds} s (partitions {partitions:?} left)")]
    Timeout {
        /// The topic.
        topic: String,
        /// The time allowed.
        seconds: u64,
        /// The partitions not finished.
        partitions: Vec<i32>,
    },
}

/// The reader's client context: the end-of-partition events it asks for also
/// reach librdkafka's error callback, where they are expected, not errors.
pub struct EndReaderContext;

/// Whether `error` only says a partition was read to its end (librdkafka
/// reports it as a partition error or, through the error callback, a global one).
fn is_end_of_partition(error: &KafkaError) -> bool {
    matches!(error, KafkaError::PartitionEOF(_) | KafkaError::Global(RDKafkaErrorCode::PartitionEOF))
}

impl ClientContext for EndReaderContext {
    fn error(&self, error: KafkaError, reason: &str) {
        if !is_end_of_partition(&error) {
            tracing::warn!(%error, reason, "reading to the end: client error");
        }
    }
}

impl ConsumerContext for EndReaderContext {}

/// A consumer that reads to the end.
pub type EndReader = BaseConsumer<EndReaderContext>;

/// A consumer for reading to the end: committed records only, end-of-partition
/// events on, no group membership used (partitions are assigned, never subscribed).
pub fn end_reader(kafka: &KafkaConfig, client_id: &str) -> Result<EndReader, KafkaError> {
    let mut config = client::reader(kafka, client_id, &format!("{}-{client_id}", kafka.group_prefix));
    config.set("enable.partition.eof", "true");
    config.create_with_context(EndReaderContext)
}

/// Reads `topic` from each `(partition, start)` to that partition's end, handing
/// every committed record to `each` in offset order per partition, within
/// `timeout`. Answers, per partition, the offset to start from next time (one
/// past the last record read; the start itself when nothing was read).
pub fn read_to_end(
    consumer: &EndReader,
    topic: &str,
    starts: &[(i32, Offset)],
    timeout: Duration,
    mut each: impl FnMut(&BorrowedMessage<'_>),
) -> Result<HashMap<i32, i64>, ReadError> {
    let failed = |source| ReadError::Kafka { topic: topic.to_owned(), source };
    let mut next: HashMap<i32, i64> = HashMap::new();
    let mut assignment = TopicPartitionList::new();
    for (partition, start) in starts {
        assignment.add_partition_offset(topic, *partition, *start).map_err(failed)?;
        next.insert(*partition, if let Offset::Offset(at) = start { *at } else { 0 });
    }
    if starts.is_empty() {
        return Ok(next);
    }
    consumer.assign(&assignment).map_err(failed)?;
    let mut open: HashSet<i32> = starts.iter().map(|(p, _)| *p).collect();
    let deadline = Instant::now() + timeout;
    while !open.is_empty() {
        if Instant::now() > deadline {
            let mut left: Vec<i32> = open.into_iter().collect();
            left.sort_unstable();
            return Err(ReadError::Timeout { topic: topic.to_owned(), seconds: timeout.as_secs(), partitions: left });
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                open.remove(&partition);
            }
            Some(Err(error)) => tracing::warn!(%error, topic, "reading to the end; retrying"),
            Some(Ok(message)) => {
                next.insert(message.partition(), message.offset() + 1);
                each(&message);
            }
        }
    }
    consumer.unassign().map_err(failed)?;
    Ok(next)
}

/// The partitions of `topic`, asking the broker again until it lists some:
/// a topic created a moment ago can be missing from the metadata of a broker
/// that has not caught up yet. Gives up after `wait`.
pub fn partitions_of(consumer: &EndReader, topic: &str, wait: Duration) -> Result<Vec<i32>, ReadError> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
        let metadata = consumer.fetch_metadata(Some(topic), left).map_err(|source| ReadError::Kafka { topic: topic.to_owned(), source })?;
        let mut partitions: Vec<i32> =
            metadata.topics().iter().filter(|t| t.name() == topic).flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
        if !partitions.is_empty() {
            partitions.sort_unstable();
            return Ok(partitions);
        }
        if Instant::now() >= deadline {
            return Err(ReadError::NoPartitions(topic.to_owned()));
        }
        tracing::debug!(topic, "the topic shows no partitions yet; asking again");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_a_partition_is_expected_in_either_form_and_other_errors_are_not() {
        assert!(is_end_of_partition(&KafkaError::PartitionEOF(2)));
        assert!(is_end_of_partition(&KafkaError::Global(RDKafkaErrorCode::PartitionEOF)));
        assert!(!is_end_of_partition(&KafkaError::Global(RDKafkaErrorCode::BrokerTransportFailure)));
    }
}
