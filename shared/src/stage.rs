//! The contract between the shared Kafka runtime and a stage's pure core.
//!
//! A stage sees one input record at a time and answers with an [`Outcome`]
//! (records to produce, or a deliberate drop) or a [`StageError`] (which the
//! runtime dead-letters with its reason and the original bytes). It never talks
//! to Kafka: that makes every core unit-testable without a broker. Timed work
//! (a held story whose time came) comes back through the same door: the stage
//! names it in [`Stage::due`] and the runtime processes it like a record. Work
//! that waits on the outside world is done for a whole batch before its
//! transaction begins ([`Stage::prepare_batch`]).

use crate::changelog::ChangelogStore;
use crate::events::StoryEvent;
use crate::kafka::headers::HeaderMap;
use crate::staging::Savepoint;
use crate::state::StateError;

/// One consumed record, as the stage sees it.
#[derive(Debug, Clone)]
pub struct InputMessage<'a> {
    /// Topic it was read from.
    pub topic: &'a str,
    /// Partition it was read from.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its key (the story key), if any.
    pub key: Option<&'a [u8]>,
    /// Its value, untouched.
    pub payload: &'a [u8],
    /// Its headers.
    pub headers: &'a HeaderMap,
}

/// A record the stage wants produced, inside the same transaction as its input's offset.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputRecord {
    /// Destination topic.
    pub topic: String,
    /// Key: the story's stable id, so versions stay in order on one partition.
    pub key: Vec<u8>,
    /// Value.
    pub payload: Vec<u8>,
    /// Headers.
    pub headers: HeaderMap,
}

impl OutputRecord {
    /// The record's size as Kafka counts it against `max.message.bytes`, near
    /// enough: key, value, and every header's name and value.
    pub fn size(&self) -> usize {
        self.key.len() + self.payload.len() + self.headers.byte_len()
    }
}

/// A key to remove from a compacted topic: produced with no value, in the
/// same transaction as the rest of the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    /// The compacted topic.
    pub topic: String,
    /// The key whose record goes.
    pub key: Vec<u8>,
}

/// What a stage decided for one input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Records to produce (none when dropped).
    pub records: Vec<OutputRecord>,
    /// Keys to remove from compacted topics (a stage's state kept in Kafka).
    pub tombstones: Vec<Tombstone>,
    /// Why nothing was passed on, when it deliberately was not (a metric label).
    pub dropped: Option<&'static str>,
    /// The kind of duplicate recognised, if any (a metric label).
    pub duplicate: Option<&'static str>,
    /// What the stage found about the stories, counted and logged only when
    /// the batch commits (an aborted batch is processed again and finds them again).
    pub events: Vec<StoryEvent>,
}

impl Outcome {
    /// Pass these records on.
    pub fn forward(records: Vec<OutputRecord>) -> Self {
        Outcome { records, ..Default::default() }
    }
    /// Pass nothing on, for this reason.
    pub fn drop(reason: &'static str) -> Self {
        Outcome { dropped: Some(reason), ..Default::default() }
    }
    /// Adds an event to count and log when the batch commits.
    pub fn with_event(mut self, event: StoryEvent) -> Self {
        self.events.push(event);
        self
    }

    /// Marks the outcome as a recognised duplicate of this kind.
    pub fn duplicate_of_kind(mut self, kind: &'static str) -> Self {
        self.duplicate = Some(kind);
        self
    }

    /// The outcome, or an `output_too_large` error when one of its records is
    /// larger than the topics take (`max_bytes`, `kafka.max_message_bytes`):
    /// Kafka would refuse it on every retry, so the input is dead-lettered with
    /// its original bytes instead of blocking its partition.
    pub fn within_record_limit(self, max_bytes: usize) -> Result<Self, StageError> {
        match self.records.iter().find(|r| r.size() > max_bytes) {
            None => Ok(self),
            Some(record) => Err(StageError::new(
                "output_too_large",
                format!(
                    "the record for {} would be {} bytes; the topics take records of at most {max_bytes} bytes (kafka.max_message_bytes)",
                    record.topic,
                    record.size()
                ),
            )),
        }
    }
}

/// Timed work: a record the stage asks to process now although no consumer
/// read it (a held story whose time came). The runtime hands it to
/// [`Stage::process`] inside the open transaction like a consumed record, with
/// the same dead-lettering, events and metrics, but there is no input offset
/// to commit and no consumption to count.
#[derive(Debug, Clone, PartialEq)]
pub struct DueRecord {
    /// The topic the stage keeps it on (what [`InputMessage::topic`] says).
    pub topic: String,
    /// Its partition there, or -1 when the stage does not know it.
    pub partition: i32,
    /// Its offset there, or -1 when the stage does not know it.
    pub offset: i64,
    /// Its key.
    pub key: Vec<u8>,
    /// Its value.
    pub payload: Vec<u8>,
    /// Its headers.
    pub headers: HeaderMap,
    /// The record that holds the work, removed in the same transaction
    /// whatever the outcome (delivered or dead-lettered), so that it is never due twice.
    pub settles: Option<Tombstone>,
}

