//! Claims: who was first, decided by the order of one Kafka partition.
//!
//! Instances of a stage that must agree on "the first of these" without a
//! window (normalize's first copy of a content) write a **claim** per key to
//! a claims topic, partitioned by that key, *before* they decide. Kafka orders
//! the claims of one key on one partition, and every instance reads every
//! partition, so every instance sees the same first claim. A claimant waits
//! until its follower read past its own claims ([`ClaimLog::claim`]): then
//! every earlier claim of the same key is known to it too.
//!
//! Claims are written outside any transaction (with an idempotent producer),
//! so they are seen at once; an instance that claimed and crashed before its
//! batch committed claims again when its input is read again, and the first
//! claim is still its own (claimants recognise themselves in the claim's
//! value). A claim counts for a horizon only (`horizon`): by then the story
//! it stood for is in every instance's replicated state, which decides from
//! then on; the topic keeps claims for longer (see [`claims_retention`]).

mod table;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::{Message, Timestamp};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, ProducerContext};
use rdkafka::{Offset, TopicPartitionList};

pub use table::{Claim, ClaimTable};

use crate::config::KafkaConfig;
use crate::kafka::client;
use crate::kafka::read_to_end::{partitions_of, EndReader, EndReaderContext, PARTITIONS_WAIT};

/// How long the follower's fetch waits at the broker when there is nothing
/// new. A claim written meanwhile ends the wait at once, so this bounds only
/// idle traffic.
const FOLLOW_FETCH_WAIT_MS: u32 = 500;

/// How often the follower forgets claims past the horizon.
const PRUNE_EVERY: Duration = Duration::from_secs(5);

/// How long a claims topic keeps its records: ten horizons, at least an
/// hour, so an instance that starts can read a whole horizon back.
pub fn claims_retention(horizon: Duration) -> Duration {
    (horizon * 10).max(Duration::from_secs(3600))
}

/// Why claims could not be settled.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The broker did not take a claim.
    #[error("writing a claim to {topic}: {source}")]
    Write {
        /// The claims topic.
        topic: String,
        /// What Kafka said.
        #[source]
        source: KafkaError,
    },
    /// The claims were written but not read back in time.
    #[error("the claims written to {topic} were not read back within {millis} ms")]
    NotReadBack {
        /// The claims topic.
        topic: String,
        /// The time allowed.
        millis: u128,
    },
}

/// Routes each claim's delivery report, with its index, to the claimant.
struct ClaimContext;

impl ClientContext for ClaimContext {}

type Delivered = (usize, Result<(i32, i64), KafkaError>);

impl ProducerContext for ClaimContext {
    type DeliveryOpaque = Box<(usize, mpsc::Sender<Delivered>)>;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: Self::DeliveryOpaque) {
        let (index, sender) = *opaque;
        let outcome = match result {
            Ok(message) => Ok((message.partition(), message.offset())),
            Err((error, _)) => Err(error.clone()),
        };
        let _ = sender.send((index, outcome));
    }
}

/// The table and a way to wait for it to grow.
struct Shared {
    table: Mutex<ClaimTable>,
    grew: Condvar,
    stop: AtomicBool,
}

/// Writes claims to one topic and follows all of its partitions.
pub struct ClaimLog {
    topic: String,
    producer: BaseProducer<ClaimContext>,
    shared: Arc<Shared>,
}

impl Drop for ClaimLog {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

impl ClaimLog {
    /// A claim log on `topic` (which the stage creates), whose claims count
    /// for `horizon`. Its follower thread starts now: it waits for the topic
    /// to exist, then reads every partition from one horizon ago.
    pub fn start(kafka: &KafkaConfig, client_id: &str, topic: &str, horizon: Duration) -> Result<Self, KafkaError> {
        let mut config = client::idempotent_producer(kafka, &format!("{client_id}-claims"));
        // No statistics: nothing reads them, and the default context logs them at INFO.
        config.set("linger.ms", "0").set("message.timeout.ms", "10000").set("statistics.interval.ms", "0");
        let producer: BaseProducer<ClaimContext> = config.create_with_context(ClaimContext)?;
        let horizon_ms = i64::try_from(horizon.as_millis()).unwrap_or(i64::MAX);
        let shared = Arc::new(Shared { table: Mutex::new(ClaimTable::new(horizon_ms)), grew: Condvar::new(), stop: AtomicBool::new(false) });
        let mut reader = client::reader(kafka, &format!("{client_id}-claims-follow"), &format!("{}-{client_id}-claims", kafka.group_prefix));
        reader.set("fetch.wait.max.ms", FOLLOW_FETCH_WAIT_MS.to_string()).set("isolation.level", "read_uncommitted");
        let consumer: EndReader = reader.create_with_context(EndReaderContext)?;
        let (followed, name) = (Arc::clone(&shared), topic.to_owned());
        std::thread::Builder::new()
            .name(format!("{client_id}-claims"))
            .spawn(move || follow(&consumer, &name, horizon_ms, &followed))
            .map_err(|error| KafkaError::ClientCreation(format!("cannot start the claims follower: {error}")))?;
        Ok(ClaimLog { topic: topic.to_owned(), producer, shared })
    }

