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
//! Each turn of the loop is one batch, in three steps:
//! 1. **gather**: the stage's due timed work ([`Stage::due`]), then the records
//!    the consumer has (waiting up to [`IDLE_POLL`] for the first when there is
//!    no due work), with no transaction open;
//! 2. **prepare**: [`Stage::prepare_batch`] sees every record of the batch, still
//!    with no transaction open; a stage that calls out (enrich's external
//!    enricher) does it here, within its own time budget;
//! 3. **process and commit**: the transaction begins, each record goes through
//!    [`Stage::process`] (due work first, with no input offset; a stage's state
//!    kept in compacted topics is removed by tombstones in the same transaction,
//!    and [`Stage::prepare`] restores it on start-up), and it commits.

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
use crate::kafka::batch_budget::BatchBudget;
use crate::kafka::client;
use crate::kafka::context::NewswireContext;
use crate::kafka::dead_letter::dead_letter_record;
use crate::kafka::headers::{self, HeaderMap};
use crate::kafka::state_sync::{StateSync, StateSyncError};
use crate::kafka::transaction::{Abort, TransactionalProducer};
use crate::metrics::Metrics;
use crate::stage::{self, DueRecord, InputMessage, Stage, StageError, Tombstone};

/// How long one poll waits for the first record of a batch (also how often shutdown is checked).
const IDLE_POLL: Duration = Duration::from_millis(100);

/// The first pause after a batch the stage asked to retry; it doubles on each
/// retry in a row, up to [`RETRY_MAX_PAUSE`], and resets when a batch commits.
const RETRY_FIRST_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause between retries of a batch.
const RETRY_MAX_PAUSE: Duration = Duration::from_secs(10);

/// How long a passing Kafka error while bringing the stage's state in step
/// with an assignment is tried again before the stage stops (and is
/// restarted); with a restore, well within the consumer's poll interval.
const STATE_SYNC_RETRY_FOR: Duration = Duration::from_secs(60);

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
    /// The stage's changelog-backed state could not be restored or written
    /// (see [`crate::changelog`]); the process exits and is restarted, and
    /// restores from the changelog then.
    #[error("the stage's state: {0}")]
    State(#[source] StateSyncError),
}

/// A batch in progress: what was read, where it started, what it produced.
#[derive(Default)]
struct Batch {
    /// Records consumed.
    messages: usize,
    /// Timed work the stage said was due ([`Stage::due`]): processed, not consumed.
    due: usize,
    /// First offset read per (topic, partition), for every record gathered: where to seek back to on abort.
    first_offsets: HashMap<(String, i32), i64>,
    /// Next offset to consume per (topic, partition): what to commit.
    next_offsets: HashMap<(String, i32), i64>,
    /// Records produced, per topic, counted once the batch commits.
    produced: HashMap<String, u64>,
    /// Ingest acceptance times of the batch's stories, for end-to-end latency.
    ingested_at_ms: Vec<i64>,
    /// Duplicates, drops, dead letters and the stage's own events, emitted at commit.
    events: events::PendingEvents,
    /// Whether its transaction's time ran out before its last records (see
    /// [`BatchBudget`]): they were sought back, to be read in the next batch.
    cut: bool,
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
    let state = StateSync::new(&settings.kafka, &client_id);
    let budget = BatchBudget::new(settings.kafka.batch_max_messages, Duration::from_millis(settings.kafka.transaction_timeout_ms));
    let mut runtime =
        Runtime { settings, consumer, producer, context, metrics, shutdown, retry_pause: None, state, readiness: readiness.clone(), budget };
    runtime.consumer.subscribe(&[runtime.settings.input_topic.as_str()]).map_err(RuntimeError::Setup)?;
    readiness.set(true);
    tracing::info!(stage = stage.name(), topic = %runtime.settings.input_topic, group = %runtime.settings.group_id, "consuming");
    let result = runtime.run_loop(&mut stage);
    readiness.set(false);
    if result.is_ok() {
        // A clean stop leaves fresh checkpoints: the next start reads on from them.
        if let Err(error) = runtime.state.checkpoint(stage.stores(), true) {
            tracing::warn!(%error, "cannot checkpoint the stage's state on shutdown; the next start reads more of the changelog");
        }
    }
    runtime.consumer.unsubscribe();
    runtime.producer.flush_on_shutdown();
    tracing::info!(stage = stage.name(), "stopped");
    result
}

