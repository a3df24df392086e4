//! The one consume → process → produce loop every stage runs.
//!
//! Delivery semantics: **exactly-once between Kafka topics**, by Kafka
//! transactions. Each batch of input records is processed inside one producer
//! transaction; the outputs (and dead letters) and the input offsets
//! (`send_offsets_to_transaction`) commit together or not at all. Readers use
//! `isolation.level=read_committed`, so they never see the output of an aborted
//! batch. If anything fails, the transaction is aborted and the consumer is sought
//! back to the batch's first offsets, so the batch is processed again; a crash has
//! the same effect, because the uncommitted offsets were never stored.
//!
//! The loop is blocking and runs on its own thread: librdkafka's transactional
//! calls block, and the stages' CPU-heavy work must stay off the async reactor.
//! Batches are bounded by count and by time, which bounds both memory in flight
//! (backpressure: nothing more is read until the batch commits) and each
//! transaction's length.
//!
//! Timed work ([`Stage::due`]) is asked for on every turn of the loop (at least
//! every [`IDLE_POLL`] when idle) and processed in the same transactions as
//! consumed records, with no input offset; a stage's state kept in compacted
//! topics is removed by tombstones in the same transaction ([`Stage::prepare`]
//! restores it on start-up).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use crate::admin_server::Readiness;
use crate::config::KafkaConfig;
use crate::events;
use crate::kafka::client;
use crate::kafka::context::NewswireContext;
use crate::kafka::dead_letter::dead_letter_record;
use crate::kafka::headers::{self, HeaderMap};
use crate::metrics::Metrics;
use crate::kafka::transaction::TransactionalProducer;
use crate::stage::{DueRecord, InputMessage, Stage, StageError, Tombstone};

/// How long one poll waits for the first record of a batch (also how often shutdown is checked).
const IDLE_POLL: Duration = Duration::from_millis(100);

/// The first pause after a batch the stage asked to retry; it doubles on each
/// retry in a row, up to [`RETRY_MAX_PAUSE`], and resets when a batch commits.
const RETRY_FIRST_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause between retries of a batch.
const RETRY_MAX_PAUSE: Duration = Duration::from_secs(10);

/// What the runtime needs to know about the stage it drives.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    /// Kafka client settings.
    pub kafka: KafkaConfig,
    /// Topic the stage consumes.
    pub input_topic: String,
    /// Dead-letter topic.
    pub dlq_topic: String,
    /// Consumer group id.
    pub group_id: String,
    /// Transactional id: stable per instance, unique between instances.
    pub transactional_id: String,
}

