//! `newswire dlq redrive`: puts dead letters' original records back on the topic
//! the stage read them from, each once.
//!
//! Once, with Kafka transactions: the redriven record and its ledger entry
//! ([`super::ledger`]) are produced in one transaction, so a dead letter is
//! redriven exactly when the ledger says so. Every redrive of one dead-letter
//! topic uses the same `transactional.id`; registering it fences a redrive
//! still running elsewhere and aborts what it left open, and only then is the
//! ledger read (read-committed). Two redrives at once therefore never both
//! redrive a dead letter: the older one fails at its next write, and what it
//! committed before is in the ledger the newer one reads.

use std::collections::BTreeMap;
use std::time::Duration;

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use newswire_shared::kafka::transaction::send_waiting;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

use super::ledger::{ledger_topic, Entry};
use super::letter::{DeadLetter, Redriven};
use super::render::Redrives;
use crate::table;

/// Dead letters per transaction.
pub const BATCH: usize = 100;
/// How long a transactional call may take.
const TXN_TIMEOUT: Duration = Duration::from_secs(30);

/// What happens to one selected dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// It goes back: this record.
    Go(Redriven),
    /// The ledger says it was redriven already (with the entry, when readable).
    Already(Option<Entry>),
    /// It cannot be redriven, for this reason.
    Cannot(String),
}

/// A selected dead letter and its step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The dead letter.
    pub letter: DeadLetter,
    /// What happens to it.
    pub step: Step,
}

/// Decides each dead letter's step: already redriven per the ledger, not
/// redrivable (not from a topic, or its topic is gone), or back on its topic
/// (its own partition when `partitions_of` says the topic still has it).
pub fn plan(letters: Vec<DeadLetter>, redrives: &Redrives, dlq_topic: &str, partitions_of: impl Fn(&str) -> Option<Vec<i32>>) -> Vec<Planned> {
    letters
        .into_iter()
        .map(|letter| {
            let step = if let Some(entry) = redrives.get(&letter.id) {
                Step::Already(entry.clone())
            } else {
                match letter.redriven(dlq_topic) {
                    Err(why) => Step::Cannot(why),
                    Ok(mut redriven) => match partitions_of(&redriven.topic) {
                        None => Step::Cannot(format!("its topic {} does not exist (any more)", redriven.topic)),
                        Some(partitions) => {
                            redriven.partition = redriven.partition.filter(|p| partitions.contains(p));
                            Step::Go(redriven)
                        }
                    },
                }
            };
            Planned { letter, step }
        })
        .collect()
}

/// The ledger entry of a dead letter redriven now.
pub fn entry(letter: &DeadLetter, redriven: &Redriven, now: chrono::DateTime<chrono::Utc>) -> Entry {
    Entry {
        redriven_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        to: redriven.topic.clone(),
        stage: letter.stage().to_owned(),
        reason: letter.reason().to_owned(),
    }
}

/// The closing report, from the plan and how many of its `Go` steps were done.
pub fn summary(planned: &[Planned], done: usize, dry_run: bool) -> String {
    let mut out = String::new();
    let go: Vec<&Planned> = planned.iter().filter(|p| matches!(p.step, Step::Go(_))).collect();
    if dry_run && !go.is_empty() {
        let rows: Vec<Vec<String>> = go
            .iter()
            .filter_map(|p| match &p.step {
                Step::Go(r) => Some(vec![
                    p.letter.id.to_string(),
                    p.letter.stage().to_owned(),
                    p.letter.reason().to_owned(),
                    format!("{}{}", r.topic, r.partition.map(|p| format!("/{p}")).unwrap_or_default()),
                    table::size(r.payload.len()),
                ]),
                _ => None,
            })
            .collect();
        out.push_str(&table::columns(&["ID", "STAGE", "REASON", "BACK ON", "SIZE"], &rows));
    }
    let mut per_topic: BTreeMap<&str, usize> = BTreeMap::new();
    for p in go.iter().take(done) {
        if let Step::Go(r) = &p.step {
            *per_topic.entry(r.topic.as_str()).or_default() += 1;
        }
    }
    let topics: Vec<String> = per_topic.iter().map(|(t, n)| format!("{n} to {t}")).collect();
    let verb = if dry_run { "would redrive" } else { "redriven" };
    let count = if dry_run { go.len() } else { done };
    out.push_str(&format!("{verb} {count} dead letter(s){}{}\n", if topics.is_empty() { "" } else { ": " }, topics.join(", ")));
    if !dry_run && done < go.len() {
        out.push_str(&format!("NOT redriven {} dead letter(s): the redrive stopped (see the error)\n", go.len() - done));
    }
    for p in planned {
        match &p.step {
            Step::Already(Some(entry)) => {
                out.push_str(&format!("  {} was redriven already, at {} to {}: not again\n", p.letter.id, entry.redriven_at, entry.to))
            }
            Step::Already(None) => out.push_str(&format!("  {} was redriven already: not again\n", p.letter.id)),
            Step::Cannot(why) => out.push_str(&format!("  {} cannot be redriven: {why}\n", p.letter.id)),
            Step::Go(_) => {}
        }
    }
    out
}