/// Whether the stage staged store changes outside a batch ([`Stage::before_batch`]).
fn has_staged_state<S: Stage>(stage: &mut S) -> bool {
    stage.stores().iter().any(|store| store.staged_len() > 0)
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
    /// Restores and checkpoints the stage's changelog-backed stores.
    state: StateSync,
    /// What `/ready` answers: false while state is restored.
    readiness: Readiness,
    /// How many records the next batch may take, and for how long its transaction takes them.
    budget: BatchBudget,
}

impl Runtime {
    /// One batch per turn: gather its records with no transaction open, let
    /// the stage prepare them ([`Stage::prepare_batch`]), then process them in
    /// one transaction and commit it.
    fn run_loop<S: Stage>(&mut self, stage: &mut S) -> Result<(), RuntimeError> {
        loop {
            if self.shutdown.is_cancelled() {
                return Ok(());
            }
            let max_messages = self.budget.limit();
            stage.before_batch();
            // Timed work first: it is due now, and a record consumed after it may depend on it.
            let mut due = stage.due(max_messages);
            let messages = self.gather(max_messages.saturating_sub(due.len()), !due.is_empty());
            let revoked = self.context.take_revoked();
            if revoked {
                // Whatever comes back next is read on from its checkpoint: another
                // instance may have written its slice meanwhile.
                StateSync::on_revoked(stage.stores());
            }
            let synced = self.context.take_assigned();
            if (revoked || synced) && (!due.is_empty() || has_staged_state(stage)) {
                // Due work and changes staged before the rebalance may belong to a
                // partition that moved away: take them back; what is still ours
                // comes again next turn.
                stage::batch_aborted(stage);
                due.clear();
            }
            if revoked || synced {
                // Before any record or due work of the new assignment; on a bare
                // revocation the stage stops using what moved away at once (the
                // group may hand it to another instance before this one rejoins).
                self.sync_state(stage, synced)?;
                if self.shutdown.is_cancelled() {
                    // Stopped while waiting to sync: the gathered records are read again at the next start.
                    return Ok(());
                }
            }
            // What other instances committed to replicated stores, before this batch reads them.
            let followed = self.state.follow_others(stage.stores(), &self.metrics).map_err(RuntimeError::State)?;
            if synced || followed > 0 {
                stage.on_remote_state();
            }
            // Between batches (no transaction open), at most every CHECKPOINT_EVERY.
            if let Err(error) = self.state.checkpoint(stage.stores(), false) {
                tracing::warn!(%error, "cannot checkpoint the stage's state; trying again later");
            }
            if due.is_empty() && messages.is_empty() && !has_staged_state(stage) {
                continue;
            }
            self.run_batch(stage, &due, &messages)?;
        }
    }

