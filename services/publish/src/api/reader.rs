//! Reading one subscription topic for the API: a `read_committed` consumer
//! assigned at a [`Cursor`]'s offsets, with no consumer group membership and no
//! offset commits. The topic is written in publish's stage transaction, so what
//! this reads is exactly what the subscriber's Kafka consumers see (corrections
//! and kills included, with their `newswire-route`), and a cursor stays valid
//! across any publish restart: an aborted batch's records are never read, and a
//! committed one's never change.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Duration;

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use newswire_shared::kafka::headers::{HeaderMap, ROUTE};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use tokio::time::Instant;

use super::cursor::Cursor;

/// How long a metadata or watermark request may take when a reader opens.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a subscription topic could not be read from a cursor.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Kafka could not be reached or refused the reader.
    #[error("reading {topic}: {source}")]
    Kafka {
        /// The subscription topic.
        topic: String,
        /// What Kafka said.
        #[source]
        source: KafkaError,
    },
    /// The topic has no partitions yet (publish is still creating it).
    #[error("the topic {0} does not exist yet")]
    NoTopic(String),
    /// The cursor names a partition the topic does not have.
    #[error("the cursor names partition {partition}, which the subscription's topic does not have")]
    UnknownPartition {
        /// The partition named.
        partition: i32,
    },
    /// The cursor points past the end of a partition (the topic was re-created?).
    #[error("the cursor's offset {offset} in partition {partition} is past the topic's end ({end})")]
    AheadOfEnd {
        /// The partition.
        partition: i32,
        /// The cursor's offset.
        offset: i64,
        /// The partition's end.
        end: i64,
    },
    /// Retention removed stories the cursor has not read yet.
    #[error("stories from offset {offset} of partition {partition} were removed by the topic's retention (the oldest kept is {earliest}); start again without a cursor")]
    Expired {
        /// The partition.
        partition: i32,
        /// The cursor's offset.
        offset: i64,
        /// The oldest offset still kept.
        earliest: i64,
    },
}

/// One story as the subscriber receives it, with the cursor just past it.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// Resumes right after this story.
    pub cursor: String,
    /// Why it was sent: `match`, `correction`, `kill`, `withhold` or `republish`.
    pub route: String,
    /// The story in the subscription's output format, as on its topic.
    pub payload: Vec<u8>,
}

/// A page of stories.
#[derive(Debug)]
pub struct Page {
    /// The stories, in order.
    pub stories: Vec<Delivered>,
    /// Where the next page starts (the request's cursor when the page is empty).
    pub next: Cursor,
    /// Whether the page reaches the end of the topic as it was when it was read.
    pub caught_up: bool,
}

/// A record read but not yet given out.
struct Buffered {
    offset: i64,
    timestamp: i64,
    route: String,
    payload: Vec<u8>,
}

impl Buffered {
    fn from_message(message: &BorrowedMessage<'_>) -> Self {
        let headers = HeaderMap::from_kafka(message.headers());
        Buffered {
            offset: message.offset(),
            timestamp: message.timestamp().to_millis().unwrap_or(0),
            route: route(&headers),
            payload: message.payload().unwrap_or_default().to_vec(),
        }
    }
}

/// The record's route; a value publish would not write (it writes words) is `unknown`,
/// so that it can always be an SSE event name.
fn route(headers: &HeaderMap) -> String {
    match headers.get_str(ROUTE) {
        Some(route) if !route.is_empty() && route.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') => route.to_owned(),
        _ => "unknown".to_owned(),
    }
}

/// Makes readers of subscription topics.
#[derive(Clone)]
pub struct TopicReaders {
    kafka: KafkaConfig,
    group_id: String,
}

impl TopicReaders {
    /// Readers with the pipeline's Kafka settings. The group id is never joined
    /// nor committed to; librdkafka only wants one.
    pub fn new(kafka: KafkaConfig) -> Self {
        let group_id = format!("{}-publish-api", kafka.group_prefix);
        TopicReaders { kafka, group_id }
    }

    /// A reader of `topic` positioned at `cursor`, after checking the cursor
    /// against the topic's partitions and their retained range.
    pub async fn open(&self, topic: &str, cursor: Cursor) -> Result<TopicReader, ReadError> {
        let (kafka, group_id, topic) = (self.kafka.clone(), self.group_id.clone(), topic.to_owned());
        let failed_topic = topic.clone();
        match tokio::task::spawn_blocking(move || open_blocking(&kafka, &group_id, &topic, cursor)).await {
            Ok(opened) => opened,
            Err(join) => {
                tracing::error!(error = %join, "opening a subscriber API reader failed");
                Err(ReadError::Kafka { topic: failed_topic, source: KafkaError::Canceled })
            }
        }
    }
}

