//! State stores kept in Kafka: a stage's state by key, written to a compacted
//! changelog topic in the same transaction as the stage's output and input
//! offsets, and materialized on disk in sled.
//!
//! A store is split in slices, one per input partition: a change made while
//! processing a record of partition `p` goes to the changelog's partition `p`
//! (the changelog has the input's partition count). So a slice moves with its
//! partition: when the consumer group assigns a partition to an instance, the
//! runtime ([`crate::kafka::runtime`]) brings that slice up to date from the
//! changelog before the partition's first record is processed (from the slice's
//! [`plan::Checkpoint`], or from the beginning when there is none: a deleted data
//! directory costs a restore, never the state), and drops slices the instance no
//! longer has.
//!
//! The stage reads ([`ChangelogStore::get`]) and stages writes
//! ([`ChangelogStore::put`], [`ChangelogStore::remove`]) while it processes a
//! batch; the runtime produces the batch's changes to the changelog inside its
//! transaction, then writes them to sled once Kafka committed, or forgets them
//! if the batch aborted. Nothing is written after the commit that is not
//! already in Kafka: a crash between the two is repaired by the next restore,
//! which reads on from the last checkpoint.

pub mod plan;
mod replicated;

pub use replicated::RemoteChanges;

use std::collections::{BTreeMap, BTreeSet};

use crate::staging::{Savepoint, StagedMap};
use crate::state::StateError;
use plan::{Checkpoint, RestorePlan};

/// The name of a store's changelog topic: `<group_prefix>.<stage>.<store>.changelog`.
pub fn changelog_topic(group_prefix: &str, stage: &str, store: &str) -> String {
    format!("{group_prefix}.{stage}.{store}.changelog")
}

/// One changelog-backed store of a stage.
pub struct ChangelogStore {
    name: &'static str,
    topic: String,
    /// `partition (4 bytes, big-endian) ++ key` → value.
    data: sled::Tree,
    /// `partition` → [`Checkpoint`] (offset and Unix seconds, 8 bytes each, big-endian).
    checkpoints: sled::Tree,
    /// The slices restored by this process and kept current by its commits since.
    current: BTreeSet<i32>,
    /// The open batch's changes: `(partition, key)` → value, `None` to remove.
    staged: StagedMap<(i32, Vec<u8>), Option<Vec<u8>>>,
    /// Every instance holds every slice ([`ChangelogStore::replicated`]).
    replicated: bool,
    /// What was read into the store from other instances' slices since the stage last asked.
    remote: RemoteChanges,
}

impl ChangelogStore {
    /// Opens store `name` of `stage` in `db` (two trees, `changelog.<name>` and
    /// `changelog.<name>.checkpoints`); its changelog is [`changelog_topic`].
    pub fn open(db: &sled::Db, group_prefix: &str, stage: &str, name: &'static str) -> Result<Self, StateError> {
        let what = format!("{stage}'s {name} store");
        let data = db.open_tree(format!("changelog.{name}")).map_err(StateError::sled(&what, "open its data"))?;
        let checkpoints = db.open_tree(format!("changelog.{name}.checkpoints")).map_err(StateError::sled(&what, "open its checkpoints"))?;
        Ok(ChangelogStore {
            name,
            topic: changelog_topic(group_prefix, stage, name),
            data,
            checkpoints,
            current: BTreeSet::new(),
            staged: StagedMap::new(),
            replicated: false,
            remote: RemoteChanges::default(),
        })
    }

    /// The store's name (a metric label).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its changelog topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The value of `key` in `partition`'s slice: the open batch's staged change, else the stored value.
    pub fn get(&self, partition: i32, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        if let Some(staged) = self.staged.get(&(partition, key.to_vec())) {
            return Ok(staged.clone());
        }
        let value = self.data.get(data_key(partition, key)).map_err(StateError::sled(&self.what(), "read"))?;
        Ok(value.map(|v| v.to_vec()))
    }

    /// Stages `key` = `value` in `partition`'s slice for the open batch.
    pub fn put(&mut self, partition: i32, key: Vec<u8>, value: Vec<u8>) {
        self.staged.insert((partition.max(0), key), Some(value));
    }