    /// Brings the stage's changelog-backed stores in step with the partitions
    /// the group assigned (see [`StateSync::on_assigned`]; only when `restore`:
    /// a bare revocation restores nothing) and tells the stage what it owns
    /// now ([`Stage::on_assigned`]). A passing Kafka
    /// error (a partition's leader moving just after its topic was made, a
    /// busy broker) is tried again, with a growing pause, for up to
    /// [`STATE_SYNC_RETRY_FOR`]; nothing is processed meanwhile and `/ready`
    /// stays false. Anything else, or a Kafka error that lasts, stops the stage.
    fn sync_state<S: Stage>(&mut self, stage: &mut S, restore: bool) -> Result<(), RuntimeError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            match self.sync_state_once(stage, restore) {
                Err(RuntimeError::State(error)) if error.is_transient() && started.elapsed() < STATE_SYNC_RETRY_FOR => {
                    self.readiness.set(false);
                    self.metrics.state_sync_retries.inc();
                    tracing::warn!(%error, retry_in_ms = pause.as_millis() as u64, "cannot bring the stage's state in step yet; trying again");
                    if self.pause_unless_stopping(pause) {
                        return Ok(());
                    }
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
                result => {
                    if result.is_ok() {
                        self.readiness.set(true);
                    }
                    return result;
                }
            }
        }
    }

    /// Sleeps `pause` in short steps; true when shutdown was asked for meanwhile.
    fn pause_unless_stopping(&self, pause: Duration) -> bool {
        let until = Instant::now() + pause;
        while Instant::now() < until {
            if self.shutdown.is_cancelled() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())));
        }
        self.shutdown.is_cancelled()
    }

    /// Restores the stores for the current assignment (when `restore`), then
    /// tells the stage which partitions it owns ([`Stage::on_assigned`]).
    fn sync_state_once<S: Stage>(&mut self, stage: &mut S, restore: bool) -> Result<(), RuntimeError> {
        let assignment = self.consumer.assignment().map_err(RuntimeError::Setup)?;
        let mut assigned: Vec<i32> = assignment
            .elements()
            .iter()
            .filter(|e| e.topic() == self.settings.input_topic)
            .map(|e| e.partition())
            .collect();
        assigned.sort_unstable();
        let stores = stage.stores();
        if restore && !stores.is_empty() {
            self.state.on_assigned(stores, &assigned, &self.metrics, &self.readiness).map_err(RuntimeError::State)?;
        }
        stage.on_assigned(&assigned).map_err(|error| RuntimeError::State(StateSyncError::Stage(error.to_string())))
    }

    /// Reads the consumed records of the next batch (see [`gather`]); records a
    /// rebalance made doubtful are sought back and read again later.
    fn gather(&mut self, max: usize, have_due: bool) -> Vec<OwnedMessage> {
        let limits = GatherLimits {
            max,
            max_wait: Duration::from_millis(self.settings.kafka.batch_max_wait_ms),
            wait_for_first: !have_due,
        };
        let consumer = &self.consumer;
        let context = &self.context;
        let shutdown = &self.shutdown;
        let gathered = gather(
            &limits,
            // Detached at once: a record must not borrow the consumer while the batch may abort.
            |timeout| (consumer.poll(timeout).map(|r| r.map(|m| m.detach())), context.take_rebalanced()),
            || shutdown.is_cancelled(),
        );
        if !gathered.dropped.is_empty() {
            tracing::debug!(records = gathered.dropped.len(), "consumer group rebalanced while a batch was read; reading it again");
            self.seek_back(&first_offsets(&gathered.dropped));
        }
        gathered.messages
    }

    /// Prepares, processes and commits one batch: `due` work first, then `messages`.
    fn run_batch<S: Stage>(&mut self, stage: &mut S, due: &[DueRecord], messages: &[OwnedMessage]) -> Result<(), RuntimeError> {
        let headers: Vec<HeaderMap> = messages.iter().map(|m| HeaderMap::from_kafka(m.headers())).collect();
        let consumed: Vec<InputMessage<'_>> = messages.iter().zip(&headers).map(|(m, h)| input_of(m, h)).collect();
        let inputs: Vec<InputMessage<'_>> = due.iter().map(DueRecord::input).chain(consumed.iter().cloned()).collect();
        let preparing = Instant::now();
        prepare_batch(stage, &inputs);
        self.metrics.batch_prepare_seconds.observe(preparing.elapsed().as_secs_f64());

        let mut batch = Batch { first_offsets: first_offsets(messages), ..Default::default() };
        self.producer.begin()?;
        let opened = Instant::now();
        for (record, input) in due.iter().zip(&inputs) {
            if let Err(error) = self.handle_due(stage, record, input, &mut batch) {
                // The rest of this batch's due work is the stage's again after its on_abort.
                return self.fail(stage, batch, error);
            }
        }
        for (taken, input) in consumed.iter().enumerate() {
            if self.budget.is_spent(opened.elapsed(), batch.len()) {
                self.cut(&mut batch, &messages[taken..], opened.elapsed());
                break;
            }
            if let Err(error) = self.handle(stage, input, &mut batch) {
                return self.fail(stage, batch, error);
            }
        }
        self.finish(stage, batch)
    }

    /// Takes no more of the batch into its transaction, which has been open
    /// for half its timeout: `rest` is sought back and read in the next batch,
    /// and the next batches are no larger than what fitted (see [`BatchBudget`]).
    fn cut(&mut self, batch: &mut Batch, rest: &[OwnedMessage], open_for: Duration) {
        tracing::info!(
            processed = batch.len(),
            left = rest.len(),
            open_ms = open_for.as_millis() as u64,
            "the transaction has been open for half its timeout; committing what it holds and reading the rest again"
        );
        self.metrics.batches_cut.inc();
        self.seek_back(&first_offsets(rest));
        self.budget.cut_at(batch.messages);
        batch.cut = true;
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
    fn handle<S: Stage>(&self, stage: &mut S, input: &InputMessage<'_>, batch: &mut Batch) -> Result<(), HandleError> {
        batch.next_offsets.insert((input.topic.to_owned(), input.partition), input.offset + 1);
        batch.messages += 1;
        self.metrics.consumed.inc();
        self.metrics.in_flight.inc();
        if let Some(ms) = input.headers.get_str(headers::INGESTED_AT_MS).and_then(|v| v.parse().ok()) {
            batch.ingested_at_ms.push(ms);
        }
        self.process(stage, input, None, batch)
    }

    /// Processes one record of timed work inside the open transaction: no
    /// offset to commit, no consumption, no end-to-end latency (it waited on purpose).
    fn handle_due<S: Stage>(&self, stage: &mut S, due: &DueRecord, input: &InputMessage<'_>, batch: &mut Batch) -> Result<(), HandleError> {
        batch.due += 1;
        self.process(stage, input, due.settles.as_ref(), batch)
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
        let savepoints = stage::store_savepoints(stage);
        let started = Instant::now();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| stage.process(input)))
            .unwrap_or_else(|panic| Err(StageError::new("stage_panicked", format!("the stage panicked: {}", panic_message(panic.as_ref())))));
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
                stage::take_back_record(stage, savepoints);
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
        if let Err(error) = self.send_state_changes(stage) {
            return self.abort(stage, batch, &error.to_string());
        }
        let committing = Instant::now();
        let committed = self.commit(&batch);
        self.metrics.commit_seconds.observe(committing.elapsed().as_secs_f64());
        match committed {
            Ok(()) => {
                let changes = stage::batch_committed(stage).map_err(|e| RuntimeError::State(e.into()))?;
                for (store, count) in changes {
                    self.metrics.state_changes.with_label_values(&[store]).inc_by(count as u64);
                }
                self.retry_pause = None;
                if !batch.cut {
                    self.budget.committed_whole();
                }
                self.record_commit(batch);
                Ok(())
            }
            Err(error) if self.producer.is_unrecoverable(&error) => Err(RuntimeError::Fatal(error)),
            Err(error) => self.abort(stage, batch, &error.to_string()),
        }
    }

    /// Produces the batch's changes of every changelog-backed store to its
    /// changelog, each to its slice's partition, in the open transaction.
    fn send_state_changes<S: Stage>(&self, stage: &mut S) -> Result<(), KafkaError> {
        for store in stage.stores() {
            for (partition, key, value) in store.staged() {
                self.producer.send_change(store.topic(), partition, key, value)?;
            }
        }
        Ok(())
    }

    fn commit(&mut self, batch: &Batch) -> Result<(), KafkaError> {
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
        stage::batch_aborted(stage);
        let aborted = self.producer.abort()?;
        if aborted == Abort::TimedOutProducerReplaced {
            // The batch overran its transaction although records are taken for
            // only half the timeout: its last records were slow. Smaller batches now.
            self.budget.timed_out();
        }
        if let Some(reason) = aborted.replacement_reason() {
            events::ProducerReplaced { reason }.emit(&self.metrics);
        }
        self.seek_back(&batch.first_offsets);
        Ok(())
    }

    /// Seeks the consumer back to these offsets, so what was read from them is read again.
    fn seek_back(&self, first_offsets: &HashMap<(String, i32), i64>) {
        for ((topic, partition), offset) in first_offsets {
            // A partition no longer assigned cannot be sought; its new owner starts
            // from the committed offset, which is this same position.
            if let Err(error) = self.consumer.seek(topic, *partition, Offset::Offset(*offset), Duration::from_secs(5)) {
                tracing::debug!(%error, topic, partition, "seek back skipped");
            }
        }
    }
}