impl DueRecord {
    /// The record as [`Stage::process`] sees it.
    pub fn input(&self) -> InputMessage<'_> {
        InputMessage {
            topic: &self.topic,
            partition: self.partition,
            offset: self.offset,
            key: Some(&self.key),
            payload: &self.payload,
            headers: &self.headers,
        }
    }
}

/// What the runtime does with a [`StageError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The record itself is at fault: it is dead-lettered with the reason and
    /// its original bytes, and the batch goes on.
    DeadLetter,
    /// The record is fine but the stage cannot do its work now (its state store
    /// failed, say): the whole batch is aborted, and after a back-off it is read
    /// again. Nothing is dead-lettered or counted as dropped.
    RetryBatch,
}

/// Why a stage could not process a message, and what the runtime should do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct StageError {
    /// Short, fixed, low-cardinality reason (`malformed_json`, `no_body`, …).
    pub reason: &'static str,
    /// What exactly was wrong, with the field, line or value.
    pub detail: String,
    /// Dead-letter the record, or retry the batch.
    pub kind: ErrorKind,
}

impl StageError {
    /// An error in the record: it is dead-lettered with this reason and detail.
    pub fn new(reason: &'static str, detail: impl Into<String>) -> Self {
        StageError { reason, detail: detail.into(), kind: ErrorKind::DeadLetter }
    }

    /// A failure that is not the record's: the batch is aborted and read again
    /// after a back-off (see [`ErrorKind::RetryBatch`]).
    pub fn retry_batch(reason: &'static str, detail: impl Into<String>) -> Self {
        StageError { reason, detail: detail.into(), kind: ErrorKind::RetryBatch }
    }

    /// Whether the runtime must abort and retry the batch rather than dead-letter the record.
    pub fn is_retry(&self) -> bool {
        self.kind == ErrorKind::RetryBatch
    }
}

/// A stage's core, driven by [`crate::kafka::runtime`].
///
/// Stages that keep state (dedupe in sled, delivery records) stage their writes
/// during [`Stage::process`] and make them durable in [`Stage::on_commit`], which
/// runs only after Kafka committed the batch's output; [`Stage::on_abort`]
/// forgets them, because the batch will be read and processed again.
pub trait Stage: Send {
    /// The stage's name, used in metrics, logs and dead letters.
    fn name(&self) -> &'static str;

    /// Decides what to do with one input record (a consumed one, or one the
    /// stage itself said was due: [`Stage::due`]).
    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError>;

    /// Called once before the first record is read, after the stage's producer
    /// registered its transactional id (which aborts whatever transaction an
    /// earlier incarnation left open, so committed state can be read to its
    /// end): a stage that keeps state in Kafka restores it here. An error stops
    /// the stage (the process exits and is restarted).
    fn prepare(&mut self) -> Result<(), StageError> {
        Ok(())
    }