fn open_blocking(kafka: &KafkaConfig, group_id: &str, topic: &str, cursor: Cursor) -> Result<TopicReader, ReadError> {
    let failed = |source| ReadError::Kafka { topic: topic.to_owned(), source };
    let mut config = client::reader(kafka, "newswire-publish-api", group_id);
    config.set("enable.partition.eof", "true");
    let consumer: StreamConsumer = config.create().map_err(failed)?;
    let metadata = consumer.fetch_metadata(Some(topic), OPEN_TIMEOUT).map_err(failed)?;
    let partitions: Vec<i32> =
        metadata.topics().iter().filter(|t| t.name() == topic).flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
    if partitions.is_empty() {
        return Err(ReadError::NoTopic(topic.to_owned()));
    }
    let mut assignment = TopicPartitionList::new();
    for (partition, offset) in cursor.positions() {
        if !partitions.contains(&partition) {
            return Err(ReadError::UnknownPartition { partition });
        }
        let (earliest, end) = consumer.fetch_watermarks(topic, partition, OPEN_TIMEOUT).map_err(failed)?;
        if offset < earliest {
            return Err(ReadError::Expired { partition, offset, earliest });
        }
        if offset > end {
            return Err(ReadError::AheadOfEnd { partition, offset, end });
        }
    }
    for partition in &partitions {
        let offset = cursor.position(*partition).map_or(Offset::Beginning, Offset::Offset);
        assignment.add_partition_offset(topic, *partition, offset).map_err(failed)?;
    }
    consumer.assign(&assignment).map_err(failed)?;
    Ok(TopicReader { consumer, topic: topic.to_owned(), partitions, cursor })
}

/// A closed reader: where it stopped.
#[derive(Debug)]
pub struct Closed {
    /// Just past the last story it gave out.
    pub cursor: Cursor,
}

/// A subscription topic read from a cursor.
pub struct TopicReader {
    consumer: StreamConsumer,
    topic: String,
    partitions: Vec<i32>,
    cursor: Cursor,
}

impl TopicReader {
    /// Up to `limit` stories from the cursor. When the cursor is at the end of
    /// every partition, waits up to `wait` for one to arrive; returns as soon as
    /// it has what was there (or `limit`), and an empty page, with the same
    /// cursor, when nothing came.
    ///
    /// Each story's versions come in the order publish wrote them (a story
    /// always lives on one partition); stories of different partitions are
    /// interleaved by the time they were written.
    pub async fn page(mut self, limit: usize, wait: Duration) -> Page {
        let deadline = Instant::now() + wait;
        let mut buffers: BTreeMap<i32, VecDeque<Buffered>> = BTreeMap::new();
        let mut at_end: HashSet<i32> = HashSet::new();
        let mut count = 0;
        loop {
            let everywhere_at_end = self.partitions.iter().all(|p| at_end.contains(p));
            if count >= limit || (everywhere_at_end && count > 0) {
                break;
            }
            match tokio::time::timeout_at(deadline, self.consumer.recv()).await {
                Err(_elapsed) => break,
                Ok(Err(KafkaError::PartitionEOF(partition))) => {
                    at_end.insert(partition);
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, topic = self.topic, "subscriber API read; retrying until the page's deadline");
                    tokio::time::sleep_until(deadline.min(Instant::now() + Duration::from_millis(100))).await;
                }
                Ok(Ok(message)) => {
                    at_end.remove(&message.partition());
                    buffers.entry(message.partition()).or_default().push_back(Buffered::from_message(&message));
                    count += 1;
                }
            }
        }
        let mut stories = Vec::with_capacity(count.min(limit));
        while stories.len() < limit {
            // The partition whose next story was written first.
            let next = buffers.iter().filter_map(|(p, q)| q.front().map(|b| (b.timestamp, *p))).min();
            let Some((_, partition)) = next else { break };
            let Some(record) = buffers.get_mut(&partition).and_then(VecDeque::pop_front) else { break };
            self.cursor.advance(partition, record.offset);
            stories.push(Delivered { cursor: self.cursor.to_string(), route: record.route, payload: record.payload });
        }
        let caught_up = buffers.values().all(VecDeque::is_empty) && self.partitions.iter().all(|p| at_end.contains(p));
        let Closed { cursor } = self.close();
        Page { stories, next: cursor, caught_up }
    }

    /// Closes the consumer off the async reactor (librdkafka's close waits for
    /// its threads); what is left is the reader's cursor.
    pub fn close(self) -> Closed {
        let TopicReader { consumer, cursor, .. } = self;
        tokio::task::spawn_blocking(move || drop(consumer));
        Closed { cursor }
    }

    /// The next story, waiting as long as it takes (a stream's reader). Kafka
    /// errors are logged and the read retried: librdkafka reconnects on its own.
    pub async fn next(&mut self) -> Delivered {
        loop {
            match self.consumer.recv().await {
                Ok(message) => {
                    let record = Buffered::from_message(&message);
                    self.cursor.advance(message.partition(), record.offset);
                    return Delivered { cursor: self.cursor.to_string(), route: record.route, payload: record.payload };
                }
                Err(KafkaError::PartitionEOF(_)) => {}
                Err(error) => {
                    tracing::warn!(%error, topic = self.topic, "subscriber API stream read; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}
