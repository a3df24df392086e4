//! Keeping a stage's changelog-backed stores ([`crate::changelog`]) in step
//! with the partitions the consumer group gives it: restoring a slice before
//! its partition's records are processed, dropping the slices that moved away,
//! and writing checkpoints so that a restart reads on instead of from the start.
//!
//! It runs on the runtime's own thread, between batches: while it restores,
//! nothing is processed and the service reports not ready.
//!
//! A replicated store ([`ChangelogStore::replicated`]) is restored whole, every
//! slice, and the slices of partitions this instance does not own are then
//! followed ([`ReplicaTail`]) between batches.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::Offset;

use crate::admin_server::Readiness;
use crate::changelog::plan::RestoreFrom;
use crate::changelog::ChangelogStore;
use crate::config::KafkaConfig;
use crate::kafka::read_to_end::{self, end_reader, partitions_of, EndReader, ReadError};
use crate::kafka::state_tail::ReplicaTail;
use crate::metrics::Metrics;
use crate::state::StateError;

/// How long restoring one assignment's slices may take before the stage gives
/// up (and exits, to be restarted); well within the consumer's poll interval.
pub const RESTORE_TIMEOUT: Duration = Duration::from_secs(120);

/// How often the current slices are checkpointed while the stage runs.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);

/// How long asking for a changelog partition's end may take.
const WATERMARK_TIMEOUT: Duration = Duration::from_secs(5);

/// After a restore, how long to wait at most for the other instances' slices
/// to be read to their end before processing (the rest is read between batches).
const CATCH_UP_WITHIN: Duration = Duration::from_secs(30);

/// Why a stage's stores could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum StateSyncError {
    /// The changelog could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The store on disk failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The reader could not be made, or a partition's end not asked for.
    #[error("{what}: {source}")]
    Kafka {
        /// What was being done.
        what: String,
        /// What Kafka said.
        #[source]
        source: KafkaError,
    },
    /// The stage could not take in its new assignment ([`crate::stage::Stage::on_assigned`]).
    #[error("the stage could not take in its new partitions: {0}")]
    Stage(String),
    /// The changelog has fewer partitions than the input: a slice would have nowhere to go.
    #[error(
        "the changelog {topic} has {has} partitions but partition {needed} of the input was assigned; give the changelog as many partitions as the input (see the README's Scaling section)"
    )]
    TooFewPartitions {
        /// The changelog topic.
        topic: String,
        /// Its partition count.
        has: usize,
        /// The input partition that has no changelog partition.
        needed: i32,
    },
}

impl StateSyncError {
    /// Whether trying again may succeed: the broker answered with an error or
    /// not in time (a partition's leader moving, a topic just created, a busy
    /// broker). A failing disk or a changelog with too few partitions stays
    /// failed, so the stage stops with it.
    pub fn is_transient(&self) -> bool {
        match self {
            StateSyncError::Kafka { .. } | StateSyncError::Stage(_) => true,
            StateSyncError::Read(error) => !matches!(error, ReadError::NoPartitions(_)),
            StateSyncError::State(_) | StateSyncError::TooFewPartitions { .. } => false,
        }
    }
}

/// Restores and checkpoints a stage's stores.
pub struct StateSync {
    kafka: KafkaConfig,
    client_id: String,
    reader: Option<EndReader>,
    last_checkpoint: Instant,
    /// Follows other instances' slices of replicated stores.
    tail: ReplicaTail,
}

impl StateSync {
    /// A syncer whose changelog reader uses these client settings.
    pub fn new(kafka: &KafkaConfig, client_id: &str) -> Self {
        StateSync {
            kafka: kafka.clone(),
            client_id: format!("{client_id}-restore"),
            reader: None,
            last_checkpoint: Instant::now(),
            tail: ReplicaTail::new(kafka, client_id),
        }
    }

    /// The changelog reader, made on first use.
    fn reader(&mut self) -> Result<&EndReader, StateSyncError> {
        let reader = match self.reader.take() {
            Some(reader) => reader,
            None => end_reader(&self.kafka, &self.client_id)
                .map_err(|source| StateSyncError::Kafka { what: "creating the changelog reader".into(), source })?,
        };
        Ok(self.reader.insert(reader))
    }

