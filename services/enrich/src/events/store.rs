//! The event clustering's state: one changelog-backed store
//! ([`newswire_shared::changelog`]), `events`, replicated to every enrich
//! instance like normalize's dedupe stores, with the clusterer it rebuilds.
//!
//! - `s/<story id>` → the story's [`StoryRecord`] (its cluster, its terms);
//! - `c/<cluster id>` → the cluster's [`ClusterRecord`] after its last change.
//!
//! Both are written in the batch's Kafka transaction. The clusterer in memory
//! is exactly what [`EventClusterer::restore`] makes of the committed
//! records: after a restart, a restore from the changelog, or an aborted
//! batch, it is rebuilt from them, and the next story goes where it would have
//! gone without the interruption. A story whose id already has a record (a new
//! version, or a near-duplicate, which normalize gave its original's story id)
//! takes that cluster again and changes nothing.
//!
//! With several instances, each takes in the others' records as the runtime
//! reads them (between batches): a story assigned on another instance within
//! that window is not yet known here, as with dedupe. Assignments are then
//! deterministic per instance, not across instances.

use std::collections::BTreeMap;
use std::path::Path;

use newswire_shared::changelog::ChangelogStore;
use newswire_shared::state::StateError;
use serde::{Deserialize, Serialize};

use super::clusterer::{Assignment, AssignmentKind, ClusterSettings, EventClusterer, StoryText};
use super::records::{ClusterRecord, StoryRecord};

/// The store's name (its changelog is `<group_prefix>.enrich.events.changelog`).
pub const STORE: &str = "events";

/// A value of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Record {
    Story(StoryRecord),
    Cluster(ClusterRecord),
}

fn story_key(story_id: &str) -> Vec<u8> {
    [b"s/".as_slice(), story_id.as_bytes()].concat()
}

fn cluster_key(id: u64) -> Vec<u8> {
    [b"c/".as_slice(), &id.to_be_bytes()].concat()
}

fn encode(record: &Record) -> Vec<u8> {
    serde_json::to_vec(record).unwrap_or_default()
}

fn decode(value: &[u8]) -> Option<Record> {
    match serde_json::from_slice(value) {
        Ok(record) => Some(record),
        Err(error) => {
            tracing::warn!(%error, "an unreadable event clustering record was skipped");
            None
        }
    }
}

/// The event clustering's state and the clusterer built from it.
pub struct EventStore {
    store: ChangelogStore,
    settings: ClusterSettings,
    clusterer: EventClusterer,
    /// The slice this batch's current record writes to (its input partition).
    slice: i32,
    /// The in-memory clusterer holds changes the store will not commit (a
    /// dead-lettered story's): rebuild it once the batch is over.
    stale: bool,
}

impl EventStore {
    /// Opens (or creates) the store in `dir`; its changelog is named after `group_prefix`.
    pub fn open(dir: &Path, group_prefix: &str, settings: ClusterSettings) -> Result<Self, StateError> {
        let db = newswire_shared::state::open_sled(dir).map_err(StateError::sled(&format!("event store at {}", dir.display()), "open"))?;
        Self::with_db(&db, group_prefix, settings)
    }

    /// A store that lives only as long as the process, used without the
    /// runtime (tests, benches): slice 0 counts as current.
    pub fn temporary(settings: ClusterSettings) -> Result<Self, StateError> {
        let db = newswire_shared::state::temporary_sled().map_err(StateError::sled("event store", "open a temporary store"))?;
        let mut store = Self::with_db(&db, "newswire", settings)?;
        store.store.checkpoint(0, 0, 0)?;
        Ok(store)
    }

    fn with_db(db: &sled::Db, group_prefix: &str, settings: ClusterSettings) -> Result<Self, StateError> {
        let store = ChangelogStore::open(db, group_prefix, "enrich", STORE)?.replicated();
        let mut events = EventStore { store, clusterer: EventClusterer::new(settings.clone()), settings, slice: 0, stale: false };
        events.rebuild()?;
        Ok(events)
    }

    /// The changelog-backed store, for the runtime.
    pub fn store_mut(&mut self) -> &mut ChangelogStore {
        &mut self.store
    }

    /// The slice the following writes go to: the input partition of the record being processed.
    pub fn set_slice(&mut self, partition: i32) {
        self.slice = partition;
    }

    /// How many clusters are open.
    pub fn open_clusters(&self) -> usize {
        self.clusterer.open_clusters()
    }

