//! A stage's transactional producer: begin, send, commit together with the input
//! offsets, abort — and recovery from the one librdkafka state it cannot leave.
//!
//! The runtime ([`crate::kafka::runtime`]) decides *when* a batch commits or
//! aborts; this module knows *how*, including two librdkafka details:
//! - The producer takes delivery reports as events, which only `poll` serves.
//!   Commit and abort wait until every report was served, so both are driven
//!   with reports served (a zero-timeout poll with short naps; during an abort,
//!   on a helper thread).
//! - An abort right after a commit, while the broker still writes the commit's
//!   markers, can make librdkafka send an `EndTxn(abort)` for a transaction the
//!   broker never saw; the broker answers `INVALID_TXN_STATE`, which librdkafka
//!   treats as fatal. The transaction being abandoned anyway, the producer is
//!   replaced: a new one with the same transactional id aborts whatever the old
//!   one left open. Being fenced by another live instance is never "recovered"
//!   that way, because that would fence it back.
//! - A transaction left open longer than `transaction.timeout.ms` (a box so busy
//!   a batch stalls) is rolled back by the broker, which bumps the producer's
//!   epoch: librdkafka then reports the producer fenced, although no other
//!   instance took over. When the open transaction had overrun its timeout, that
//!   fence is the broker's rollback, and the producer is replaced the same way;
//!   the batch was never committed, so reading it again doubles nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::consumer::ConsumerGroupMetadata;
use rdkafka::error::{KafkaError, RDKafkaError, RDKafkaErrorCode};
use rdkafka::message::ToBytes;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::TopicPartitionList;
use tokio_util::sync::CancellationToken;

use crate::config::KafkaConfig;
use crate::kafka::client;
use crate::kafka::context::NewswireContext;
use crate::kafka::runtime::RuntimeError;
use crate::stage::OutputRecord;

/// How long a transactional call may block before it is treated as failed.
pub const TXN_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything needed to (re)create the producer.
struct ProducerSpec {
    kafka: KafkaConfig,
    client_id: String,
    transactional_id: String,
    context: NewswireContext,
}

impl ProducerSpec {
    fn create(&self) -> Result<BaseProducer<NewswireContext>, KafkaError> {
        client::transactional_producer(&self.kafka, &self.client_id, &self.transactional_id).create_with_context(self.context.clone())
    }
}

/// The transactional producer of one stage instance.
pub struct TransactionalProducer {
    producer: BaseProducer<NewswireContext>,
    spec: ProducerSpec,
    shutdown: CancellationToken,
    /// When the open transaction began; `None` between transactions.
    opened_at: Option<Instant>,
}

/// How [`TransactionalProducer::abort`] abandoned the open transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    /// The producer aborted it and stays in use.
    Aborted,
    /// The producer could not abort by itself (see the module docs); a new one
    /// with the same transactional id aborted it on the broker.
    ProducerReplaced,
    /// The broker had already rolled it back because it stayed open past
    /// `transaction.timeout.ms`, which fenced the producer; a new one took its place.
    TimedOutProducerReplaced,
}

impl Abort {
    /// The `reason` label of `newswire_kafka_producer_replacements_total`, if the producer was replaced.
    pub fn replacement_reason(self) -> Option<&'static str> {
        match self {
            Abort::Aborted => None,
            Abort::ProducerReplaced => Some("abort_failed"),
            Abort::TimedOutProducerReplaced => Some("transaction_timed_out"),
        }
    }
}

impl TransactionalProducer {
    /// Creates the producer and registers its transactional id, fencing and
    /// aborting whatever an earlier incarnation of this instance left open.
    /// Retries while the broker is away, until `shutdown`.
    pub fn start(
        kafka: &KafkaConfig,
        client_id: &str,
        transactional_id: &str,
        context: NewswireContext,
        shutdown: CancellationToken,
    ) -> Result<Self, RuntimeError> {
        let spec = ProducerSpec {
            kafka: kafka.clone(),
            client_id: client_id.to_owned(),
            transactional_id: transactional_id.to_owned(),
            context,
        };
        let producer = spec.create().map_err(RuntimeError::Setup)?;
        let this = TransactionalProducer { producer, spec, shutdown, opened_at: None };
        this.init()?;
        Ok(this)
    }

    fn init(&self) -> Result<(), RuntimeError> {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.producer.init_transactions(TXN_TIMEOUT) {
                Ok(()) => return Ok(()),
                Err(KafkaError::Transaction(e)) if e.is_retriable() && !self.shutdown.is_cancelled() => {
                    tracing::warn!(error = %e, "init_transactions failed; retrying");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(e) => return Err(RuntimeError::Fatal(e)),
            }
        }
    }