    /// Brings `stores` in step with the `assigned` input partitions: drops the
    /// slices no longer assigned, restores the others that are not current,
    /// and checkpoints them. A replicated store keeps and restores every slice:
    /// what it followed is checkpointed and read on to the end (a slice it
    /// followed may be its own now), and the others' slices are followed
    /// again afterwards. Readiness is false while it restores.
    pub fn on_assigned(
        &mut self,
        mut stores: Vec<&mut ChangelogStore>,
        assigned: &[i32],
        metrics: &Metrics,
        readiness: &Readiness,
    ) -> Result<(), StateSyncError> {
        self.checkpoint_now(&mut stores)?;
        let mut follow = Vec::new();
        for store in stores.iter_mut() {
            let slices = if store.is_replicated() {
                store.forget_current();
                let topic = store.topic().to_owned();
                partitions_of(self.reader()?, &topic, read_to_end::PARTITIONS_WAIT)?
            } else {
                assigned.to_vec()
            };
            let plan = store.plan(&slices, now_secs())?;
            for partition in &plan.drop {
                store.drop_slice(*partition)?;
            }
            if !plan.drop.is_empty() {
                tracing::info!(store = store.name(), partitions = ?plan.drop, "dropped the slices of partitions no longer assigned");
            }
            if !plan.restore.is_empty() {
                readiness.set(false);
                metrics.state_restoring.with_label_values(&[store.name()]).set(1);
                let restored = self.restore(store, &plan.restore, metrics);
                metrics.state_restoring.with_label_values(&[store.name()]).set(0);
                metrics.state_restore_remaining.with_label_values(&[store.name()]).set(0);
                restored?;
                readiness.set(true);
            }
            if store.is_replicated() {
                let checkpoints = store.checkpoints()?;
                for partition in slices.iter().filter(|p| !assigned.contains(p)) {
                    let from = checkpoints.get(partition).map_or(0, |c| c.offset);
                    follow.push((store.topic().to_owned(), *partition, from));
                }
            }
        }
        self.tail.follow(&follow).map_err(|source| StateSyncError::Kafka { what: "following other instances' slices".into(), source })?;
        if !follow.is_empty() {
            readiness.set(false);
            let read = self.tail.catch_up(stores, metrics, CATCH_UP_WITHIN);
            readiness.set(true);
            tracing::info!(records = read?, "read what other instances committed during the restore");
        }
        self.last_checkpoint = Instant::now();
        Ok(())
    }

    /// Applies what other instances committed to the slices this one follows
    /// (replicated stores only), without waiting. Called between batches.
    pub fn follow_others(&mut self, stores: Vec<&mut ChangelogStore>, metrics: &Metrics) -> Result<usize, StateSyncError> {
        Ok(self.tail.read(stores, metrics)?)
    }

    /// The group took partitions away: no slice is current any more (none is
    /// checkpointed meanwhile), so each one assigned again is read on from its
    /// last checkpoint, which replays this instance's own later changes
    /// (harmless) and whatever another instance wrote in between.
    pub fn on_revoked(stores: Vec<&mut ChangelogStore>) {
        for store in stores {
            store.forget_current();
        }
    }