    /// Puts the story in a cluster and stages what that changed. A story
    /// already assigned takes its cluster again ([`AssignmentKind::Repeat`]).
    pub fn assign(&mut self, story: StoryText<'_>) -> Result<Assignment, StateError> {
        let key = story_key(story.key);
        if let Some(known) = self.known_story(&key)? {
            let (size, first_seen_ms) = self.clusterer.cluster_size(known.event).unwrap_or((known.size, known.first_seen_ms));
            return Ok(Assignment { cluster: known.event, kind: AssignmentKind::Repeat, size, first_seen_ms });
        }
        let placed = self.clusterer.assign(story);
        if let Some((from, to)) = placed.forget {
            self.forget_stories(from, to)?;
        }
        self.store.put(self.slice, cluster_key(placed.cluster.id), encode(&Record::Cluster(placed.cluster)));
        self.store.put(self.slice, key, encode(&Record::Story(placed.story)));
        Ok(placed.assignment)
    }

    /// The record of a story already assigned, in any slice (the earliest counted wins).
    fn known_story(&self, key: &[u8]) -> Result<Option<StoryRecord>, StateError> {
        let found = self.store.get_all(key)?.into_iter().filter_map(|(_, value)| match decode(&value) {
            Some(Record::Story(story)) => Some(story),
            _ => None,
        });
        Ok(found.min_by_key(|story| story.seq))
    }

    /// The story window moved on: the stories counted at a time in
    /// `[from, to)` are no longer counted, and every record the clusterer no
    /// longer reads is removed from this instance's disk (the changelog's
    /// retention removes them from Kafka).
    fn forget_stories(&mut self, from: i64, to: i64) -> Result<(), StateError> {
        let mut leaving = Vec::new();
        for entry in self.store.iter_committed() {
            let (_, _, value) = entry?;
            if let Some(Record::Story(story)) = decode(&value) {
                if story.at_ms >= from && story.at_ms < to {
                    leaving.push(story);
                }
            }
        }
        for (_, _, value) in self.store.staged() {
            if let Some(Record::Story(story)) = value.and_then(decode) {
                if story.at_ms >= from && story.at_ms < to {
                    leaving.push(story);
                }
            }
        }
        for story in &leaving {
            self.clusterer.forget_story(story);
        }
        let closed_before = self.clusterer.forget_horizon();
        let removed = self.store.expire_local(|value| match decode(value) {
            Some(Record::Story(story)) => story.at_ms < to,
            Some(Record::Cluster(cluster)) => cluster.last_ms < closed_before,
            None => true,
        })?;
        tracing::debug!(forgotten = leaving.len(), removed, "event clustering: the story window moved on");
        Ok(())
    }

    /// Kafka committed the batch and the runtime wrote the store.
    pub fn after_commit(&mut self) -> Result<(), StateError> {
        if std::mem::take(&mut self.stale) {
            self.rebuild()?;
        }
        Ok(())
    }

    /// The batch aborted and the runtime forgot its staged records: the
    /// clusterer forgets what they did too.
    pub fn after_abort(&mut self) -> Result<(), StateError> {
        self.stale = false;
        self.rebuild()
    }

    /// The story the stage just assigned was dead-lettered: its records are
    /// taken back, and the clusterer is rebuilt once the batch is over.
    pub fn take_back_last(&mut self) {
        self.stale = true;
    }

    /// Takes in what the runtime read from the changelog since the last call:
    /// everything again after a restore, other instances' records otherwise.
    pub fn absorb_remote(&mut self) -> Result<(), StateError> {
        let remote = self.store.take_remote();
        if remote.reloaded {
            return self.rebuild();
        }
        for (_, _, value) in remote.changes {
            match value.as_deref().and_then(decode) {
                Some(Record::Story(story)) => self.clusterer.count_remote_story(&story),
                Some(Record::Cluster(cluster)) => self.clusterer.take_in_remote_cluster(&cluster),
                None => {}
            }
        }
        Ok(())
    }

    /// Writes the staged records to disk without Kafka (tests, benches, offline tools).
    pub fn commit(&mut self) -> Result<(), StateError> {
        self.store.commit_staged()?;
        self.after_commit()
    }

    /// Builds the clusterer again from the committed records of every slice.
    fn rebuild(&mut self) -> Result<(), StateError> {
        let mut stories: BTreeMap<Vec<u8>, StoryRecord> = BTreeMap::new();
        let mut clusters = Vec::new();
        for entry in self.store.iter_committed() {
            let (_, key, value) = entry?;
            match decode(&value) {
                Some(Record::Story(story)) if stories.get(&key).is_none_or(|kept| story.seq < kept.seq) => {
                    stories.insert(key, story);
                }
                Some(Record::Story(_)) => {}
                Some(Record::Cluster(cluster)) => clusters.push(cluster),
                None => {}
            }
        }
        self.clusterer = EventClusterer::restore(self.settings.clone(), stories.into_values().collect(), clusters);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