    /// Stages the removal of `key` from `partition`'s slice for the open batch.
    pub fn remove(&mut self, partition: i32, key: Vec<u8>) {
        self.staged.insert((partition.max(0), key), None);
    }

    /// Marks the batch's changes so far (taken by the runtime before each record).
    pub fn savepoint(&self) -> Savepoint {
        self.staged.savepoint()
    }

    /// Takes back the changes made since `savepoint` (a dead-lettered record's).
    pub fn roll_back_to(&mut self, savepoint: Savepoint) {
        self.staged.roll_back_to(savepoint);
    }

    /// The open batch's changes, one per key (the last), for the changelog:
    /// `(partition, key, value)`, `None` for a removal.
    pub fn staged(&self) -> impl Iterator<Item = (i32, &[u8], Option<&[u8]>)> {
        self.staged.iter().map(|((partition, key), value)| (*partition, key.as_slice(), value.as_deref()))
    }

    /// How many changes the open batch has.
    pub fn staged_len(&self) -> usize {
        self.staged.len()
    }

    /// Kafka committed the batch: its changes go to disk. Not flushed here:
    /// the changelog is the record, and sled only has to be durable up to a
    /// checkpoint, which [`ChangelogStore::checkpoint`] flushes before it
    /// writes one; what a crash loses after it is read again on restore.
    pub fn commit_staged(&mut self) -> Result<(), StateError> {
        let mut batch = sled::Batch::default();
        for ((partition, key), value) in self.staged.take() {
            match value {
                Some(value) => batch.insert(data_key(partition, &key), value),
                None => batch.remove(data_key(partition, &key)),
            }
        }
        self.data.apply_batch(batch).map_err(StateError::sled(&self.what(), "write a committed batch"))
    }

    /// The batch aborted: its changes are forgotten (it will be processed again).
    pub fn discard_staged(&mut self) {
        self.staged.clear();
    }

    /// What to restore and drop now that `assigned` are the stage's partitions.
    pub fn plan(&self, assigned: &[i32], now_secs: i64) -> Result<RestorePlan, StateError> {
        Ok(plan::plan(assigned, &self.current, &self.checkpoints()?, now_secs))
    }

    /// The slices restored by this process and current since.
    pub fn current(&self) -> &BTreeSet<i32> {
        &self.current
    }

    /// No slice is current any more (the group took partitions away): each
    /// is brought up to date again from its checkpoint when assigned.
    pub fn forget_current(&mut self) {
        self.current.clear();
    }

    /// Removes `partition`'s slice and its checkpoint: another instance has it now.
    pub fn drop_slice(&mut self, partition: i32) -> Result<(), StateError> {
        self.clear_slice(partition)?;
        self.remote.reloaded = true;
        self.checkpoints.remove(partition.to_be_bytes()).map_err(StateError::sled(&self.what(), "remove a checkpoint"))?;
        self.current.remove(&partition);
        Ok(())
    }

    /// Empties `partition`'s slice, before it is read from the changelog's beginning.
    pub fn clear_slice(&mut self, partition: i32) -> Result<(), StateError> {
        self.remote.reloaded = true;
        let mut batch = sled::Batch::default();
        for entry in self.data.scan_prefix(partition.to_be_bytes()) {
            let (key, _) = entry.map_err(StateError::sled(&self.what(), "scan a slice"))?;
            batch.remove(key);
        }
        self.data.apply_batch(batch).map_err(StateError::sled(&self.what(), "clear a slice"))
    }

    /// Applies one changelog record read back into `partition`'s slice (`None`: a tombstone).
    pub fn apply_restored(&mut self, partition: i32, key: &[u8], value: Option<&[u8]>) -> Result<(), StateError> {
        self.remote.reloaded = true;
        self.apply(partition, key, value)
    }

    /// Writes one changelog record into `partition`'s slice on disk.
    fn apply(&mut self, partition: i32, key: &[u8], value: Option<&[u8]>) -> Result<(), StateError> {
        let key = data_key(partition, key);
        match value {
            Some(value) => self.data.insert(key, value).map(drop),
            None => self.data.remove(key).map(drop),
        }
        .map_err(StateError::sled(&self.what(), "apply a restored record"))
    }

