//! The shared runtime against a real broker, with aborts forced: a stage that fans
//! each input out to many records and refuses every other commit makes the
//! runtime abort transactions while records are still queued and in flight. Every
//! output must still arrive exactly once, and the producer must stay usable (an
//! abort that leaves the transactional producer in an invalid state is fatal and
//! stops the stage, which is how a scale-out run once lost a stage mid-stream).
//! A stage that asks for its batch to be retried (a store outage) gets it read
//! again after a back-off, with nothing dead-lettered and nothing counted twice.
//! Timed work a stage names (`Stage::due`) goes through the same transactions,
//! retries and dead letters, and its record is tombstoned whatever its outcome.
//! A batch that stalls past the transaction timeout, which the broker rolls back
//! (fencing the producer), is read again by a new producer, and the stage goes on.
//! A batch too slow as a whole for one transaction is committed in parts, never
//! rolled back and read again at the same size for ever.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use newswire_e2e::{brokers, read_topic_on};
use newswire_shared::admin_server::Readiness;
use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::headers::HeaderMap;
use newswire_shared::kafka::runtime::{self, RuntimeSettings};
use newswire_shared::kafka::topics::{ensure_compacted_topics, ensure_topics};
use newswire_shared::metrics::Metrics;
use newswire_shared::events::StoryEvent;
use newswire_shared::stage::{DueRecord, InputMessage, Outcome, OutputRecord, Stage, StageError, Tombstone};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use tokio_util::sync::CancellationToken;

const INPUTS: usize = 40;
const FAN_OUT: usize = 250;

/// Turns each input into `FAN_OUT` records of about 1 KB; refuses every other commit.
struct FanOutRefusingEveryOtherCommit {
    output_topic: String,
    commits_asked: usize,
}

impl Stage for FanOutRefusingEveryOtherCommit {
    fn name(&self) -> &'static str {
        "fan-out"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let n = String::from_utf8_lossy(input.payload).into_owned();
        let records = (0..FAN_OUT)
            .map(|i| OutputRecord {
                topic: self.output_topic.clone(),
                key: format!("{n}-{i}").into_bytes(),
                payload: format!("{n}-{i} {}", "x".repeat(1000)).into_bytes(),
                headers: HeaderMap::default(),
            })
            .collect();
        Ok(Outcome::forward(records))
    }

    fn before_commit(&mut self) -> Result<(), StageError> {
        self.commits_asked += 1;
        if self.commits_asked % 2 == 1 {
            return Err(StageError::new("refused_for_test", "every other commit is refused"));
        }
        Ok(())
    }
}

/// A running stage over fresh topics, its input already written.
struct Running<R> {
    output: String,
    dlq: String,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
    thread: std::thread::JoinHandle<R>,
}

/// Creates `{prefix}-{id}.in/.out/.dlq`, writes the inputs `0..inputs` (key =
/// value = the number), and runs the stage `make(output_topic)` on the shared
/// runtime in batches of 5.
fn start<S: Stage + 'static>(prefix: &str, inputs: usize, make: impl FnOnce(String) -> S) -> Running<Result<(), runtime::RuntimeError>> {
    start_with(prefix, inputs, KafkaConfig { batch_max_messages: 5, ..KafkaConfig::default() }, make)
}