/// Whether any selected dead letter could not be redriven (the exit code is then 1).
pub fn any_refused(planned: &[Planned]) -> bool {
    planned.iter().any(|p| matches!(p.step, Step::Cannot(_)))
}

/// Why a redrive failed.
#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    /// The transactional producer could not be made or registered.
    #[error("cannot start the redrive producer (transactional id {transactional_id}): {source}")]
    Start {
        /// The transactional id.
        transactional_id: String,
        /// The client's error.
        #[source]
        source: KafkaError,
    },
    /// Another redrive of the same dead-letter topic took over.
    #[error("another `newswire dlq redrive` of {dlq_topic} started and took over; this one stopped (its open transaction was aborted, nothing of it was redriven)")]
    Fenced {
        /// The dead-letter topic.
        dlq_topic: String,
    },
    /// A write or the commit failed; the transaction was aborted.
    #[error("the redrive transaction failed and was aborted (nothing of it was redriven): {0}")]
    Transaction(#[source] KafkaError),
}

/// The transactional producer of a redrive.
pub struct Redriver {
    producer: BaseProducer,
    dlq_topic: String,
    ledger: String,
}

impl Redriver {
    /// Registers the redrive's transactional id (`newswire-redrive-<dlq topic>`),
    /// fencing any other redrive of the same topic.
    pub fn start(kafka: &KafkaConfig, dlq_topic: &str) -> Result<Self, RedriveError> {
        let transactional_id = format!("newswire-redrive-{dlq_topic}");
        let start = |source| RedriveError::Start { transactional_id: transactional_id.clone(), source };
        let kafka = KafkaConfig { statistics_interval_ms: 0, ..kafka.clone() };
        let producer: BaseProducer = client::transactional_producer(&kafka, "newswire-dlq-redrive", &transactional_id).create().map_err(start)?;
        producer.init_transactions(TXN_TIMEOUT).map_err(start)?;
        Ok(Redriver { producer, dlq_topic: dlq_topic.to_owned(), ledger: ledger_topic(dlq_topic) })
    }

    /// Redrives `batch` (the `Go` steps among it) and records each in the ledger,
    /// in one transaction.
    pub fn redrive(&self, batch: &[&Planned]) -> Result<(), RedriveError> {
        let now = chrono::Utc::now();
        let result = self.producer.begin_transaction().and_then(|()| {
            for planned in batch {
                let Step::Go(redriven) = &planned.step else { continue };
                let mut record: BaseRecord<'_, [u8], [u8]> =
                    BaseRecord::to(&redriven.topic).payload(&redriven.payload[..]).headers(redriven.headers.to_kafka());
                if let Some(key) = &redriven.key {
                    record = record.key(&key[..]);
                }
                if let Some(partition) = redriven.partition {
                    record = record.partition(partition);
                }
                send_waiting(&self.producer, record)?;
                let key = planned.letter.id.qualified(&self.dlq_topic);
                let value = entry(&planned.letter, redriven, now).to_json();
                send_waiting(&self.producer, BaseRecord::to(&self.ledger).key(key.as_bytes()).payload(&value[..]))?;
            }
            self.producer.commit_transaction(TXN_TIMEOUT)
        });
        result.map_err(|error| {
            if is_fenced(&error) {
                return RedriveError::Fenced { dlq_topic: self.dlq_topic.clone() };
            }
            // Nothing of the batch becomes visible; a failed abort is the broker's to time out.
            let _ = self.producer.abort_transaction(TXN_TIMEOUT);
            RedriveError::Transaction(error)
        })
    }
}