    /// The claims topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Writes every `(key, value)` claim and waits, within `wait` in all,
    /// until the broker took each and the follower read past each: then the
    /// first claim of each of these keys is known here ([`ClaimLog::first`]).
    pub fn claim(&self, claims: &[(Vec<u8>, Vec<u8>)], wait: Duration) -> Result<(), ClaimError> {
        if claims.is_empty() {
            return Ok(());
        }
        let deadline = Instant::now() + wait;
        let (sender, delivered) = mpsc::channel();
        let failed = |source| ClaimError::Write { topic: self.topic.clone(), source };
        for (index, (key, value)) in claims.iter().enumerate() {
            let record = BaseRecord::with_opaque_to(&self.topic, Box::new((index, sender.clone()))).key(key).payload(value);
            self.producer.send(record).map_err(|(error, _)| failed(error))?;
        }
        drop(sender);
        let mut written: HashMap<i32, i64> = HashMap::new();
        let mut left = claims.len();
        while left > 0 {
            if Instant::now() >= deadline {
                return Err(ClaimError::NotReadBack { topic: self.topic.clone(), millis: wait.as_millis() });
            }
            self.producer.poll(Duration::from_millis(5));
            while let Ok((_, outcome)) = delivered.try_recv() {
                let (partition, offset) = outcome.map_err(failed)?;
                let highest = written.entry(partition).or_insert(offset);
                *highest = (*highest).max(offset);
                left -= 1;
            }
        }
        let mut table = self.shared.table.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while !written.iter().all(|(partition, offset)| table.has_read(*partition, *offset)) {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(ClaimError::NotReadBack { topic: self.topic.clone(), millis: wait.as_millis() });
            }
            table = self.shared.grew.wait_timeout(table, remaining).unwrap_or_else(std::sync::PoisonError::into_inner).0;
        }
        Ok(())
    }

    /// The first claim of `key` within the horizon, as every instance sees it
    /// once it read that far.
    pub fn first(&self, key: &[u8]) -> Option<Claim> {
        self.shared.table.lock().unwrap_or_else(std::sync::PoisonError::into_inner).first(key).cloned()
    }
}

/// The follower thread: assigns every partition of `topic` from one horizon
/// ago (asking again until the topic exists), then reads until stopped.
fn follow(consumer: &EndReader, topic: &str, horizon_ms: i64, shared: &Shared) {
    while !shared.stop.load(Ordering::Relaxed) {
        match assign_from_horizon(consumer, topic, horizon_ms) {
            Ok(()) => break,
            Err(error) => {
                tracing::warn!(%error, topic, "claims: cannot read the claims topic yet; trying again");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
    let mut pruned = Instant::now();
    while !shared.stop.load(Ordering::Relaxed) {
        match consumer.poll(Duration::from_millis(200)) {
            None | Some(Err(KafkaError::PartitionEOF(_))) => {}
            Some(Err(error)) => tracing::warn!(%error, topic, "claims: client error while following; reading on"),
            Some(Ok(message)) => {
                let at_ms = match message.timestamp() {
                    Timestamp::CreateTime(ms) | Timestamp::LogAppendTime(ms) => ms,
                    Timestamp::NotAvailable => now_ms(),
                };
                let claim = Claim { value: message.payload().unwrap_or_default().to_vec(), partition: message.partition(), offset: message.offset(), at_ms };
                shared.table.lock().unwrap_or_else(std::sync::PoisonError::into_inner).record(message.key().unwrap_or_default(), claim);
                shared.grew.notify_all();
            }
        }
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = Instant::now();
            shared.table.lock().unwrap_or_else(std::sync::PoisonError::into_inner).prune(now_ms());
        }
    }
}

/// Assigns every partition of `topic` at the first claim written within the horizon.
fn assign_from_horizon(consumer: &EndReader, topic: &str, horizon_ms: i64) -> Result<(), KafkaError> {
    let partitions = partitions_of(consumer, topic, PARTITIONS_WAIT).map_err(|error| KafkaError::ClientCreation(error.to_string()))?;
    // The ends first: a partition with no claim since the horizon is read from
    // there, so a claim written while this assigns is read too.
    let mut ends = HashMap::new();
    for partition in &partitions {
        ends.insert(*partition, consumer.fetch_watermarks(topic, *partition, Duration::from_secs(10))?.1);
    }
    let since = now_ms().saturating_sub(horizon_ms);
    let mut asked = TopicPartitionList::new();
    for partition in &partitions {
        asked.add_partition_offset(topic, *partition, Offset::Offset(since))?;
    }
    let found = consumer.offsets_for_times(asked, Duration::from_secs(10))?;
    let mut assignment = TopicPartitionList::new();
    for element in found.elements() {
        let start = match element.offset() {
            Offset::Offset(at) if at >= 0 => at,
            _ => ends.get(&element.partition()).copied().unwrap_or(0),
        };
        assignment.add_partition_offset(topic, element.partition(), Offset::Offset(start))?;
    }
    consumer.assign(&assignment)?;
    tracing::info!(topic, partitions = partitions.len(), "claims: following every partition");
    Ok(())
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