/// [`start`], with these Kafka settings (their brokers set to the test broker's).
fn start_with<S: Stage + 'static>(prefix: &str, inputs: usize, kafka: KafkaConfig, make: impl FnOnce(String) -> S) -> Running<Result<(), runtime::RuntimeError>> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (input, output, dlq) = (format!("{prefix}-{id}.in"), format!("{prefix}-{id}.out"), format!("{prefix}-{id}.dlq"));
    let kafka = KafkaConfig { brokers: brokers().to_owned(), ..kafka };
    let tokio = tokio::runtime::Runtime::new().expect("tokio runtime");
    tokio.block_on(ensure_topics(&kafka, &[input.clone(), output.clone(), dlq.clone()])).expect("topics");
    let producer: BaseProducer = ClientConfig::new().set("bootstrap.servers", brokers()).create().expect("producer");
    for n in 0..inputs {
        let payload = n.to_string();
        producer.send(BaseRecord::to(&input).key(&payload).payload(&payload)).expect("enqueue input");
    }
    producer.flush(Duration::from_secs(30)).expect("inputs written");
    let settings = RuntimeSettings {
        kafka,
        input_topic: input,
        dlq_topic: dlq.clone(),
        group_id: format!("{prefix}-{id}"),
        transactional_id: format!("{prefix}-{id}-1"),
    };
    let stage = make(output.clone());
    let metrics = Arc::new(Metrics::new(prefix));
    let shutdown = CancellationToken::new();
    let (loop_metrics, loop_shutdown) = (metrics.clone(), shutdown.clone());
    let thread = std::thread::spawn(move || runtime::run(settings, stage, loop_metrics, Readiness::default(), loop_shutdown));
    Running { output, dlq, metrics, shutdown, thread }
}

#[test]
fn aborts_with_records_queued_and_in_flight_lose_nothing_double_nothing_and_keep_the_producer_usable() {
    let Running { output, dlq, metrics, shutdown, thread: running } =
        start("aborts", INPUTS, |output_topic| FanOutRefusingEveryOtherCommit { output_topic, commits_asked: 0 });

    let published = read_topic_on(brokers(), &output, INPUTS * FAN_OUT, Duration::from_secs(180), Duration::from_secs(3));
    shutdown.cancel();
    let stopped = running.join().expect("runtime thread");
    assert!(stopped.is_ok(), "the runtime stopped with an error after aborts: {stopped:?}");

    let aborted = metrics.transactions.with_label_values(&["aborted"]).get();
    assert!(aborted > 0, "no transaction was aborted, so the test proved nothing");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for record in &published {
        *counts.entry(record.key.clone()).or_default() += 1;
    }
    let doubled: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).take(5).collect();
    assert!(doubled.is_empty(), "records of aborted transactions were delivered: {doubled:?}");
    let missing: Vec<String> =
        (0..INPUTS).flat_map(|n| (0..FAN_OUT).map(move |i| format!("{n}-{i}"))).filter(|k| !counts.contains_key(k)).take(5).collect();
    assert!(missing.is_empty(), "outputs lost after {aborted} aborts (first few): {missing:?}");
    assert_eq!(published.len(), INPUTS * FAN_OUT);
    assert!(read_topic_on(brokers(), &dlq, 0, Duration::from_secs(1), Duration::ZERO).is_empty(), "nothing dead-lettered");
}

/// Forwards each input; once, at the first input from `STALL_ON` on that is not
/// the first of its batch, it stalls, inside the batch's open transaction, for
/// longer than the broker lets one live (as a starved box once did in CI). Not
/// the first of its batch: the broker only knows of a transaction once a record
/// was sent in it, so a stall before the batch's first send has nothing to time
/// out (which made this test fail now and then, when `STALL_ON` opened a batch).
struct StallsOncePastTheTransactionTimeout {
    output_topic: String,
    stalled: bool,
    forwarded_in_batch: usize,
}

const STALL_ON: usize = 7;
/// The stall's transaction timeout: the least the configuration accepts.
const STALL_TIMEOUT_MS: u64 = 1_000;
/// Longer than the timeout plus the test broker's timed-out-transaction sweep
/// (`transaction.abort.timed.out.transaction.cleanup.interval.ms=5000` in scripts/kafka.sh).
const STALL: Duration = Duration::from_millis(STALL_TIMEOUT_MS + 5_000 + 2_000);

impl Stage for StallsOncePastTheTransactionTimeout {
    fn name(&self) -> &'static str {
        "stalling"
    }

    fn prepare_batch(&mut self, _inputs: &[InputMessage<'_>]) {
        self.forwarded_in_batch = 0;
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let n: usize = String::from_utf8_lossy(input.payload).parse().expect("a number");
        if n >= STALL_ON && !self.stalled && self.forwarded_in_batch > 0 {
            self.stalled = true;
            std::thread::sleep(STALL);
        }
        self.forwarded_in_batch += 1;
        let record = OutputRecord { topic: self.output_topic.clone(), key: n.to_string().into_bytes(), payload: input.payload.to_vec(), headers: HeaderMap::default() };
        Ok(Outcome::forward(vec![record]))
    }
}

