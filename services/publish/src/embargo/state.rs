//! Publish's embargo state: where held stories are kept, the held set, the
//! clock that says what is due, and this batch's events.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use newswire_shared::clock::{Clock, SystemClock};
use newswire_shared::config::KafkaConfig;
use newswire_shared::stage::DueRecord;
use newswire_shared::staging::Savepoint;

use crate::embargo::events::EmbargoEvent;
use crate::embargo::held::HeldSet;
use crate::embargo::restore::{self, RestoreError};
use crate::metrics::PublishMetrics;

/// The embargo topic's name when `publish.embargo_topic` is not set:
/// `<kafka.group_prefix>.publish.embargoed` (publish's own state, named like
/// its consumer group, so pipelines sharing a broker never share held stories).
pub fn default_topic(group_prefix: &str) -> String {
    format!("{group_prefix}.publish.embargoed")
}

/// The held stories and what publish needs to hold and release them.
pub struct Embargoes {
    topic: String,
    /// The held stories, this batch's changes staged.
    pub held: HeldSet,
    clock: Arc<dyn Clock>,
    restore_from: Option<KafkaConfig>,
    /// The input partitions this instance owns, once the group said
    /// ([`Embargoes::on_assigned`]); `None` before, and without Kafka (tests).
    owned: Option<BTreeSet<i32>>,
    /// What this batch did to held stories, emitted when it commits.
    pub events: Vec<EmbargoEvent>,
}

/// A point in a batch's embargo changes and events to return to
/// ([`Embargoes::roll_back_to`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbargoSavepoint {
    held: Savepoint,
    events: usize,
}

impl Embargoes {
    /// Held stories kept on `topic`, released by `clock`; nothing is read
    /// back on start-up until [`Embargoes::restoring_from`] says from where.
    pub fn new(topic: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Embargoes { topic: topic.into(), held: HeldSet::default(), clock, restore_from: None, owned: None, events: Vec::new() }
    }

    /// The same, reading the held stories back from the topic on `kafka` when publish starts.
    pub fn restoring_from(mut self, kafka: KafkaConfig) -> Self {
        self.restore_from = Some(kafka);
        self
    }

    /// The embargo topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Now, by the clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The group gave this instance the input partitions `partitions`: it
    /// holds (and releases) exactly the held stories of those slices. Those of
    /// partitions that moved away are dropped; when it gained one, the whole
    /// embargo topic is read again (to its end, committed records only), so
    /// what the partition's previous owner held and released is known before
    /// anything of it is processed. Answers how many stories are held.
    pub fn on_assigned(&mut self, partitions: &[i32]) -> Result<usize, RestoreError> {
        let owned: BTreeSet<i32> = partitions.iter().copied().collect();
        let gained = self.owned.as_ref().is_none_or(|before| !owned.is_subset(before));
        if let (Some(kafka), true) = (&self.restore_from, gained) {
            let records = restore::read_all(kafka, &self.topic, restore::RESTORE_TIMEOUT)?;
            self.held.clear();
            for (uri, held) in records {
                self.held.restore(uri, held);
            }
        }
        self.held.retain_slices(&owned);
        self.owned = Some(owned);
        Ok(self.held.len())
    }

    /// Up to `max` held stories due now, as timed work (their removal staged).
    pub fn due(&mut self, max: usize) -> Vec<DueRecord> {
        if self.held.is_empty() {
            return Vec::new();
        }
        let now = self.clock.now();
        self.held.take_due(now, max).iter().map(|held| held.due_record(&self.topic)).collect()
    }

    /// The batch committed: its holds and releases are final, its events counted.
    pub fn commit(&mut self, metrics: &PublishMetrics) {
        self.held.commit();
        for event in self.events.drain(..) {
            event.emit(metrics);
        }
        metrics.embargoed_held.set(self.held.len() as i64);
    }

    /// Marks this batch's holds, releases and events so far.
    pub fn savepoint(&self) -> EmbargoSavepoint {
        EmbargoSavepoint { held: self.held.savepoint(), events: self.events.len() }
    }

    /// Takes back the holds, cancellations and events staged since
    /// `savepoint` (by an input that is dead-lettered). A release handed out
    /// by [`Embargoes::due`] before it stays staged: its held record is
    /// removed whatever its outcome.
    pub fn roll_back_to(&mut self, savepoint: EmbargoSavepoint) {
        self.held.roll_back_to(savepoint.held);
        self.events.truncate(savepoint.events);
    }

    /// The batch was aborted: it will be processed again.
    pub fn abort(&mut self) {
        self.held.abort();
        self.events.clear();
    }
}

impl Default for Embargoes {
    fn default() -> Self {
        Embargoes::new(default_topic("newswire"), Arc::new(SystemClock))
    }
}
