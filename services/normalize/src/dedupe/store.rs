//! Normalize's dedupe and version state: three changelog-backed stores
//! ([`newswire_shared::changelog`]), replicated to every normalize instance.
//!
//! - `versions`: uri → [`VersionRecord`] (newest version seen, story id, links);
//! - `exact`: content hash → [`ExactRecord`] (the first uri with that content);
//! - `near`: uri → [`NearRecord`] (a first copy's SimHash), also held in
//!   memory ([`NearIndex`]) for the near-duplicate scan.
//!
//! A change is written into the slice of the input partition being processed
//! ([`DedupeStore::set_slice`]), in the batch's Kafka transaction; a lookup
//! reads every slice, because a duplicate may arrive on any partition. The
//! runtime keeps the slices of other instances' partitions current by
//! following their changelogs between batches, so every instance sees what any
//! instance decided, after a short window (see [`newswire_shared::changelog`]'s
//! replicated stores). Two instances that each pass a copy of the same content
//! within that window write two "first copies"; every instance then picks the
//! same one ([`ExactRecord::firstness`]), and [`DedupeStore::absorb_remote`]
//! reports the pair ([`Race`]) so it is counted and logged, never silent.
//!
//! Every record carries when it was last seen; [`DedupeStore::expire`] removes
//! what is older than the window from disk, and the changelogs' retention
//! (the same window) removes it from Kafka.

use std::collections::BTreeSet;
use std::path::Path;

use newswire_shared::changelog::ChangelogStore;
use newswire_shared::staging;

use super::fingerprint::{distance, NEAR_MAX_DISTANCE};
use super::legacy::Legacy;
use super::near_index::NearIndex;
use super::records::{decode, encode, seen_ms, STORE};
pub use super::records::{ExactRecord, NearRecord, VersionRecord};
pub use newswire_shared::state::StateError;

/// The stores' names (their changelogs are `<group_prefix>.normalize.<name>.changelog`).
pub const STORES: [&str; 3] = ["versions", "exact", "near"];

/// Two first copies of the same content (or of near-duplicate content),
/// passed on by two instances within the replication window: the second was
/// published although a duplicate (or unlinked to the story it near-duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Race {
    /// The copy every instance now counts as first.
    pub first_uri: String,
    /// The copy that was passed on as well.
    pub second_uri: String,
    /// What the two share: `content` (the same content under two uris),
    /// `version` (the same version of one uri, from two feeds) or `near`
    /// (near-duplicate content, in two stories). A metric label.
    pub kind: &'static str,
}

/// A point in the batch's staged writes that [`DedupeStore::roll_back_to`] returns to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Savepoint {
    versions: staging::Savepoint,
    exact: staging::Savepoint,
    near: staging::Savepoint,
    staged_near: usize,
}

/// The dedupe state.
pub struct DedupeStore {
    versions: ChangelogStore,
    exact: ChangelogStore,
    near: ChangelogStore,
    legacy: Legacy,
    /// Committed first copies' SimHashes, every slice's and the legacy ones.
    index: NearIndex,
    /// This batch's first copies, not in the index until Kafka committed them.
    staged_near: Vec<NearRecord>,
    /// The slice this batch's current record writes to (its input partition).
    slice: i32,
    /// The slices this instance wrote since its partitions were last assigned:
    /// a race is counted by the instance that wrote the copy that stays first.
    own: BTreeSet<i32>,
    window_ms: i64,
}

impl DedupeStore {
    /// Opens (or creates) the store in `dir`; its changelogs are named after
    /// `group_prefix`; state older than `window_days` expires.
    pub fn open(dir: &Path, group_prefix: &str, window_days: u32) -> Result<Self, StateError> {
        let db = newswire_shared::state::open_sled(dir).map_err(StateError::sled(&format!("{STORE} at {}", dir.display()), "open"))?;
        Self::with_db(&db, group_prefix, window_days)
    }