/// Why the runtime stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// A client could not be created or subscribed.
    #[error("Kafka client setup failed: {0}")]
    Setup(#[source] KafkaError),
    /// The stage could not prepare itself ([`Stage::prepare`]: restoring its state).
    #[error("the stage could not prepare: {0}")]
    Prepare(#[source] StageError),
    /// The producer hit a fatal error (for example it was fenced by another
    /// instance with the same transactional id); the process must restart.
    #[error("fatal Kafka error: {0}")]
    Fatal(#[source] KafkaError),
}

/// A batch in progress: what was read, where it started, what it produced.
#[derive(Default)]
struct Batch {
    /// Records consumed.
    messages: usize,
    /// Timed work the stage said was due ([`Stage::due`]): processed, not consumed.
    due: usize,
    /// First offset read per (topic, partition): where to seek back to on abort.
    first_offsets: HashMap<(String, i32), i64>,
    /// Next offset to consume per (topic, partition): what to commit.
    next_offsets: HashMap<(String, i32), i64>,
    /// Records produced, per topic, counted once the batch commits.
    produced: HashMap<String, u64>,
    /// Ingest acceptance times of the batch's stories, for end-to-end latency.
    ingested_at_ms: Vec<i64>,
    /// Duplicates, drops, dead letters and the stage's own events, emitted at commit.
    events: events::PendingEvents,
    started: Option<Instant>,
}

/// Why one record could not be handled inside the open transaction.
enum HandleError {
    /// The producer failed.
    Kafka(KafkaError),
    /// The stage asked for the batch to be retried ([`StageError::retry_batch`]).
    Retry(StageError),
}

impl Batch {
    /// Records in the batch, consumed or due.
    fn len(&self) -> usize {
        self.messages + self.due
    }
}

impl From<KafkaError> for HandleError {
    fn from(error: KafkaError) -> Self {
        HandleError::Kafka(error)
    }
}

/// Drives `stage` until `shutdown` is cancelled (returns `Ok`) or a fatal error.
pub fn run<S: Stage>(
    settings: RuntimeSettings,
    mut stage: S,
    metrics: Arc<Metrics>,
    readiness: Readiness,
    shutdown: CancellationToken,
) -> Result<(), RuntimeError> {
    let context = NewswireContext::new(metrics.clone());
    let client_id = format!("newswire-{}", stage.name());
    let consumer: BaseConsumer<NewswireContext> = client::transactional_consumer(&settings.kafka, &client_id, &settings.group_id)
        .create_with_context(context.clone())
        .map_err(RuntimeError::Setup)?;
    let producer =
        TransactionalProducer::start(&settings.kafka, &client_id, &settings.transactional_id, context.clone(), shutdown.clone())?;
    stage.prepare().map_err(RuntimeError::Prepare)?;
    let mut runtime = Runtime { settings, consumer, producer, context, metrics, shutdown, retry_pause: None };
    runtime.consumer.subscribe(&[runtime.settings.input_topic.as_str()]).map_err(RuntimeError::Setup)?;
    readiness.set(true);
    tracing::info!(stage = stage.name(), topic = %runtime.settings.input_topic, group = %runtime.settings.group_id, "consuming");
    let result = runtime.run_loop(&mut stage);
    readiness.set(false);
    runtime.consumer.unsubscribe();
    runtime.producer.flush_on_shutdown();
    tracing::info!(stage = stage.name(), "stopped");
    result
}

struct Runtime {
    settings: RuntimeSettings,
    consumer: BaseConsumer<NewswireContext>,
    producer: TransactionalProducer,
    context: NewswireContext,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
    /// The pause before the next read after a retried batch; `None` after a commit.
    retry_pause: Option<Duration>,
}

impl Runtime {
    fn run_loop<S: Stage>(&mut self, stage: &mut S) -> Result<(), RuntimeError> {
        let max_messages = self.settings.kafka.batch_max_messages;
        let max_wait = Duration::from_millis(self.settings.kafka.batch_max_wait_ms);
        let mut batch = Batch::default();
        loop {
            let stop = self.shutdown.is_cancelled();
            let full = batch.len() >= max_messages;
            let expired = batch.started.is_some_and(|t| t.elapsed() >= max_wait);
            if batch.len() > 0 && (stop || full || expired) {
                self.finish(stage, std::mem::take(&mut batch))?;
                continue;
            }
            if stop {
                return Ok(());
            }
            // Timed work first: it is due now, and a record consumed after it may depend on it.
            for due in stage.due(max_messages - batch.len()) {
                if batch.len() == 0 {
                    self.producer.begin()?;
                    batch.started = Some(Instant::now());
                }
                match self.handle_due(stage, &due, &mut batch) {
                    Ok(()) => {}
                    Err(error) => {
                        // The rest of this turn's due work is the stage's again after its on_abort.
                        self.fail(stage, std::mem::take(&mut batch), error)?;
                        break;
                    }
                }
            }
            let batch_open = batch.len() > 0;
            let timeout = if batch_open { Duration::ZERO } else { IDLE_POLL };
            // Detached at once: the record must not borrow the consumer while the batch may abort.
            let polled = self.consumer.poll(timeout).map(|r| r.map(|m| m.detach()));
            if self.context.take_rebalanced() && batch_open {
                // Partitions may have moved: what this batch read may now belong to
                // another member. Its output was never committed; drop it.
                self.abort(stage, std::mem::take(&mut batch), "consumer group rebalanced")?;
            }
            match polled {
                None if batch.len() > 0 => self.finish(stage, std::mem::take(&mut batch))?,
                None => {}
                Some(Err(error)) => tracing::warn!(%error, "consumer error"),
                Some(Ok(message)) => {
                    if batch.len() == 0 {
                        self.producer.begin()?;
                        batch.started = Some(Instant::now());
                    }
                    if let Err(error) = self.handle(stage, &message, &mut batch) {
                        self.fail(stage, std::mem::take(&mut batch), error)?;
                    }
                }
            }
        }
    }

    /// Aborts the batch after a record could not be handled: at once for a
    /// Kafka error, after a pause when the stage asked to retry.
    fn fail<S: Stage>(&mut self, stage: &mut S, batch: Batch, error: HandleError) -> Result<(), RuntimeError> {
        match error {
            HandleError::Kafka(error) => self.abort(stage, batch, &error.to_string()),
            HandleError::Retry(error) => self.retry(stage, batch, &error),
        }
    }

    /// Processes one consumed record inside the open transaction.
    fn handle<S: Stage>(&self, stage: &mut S, message: &OwnedMessage, batch: &mut Batch) -> Result<(), HandleError> {
        let position = (message.topic().to_owned(), message.partition());
        batch.first_offsets.entry(position.clone()).or_insert(message.offset());
        batch.next_offsets.insert(position, message.offset() + 1);
        batch.messages += 1;
        self.metrics.consumed.inc();
        self.metrics.in_flight.inc();

        let headers = HeaderMap::from_kafka(message.headers());
        if let Some(ms) = headers.get_str(headers::INGESTED_AT_MS).and_then(|v| v.parse().ok()) {
            batch.ingested_at_ms.push(ms);
        }
        let input = InputMessage {
            topic: message.topic(),
            partition: message.partition(),
            offset: message.offset(),
            key: message.key(),
            payload: message.payload().unwrap_or_default(),
            headers: &headers,
        };
        self.process(stage, &input, None, batch)
    }

    /// Processes one record of timed work inside the open transaction: no
    /// offset to commit, no consumption, no end-to-end latency (it waited on purpose).
    fn handle_due<S: Stage>(&self, stage: &mut S, due: &DueRecord, batch: &mut Batch) -> Result<(), HandleError> {
        batch.due += 1;
        self.process(stage, &due.input(), due.settles.as_ref(), batch)
    }

    /// Runs the stage on `input` and sends what it decided (or its dead letter),
    /// then `settles` whatever the outcome.
    fn process<S: Stage>(&self, stage: &mut S, input: &InputMessage<'_>, settles: Option<&Tombstone>, batch: &mut Batch) -> Result<(), HandleError> {
        let headers = input.headers;
        let span = tracing::info_span!(
            "story",
            stage = stage.name(),
            trace_id = headers.get_str(headers::TRACE_ID).unwrap_or(""),
            uri = tracing::field::Empty,
            version = tracing::field::Empty,
        );
        let _entered = span.enter();
        let started = Instant::now();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| stage.process(input))).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(StageError::new("stage_panicked", format!("the stage panicked: {what}")))
        });
        self.metrics.processing_seconds.observe(started.elapsed().as_secs_f64());

        match result.and_then(|outcome| outcome.within_record_limit(self.settings.kafka.max_message_bytes)) {
            Ok(outcome) => {
                if let Some(kind) = outcome.duplicate {
                    batch.events.duplicate(kind);
                }
                if let Some(reason) = outcome.dropped {
                    batch.events.dropped(reason);
                }
                batch.events.story(outcome.events);
                for record in &outcome.records {
                    self.producer.send(record)?;
                    *batch.produced.entry(record.topic.clone()).or_default() += 1;
                }
                for tombstone in &outcome.tombstones {
                    self.send_tombstone(tombstone, batch)?;
                }
            }
            Err(error) if error.is_retry() => return Err(HandleError::Retry(error)),
            Err(error) => {
                stage.on_dead_lettered();
                let source = format!("{}/{}/{}", input.topic, input.partition, input.offset);
                let record = dead_letter_record(&self.settings.dlq_topic, stage.name(), input, &error);
                batch.events.dead_lettered(error.reason, error.detail, source);
                self.producer.send(&record)?;
                *batch.produced.entry(record.topic).or_default() += 1;
            }
        }
        if let Some(tombstone) = settles {
            self.send_tombstone(tombstone, batch)?;
        }
        Ok(())
    }

    fn send_tombstone(&self, tombstone: &Tombstone, batch: &mut Batch) -> Result<(), KafkaError> {
        self.producer.send_tombstone(&tombstone.topic, &tombstone.key)?;
        *batch.produced.entry(tombstone.topic.clone()).or_default() += 1;
        Ok(())
    }

    /// Commits the batch's output and offsets in its transaction, or aborts it.
    fn finish<S: Stage>(&mut self, stage: &mut S, batch: Batch) -> Result<(), RuntimeError> {
        if let Err(error) = stage.before_commit() {
            return self.retry(stage, batch, &error);
        }
        let committing = Instant::now();
        let committed = self.commit(&batch);
        self.metrics.commit_seconds.observe(committing.elapsed().as_secs_f64());
        match committed {
            Ok(()) => {
                stage.on_commit();
                self.retry_pause = None;
                self.record_commit(batch);
                Ok(())
            }
            Err(KafkaError::Transaction(e)) if e.is_fatal() => Err(RuntimeError::Fatal(KafkaError::Transaction(e))),
            Err(error) => self.abort(stage, batch, &error.to_string()),
        }
    }

    fn commit(&self, batch: &Batch) -> Result<(), KafkaError> {
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), next) in &batch.next_offsets {
            offsets.add_partition_offset(topic, *partition, Offset::Offset(*next))?;
        }
        if offsets.count() == 0 {
            // Timed work alone: nothing consumed, no offsets, no need of the group.
            return self.producer.commit(None);
        }
        let group = self
            .consumer
            .group_metadata()
            .ok_or_else(|| KafkaError::Subscription("the consumer has no group metadata yet".into()))?;
        self.producer.commit(Some((&offsets, &group)))
    }

    fn record_commit(&self, batch: Batch) {
        events::BatchCommitted { messages: batch.len() }.emit(&self.metrics);
        batch.events.emit(&self.metrics);
        self.metrics.in_flight.sub(batch.messages as i64);
        for (topic, count) in &batch.produced {
            self.metrics.produced.with_label_values(&[topic.as_str()]).inc_by(*count);
        }
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        for at in &batch.ingested_at_ms {
            self.metrics.end_to_end_seconds.observe(((now_ms - at).max(0) as f64) / 1000.0);
        }
    }

    /// Aborts the batch because the stage cannot do its work now (see
    /// [`StageError::retry_batch`]), then pauses before it is read again: the
    /// pause doubles with each retry in a row, so a store outage is neither a
    /// busy loop nor a dead letter. Shutdown cuts the pause short.
    fn retry<S: Stage>(&mut self, stage: &mut S, batch: Batch, error: &StageError) -> Result<(), RuntimeError> {
        self.metrics.batch_retries.with_label_values(&[error.reason]).inc();
        self.abort(stage, batch, &error.to_string())?;
        let pause = self.retry_pause.map_or(RETRY_FIRST_PAUSE, |p| (p * 2).min(RETRY_MAX_PAUSE));
        self.retry_pause = Some(pause);
        tracing::warn!(reason = error.reason, pause_ms = pause.as_millis() as u64, "the stage asked to retry the batch; pausing before re-reading it");
        let until = Instant::now() + pause;
        while !self.shutdown.is_cancelled() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())));
        }
        Ok(())
    }

    /// Aborts the open transaction and seeks back so the batch is read again.
    fn abort<S: Stage>(&mut self, stage: &mut S, batch: Batch, why: &str) -> Result<(), RuntimeError> {
        events::BatchAborted { messages: batch.len(), error: why }.emit(&self.metrics);
        self.metrics.in_flight.sub(batch.messages as i64);
        stage.on_abort();
        self.producer.abort()?;
        for ((topic, partition), offset) in &batch.first_offsets {
            // A partition no longer assigned cannot be sought; its new owner starts
            // from the committed offset, which is this same position.
            if let Err(error) = self.consumer.seek(topic, *partition, Offset::Offset(*offset), Duration::from_secs(5)) {
                tracing::debug!(%error, topic, partition, "seek back after abort skipped");
            }
        }
        Ok(())
    }
}