#[test]
fn a_transaction_the_broker_rolls_back_at_its_timeout_replaces_the_producer_and_loses_or_doubles_nothing() {
    const COUNT: usize = 20;
    let Running { output, dlq, metrics, shutdown, thread: running } =
        start_with("stall", COUNT, KafkaConfig { batch_max_messages: 5, transaction_timeout_ms: STALL_TIMEOUT_MS, ..KafkaConfig::default() }, |output_topic| StallsOncePastTheTransactionTimeout { output_topic, stalled: false, forwarded_in_batch: 0 });

    let published = read_topic_on(brokers(), &output, COUNT, Duration::from_secs(90), Duration::from_secs(2));
    let timed_out = metrics.producer_replacements.with_label_values(&["transaction_timed_out"]).get();
    let finished = running.is_finished();
    shutdown.cancel();
    let stopped = running.join().expect("runtime thread");
    assert!(!finished && stopped.is_ok(), "the stage stopped by itself after the broker rolled back its transaction: {stopped:?}");
    assert_eq!(timed_out, 1, "the broker did not roll the stalled transaction back, so the test proved nothing");

    let mut keys: Vec<String> = published.iter().map(|r| r.key.clone()).collect();
    keys.sort();
    let mut expected: Vec<String> = (0..COUNT).map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(keys, expected, "every input exactly once, the rolled-back batch's included");
    assert!(read_topic_on(brokers(), &dlq, 0, Duration::from_secs(1), Duration::ZERO).is_empty(), "nothing dead-lettered");
}

/// Forwards each input after `SLOW_RECORD`: a batch of them all takes far longer
/// than a transaction may stay open (as normalize's did on a starved CI box,
/// where each batch was rolled back and read again, whole, for ten minutes).
struct SlowOnEveryRecord {
    output_topic: String,
}

const SLOW_COUNT: usize = 30;
const SLOW_RECORD: Duration = Duration::from_millis(250);

impl Stage for SlowOnEveryRecord {
    fn name(&self) -> &'static str {
        "slow"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        std::thread::sleep(SLOW_RECORD);
        let record = OutputRecord { topic: self.output_topic.clone(), key: input.payload.to_vec(), payload: input.payload.to_vec(), headers: HeaderMap::default() };
        Ok(Outcome::forward(vec![record]))
    }
}

#[test]
fn a_batch_too_slow_for_one_transaction_is_committed_in_parts_instead_of_rolled_back_for_ever() {
    // All inputs fit one batch, which takes 7.5 s against a 1 s transaction
    // timeout (rolled back within the broker's 5 s sweep): without the cut,
    // no batch ever commits.
    let kafka = KafkaConfig { batch_max_messages: 500, transaction_timeout_ms: STALL_TIMEOUT_MS, ..KafkaConfig::default() };
    let Running { output, dlq, metrics, shutdown, thread: running } = start_with("slow", SLOW_COUNT, kafka, |output_topic| SlowOnEveryRecord { output_topic });

    let published = read_topic_on(brokers(), &output, SLOW_COUNT, Duration::from_secs(60), Duration::from_secs(2));
    shutdown.cancel();
    let stopped = running.join().expect("runtime thread");
    assert!(stopped.is_ok(), "the runtime stopped with an error: {stopped:?}");
    let mut keys: Vec<String> = published.iter().map(|r| r.key.clone()).collect();
    keys.sort();
    let mut expected: Vec<String> = (0..SLOW_COUNT).map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(keys, expected, "every input exactly once");
    assert!(metrics.batches_cut.get() > 0, "no batch was cut, so the test proved nothing");
    assert!(read_topic_on(brokers(), &dlq, 0, Duration::from_secs(1), Duration::ZERO).is_empty(), "nothing dead-lettered");
}