    /// Opens a transaction.
    pub fn begin(&mut self) -> Result<(), RuntimeError> {
        self.producer.begin_transaction().map_err(RuntimeError::Fatal)?;
        self.opened_at = Some(Instant::now());
        Ok(())
    }

    /// Whether the open transaction has been open longer than the broker lets
    /// one live: a fence seen now is the broker's rollback of it.
    fn overran_its_timeout(&self) -> bool {
        let timeout = Duration::from_millis(self.spec.kafka.transaction_timeout_ms);
        self.opened_at.is_some_and(|opened| opened.elapsed() >= timeout)
    }

    /// Whether `error` is the fence the broker's own rollback of the open
    /// transaction causes, when it overran its timeout (no other instance took
    /// over): [`Self::abort`] recovers from it by replacing the producer.
    fn is_own_timeout_fence(&self, error: &RDKafkaError) -> bool {
        error.is_fatal() && is_fenced(error) && self.overran_its_timeout()
    }

    /// Whether `error`, failing the open transaction, leaves the process
    /// nothing but to stop: fatal, and not a fence [`Self::abort`] recovers
    /// from (one caused by the transaction overrunning its timeout).
    pub fn is_unrecoverable(&self, error: &KafkaError) -> bool {
        match error {
            KafkaError::Transaction(e) => e.is_fatal() && !self.is_own_timeout_fence(e),
            _ => false,
        }
    }

    /// Enqueues a record in the open transaction, waiting while the local queue is full.
    pub fn send(&self, record: &OutputRecord) -> Result<(), KafkaError> {
        send_waiting(&self.producer, BaseRecord::to(&record.topic).key(&record.key).payload(&record.payload).headers(record.headers.to_kafka()))
    }

    /// Enqueues a tombstone (a record with no value) for `key` on the compacted
    /// `topic` in the open transaction, waiting while the local queue is full.
    pub fn send_tombstone(&self, topic: &str, key: &[u8]) -> Result<(), KafkaError> {
        send_waiting(&self.producer, BaseRecord::<[u8], [u8]>::to(topic).key(key))
    }

    /// Enqueues a change of a changelog-backed store ([`crate::changelog`]): `key`
    /// = `value` (or a tombstone for `None`) on `partition` of the changelog
    /// `topic`, in the open transaction, waiting while the local queue is full.
    pub fn send_change(&self, topic: &str, partition: i32, key: &[u8], value: Option<&[u8]>) -> Result<(), KafkaError> {
        let record = BaseRecord::<[u8], [u8]>::to(topic).partition(partition).key(key);
        match value {
            Some(value) => send_waiting(&self.producer, record.payload(value)),
            None => send_waiting(&self.producer, record),
        }
    }

    /// Commits the open transaction with the consumer's next offsets (and its
    /// group): outputs and offsets become visible together, or not at all. A
    /// batch of timed work alone consumed nothing and has no offsets (`None`).
    pub fn commit(&mut self, offsets: Option<(&TopicPartitionList, &ConsumerGroupMetadata)>) -> Result<(), KafkaError> {
        if let Some((offsets, group)) = offsets {
            self.producer.send_offsets_to_transaction(offsets, group, TXN_TIMEOUT)?;
        }
        self.wait_for_deliveries()?;
        let mut attempts = 0;
        loop {
            match self.producer.commit_transaction(TXN_TIMEOUT) {
                Err(KafkaError::Transaction(e)) if e.is_retriable() && attempts < 3 => {
                    attempts += 1;
                    tracing::warn!(error = %e, attempts, "commit_transaction failed; retrying");
                }
                Ok(()) => {
                    self.opened_at = None;
                    return Ok(());
                }
                failed => return failed,
            }
        }
    }

