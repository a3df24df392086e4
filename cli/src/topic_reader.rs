//! Reading the topics of a running pipeline from the command line, read-committed
//! and without a consumer group's offsets: a check that the broker answers and
//! a topic exists, every partition's records in a time window up to its end as
//! it was when the reading began, and one record by partition and offset.

use std::collections::HashMap;
use std::time::Duration;

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use newswire_shared::kafka::connect_check::{check_connection, ConnectError};
use newswire_shared::kafka::headers::HeaderMap;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};

use crate::progress;
use crate::when::Window;

/// One record as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its timestamp (milliseconds since the epoch), when it has one.
    pub timestamp_ms: Option<i64>,
    /// Its key.
    pub key: Option<Vec<u8>>,
    /// Its value, untouched.
    pub payload: Vec<u8>,
    /// Its headers, in order.
    pub headers: HeaderMap,
}

impl Fetched {
    fn of(message: &BorrowedMessage<'_>) -> Self {
        Fetched {
            partition: message.partition(),
            offset: message.offset(),
            timestamp_ms: message.timestamp().to_millis(),
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().unwrap_or_default().to_vec(),
            headers: HeaderMap::from_kafka(message.headers()),
        }
    }
}

/// Why a topic could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The client could not be made.
    #[error("cannot make a Kafka client for {brokers}: {source}")]
    Client {
        /// The configured brokers.
        brokers: String,
        /// librdkafka's reason.
        #[source]
        source: KafkaError,
    },
    /// No broker answered in time, or TLS or SASL was refused.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The topic is not on the broker.
    #[error("topic {topic} does not exist on {brokers}{hint}")]
    NoTopic {
        /// The topic.
        topic: String,
        /// The broker asked.
        brokers: String,
        /// What that may mean, starting with "; ", or empty.
        hint: String,
    },
    /// There is no record at that place.
    #[error("no record at {topic} partition {partition} offset {offset}: {why}")]
    NoRecord {
        /// The topic.
        topic: String,
        /// The partition asked for.
        partition: i32,
        /// The offset asked for.
        offset: i64,
        /// Why not.
        why: String,
    },
    /// The client failed while reading.
    #[error("reading {topic}: {detail}")]
    Read {
        /// The topic.
        topic: String,
        /// What failed.
        detail: String,
    },
}

/// A read-committed reader of one broker.
pub struct TopicReader {
    consumer: BaseConsumer,
    brokers: String,
    timeout: Duration,
}

impl TopicReader {
    /// Connects to the brokers `kafka` names and checks, within `timeout`, that
    /// one answers this client as configured (a refused TLS handshake or SASL
    /// login is named at once).
    pub fn connect(kafka: &KafkaConfig, timeout: Duration) -> Result<Self, ReadError> {
        let group = format!("newswire-cli-{}", std::process::id());
        let kafka = KafkaConfig { statistics_interval_ms: 0, ..kafka.clone() };
        let mut config = client::reader(&kafka, "newswire-cli", &group);
        // The end of each partition is where a command stops reading; don't let
        // every fetch there wait for more.
        config.set("enable.partition.eof", "true").set("fetch.wait.max.ms", "10");
        let consumer: BaseConsumer = config.create().map_err(|source| ReadError::Client { brokers: kafka.brokers.clone(), source })?;
        check_connection(&kafka, timeout)?;
        Ok(TopicReader { consumer, brokers: kafka.brokers.clone(), timeout })
    }