/// How many records [`gather`] reads into one batch, and how long it waits.
#[derive(Debug, Clone, Copy)]
struct GatherLimits {
    /// At most this many (room left after the batch's due work).
    max: usize,
    /// No more once this long passed since the first (`kafka.batch_max_wait_ms`).
    max_wait: Duration,
    /// Wait up to [`IDLE_POLL`] for the first record; when false (the batch
    /// already has due work) only take what is there.
    wait_for_first: bool,
}

/// What [`gather`] read: the batch's records, and records read before a
/// rebalance, which the caller seeks back to read again.
#[derive(Debug)]
struct Gathered<M> {
    messages: Vec<M>,
    dropped: Vec<M>,
}

/// Reads one batch's consumed records before its transaction begins: waits
/// for the first (see [`GatherLimits::wait_for_first`]), then takes what the
/// consumer already has, until `limits.max` records, `limits.max_wait` after
/// the first, an empty poll, or `stop`. `poll(timeout)` answers the next
/// record (if any) and whether the group rebalanced during the call: records
/// read before a rebalance may now belong to another member, so they are
/// dropped from the batch and returned apart (the record of that same poll,
/// read after it, stays).
fn gather<M, E: std::fmt::Display>(
    limits: &GatherLimits,
    mut poll: impl FnMut(Duration) -> (Option<Result<M, E>>, bool),
    stop: impl Fn() -> bool,
) -> Gathered<M> {
    let mut gathered = Gathered { messages: Vec::new(), dropped: Vec::new() };
    let mut first_at: Option<Instant> = None;
    while gathered.messages.len() < limits.max && !stop() && first_at.is_none_or(|t| t.elapsed() < limits.max_wait) {
        let timeout = if gathered.messages.is_empty() && limits.wait_for_first { IDLE_POLL } else { Duration::ZERO };
        let (polled, rebalanced) = poll(timeout);
        if rebalanced && !gathered.messages.is_empty() {
            gathered.dropped.append(&mut gathered.messages);
            first_at = None;
        }
        match polled {
            None => break,
            Some(Err(error)) => {
                tracing::warn!(%error, "consumer error");
                break;
            }
            Some(Ok(message)) => {
                first_at.get_or_insert_with(Instant::now);
                gathered.messages.push(message);
            }
        }
    }
    gathered
}