/// Dead-letters every input divisible by 4, records a field problem on every
/// other input it forwards, and asks for the batch to be retried the first
/// `RETRIES` times it sees input 9 (as a stage whose state store is down would).
struct RetriesWhileItsStoreIsDown {
    output_topic: String,
    refusals_left: usize,
}

const RETRIES: usize = 2;

impl Stage for RetriesWhileItsStoreIsDown {
    fn name(&self) -> &'static str {
        "retrying"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let n: usize = String::from_utf8_lossy(input.payload).parse().expect("a number");
        if n == 9 && self.refusals_left > 0 {
            self.refusals_left -= 1;
            return Err(StageError::retry_batch("store_unavailable", "the test's store is down"));
        }
        if n.is_multiple_of(4) {
            return Err(StageError::new("refused_for_test", format!("input {n}")));
        }
        let record = OutputRecord { topic: self.output_topic.clone(), key: n.to_string().into_bytes(), payload: input.payload.to_vec(), headers: HeaderMap::default() };
        let problem = StoryEvent::FieldProblem { field: "urgency".into(), kind: "out_of_range".into(), detail: format!("input {n}"), uri: n.to_string() };
        Ok(Outcome::forward(vec![record]).with_event(problem))
    }
}

#[test]
fn a_batch_the_stage_asks_to_retry_is_read_again_with_nothing_dead_lettered_or_counted_twice() {
    const COUNT: usize = 20;
    let Running { output, dlq, metrics, shutdown, thread: running } =
        start("retry", COUNT, |output_topic| RetriesWhileItsStoreIsDown { output_topic, refusals_left: RETRIES });

    let refused = (0..COUNT).filter(|n| n % 4 == 0).count();
    let forwarded = COUNT - refused;
    let published = read_topic_on(brokers(), &output, forwarded, Duration::from_secs(60), Duration::from_secs(2));
    let dead = read_topic_on(brokers(), &dlq, refused, Duration::from_secs(30), Duration::from_secs(1));
    // The runtime counts a batch's events just after its commit is visible: give the last one a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while metrics.dead_letters.with_label_values(&["refused_for_test"]).get() < refused as u64 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    shutdown.cancel();
    assert!(running.join().expect("runtime thread").is_ok(), "the runtime stopped with an error");

    let mut keys: Vec<String> = published.iter().map(|r| r.key.clone()).collect();
    keys.sort();
    let mut expected: Vec<String> = (0..COUNT).filter(|n| n % 4 != 0).map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(keys, expected, "every forwarded input exactly once, input 9 included");
    assert_eq!(dead.len(), refused, "only the records at fault are dead-lettered, each once");
    assert_eq!(metrics.batch_retries.with_label_values(&["store_unavailable"]).get(), RETRIES as u64);
    assert!(metrics.transactions.with_label_values(&["aborted"]).get() >= RETRIES as u64);
    assert_eq!(metrics.dead_letters.with_label_values(&["store_unavailable"]).get(), 0, "a retry is no dead letter");
    assert_eq!(
        metrics.dead_letters.with_label_values(&["refused_for_test"]).get(),
        refused as u64,
        "dead letters of a batch read twice are counted once"
    );
    assert_eq!(
        metrics.field_problems.with_label_values(&["urgency", "out_of_range"]).get(),
        forwarded as u64,
        "the stage's events of a batch read twice are counted once"
    );
}

/// Defers every input as timed work (`Stage::due`) due on the loop's next turn,
/// kept on `held` (a compacted topic): a due item gives an output record, except
/// item 3, which is dead-lettered; the first batch with due work is retried.
struct DefersEveryInput {
    output_topic: String,
    held_topic: String,
    /// Deferred by committed batches, not yet taken.
    pending: Vec<String>,
    /// Deferred by the open batch.
    staged: Vec<String>,
    /// Taken as due by the open batch.
    taken: Vec<String>,
    refused_once: bool,
}