    /// Reads `slices` of `store` from the changelog to its end and checkpoints them.
    fn restore(&mut self, store: &mut ChangelogStore, slices: &[(i32, RestoreFrom)], metrics: &Metrics) -> Result<(), StateSyncError> {
        let started = Instant::now();
        let topic = store.topic().to_owned();
        let name = store.name();
        let reader = self.reader()?;
        let partitions = partitions_of(reader, &topic, read_to_end::PARTITIONS_WAIT)?;
        let mut starts = Vec::new();
        let mut remaining = 0i64;
        for (partition, from) in slices {
            if !partitions.contains(partition) {
                return Err(StateSyncError::TooFewPartitions { topic, has: partitions.len(), needed: *partition });
            }
            let (low, high) = reader
                .fetch_watermarks(&topic, *partition, WATERMARK_TIMEOUT)
                .map_err(|source| StateSyncError::Kafka { what: format!("asking for the end of {topic} [{partition}]"), source })?;
            let start = match from {
                RestoreFrom::Beginning => {
                    store.clear_slice(*partition)?;
                    starts.push((*partition, Offset::Beginning));
                    low
                }
                RestoreFrom::Offset(at) => {
                    starts.push((*partition, Offset::Offset(*at)));
                    (*at).max(low)
                }
            };
            remaining += (high - start).max(0);
        }
        let gauge = metrics.state_restore_remaining.with_label_values(&[name]);
        let counter = metrics.state_restored_records.with_label_values(&[name]);
        gauge.set(remaining);
        tracing::info!(store = name, %topic, slices = ?slices, records = remaining, "restoring state before processing these partitions");
        let mut failure: Option<StateError> = None;
        let mut read = 0u64;
        let ends = read_to_end::read_to_end(reader, &topic, &starts, RESTORE_TIMEOUT, |message| {
            if failure.is_none() {
                if let Err(error) = store.apply_restored(message.partition(), message.key().unwrap_or_default(), message.payload()) {
                    failure = Some(error);
                }
            }
            read += 1;
            counter.inc();
            gauge.dec();
        })?;
        if let Some(error) = failure {
            return Err(error.into());
        }
        let now = now_secs();
        for (partition, next) in ends {
            store.checkpoint(partition, next, now)?;
        }
        tracing::info!(store = name, records = read, seconds = started.elapsed().as_secs_f64(), "state restored");
        Ok(())
    }

    /// Checkpoints every current slice of `stores` at most every
    /// [`CHECKPOINT_EVERY`] (or at once when `now` is true). Called between
    /// batches only: everything this instance committed is then in the store,
    /// and no other instance writes to its slices, so an own slice is
    /// checkpointed at its changelog's end; a followed slice, where following
    /// got to.
    pub fn checkpoint(&mut self, mut stores: Vec<&mut ChangelogStore>, now: bool) -> Result<(), StateSyncError> {
        if stores.is_empty() || (!now && self.last_checkpoint.elapsed() < CHECKPOINT_EVERY) {
            return Ok(());
        }
        self.checkpoint_now(&mut stores)
    }

    fn checkpoint_now(&mut self, stores: &mut [&mut ChangelogStore]) -> Result<(), StateSyncError> {
        self.last_checkpoint = Instant::now();
        let at = now_secs();
        for store in stores.iter_mut() {
            let topic = store.topic().to_owned();
            let current: Vec<i32> = store.current().iter().copied().collect();
            for partition in current {
                let next = match self.tail.position(&topic, partition) {
                    Some(followed) => followed,
                    None => {
                        let reader = self.reader()?;
                        let (_, high) = reader
                            .fetch_watermarks(&topic, partition, WATERMARK_TIMEOUT)
                            .map_err(|source| StateSyncError::Kafka { what: format!("asking for the end of {topic} [{partition}]"), source })?;
                        high
                    }
                };
                store.checkpoint(partition, next, at)?;
            }
        }
        Ok(())
    }
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use rdkafka::types::RDKafkaErrorCode;

    use super::*;

    fn kafka(code: RDKafkaErrorCode) -> StateSyncError {
        StateSyncError::Kafka { what: "asking for the end of a changelog".into(), source: KafkaError::MetadataFetch(code) }
    }

    #[test]
    fn a_moving_leader_or_a_slow_broker_is_tried_again() {
        assert!(kafka(RDKafkaErrorCode::NotLeaderForPartition).is_transient());
        assert!(kafka(RDKafkaErrorCode::OperationTimedOut).is_transient());
        let slow = ReadError::Timeout { topic: "t".into(), seconds: 120, partitions: vec![0] };
        assert!(StateSyncError::from(slow).is_transient());
    }

    #[test]
    fn a_missing_topic_a_short_changelog_or_a_failing_disk_stops_the_stage() {
        assert!(!StateSyncError::from(ReadError::NoPartitions("t".into())).is_transient());
        assert!(!StateSyncError::TooFewPartitions { topic: "t".into(), has: 1, needed: 2 }.is_transient());
        let disk = StateError::Corrupt { store: "versions".into(), tree: "versions", detail: "a record that does not decode".into() };
        assert!(!StateSyncError::from(disk).is_transient());
    }
}