    /// Called with every record of a batch (its due work first, then its
    /// consumed records: the order [`Stage::process`] will see them in) after
    /// they were read and **before the batch's transaction begins**. Work that
    /// waits on something outside Kafka (an HTTP call) belongs here, done for
    /// the whole batch at once and bounded in time by the stage: a slow
    /// dependency then delays the next batch, never an open transaction or a
    /// stalled partition past its timeout.
    ///
    /// It cannot fail a record: what it finds it keeps for [`Stage::process`],
    /// keyed by the record's `(topic, partition, offset)`, and `process` decides
    /// (a bad record is dead-lettered there, as without preparation). `process`
    /// must also cope with a record that was not prepared: a panic here is
    /// logged and the batch goes on unprepared. What was prepared belongs to
    /// this batch only; forget it in [`Stage::on_commit`] and [`Stage::on_abort`]
    /// (an aborted batch is read and prepared again). The default does nothing.
    fn prepare_batch(&mut self, _inputs: &[InputMessage<'_>]) {}

    /// Called between batches, idle or not, after the runtime restored the
    /// stage's stores or read into its replicated stores what other instances
    /// committed: a stage that derives anything from them (an index, a count
    /// of conflicting decisions) takes it in here. The default does nothing.
    fn on_remote_state(&mut self) {}

    /// Called after every rebalance, with the input partitions this instance
    /// now owns (sorted; empty when it owns none), once the stores are
    /// restored and before any record or due work of the new assignment is
    /// processed. A stage that keeps state per partition outside its stores
    /// (publish's held embargoed stories) drops what moved away and reads in
    /// what came to it. An error is retried like a failed restore (see
    /// [`crate::kafka::runtime`]); nothing is processed meanwhile. The default
    /// does nothing.
    fn on_assigned(&mut self, _partitions: &[i32]) -> Result<(), StageError> {
        Ok(())
    }

    /// Called at the start of every turn of the runtime's loop (at least every
    /// 100 ms), with no transaction open: a stage may stage changes to its
    /// stores here that do not come from a record (publish removes the webhook
    /// jobs its workers delivered from its outbox). They commit with the next
    /// batch, or in a batch of their own when no record or due work comes;
    /// [`Stage::on_commit`] and [`Stage::on_abort`] follow as for any batch.
    /// The default does nothing.
    fn before_batch(&mut self) {}

    /// Timed work that is due now, at most `max` records, asked once per batch
    /// before its consumed records are read. Each is processed in the open
    /// transaction ([`DueRecord`]); the stage treats handing one out as a staged
    /// change: [`Stage::on_commit`] makes it final, [`Stage::on_abort`] makes
    /// it due again.
    fn due(&mut self, _max: usize) -> Vec<DueRecord> {
        Vec::new()
    }

    /// Called before the batch's transaction commits; an error aborts the batch,
    /// which is read again after a back-off.
    fn before_commit(&mut self) -> Result<(), StageError> {
        Ok(())
    }

    /// Called after the batch's output and offsets were committed.
    fn on_commit(&mut self) {}

    /// Called after the batch was aborted; it will be processed again.
    fn on_abort(&mut self) {}

    /// The changelog-backed stores the stage keeps its state in ([`crate::changelog`]),
    /// each declared in its [`crate::service::StageSpec`] too. The runtime
    /// restores their slices when partitions are assigned (before processing
    /// them), produces each batch's changes in its transaction, writes them
    /// to disk once it committed, forgets them when it aborted, and takes back
    /// a dead-lettered record's. The default: none.
    fn stores(&mut self) -> Vec<&mut ChangelogStore> {
        Vec::new()
    }

    /// Called when the runtime dead-letters the input the last
    /// [`Stage::process`] call saw (it returned an error, panicked, or
    /// produced a record larger than the topics take): whatever that call
    /// staged must not commit with the rest of the batch, or a redrive of the
    /// dead letter would meet its own state (a "stale version", a receipt).
    fn on_dead_lettered(&mut self) {}
}

/// Marks the stage's stores before one record is processed (see [`take_back_record`]).
pub fn store_savepoints<S: Stage + ?Sized>(stage: &mut S) -> Vec<Savepoint> {
    stage.stores().iter().map(|store| store.savepoint()).collect()
}

/// The record processed since `savepoints` is dead-lettered: the stage
/// ([`Stage::on_dead_lettered`]) and its stores take back what it staged.
pub fn take_back_record<S: Stage + ?Sized>(stage: &mut S, savepoints: Vec<Savepoint>) {
    stage.on_dead_lettered();
    for (store, savepoint) in stage.stores().into_iter().zip(savepoints) {
        store.roll_back_to(savepoint);
    }
}

/// Kafka committed the batch: its store changes go to disk, then the stage's
/// [`Stage::on_commit`]. Answers how many changes each store committed.
/// The runtime calls it; so do stage tests and benches, which have no broker.
pub fn batch_committed<S: Stage + ?Sized>(stage: &mut S) -> Result<Vec<(&'static str, usize)>, StateError> {
    let mut changes = Vec::new();
    for store in stage.stores() {
        changes.push((store.name(), store.staged_len()));
        store.commit_staged()?;
    }
    stage.on_commit();
    Ok(changes)
}

/// The batch aborted: its store changes are forgotten, then the stage's [`Stage::on_abort`].
pub fn batch_aborted<S: Stage + ?Sized>(stage: &mut S) {
    for store in stage.stores() {
        store.discard_staged();
    }
    stage.on_abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_record_over_the_limit_turns_the_outcome_into_a_dead_letter_reason() {
        let record = OutputRecord { topic: "t".into(), key: b"k".to_vec(), payload: vec![b'x'; 100], headers: HeaderMap::new().with("h", "v") };
        assert_eq!(record.size(), 1 + 100 + 2);
        let outcome = Outcome::forward(vec![record]);
        assert!(outcome.clone().within_record_limit(103).is_ok());
        let error = outcome.within_record_limit(102).unwrap_err();
        assert_eq!(error.reason, "output_too_large");
        assert!(error.detail.contains("103 bytes") && error.detail.contains("102"), "{}", error.detail);
    }
}