    /// A store that lives only as long as the process, used without the
    /// runtime (tests, benches): slice 0 counts as current.
    pub fn temporary(window_days: u32) -> Result<Self, StateError> {
        let db = newswire_shared::state::temporary_sled().map_err(StateError::sled(STORE, "open a temporary store"))?;
        let mut store = Self::with_db(&db, "newswire", window_days)?;
        store.assume_current(&[0]);
        Ok(store)
    }

    fn with_db(db: &sled::Db, group_prefix: &str, window_days: u32) -> Result<Self, StateError> {
        let open = |name| ChangelogStore::open(db, group_prefix, "normalize", name).map(ChangelogStore::replicated);
        let [versions, exact, near] = STORES;
        let mut store = DedupeStore {
            versions: open(versions)?,
            exact: open(exact)?,
            near: open(near)?,
            legacy: Legacy::open(db)?,
            index: NearIndex::default(),
            staged_near: Vec::new(),
            slice: 0,
            own: BTreeSet::new(),
            window_ms: i64::from(window_days) * 24 * 3600 * 1000,
        };
        store.rebuild_index()?;
        Ok(store)
    }

    /// Counts `partitions`' slices as current without a restore: for a store
    /// used without the runtime (tests, benches, offline tools).
    pub fn assume_current(&mut self, partitions: &[i32]) {
        for store in self.stores_mut() {
            for partition in partitions {
                // A checkpoint at 0 "now" makes the slice current; nothing reads it without a broker.
                let _ = store.checkpoint(*partition, 0, 0);
            }
        }
    }

    /// The slice the following writes go to: the input partition of the record being processed.
    pub fn set_slice(&mut self, partition: i32) {
        self.slice = partition;
        self.own.insert(partition);
    }

    /// The three changelog-backed stores, for the runtime.
    pub fn stores_mut(&mut self) -> Vec<&mut ChangelogStore> {
        vec![&mut self.versions, &mut self.exact, &mut self.near]
    }

    /// What is known about `uri`: the newest record any slice (or the old
    /// trees) holds, this batch's staged writes included.
    pub fn version(&self, uri: &str) -> Result<Option<VersionRecord>, StateError> {
        let mut found: Vec<Vec<u8>> = self.versions.get_all(uri.as_bytes())?.into_iter().map(|(_, v)| v).collect();
        found.extend(self.legacy.version(uri)?);
        Ok(readable::<VersionRecord>("versions", found).max_by(|a, b| a.newness().cmp(&b.newness())))
    }

    /// The first copy with this content hash, as every instance picks it, staged writes included.
    pub fn exact(&self, hash: &str) -> Result<Option<ExactRecord>, StateError> {
        let mut found: Vec<Vec<u8>> = self.exact.get_all(hash.as_bytes())?.into_iter().map(|(_, v)| v).collect();
        found.extend(self.legacy.exact(hash)?);
        Ok(readable::<ExactRecord>("exact", found).min_by(|a, b| a.firstness().cmp(&b.firstness())))
    }

    /// The closest first copy (other than `uri`) within `max_distance` bits, if any.
    /// Ties go to the earliest known.
    pub fn nearest(&self, simhash: u64, uri: &str, max_distance: u32) -> Option<NearRecord> {
        let committed = self.index.nearest(simhash, max_distance, |r| r.uri != uri);
        let staged = self.staged_near.iter().filter(|r| r.uri != uri && distance(r.simhash, simhash) <= max_distance).min_by_key(|r| distance(r.simhash, simhash));
        match (committed, staged) {
            (Some(c), Some(s)) if distance(s.simhash, simhash) < distance(c.simhash, simhash) => Some(s.clone()),
            (Some(c), _) => Some(c.clone()),
            (None, s) => s.cloned(),
        }
    }