    /// `partition`'s slice holds the changelog up to `offset` (exclusive), as of
    /// `now_secs`: written down (data first, flushed), and the slice is current.
    pub fn checkpoint(&mut self, partition: i32, offset: i64, now_secs: i64) -> Result<(), StateError> {
        self.data.flush().map_err(StateError::sled(&self.what(), "flush"))?;
        let mut value = offset.to_be_bytes().to_vec();
        value.extend_from_slice(&now_secs.to_be_bytes());
        self.checkpoints.insert(partition.to_be_bytes(), value).map_err(StateError::sled(&self.what(), "write a checkpoint"))?;
        self.checkpoints.flush().map_err(StateError::sled(&self.what(), "flush its checkpoints"))?;
        self.current.insert(partition);
        Ok(())
    }

    /// Every checkpoint on disk.
    pub fn checkpoints(&self) -> Result<BTreeMap<i32, Checkpoint>, StateError> {
        let mut out = BTreeMap::new();
        for entry in self.checkpoints.iter() {
            let (key, value) = entry.map_err(StateError::sled(&self.what(), "read its checkpoints"))?;
            let partition = <[u8; 4]>::try_from(key.as_ref()).map(i32::from_be_bytes);
            let offset = value.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(i64::from_be_bytes);
            let saved_at = value.get(8..16).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(i64::from_be_bytes);
            match (partition, offset, saved_at) {
                (Ok(partition), Some(offset), Some(saved_at)) => {
                    out.insert(partition, Checkpoint { offset, saved_at });
                }
                // An unreadable checkpoint is no checkpoint: the slice is read from the beginning.
                _ => tracing::warn!(store = self.name, "an unreadable checkpoint was ignored"),
            }
        }
        Ok(out)
    }

    /// A read-only view of the committed data, for another thread.
    pub fn committed_reader(&self) -> CommittedReader {
        CommittedReader { name: self.name, data: self.data.clone() }
    }

    fn what(&self) -> String {
        format!("the {} store", self.name)
    }
}

/// The sled key of `key` in `partition`'s slice.
/// A key and its value, as a store holds them.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A read-only view of a store's committed data, for another thread (publish's
/// webhook workers read the outbox the stage writes). It sees what the
/// runtime wrote to disk after each commit, never a batch's staged changes.
#[derive(Clone)]
pub struct CommittedReader {
    name: &'static str,
    data: sled::Tree,
}

impl CommittedReader {
    /// Up to `limit` entries of `partition`'s slice whose key starts with
    /// `prefix`, in key order, each `(key, value)` with the key as the stage
    /// wrote it.
    pub fn scan(&self, partition: i32, prefix: &[u8], limit: usize) -> Result<Vec<Entry>, StateError> {
        let mut out = Vec::new();
        for entry in self.data.scan_prefix(data_key(partition, prefix)).take(limit) {
            let (key, value) = entry.map_err(StateError::sled(&format!("the {} store", self.name), "scan a slice"))?;
            out.push((key[4..].to_vec(), value.to_vec()));
        }
        Ok(out)
    }

    /// How many entries of `partition`'s slice start with `prefix`.
    pub fn count(&self, partition: i32, prefix: &[u8]) -> usize {
        self.data.scan_prefix(data_key(partition, prefix)).count()
    }
}