/// The first offset of `messages` per (topic, partition): where to seek back to.
fn first_offsets<M: Message>(messages: &[M]) -> HashMap<(String, i32), i64> {
    let mut first = HashMap::new();
    for message in messages {
        first.entry((message.topic().to_owned(), message.partition())).or_insert(message.offset());
    }
    first
}

/// A consumed record as the stage sees it.
fn input_of<'a>(message: &'a OwnedMessage, headers: &'a HeaderMap) -> InputMessage<'a> {
    InputMessage {
        topic: message.topic(),
        partition: message.partition(),
        offset: message.offset(),
        key: message.key(),
        payload: message.payload().unwrap_or_default(),
        headers,
    }
}

/// Runs [`Stage::prepare_batch`] on the batch's records. A panic in it is
/// logged and the batch goes on: [`Stage::process`] copes with records that
/// were not prepared, and a record at fault is dead-lettered there.
fn prepare_batch<S: Stage>(stage: &mut S, inputs: &[InputMessage<'_>]) {
    if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(|| stage.prepare_batch(inputs))) {
        tracing::error!(
            stage = stage.name(),
            panic = panic_message(panic.as_ref()),
            records = inputs.len(),
            "preparing a batch panicked; its records are processed without what it prepared"
        );
    }
}

/// What a caught panic said.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::Outcome;
    use std::collections::VecDeque;

    fn limits(max: usize) -> GatherLimits {
        GatherLimits { max, max_wait: Duration::from_secs(60), wait_for_first: true }
    }

    /// A poll answering `script` in order (a record, or nothing; and whether a
    /// rebalance happened), then nothing; it records the timeouts it was given.
    fn scripted(script: Vec<(Option<u32>, bool)>, timeouts: &mut Vec<Duration>) -> impl FnMut(Duration) -> (Option<Result<u32, String>>, bool) + '_ {
        let mut script: VecDeque<_> = script.into();
        move |timeout| {
            timeouts.push(timeout);
            let (record, rebalanced) = script.pop_front().unwrap_or((None, false));
            (record.map(Ok), rebalanced)
        }
    }

    #[test]
    fn a_batch_is_what_the_consumer_has_at_once_after_waiting_only_for_the_first_record() {
        let mut timeouts = Vec::new();
        let gathered = gather(&limits(10), scripted(vec![(Some(1), false), (Some(2), false), (None, false), (Some(3), false)], &mut timeouts), || false);
        assert_eq!(gathered.messages, vec![1, 2], "an empty poll ends the batch");
        assert_eq!(timeouts, vec![IDLE_POLL, Duration::ZERO, Duration::ZERO]);
    }

    #[test]
    fn a_batch_stops_at_its_size_at_shutdown_and_with_due_work_does_not_wait() {
        let mut timeouts = Vec::new();
        let full = gather(&limits(2), scripted(vec![(Some(1), false), (Some(2), false), (Some(3), false)], &mut timeouts), || false);
        assert_eq!(full.messages, vec![1, 2]);
        assert!(gather(&limits(2), scripted(vec![(Some(1), false)], &mut Vec::new()), || true).messages.is_empty());

        let mut timeouts = Vec::new();
        let with_due = GatherLimits { wait_for_first: false, ..limits(5) };
        assert!(gather(&with_due, scripted(vec![], &mut timeouts), || false).messages.is_empty());
        assert_eq!(timeouts, vec![Duration::ZERO]);
        assert!(gather(&limits(0), scripted(vec![(Some(1), false)], &mut Vec::new()), || false).messages.is_empty(), "no room: no read");
    }

    #[test]
    fn records_read_before_a_rebalance_are_dropped_to_be_read_again() {
        let script = vec![(Some(1), false), (Some(2), false), (Some(3), true), (Some(4), false)];
        let gathered = gather(&limits(10), scripted(script, &mut Vec::new()), || false);
        assert_eq!((gathered.messages, gathered.dropped), (vec![3, 4], vec![1, 2]));
    }

    #[test]
    fn the_first_offset_per_partition_is_where_an_abort_seeks_back_to() {
        let message = |partition, offset| OwnedMessage::new(None, None, "t".into(), rdkafka::Timestamp::NotAvailable, partition, offset, None);
        let first = first_offsets(&[message(0, 7), message(1, 3), message(0, 8)]);
        assert_eq!(first, HashMap::from([(("t".to_owned(), 0), 7), (("t".to_owned(), 1), 3)]));
    }

    /// A stage recording what it was shown, that panics preparing when told to.
    struct Recording {
        prepared: Vec<Vec<i64>>,
        panic: bool,
    }

    impl Stage for Recording {
        fn name(&self) -> &'static str {
            "test"
        }
        fn process(&mut self, _input: &InputMessage<'_>) -> Result<Outcome, StageError> {
            Ok(Outcome::default())
        }
        fn prepare_batch(&mut self, inputs: &[InputMessage<'_>]) {
            self.prepared.push(inputs.iter().map(|i| i.offset).collect());
            if self.panic {
                panic!("prepared badly");
            }
        }
    }

    #[test]
    fn a_stage_is_shown_the_whole_batch_once_and_a_panic_preparing_it_is_contained() {
        let headers = HeaderMap::new();
        let input = |offset| InputMessage { topic: "t", partition: 0, offset, key: None, payload: b"", headers: &headers };
        let inputs = [input(1), input(2), input(3)];
        let mut stage = Recording { prepared: Vec::new(), panic: true };
        prepare_batch(&mut stage, &inputs);
        assert_eq!(stage.prepared, vec![vec![1, 2, 3]]);
        assert_eq!(panic_message(&"x"), "x");
    }

    #[test]
    fn a_stage_that_prepares_nothing_is_untouched_by_the_hook() {
        struct Plain;
        impl Stage for Plain {
            fn name(&self) -> &'static str {
                "plain"
            }
            fn process(&mut self, _input: &InputMessage<'_>) -> Result<Outcome, StageError> {
                Ok(Outcome::drop("x"))
            }
        }
        let headers = HeaderMap::new();
        let mut stage = Plain;
        prepare_batch(&mut stage, &[InputMessage { topic: "t", partition: 0, offset: 0, key: None, payload: b"", headers: &headers }]);
        assert_eq!(stage.process(&InputMessage { topic: "t", partition: 0, offset: 0, key: None, payload: b"", headers: &headers }), Ok(Outcome::drop("x")));
    }
}