    /// Stages what is known about `uri`.
    pub fn stage_version(&mut self, uri: &str, record: VersionRecord) {
        self.versions.put(self.slice, uri.as_bytes().to_vec(), encode(&record));
    }

    /// Stages the first copy of a content hash (a later copy never replaces it).
    pub fn stage_exact(&mut self, hash: &str, record: ExactRecord) -> Result<(), StateError> {
        if self.exact(hash)?.is_none() {
            self.exact.put(self.slice, hash.as_bytes().to_vec(), encode(&record));
        }
        Ok(())
    }

    /// Stages a first copy's SimHash.
    pub fn stage_near(&mut self, record: NearRecord) {
        self.near.put(self.slice, record.uri.as_bytes().to_vec(), encode(&record));
        self.staged_near.push(record);
    }

    /// Marks the staged writes so far: what is staged after it can be taken
    /// back alone ([`DedupeStore::roll_back_to`]), for an input that is
    /// dead-lettered while the rest of its batch commits.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint {
            versions: self.versions.savepoint(),
            exact: self.exact.savepoint(),
            near: self.near.savepoint(),
            staged_near: self.staged_near.len(),
        }
    }

    /// Takes back every write staged since `savepoint` (the runtime does the
    /// same for the stores; doing it twice is harmless).
    pub fn roll_back_to(&mut self, savepoint: Savepoint) {
        self.versions.roll_back_to(savepoint.versions);
        self.exact.roll_back_to(savepoint.exact);
        self.near.roll_back_to(savepoint.near);
        self.staged_near.truncate(savepoint.staged_near);
    }

    /// Kafka committed the batch and the runtime wrote the stores: its first
    /// copies join the in-memory index.
    pub fn after_commit(&mut self) {
        self.index.extend(self.staged_near.drain(..));
    }

    /// Writes the staged changes to disk without Kafka (tests, benches, offline tools).
    pub fn commit(&mut self) -> Result<(), StateError> {
        for store in self.stores_mut() {
            store.commit_staged()?;
        }
        self.after_commit();
        Ok(())
    }

    /// Forgets the staged changes (the batch will be processed again).
    pub fn discard(&mut self) {
        for store in self.stores_mut() {
            store.discard_staged();
        }
        self.staged_near.clear();
    }

    /// Takes in what the runtime read from the changelogs since the last call:
    /// other instances' first copies join the index (all of it is re-read
    /// after a restore, and the partitions are then this instance's anew).
    /// Answers the races found in it, each once, on the instance whose copy
    /// stays first: content this instance also passed on under another uri
    /// ([`ExactRecord::firstness`] decides), and a version of a uri this
    /// instance also passed on (two feeds' copies of one page URL), counted
    /// by the instance that saw its copy first (then by the lower partition).
    pub fn absorb_remote(&mut self) -> Result<Vec<Race>, StateError> {
        let versions = self.versions.take_remote();
        let near = self.near.take_remote();
        let exact = self.exact.take_remote();
        let mut races = Vec::new();
        if versions.reloaded || near.reloaded || exact.reloaded {
            self.own.clear();
            self.rebuild_index()?;
        } else {
            let theirs: Vec<(i32, NearRecord)> =
                near.changes.into_iter().filter_map(|(partition, _, value)| value.and_then(|v| decode("near", &v).ok()).map(|r| (partition, r))).collect();
            for (partition, record) in &theirs {
                races.extend(self.near_race(*partition, record)?);
            }
            self.index.extend(theirs.into_iter().map(|(_, record)| record));
        }
        for (partition, hash, value) in exact.changes {
            let Some(theirs) = value.and_then(|v| decode::<ExactRecord>("exact", &v).ok()) else { continue };
            for (_, value) in self.own_values(&self.exact, &hash, partition)? {
                let Ok(ours) = decode::<ExactRecord>("exact", &value) else { continue };
                if ours.uri != theirs.uri && ours.firstness() < theirs.firstness() {
                    races.push(Race { first_uri: ours.uri, second_uri: theirs.uri.clone(), kind: "content" });
                }
            }
        }
        for (partition, uri, value) in versions.changes {
            let Some(theirs) = value.and_then(|v| decode::<VersionRecord>("versions", &v).ok()) else { continue };
            for (ours_at, value) in self.own_values(&self.versions, &uri, partition)? {
                let Ok(ours) = decode::<VersionRecord>("versions", &value) else { continue };
                let both_passed = ours.duplicate_of.is_none() && theirs.duplicate_of.is_none();
                if both_passed && ours.version == theirs.version && (ours.seen_ms, ours_at) < (theirs.seen_ms, partition) {
                    let uri = String::from_utf8_lossy(&uri).into_owned();
                    races.push(Race { first_uri: uri.clone(), second_uri: uri, kind: "version" });
                }
            }
        }
        Ok(races)
    }

    /// A story another instance passed on (`theirs`, in slice `partition`)
    /// within near-duplicate distance of one this instance passed on earlier,
    /// in another story: each was decided without the other, so they were
    /// not linked. Reported by the instance whose copy came first, once.
    fn near_race(&self, partition: i32, theirs: &NearRecord) -> Result<Option<Race>, StateError> {
        // Near-duplicates already in one story (linked to the same first copy) are no race.
        for ours in self.index.within(theirs.simhash, NEAR_MAX_DISTANCE).filter(|r| r.uri != theirs.uri && r.story_id != theirs.story_id) {
            let slices = self.own_values(&self.near, ours.uri.as_bytes(), partition)?;
            if slices.iter().any(|(at, _)| (ours.seen_ms, *at) < (theirs.seen_ms, partition)) {
                return Ok(Some(Race { first_uri: ours.uri.clone(), second_uri: theirs.uri.clone(), kind: "near" }));
            }
        }
        Ok(None)
    }

    /// `key`'s committed values in the slices this instance wrote, other than `partition`'s.
    fn own_values(&self, store: &ChangelogStore, key: &[u8], partition: i32) -> Result<Vec<(i32, Vec<u8>)>, StateError> {
        Ok(store.get_all(key)?.into_iter().filter(|(at, _)| *at != partition && self.own.contains(at)).collect())
    }

    /// Removes every committed record last seen before `now_ms` minus the
    /// window (or unreadable), from disk and the index. Answers how many.
    pub fn expire(&mut self, now_ms: i64) -> Result<usize, StateError> {
        let cutoff = now_ms.saturating_sub(self.window_ms);
        let mut removed = self.legacy.expire(cutoff)?;
        for store in self.stores_mut() {
            removed += store.expire_local(|value| seen_ms(value).is_none_or(|seen| seen < cutoff))?;
        }
        self.index.expire(cutoff);
        Ok(removed)
    }

    /// How many records are committed of each kind: (versions, exact, near).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.versions.len(), self.exact.len(), self.index.len())
    }

    /// Reads the index again from every slice on disk and the old trees.
    fn rebuild_index(&mut self) -> Result<(), StateError> {
        let mut records = self.legacy.near()?;
        for entry in self.near.iter_committed() {
            let (_, _, value) = entry?;
            records.extend(decode::<NearRecord>("near", &value).ok());
        }
        self.index = NearIndex::of(records);
        Ok(())
    }
}

/// The records among `values` that can be read; an unreadable one (written
/// by another version, or damaged) is skipped with a warning, never a reason
/// to stop the stage.
fn readable<T: serde::de::DeserializeOwned>(tree: &'static str, values: Vec<Vec<u8>>) -> impl Iterator<Item = T> {
    values.into_iter().filter_map(move |value| match decode::<T>(tree, &value) {
        Ok(record) => Some(record),
        Err(error) => {
            tracing::warn!(%error, "an unreadable dedupe record was skipped");
            None
        }
    })
}

#[cfg(test)]
mod tests;