    /// Waits until every record of the transaction is acknowledged, serving reports.
    ///
    /// `commit_transaction` flushes by itself, but rust-rdkafka's flush waits in
    /// blocking polls of 100 ms that do not return early, which made every commit
    /// take over 100 ms. With nothing left in flight, its own flush returns at once.
    fn wait_for_deliveries(&self) -> Result<(), KafkaError> {
        let deadline = Instant::now() + TXN_TIMEOUT;
        while self.producer.in_flight_count() > 0 {
            if Instant::now() > deadline {
                return Err(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut));
            }
            serve_reports(&self.producer);
        }
        Ok(())
    }

    /// Aborts the open transaction; nothing it produced becomes visible. Retries
    /// transient failures; replaces the producer when librdkafka reports the
    /// abort as fatal for a reason other than fencing, or fenced because the
    /// broker rolled the transaction back at its timeout (see the module docs).
    pub fn abort(&mut self) -> Result<Abort, RuntimeError> {
        let mut backoff = Duration::from_millis(200);
        let outcome = loop {
            match self.abort_serving_reports() {
                Ok(()) => break Abort::Aborted,
                Err(KafkaError::Transaction(e)) if self.is_own_timeout_fence(&e) => {
                    let open_ms = self.opened_at.map_or(0, |t| t.elapsed().as_millis() as u64);
                    tracing::warn!(
                        error = %e,
                        open_ms,
                        timeout_ms = self.spec.kafka.transaction_timeout_ms,
                        "the broker rolled back a transaction open past its timeout, which fenced the producer; replacing it and reading the batch again"
                    );
                    self.replace()?;
                    break Abort::TimedOutProducerReplaced;
                }
                Err(KafkaError::Transaction(e)) if e.is_fatal() && !is_fenced(&e) => {
                    tracing::warn!(error = %e, "the producer cannot abort by itself; replacing it, which aborts the transaction on the broker");
                    self.replace()?;
                    break Abort::ProducerReplaced;
                }
                Err(KafkaError::Transaction(e)) if !e.is_fatal() && !self.shutdown.is_cancelled() => {
                    tracing::warn!(error = %e, "abort_transaction failed; retrying");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(e) => return Err(RuntimeError::Fatal(e)),
            }
        };
        self.opened_at = None;
        Ok(outcome)
    }

    /// Aborts while a helper thread serves delivery reports.
    ///
    /// `abort_transaction` purges the records not yet sent (advancing the
    /// idempotent sequence past them, which only librdkafka itself can do) and
    /// then waits until the report of every purged or in-flight record was
    /// served; only `poll` serves them, so without a concurrent poller the abort
    /// never finishes. Purging by hand first instead left gaps in the sequence.
    fn abort_serving_reports(&self) -> Result<(), KafkaError> {
        let producer = &self.producer;
        let aborted = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !aborted.load(Ordering::Acquire) {
                    serve_reports(producer);
                }
            });
            let result = producer.abort_transaction(TXN_TIMEOUT);
            aborted.store(true, Ordering::Release);
            result
        })
    }

    /// Replaces the producer with a new one under the same transactional id; its
    /// registration bumps the epoch and aborts what the old one left open.
    fn replace(&mut self) -> Result<(), RuntimeError> {
        let fresh = self.spec.create().map_err(RuntimeError::Setup)?;
        drop(std::mem::replace(&mut self.producer, fresh));
        self.init()
    }

    /// Delivers what is still queued before the process exits.
    pub fn flush_on_shutdown(&self) {
        if let Err(error) = self.producer.flush(Duration::from_secs(10)) {
            tracing::warn!(%error, "producer flush on shutdown failed");
        }
    }
}

/// Enqueues `record` on `producer`, serving delivery reports while the local queue is full.
pub fn send_waiting<C, K, P>(producer: &BaseProducer<C>, mut record: BaseRecord<'_, K, P, C::DeliveryOpaque>) -> Result<(), KafkaError>
where
    C: ProducerContext,
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
{
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                producer.poll(Duration::from_millis(20));
                record = returned;
            }
            Err((error, _)) => return Err(error),
        }
    }
}

/// How long to nap when no delivery report was ready.
const REPORT_NAP: Duration = Duration::from_micros(100);

/// Serves the delivery reports that are ready, or naps briefly if none was.
///
/// Not `poll(1 ms)`: rust-rdkafka's poll loops until its deadline, and once less
/// than a millisecond remains it asks librdkafka to wait 0 ms (librdkafka waits in
/// whole milliseconds), so it busy-spins. Profiles showed that spin as 12–30% of
/// the stages' CPU.
fn serve_reports(producer: &BaseProducer<NewswireContext>) {
    let before = producer.in_flight_count();
    producer.poll(Duration::ZERO);
    if producer.in_flight_count() == before {
        std::thread::sleep(REPORT_NAP);
    }
}

/// Whether another producer with this transactional id took over: replacing ours
/// would fence it in turn, so this stays fatal and the process exits.
fn is_fenced(error: &RDKafkaError) -> bool {
    matches!(error.code(), RDKafkaErrorCode::Fenced | RDKafkaErrorCode::ProducerFenced | RDKafkaErrorCode::InvalidProducerEpoch)
}
