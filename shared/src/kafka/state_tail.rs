//! Following other instances' slices of replicated stores
//! ([`crate::changelog::ChangelogStore::replicated`]): a consumer assigned to
//! the changelog partitions this instance does not own, read without waiting
//! between batches, each record applied to its store.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::changelog::ChangelogStore;
use crate::config::KafkaConfig;
use crate::kafka::client;
use crate::kafka::read_to_end::{EndReader, EndReaderContext};
use crate::metrics::Metrics;
use crate::state::StateError;

/// How long the broker holds a fetch of followed slices when there is nothing
/// new: with `read_committed`, about how late another instance's commit can be
/// seen here, on top of the time to the next batch.
const FOLLOW_FETCH_WAIT_MS: u32 = 100;

/// At most this many records are applied between two batches, so that a
/// burst of other instances' changes does not hold back this one's input.
const MAX_RECORDS_PER_TURN: usize = 20_000;

/// While catching up, a poll that brings nothing for this long (three fetch
/// waits) means every followed slice is read to its end.
const CAUGHT_UP_AFTER: Duration = Duration::from_millis(300);

/// How often the follow lag is measured (a request to the broker per followed slice).
const LAG_EVERY: Duration = Duration::from_secs(5);

/// How long asking for a followed slice's end may take.
const LAG_TIMEOUT: Duration = Duration::from_secs(1);

/// The follower of other instances' slices.
pub struct ReplicaTail {
    kafka: KafkaConfig,
    client_id: String,
    consumer: Option<EndReader>,
    /// `(topic, partition)` → the next offset to apply, for every followed slice.
    positions: BTreeMap<(String, i32), i64>,
    /// When the follow lag was last measured.
    lag_reported: Option<Instant>,
}

impl ReplicaTail {
    /// A follower whose consumer uses these client settings (made on first use).
    pub fn new(kafka: &KafkaConfig, client_id: &str) -> Self {
        ReplicaTail { kafka: kafka.clone(), client_id: format!("{client_id}-follow"), consumer: None, positions: BTreeMap::new(), lag_reported: None }
    }

    /// The next offset to apply of a followed slice; `None` when it is not followed.
    pub fn position(&self, topic: &str, partition: i32) -> Option<i64> {
        self.positions.get(&(topic.to_owned(), partition)).copied()
    }

    /// Follows exactly `slices`, `(topic, partition, from offset)`; an empty list stops following.
    pub fn follow(&mut self, slices: &[(String, i32, i64)]) -> Result<(), KafkaError> {
        self.positions = slices.iter().map(|(topic, partition, from)| ((topic.clone(), *partition), *from)).collect();
        if slices.is_empty() {
            if let Some(consumer) = &self.consumer {
                consumer.unassign()?;
            }
            return Ok(());
        }
        let mut assignment = TopicPartitionList::new();
        for (topic, partition, from) in slices {
            assignment.add_partition_offset(topic, *partition, Offset::Offset(*from))?;
        }
        self.consumer()?.assign(&assignment)
    }

    /// Applies what the followed slices received since the last call to the
    /// store it belongs to, without waiting; answers how many records.
    pub fn read(&mut self, stores: Vec<&mut ChangelogStore>, metrics: &Metrics) -> Result<usize, StateError> {
        self.apply(stores, metrics, Duration::ZERO, MAX_RECORDS_PER_TURN, None)
    }

    /// Reads every followed slice to its end, waiting for it, before the stage
    /// processes anything: what the other instances committed while this one
    /// restored would otherwise be missed by its first batches. Stops at
    /// `within` (the rest is read between batches); answers how many records.
    pub fn catch_up(&mut self, stores: Vec<&mut ChangelogStore>, metrics: &Metrics, within: Duration) -> Result<usize, StateError> {
        self.apply(stores, metrics, CAUGHT_UP_AFTER, usize::MAX, Some(Instant::now() + within))
    }

    /// Applies followed records, each poll waiting `wait`, until a poll brings
    /// nothing, `max` records were applied or the `deadline` passed.
    fn apply(
        &mut self,
        mut stores: Vec<&mut ChangelogStore>,
        metrics: &Metrics,
        wait: Duration,
        max: usize,
        deadline: Option<Instant>,
    ) -> Result<usize, StateError> {
        self.report_lag(&stores, metrics);
        let Some(consumer) = self.consumer.as_ref().filter(|_| !self.positions.is_empty()) else {
            return Ok(0);
        };
        let mut read = 0;
        while read < max && deadline.is_none_or(|at| Instant::now() < at) {
            let message = match consumer.poll(wait) {
                None => break,
                Some(Err(KafkaError::PartitionEOF(_))) => continue,
                Some(Err(error)) => {
                    tracing::warn!(%error, "following other instances' state: client error; reading on");
                    break;
                }
                Some(Ok(message)) => message,
            };
            let (topic, partition) = (message.topic(), message.partition());
            let Some(position) = self.positions.get_mut(&(topic.to_owned(), partition)) else { continue };
            if let Some(store) = stores.iter_mut().find(|store| store.topic() == topic) {
                store.apply_replicated(partition, message.key().unwrap_or_default(), message.payload())?;
                metrics.state_followed_records.with_label_values(&[store.name()]).inc();
            }
            *position = message.offset() + 1;
            read += 1;
        }
        Ok(read)
    }

    /// Sets each replicated store's follow lag, at most every [`LAG_EVERY`]:
    /// per followed slice, the changelog's end (asked of the broker) minus
    /// where the follower reads (transaction markers count as read once passed).
    fn report_lag(&mut self, stores: &[&mut ChangelogStore], metrics: &Metrics) {
        if self.lag_reported.is_some_and(|at| at.elapsed() < LAG_EVERY) {
            return;
        }
        self.lag_reported = Some(Instant::now());
        let mut lag: BTreeMap<&str, i64> = stores.iter().filter(|store| store.is_replicated()).map(|store| (store.topic(), 0)).collect();
        if let Some(consumer) = self.consumer.as_ref().filter(|_| !self.positions.is_empty()) {
            let positions = consumer.position().unwrap_or_default();
            for element in positions.elements() {
                let Offset::Offset(at) = element.offset() else { continue };
                let Ok((_, end)) = consumer.fetch_watermarks(element.topic(), element.partition(), LAG_TIMEOUT) else { continue };
                if let Some(total) = lag.get_mut(element.topic()) {
                    *total += (end - at).max(0);
                }
            }
        }
        for store in stores {
            if let Some(total) = lag.get(store.topic()) {
                metrics.state_follow_lag.with_label_values(&[store.name()]).set(*total);
            }
        }
    }

    fn consumer(&mut self) -> Result<&EndReader, KafkaError> {
        let consumer = match self.consumer.take() {
            Some(consumer) => consumer,
            None => {
                let mut config = client::reader(&self.kafka, &self.client_id, &format!("{}-{}", self.kafka.group_prefix, self.client_id));
                config.set("fetch.wait.max.ms", FOLLOW_FETCH_WAIT_MS.to_string());
                config.create_with_context(EndReaderContext)?
            }
        };
        Ok(self.consumer.insert(consumer))
    }
}