fn data_key(partition: i32, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + key.len());
    out.extend_from_slice(&partition.to_be_bytes());
    out.extend_from_slice(key);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::temporary_sled;

    fn store() -> ChangelogStore {
        ChangelogStore::open(&temporary_sled().unwrap(), "newswire", "publish", "receipts").unwrap()
    }

    #[test]
    fn a_batch_s_changes_are_seen_at_once_kept_on_commit_and_forgotten_on_abort() {
        let mut s = store();
        assert_eq!(s.topic(), "newswire.publish.receipts.changelog");
        s.put(1, b"k".to_vec(), b"v1".to_vec());
        assert_eq!(s.get(1, b"k").unwrap(), Some(b"v1".to_vec()));
        assert_eq!(s.get(0, b"k").unwrap(), None, "slices are apart");
        s.discard_staged();
        assert_eq!(s.get(1, b"k").unwrap(), None);

        s.put(1, b"k".to_vec(), b"v1".to_vec());
        s.put(1, b"k".to_vec(), b"v2".to_vec());
        assert_eq!(s.staged().collect::<Vec<_>>(), vec![(1, &b"k"[..], Some(&b"v2"[..]))], "one change per key: the last");
        s.commit_staged().unwrap();
        assert_eq!((s.get(1, b"k").unwrap(), s.staged_len()), (Some(b"v2".to_vec()), 0));

        s.remove(1, b"k".to_vec());
        assert_eq!(s.get(1, b"k").unwrap(), None, "a staged removal hides the stored value");
        s.commit_staged().unwrap();
        assert_eq!(s.get(1, b"k").unwrap(), None);
    }

    #[test]
    fn a_dead_lettered_record_s_changes_are_taken_back_alone() {
        let mut s = store();
        s.put(0, b"a".to_vec(), b"1".to_vec());
        let before = s.savepoint();
        s.put(0, b"b".to_vec(), b"2".to_vec());
        s.roll_back_to(before);
        s.commit_staged().unwrap();
        assert_eq!((s.get(0, b"a").unwrap(), s.get(0, b"b").unwrap()), (Some(b"1".to_vec()), None));
    }

    #[test]
    fn a_restored_slice_is_current_and_a_dropped_one_leaves_nothing_behind() {
        let mut s = store();
        s.apply_restored(2, b"x", Some(b"1")).unwrap();
        s.apply_restored(2, b"y", Some(b"1")).unwrap();
        s.apply_restored(2, b"y", None).unwrap();
        s.apply_restored(3, b"x", Some(b"3")).unwrap();
        s.checkpoint(2, 17, 1_000).unwrap();
        assert_eq!((s.get(2, b"x").unwrap(), s.get(2, b"y").unwrap()), (Some(b"1".to_vec()), None));
        assert_eq!(s.checkpoints().unwrap().get(&2), Some(&Checkpoint { offset: 17, saved_at: 1_000 }));
        assert!(s.plan(&[2], 1_000).unwrap().is_empty(), "current: nothing to do");
        s.forget_current();
        assert_eq!(s.plan(&[2], 1_000).unwrap().restore, vec![(2, plan::RestoreFrom::Offset(17))], "after a revocation: read on from the checkpoint");
        s.checkpoint(2, 17, 1_000).unwrap();

        s.drop_slice(2).unwrap();
        assert_eq!(s.get(2, b"x").unwrap(), None);
        assert!(s.checkpoints().unwrap().is_empty());
        assert_eq!(s.get(3, b"x").unwrap(), Some(b"3".to_vec()), "another slice is untouched");
        s.clear_slice(3).unwrap();
        assert_eq!(s.get(3, b"x").unwrap(), None);
    }

    #[test]
    fn a_store_reopened_after_a_restart_reads_on_from_its_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = crate::state::open_sled(dir.path()).unwrap();
            let mut s = ChangelogStore::open(&db, "newswire", "publish", "receipts").unwrap();
            s.apply_restored(0, b"k", Some(b"v")).unwrap();
            s.checkpoint(0, 5, 100).unwrap();
            db.flush().unwrap();
        }
        // sled's background flusher may hold the file lock a moment after the drop.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let db = loop {
            match crate::state::open_sled(dir.path()) {
                Ok(db) => break db,
                Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(50)),
                Err(e) => panic!("reopen failed: {e}"),
            }
        };
        let s = ChangelogStore::open(&db, "newswire", "publish", "receipts").unwrap();
        assert!(s.current().is_empty(), "a new process has restored nothing yet");
        assert_eq!(s.plan(&[0], 160).unwrap().restore, vec![(0, plan::RestoreFrom::Offset(5))]);
        assert_eq!(s.get(0, b"k").unwrap(), Some(b"v".to_vec()));
    }
}
