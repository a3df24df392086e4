//! Reading what the pipeline did with the pushed stories: every pipeline topic
//! from its end as it was before the first push (so only this run's records
//! are seen), read-committed.
//!
//! Records are followed by their trace id (`newswire-trace-id`, minted by
//! ingest for each story it accepts and carried by every stage, dead letters
//! included), so two pushes of one story (same key: versions, or the same
//! story in two formats) are told apart. The raw topic links a push to its
//! trace id: its record has the push's key and the pushed bytes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswire_shared::article::Article;
use newswire_shared::config::{KafkaConfig, TopicNames};
use newswire_shared::ids;
use newswire_shared::kafka::{client, headers};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use super::account::{DeadLetter, RawSeen, Seen};

/// Everything read so far.
#[derive(Debug, Default)]
pub struct Collected {
    /// What each trace id showed on the topics.
    pub seen: HashMap<String, Seen>,
    /// The raw records of each story key, in order.
    pub raw: HashMap<String, Vec<RawSeen>>,
    /// The last published article of each trace id.
    pub articles: HashMap<String, Article>,
    /// Published records that were not valid ninjs, by trace id (a defect on their own).
    pub unreadable_published: Vec<(String, String)>,
    /// When the last record of any topic arrived.
    pub last_record: Option<Instant>,
}

/// A background reader of the five pipeline topics.
pub struct Collector {
    state: Arc<Mutex<Collected>>,
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<()>,
}

/// Which pipeline topic a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Raw,
    Normalized,
    Enriched,
    Published,
    Dlq,
}

impl Collector {
    /// Assigns every partition of the five topics at its current end and starts reading.
    pub fn start(kafka: &KafkaConfig, topics: &TopicNames) -> anyhow::Result<Self> {
        let group = format!("newswire-eval-{}", uuid::Uuid::new_v4().simple());
        let mut config = client::reader(kafka, "newswire-eval", &group);
        config.set("fetch.wait.max.ms", "50");
        let consumer: BaseConsumer = config.create()?;
        let names = [
            (topics.raw.clone(), Which::Raw),
            (topics.normalized.clone(), Which::Normalized),
            (topics.enriched.clone(), Which::Enriched),
            (topics.published.clone(), Which::Published),
            (topics.dlq.clone(), Which::Dlq),
        ];
        let mut assignment = TopicPartitionList::new();
        for (topic, _) in &names {
            let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(10))?;
            let partitions: Vec<i32> = metadata.topics().iter().flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
            anyhow::ensure!(!partitions.is_empty(), "topic {topic} does not exist (is the pipeline running on these topics?)");
            for partition in partitions {
                let (_, high) = consumer.fetch_watermarks(topic, partition, Duration::from_secs(10))?;
                assignment.add_partition_offset(topic, partition, Offset::Offset(high))?;
            }
        }
        consumer.assign(&assignment)?;
        let which: HashMap<String, Which> = names.into_iter().collect();
        let state = Arc::new(Mutex::new(Collected::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (state.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                match consumer.poll(Duration::from_millis(100)) {
                    Some(Ok(message)) => {
                        let Some(kind) = which.get(message.topic()).copied() else { continue };
                        if let Ok(mut collected) = shared.lock() {
                            record(&mut collected, kind, &message);
                        }
                    }
                    Some(Err(error)) => eprintln!("newswire eval: reading the topics: {error}"),
                    None => {}
                }
            }
        });
        Ok(Collector { state, stop, handle })
    }

    /// Looks at what was read so far.
    pub fn with<R>(&self, look: impl FnOnce(&Collected) -> R) -> R {
        match self.state.lock() {
            Ok(collected) => look(&collected),
            Err(poisoned) => look(&poisoned.into_inner()),
        }
    }

    /// Stops reading and returns everything read.
    pub fn finish(self) -> Collected {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.handle.join();
        match Arc::try_unwrap(self.state) {
            Ok(mutex) => mutex.into_inner().unwrap_or_else(|p| p.into_inner()),
            Err(shared) => std::mem::take(&mut *shared.lock().unwrap_or_else(|p| p.into_inner())),
        }
    }
}

fn header(message: &BorrowedMessage<'_>, name: &str) -> Option<String> {
    let headers = message.headers()?;
    headers.iter().find(|h| h.key == name).and_then(|h| h.value).map(|v| String::from_utf8_lossy(v).into_owned())
}

fn record(collected: &mut Collected, kind: Which, message: &BorrowedMessage<'_>) {
    collected.last_record = Some(Instant::now());
    let key = message.key().map(|k| String::from_utf8_lossy(k).into_owned()).unwrap_or_default();
    // Every record carries a trace id; one without is followed by its key.
    let trace = header(message, headers::TRACE_ID).unwrap_or_else(|| format!("key:{key}"));
    let seen = collected.seen.entry(trace.clone()).or_default();
    match kind {
        Which::Raw => {
            seen.raw = true;
            let digest = ids::digest(&[message.payload().unwrap_or_default()]);
            collected.raw.entry(key).or_default().push(RawSeen { trace_id: trace, digest });
        }
        Which::Normalized => seen.normalized = true,
        Which::Enriched => seen.enriched = true,
        Which::Dlq => seen.dead.push(DeadLetter {
            stage: header(message, headers::DLQ_STAGE).unwrap_or_default(),
            reason: header(message, headers::DLQ_REASON).unwrap_or_default(),
            detail: header(message, headers::DLQ_DETAIL).unwrap_or_default(),
        }),
        Which::Published => {
            seen.published += 1;
            match serde_json::from_slice::<Article>(message.payload().unwrap_or_default()) {
                Ok(article) => {
                    seen.empty_body = article.bodies.iter().all(|b| b.value.trim().is_empty());
                    collected.articles.insert(trace, article);
                }
                Err(error) => {
                    seen.empty_body = true;
                    collected.unreadable_published.push((trace, error.to_string()));
                }
            }
        }
    }
}