impl Stage for DefersEveryInput {
    fn name(&self) -> &'static str {
        "deferring"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let n = String::from_utf8_lossy(input.payload).into_owned();
        if input.topic != self.held_topic {
            self.staged.push(n);
            return Ok(Outcome::default());
        }
        assert_eq!(input.offset, -1, "timed work has no offset of its own");
        if n == "3" {
            return Err(StageError::new("refused_for_test", "due item 3"));
        }
        let record = OutputRecord { topic: self.output_topic.clone(), key: format!("due-{n}").into_bytes(), payload: input.payload.to_vec(), headers: HeaderMap::default() };
        Ok(Outcome::forward(vec![record]))
    }

    fn due(&mut self, max: usize) -> Vec<DueRecord> {
        let n = self.pending.len().min(max);
        let due: Vec<String> = self.pending.drain(..n).collect();
        self.taken.extend(due.iter().cloned());
        due.into_iter()
            .map(|n| DueRecord {
                topic: self.held_topic.clone(),
                partition: -1,
                offset: -1,
                key: n.clone().into_bytes(),
                payload: n.clone().into_bytes(),
                headers: HeaderMap::default(),
                settles: Some(Tombstone { topic: self.held_topic.clone(), key: n.into_bytes() }),
            })
            .collect()
    }

    fn before_commit(&mut self) -> Result<(), StageError> {
        if !self.taken.is_empty() && !self.refused_once {
            self.refused_once = true;
            return Err(StageError::retry_batch("refused_for_test", "the first batch with due work is retried"));
        }
        Ok(())
    }

    fn on_commit(&mut self) {
        self.pending.append(&mut self.staged);
        self.taken.clear();
    }

    fn on_abort(&mut self) {
        self.pending.append(&mut self.taken);
        self.staged.clear();
    }
}

#[test]
fn timed_work_is_processed_in_transactions_once_and_its_record_is_tombstoned_whatever_its_outcome() {
    const COUNT: usize = 10;
    let held = format!("deferring-{}.held", uuid::Uuid::new_v4().simple());
    let kafka = KafkaConfig { brokers: brokers().to_owned(), ..KafkaConfig::default() };
    tokio::runtime::Runtime::new().expect("tokio runtime").block_on(ensure_compacted_topics(&kafka, std::slice::from_ref(&held))).expect("held topic");
    let held_topic = held.clone();
    let Running { output, dlq, metrics, shutdown, thread: running } = start("deferring", COUNT, move |output_topic| DefersEveryInput {
        output_topic,
        held_topic,
        pending: Vec::new(),
        staged: Vec::new(),
        taken: Vec::new(),
        refused_once: false,
    });

    let published = read_topic_on(brokers(), &output, COUNT - 1, Duration::from_secs(60), Duration::from_secs(2));
    let dead = read_topic_on(brokers(), &dlq, 1, Duration::from_secs(30), Duration::from_secs(1));
    let tombstones = read_topic_on(brokers(), &held, COUNT, Duration::from_secs(30), Duration::from_secs(1));
    shutdown.cancel();
    assert!(running.join().expect("runtime thread").is_ok(), "the runtime stopped with an error");

    let mut keys: Vec<String> = published.iter().map(|r| r.key.clone()).collect();
    keys.sort();
    let expected: Vec<String> = (0..COUNT).filter(|n| *n != 3).map(|n| format!("due-{n}")).collect();
    assert_eq!(keys, expected, "every due item's output exactly once, the retried batch's included");
    assert_eq!(dead.len(), 1, "the due item at fault is dead-lettered once");
    assert_eq!(dead[0].headers.get("newswire-dlq-source").map(String::as_str), Some(format!("{held}/-1/-1").as_str()));
    let mut settled: Vec<String> = tombstones.iter().inspect(|r| assert!(r.payload.is_empty(), "a tombstone has no value")).map(|r| r.key.clone()).collect();
    settled.sort();
    let mut all: Vec<String> = (0..COUNT).map(|n| n.to_string()).collect();
    all.sort();
    assert_eq!(settled, all, "each due item's record is removed once, the dead-lettered one too");
    assert!(metrics.batch_retries.with_label_values(&["refused_for_test"]).get() >= 1, "the due work was retried");
}