    /// The partitions of `topic`, or `None` when it does not exist.
    pub fn partitions(&self, topic: &str) -> Result<Option<Vec<i32>>, ReadError> {
        let metadata = self.consumer.fetch_metadata(Some(topic), self.timeout).map_err(|e| self.failed(topic, e))?;
        let partitions = metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic && t.error().is_none())
            .map(|t| t.partitions().iter().map(|p| p.id()).collect::<Vec<_>>())
            .filter(|p| !p.is_empty());
        Ok(partitions)
    }

    /// The partitions of `topic`; an error with `hint` (e.g. "; nothing was
    /// dead-lettered yet") when it does not exist.
    pub fn require_partitions(&self, topic: &str, hint: &str) -> Result<Vec<i32>, ReadError> {
        self.partitions(topic)?.ok_or_else(|| ReadError::NoTopic { topic: topic.to_owned(), brokers: self.brokers.clone(), hint: hint.to_owned() })
    }

    fn failed(&self, topic: &str, error: KafkaError) -> ReadError {
        ReadError::Read { topic: topic.to_owned(), detail: error.to_string() }
    }

    /// Where to start and stop reading each partition of `topic` for `window`:
    /// from the first offset at or after `since` (else the oldest kept) to the
    /// first at or after `until` (else the end as it is now), exclusive.
    fn plan(&self, topic: &str, partitions: &[i32], window: Window) -> Result<HashMap<i32, (i64, i64)>, ReadError> {
        let at = |time: Option<chrono::DateTime<chrono::Utc>>| -> Result<HashMap<i32, Option<i64>>, ReadError> {
            let Some(time) = time else { return Ok(HashMap::new()) };
            let mut asked = TopicPartitionList::new();
            for p in partitions {
                asked.add_partition_offset(topic, *p, Offset::Offset(time.timestamp_millis())).map_err(|e| self.failed(topic, e))?;
            }
            let found = self.consumer.offsets_for_times(asked, self.timeout).map_err(|e| self.failed(topic, e))?;
            Ok(found.elements().iter().map(|e| (e.partition(), if let Offset::Offset(o) = e.offset() { Some(o) } else { None })).collect())
        };
        let (since, until) = (at(window.since)?, at(window.until)?);
        let mut plan = HashMap::new();
        for p in partitions {
            let (low, high) = self.consumer.fetch_watermarks(topic, *p, self.timeout).map_err(|e| self.failed(topic, e))?;
            // A time after every record of the partition finds no offset: start at the end, stop at the end.
            let start = since.get(p).map_or(low, |o| o.unwrap_or(high)).max(low);
            let stop = until.get(p).map_or(high, |o| o.unwrap_or(high)).min(high);
            if start < stop {
                plan.insert(*p, (start, stop));
            }
        }
        Ok(plan)
    }

    /// Reads every committed record of `topic` whose time is in `window`, each
    /// partition in order up to its end as it was when the reading began, and
    /// hands each to `each`; a progress bar counts `unit`s. Returns how many
    /// were in the window.
    pub fn read_window(&self, topic: &str, window: Window, unit: &str, mut each: impl FnMut(Fetched)) -> Result<usize, ReadError> {
        let partitions = self.require_partitions(topic, "")?;
        let mut remaining = self.plan(topic, &partitions, window)?;
        let total: i64 = remaining.values().map(|(start, stop)| stop - start).sum();
        let bar = progress::bar(total.max(0) as u64, unit);
        let mut assignment = TopicPartitionList::new();
        for (p, (start, _)) in &remaining {
            assignment.add_partition_offset(topic, *p, Offset::Offset(*start)).map_err(|e| self.failed(topic, e))?;
        }
        self.consumer.assign(&assignment).map_err(|e| self.failed(topic, e))?;
        let mut in_window = 0;
        while !remaining.is_empty() {
            let message = match self.consumer.poll(self.timeout) {
                None => {
                    let detail = format!("the broker sent nothing for {} s with {} partition(s) still to read", self.timeout.as_secs(), remaining.len());
                    return Err(ReadError::Read { topic: topic.to_owned(), detail });
                }
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    remaining.remove(&p);
                    continue;
                }
                Some(Err(error)) => return Err(self.failed(topic, error)),
                Some(Ok(message)) => message,
            };
            let Some(&(_, stop)) = remaining.get(&message.partition()) else { continue };
            if message.offset() >= stop {
                remaining.remove(&message.partition());
                continue;
            }
            if message.offset() + 1 >= stop {
                remaining.remove(&message.partition());
            }
            bar.inc(1);
            let fetched = Fetched::of(&message);
            if window.contains_ms(fetched.timestamp_ms) {
                in_window += 1;
                each(fetched);
            }
        }
        bar.finish_and_clear();
        self.consumer.unassign().map_err(|e| self.failed(topic, e))?;
        Ok(in_window)
    }

    /// The committed record at `partition`/`offset` of `topic`.
    pub fn read_one(&self, topic: &str, partition: i32, offset: i64) -> Result<Fetched, ReadError> {
        let none = |why: String| ReadError::NoRecord { topic: topic.to_owned(), partition, offset, why };
        let partitions = self.require_partitions(topic, "")?;
        if !partitions.contains(&partition) {
            return Err(none(format!("the topic has partitions 0 to {}", partitions.len().saturating_sub(1))));
        }
        let (low, high) = self.consumer.fetch_watermarks(topic, partition, self.timeout).map_err(|e| self.failed(topic, e))?;
        if offset < low {
            return Err(none(format!("the partition keeps offsets {low} and up (older records were deleted)")));
        }
        if offset >= high {
            return Err(none(format!("the partition ends before it (its next offset is {high})")));
        }
        let mut assignment = TopicPartitionList::new();
        assignment.add_partition_offset(topic, partition, Offset::Offset(offset)).map_err(|e| self.failed(topic, e))?;
        self.consumer.assign(&assignment).map_err(|e| self.failed(topic, e))?;
        let found = match self.consumer.poll(self.timeout) {
            None => return Err(ReadError::Read { topic: topic.to_owned(), detail: format!("the broker sent nothing for {} s", self.timeout.as_secs()) }),
            Some(Err(KafkaError::PartitionEOF(_))) => None,
            Some(Err(error)) => return Err(self.failed(topic, error)),
            // The first record at or after the offset: the one asked for, or the next when it holds none.
            Some(Ok(message)) => (message.offset() == offset).then(|| Fetched::of(&message)),
        };
        self.consumer.unassign().map_err(|e| self.failed(topic, e))?;
        found.ok_or_else(|| none("the offset holds no committed record (a transaction marker or an aborted write)".into()))
    }
}