fn is_fenced(error: &KafkaError) -> bool {
    let code = match error {
        KafkaError::Transaction(e) => Some(e.code()),
        other => other.rdkafka_error_code(),
    };
    matches!(code, Some(RDKafkaErrorCode::Fenced | RDKafkaErrorCode::ProducerFenced | RDKafkaErrorCode::InvalidProducerEpoch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlq::letter::DlqId;
    use newswire_shared::kafka::headers::{self, HeaderMap};

    fn letter(offset: i64, source: &str) -> DeadLetter {
        let headers = HeaderMap::new().with(headers::DLQ_STAGE, "enrich").with(headers::DLQ_REASON, "output_too_large").with(headers::DLQ_SOURCE, source);
        DeadLetter { id: DlqId { partition: 0, offset }, timestamp_ms: None, key: None, payload: b"x".to_vec(), headers }
    }

    fn partitions(topic: &str) -> Option<Vec<i32>> {
        (topic == "t.normalized").then(|| vec![0, 1])
    }

    #[test]
    fn each_dead_letter_goes_once_or_says_why_not() {
        let mut redrives = Redrives::new();
        redrives.insert(DlqId { partition: 0, offset: 1 }, None);
        let letters = vec![letter(0, "t.normalized/1/3"), letter(1, "t.normalized/1/4"), letter(2, "gone/0/1"), letter(3, "webhook/s"), letter(4, "t.normalized/7/1")];
        let planned = plan(letters, &redrives, "t.dlq", partitions);
        assert!(matches!(&planned[0].step, Step::Go(r) if r.topic == "t.normalized" && r.partition == Some(1)));
        assert_eq!(planned[1].step, Step::Already(None));
        assert!(matches!(&planned[2].step, Step::Cannot(why) if why.contains("gone does not exist")));
        assert!(matches!(&planned[3].step, Step::Cannot(why) if why.contains("webhook")));
        assert!(matches!(&planned[4].step, Step::Go(r) if r.partition.is_none()), "a partition the topic no longer has is left to the partitioner");
        let going: Vec<DlqId> = planned.iter().filter(|p| matches!(p.step, Step::Go(_))).map(|p| p.letter.id).collect();
        assert_eq!(going, [DlqId { partition: 0, offset: 0 }, DlqId { partition: 0, offset: 4 }]);
        assert!(any_refused(&planned));
    }

    #[test]
    fn the_summary_counts_per_topic_and_names_every_dead_letter_left_alone() {
        let mut redrives = Redrives::new();
        let e = Entry { redriven_at: "2026-12-03T10:00:00.000Z".into(), to: "t.normalized".into(), stage: String::new(), reason: String::new() };
        redrives.insert(DlqId { partition: 0, offset: 1 }, Some(e));
        let planned = plan(vec![letter(0, "t.normalized/1/3"), letter(1, "t.normalized/1/4"), letter(3, "webhook/s")], &redrives, "t.dlq", partitions);
        let done = summary(&planned, 1, false);
        assert!(done.starts_with("redriven 1 dead letter(s): 1 to t.normalized\n"), "{done}");
        assert!(done.contains("  0:1 was redriven already, at 2026-12-03T10:00:00.000Z to t.normalized: not again\n"), "{done}");
        assert!(done.contains("  0:3 cannot be redriven: a webhook delivery"), "{done}");
        let dry = summary(&planned, 0, true);
        assert!(dry.starts_with("ID   STAGE   REASON            BACK ON         SIZE\n0:0  enrich  output_too_large  t.normalized/1  1 B\n"), "{dry}");
        assert!(dry.contains("would redrive 1 dead letter(s)\n"), "{dry}");
        let stopped = summary(&planned, 0, false);
        assert!(stopped.contains("redriven 0 dead letter(s)\nNOT redriven 1 dead letter(s)"), "{stopped}");
        let none_again = summary(&plan(vec![letter(1, "t.normalized/1/4")], &redrives, "t.dlq", partitions), 0, false);
        assert!(none_again.starts_with("redriven 0 dead letter(s)\n  0:1 was redriven already"), "{none_again}");
    }
}
