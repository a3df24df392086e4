//! Dedupe and version state in sled, with writes staged while a batch is
//! processed and written (and flushed) just before its Kafka transaction commits.
//!
//! Three trees: `versions` (uri → newest version seen, story id, links),
//! `exact` (content hash → first uri and its story id) and `near` (uri → SimHash
//! and story id, also held in memory: the SimHashes alone in one array for a
//! linear Hamming scan, about a nanosecond a stored story, so 100,000 stories
//! cost about 0.1 ms a lookup). Every record carries when it was last
//! seen; [`DedupeStore::expire`] removes what is older than the window.
//!
//! Writes made while processing a batch go to an in-memory overlay that later
//! messages of the same batch also see; [`DedupeStore::commit`] writes them to
//! sled and flushes, [`DedupeStore::discard`] forgets them.

use std::path::Path;

use newswire_shared::staging::{self, StagedMap};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub use newswire_shared::state::StateError;

/// The name normalize's on-disk state goes by in errors.
const STORE: &str = "normalize's dedupe store";

/// The store's name with where it lives.
fn store_name(path: &str) -> String {
    format!("{STORE} at {path}")
}

/// What is known about one uri.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// The newest version passed on or recorded.
    pub version: u64,
    /// That version's `versioncreated`, milliseconds since the epoch, when known.
    #[serde(default)]
    pub versioncreated_ms: Option<i64>,
    /// The story id shared with near-duplicates and the first copy.
    pub story_id: String,
    /// The story was killed (pubstatus canceled).
    pub killed: bool,
    /// The story was withheld (and not killed since): a later withhold notice is not passed again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
    /// uri of the first copy, when this uri was a near-duplicate of it.
    pub near_duplicate_of: Option<String>,
    /// uri of the first copy, when this uri was dropped as its exact duplicate.
    pub duplicate_of: Option<String>,
    /// When it was last seen, milliseconds since the epoch.
    pub seen_ms: i64,
    /// The input record this was decided for (`topic/partition/offset`), so
    /// the same record read again after its batch did not commit is known as
    /// a replay rather than a re-send.
    #[serde(default)]
    pub origin: Option<String>,
    /// The content's SimHash when this uri was last passed on, to tell an
    /// edit of the same page from a different story under a shared page URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simhash: Option<u64>,
}

/// The first uri seen with one content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactRecord {
    /// The first copy's uri.
    pub uri: String,
    /// Its story id.
    pub story_id: String,
    /// When it was first seen.
    pub seen_ms: i64,
}

/// A SimHash of a first copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearRecord {
    /// The copy's uri.
    pub uri: String,
    /// Its SimHash.
    pub simhash: u64,
    /// Its story id.
    pub story_id: String,
    /// When it was first seen.
    pub seen_ms: i64,
}

/// Writes not yet committed.
#[derive(Debug, Default)]
struct Overlay {
    versions: StagedMap<String, VersionRecord>,
    exact: StagedMap<String, ExactRecord>,
    near: Vec<NearRecord>,
}

/// A point in the batch's staged writes that [`DedupeStore::roll_back_to`] returns to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Savepoint {
    versions: staging::Savepoint,
    exact: staging::Savepoint,
    near: usize,
}

/// The dedupe state: sled plus the staged overlay.
pub struct DedupeStore {
    path: String,
    db: sled::Db,
    versions: sled::Tree,
    exact: sled::Tree,
    near_tree: sled::Tree,
    near: Vec<NearRecord>,
    /// `near[i].simhash` at `i`: the scan reads 8 bytes a story instead of a record.
    near_hashes: Vec<u64>,
    staged: Overlay,
    window_ms: i64,
}

impl DedupeStore {
    /// Opens (or creates) the store in `dir`; state older than `window_days` expires.
    pub fn open(dir: &Path, window_days: u32) -> Result<Self, StateError> {
        let path = dir.display().to_string();
        let db = newswire_shared::state::open_sled(dir).map_err(StateError::sled(&store_name(&path), "open"))?;
        Self::with_db(db, path, window_days)
    }

    /// A store that lives only as long as the process (for tests).
    pub fn temporary(window_days: u32) -> Result<Self, StateError> {
        let db = newswire_shared::state::temporary_sled().map_err(StateError::sled(&store_name("(temporary)"), "open"))?;
        Self::with_db(db, "(temporary)".into(), window_days)
    }

    fn with_db(db: sled::Db, path: String, window_days: u32) -> Result<Self, StateError> {
        let tree = |name: &str| db.open_tree(name).map_err(StateError::sled(&store_name(&path), &format!("open the tree {name:?}")));
        let (versions, exact, near_tree) = (tree("versions")?, tree("exact")?, tree("near")?);
        let mut near = Vec::new();
        for entry in near_tree.iter() {
            let (_, value) = entry.map_err(StateError::sled(&store_name(&path), "read the near-duplicate hashes"))?;
            near.push(decode::<NearRecord>("near", &value)?);
        }
        let window_ms = i64::from(window_days) * 24 * 3600 * 1000;
        let near_hashes = near.iter().map(|r| r.simhash).collect();
        Ok(DedupeStore { path, db, versions, exact, near_tree, near, near_hashes, staged: Overlay::default(), window_ms })
    }

    /// What is known about `uri`, staged writes first.
    pub fn version(&self, uri: &str) -> Result<Option<VersionRecord>, StateError> {
        if let Some(r) = self.staged.versions.get(uri) {
            return Ok(Some(r.clone()));
        }
        self.get(&self.versions, "versions", uri)
    }

    /// The first copy with this content hash, staged writes first.
    pub fn exact(&self, hash: &str) -> Result<Option<ExactRecord>, StateError> {
        if let Some(r) = self.staged.exact.get(hash) {
            return Ok(Some(r.clone()));
        }
        self.get(&self.exact, "exact", hash)
    }

    /// The closest first copy (other than `uri`) within `max_distance` bits, if any.
    /// Ties go to the earliest committed.
    pub fn nearest(&self, simhash: u64, uri: &str, max_distance: u32) -> Option<NearRecord> {
        let distance = |h: u64| super::fingerprint::distance(h, simhash);
        let committed = self
            .near_hashes
            .iter()
            .enumerate()
            .filter(|(_, h)| distance(**h) <= max_distance)
            .map(|(i, _)| &self.near[i]);
        committed
            .chain(self.staged.near.iter().filter(|r| distance(r.simhash) <= max_distance))
            .filter(|r| r.uri != uri)
            .min_by_key(|r| distance(r.simhash))
            .cloned()
    }

    /// Stages what is known about `uri`.
    pub fn stage_version(&mut self, uri: &str, record: VersionRecord) {
        self.staged.versions.insert(uri.to_owned(), record);
    }

    /// Stages the first copy of a content hash (a later copy never replaces it).
    pub fn stage_exact(&mut self, hash: &str, record: ExactRecord) -> Result<(), StateError> {
        if self.exact(hash)?.is_none() {
            self.staged.exact.insert(hash.to_owned(), record);
        }
        Ok(())
    }

    /// Stages a first copy's SimHash.
    pub fn stage_near(&mut self, record: NearRecord) {
        self.staged.near.push(record);
    }

    /// Marks the staged writes so far: what is staged after it can be taken
    /// back alone ([`DedupeStore::roll_back_to`]), for an input that is
    /// dead-lettered while the rest of its batch commits.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint { versions: self.staged.versions.savepoint(), exact: self.staged.exact.savepoint(), near: self.staged.near.len() }
    }

    /// Takes back every write staged since `savepoint`.
    pub fn roll_back_to(&mut self, savepoint: Savepoint) {
        self.staged.versions.roll_back_to(savepoint.versions);
        self.staged.exact.roll_back_to(savepoint.exact);
        self.staged.near.truncate(savepoint.near);
    }

    /// Writes the staged records to sled and flushes them to disk.
    pub fn commit(&mut self) -> Result<(), StateError> {
        let mut staged = std::mem::take(&mut self.staged);
        let mut versions = sled::Batch::default();
        for (uri, record) in &staged.versions.take() {
            versions.insert(uri.as_bytes(), encode(record));
        }
        let mut exact = sled::Batch::default();
        for (hash, record) in &staged.exact.take() {
            exact.insert(hash.as_bytes(), encode(record));
        }
        let mut near = sled::Batch::default();
        for record in &staged.near {
            near.insert(record.uri.as_bytes(), encode(record));
        }
        self.versions.apply_batch(versions).map_err(self.sled_error("write the batch"))?;
        self.exact.apply_batch(exact).map_err(self.sled_error("write the batch"))?;
        self.near_tree.apply_batch(near).map_err(self.sled_error("write the batch"))?;
        self.near_hashes.extend(staged.near.iter().map(|r| r.simhash));
        self.near.extend(staged.near);
        self.db.flush().map_err(self.sled_error("flush to disk"))?;
        Ok(())
    }

    /// Forgets the staged records (the batch will be processed again).
    pub fn discard(&mut self) {
        self.staged = Overlay::default();
    }

    /// Removes every committed record last seen before `now_ms` minus the window.
    /// Returns how many were removed.
    pub fn expire(&mut self, now_ms: i64) -> Result<usize, StateError> {
        let cutoff = now_ms.saturating_sub(self.window_ms);
        let mut removed = 0;
        removed += self.expire_tree::<VersionRecord>("versions", cutoff, |r| r.seen_ms)?;
        removed += self.expire_tree::<ExactRecord>("exact", cutoff, |r| r.seen_ms)?;
        removed += self.expire_tree::<NearRecord>("near", cutoff, |r| r.seen_ms)?;
        self.near.retain(|r| r.seen_ms >= cutoff);
        self.near_hashes = self.near.iter().map(|r| r.simhash).collect();
        Ok(removed)
    }

    fn expire_tree<T: DeserializeOwned>(&self, name: &'static str, cutoff: i64, seen: impl Fn(&T) -> i64) -> Result<usize, StateError> {
        let tree = match name {
            "versions" => &self.versions,
            "exact" => &self.exact,
            _ => &self.near_tree,
        };
        let mut batch = sled::Batch::default();
        let mut removed = 0;
        for entry in tree.iter() {
            let (key, value) = entry.map_err(self.sled_error("scan for expired records"))?;
            // An unreadable record is expired rather than kept forever.
            if decode::<T>(name, &value).map_or(true, |r| seen(&r) < cutoff) {
                batch.remove(key);
                removed += 1;
            }
        }
        tree.apply_batch(batch).map_err(self.sled_error("remove expired records"))?;
        Ok(removed)
    }

    /// How many records are committed in each tree: (versions, exact, near).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.versions.len(), self.exact.len(), self.near.len())
    }

    fn get<T: DeserializeOwned>(&self, tree: &sled::Tree, name: &'static str, key: &str) -> Result<Option<T>, StateError> {
        match tree.get(key.as_bytes()).map_err(self.sled_error("read"))? {
            Some(value) => decode(name, &value).map(Some),
            None => Ok(None),
        }
    }

    fn sled_error(&self, action: &str) -> impl FnOnce(sled::Error) -> StateError + use<> {
        StateError::sled(&store_name(&self.path), action)
    }
}

fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail.
    serde_json::to_vec(record).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T, StateError> {
    serde_json::from_slice(bytes).map_err(|error| StateError::corrupt(STORE, tree, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(version: u64, seen_ms: i64) -> VersionRecord {
        VersionRecord { version, versioncreated_ms: None, story_id: "s".into(), killed: false, withheld: false, near_duplicate_of: None, duplicate_of: None, seen_ms, origin: None, simhash: None }
    }

    #[test]
    fn staged_writes_are_visible_at_once_and_gone_after_discard() {
        let mut store = DedupeStore::temporary(7).unwrap();
        store.stage_version("u", record(1, 0));
        assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(1));
        store.discard();
        assert_eq!(store.version("u").unwrap(), None);
    }

    #[test]
    fn rolling_back_to_a_savepoint_takes_back_only_what_was_staged_after_it() {
        let mut store = DedupeStore::temporary(7).unwrap();
        store.stage_version("kept", record(1, 0));
        store.stage_version("u", record(1, 0));
        let savepoint = store.savepoint();
        store.stage_version("u", record(2, 0));
        store.stage_version("new", record(1, 0));
        store.stage_exact("h", ExactRecord { uri: "new".into(), story_id: "s".into(), seen_ms: 0 }).unwrap();
        store.stage_near(NearRecord { uri: "new".into(), simhash: 0b1011, story_id: "s".into(), seen_ms: 0 });
        store.roll_back_to(savepoint);
        assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(1), "the earlier staged version is back");
        assert_eq!(store.version("kept").unwrap().map(|r| r.version), Some(1));
        assert_eq!((store.version("new").unwrap(), store.exact("h").unwrap()), (None, None));
        assert_eq!(store.nearest(0b1011, "other", 0), None);
        store.commit().unwrap();
        assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(1), "and is what commits");
    }

    #[test]
    fn committed_state_survives_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut store = DedupeStore::open(dir.path(), 7).unwrap();
            store.stage_version("u", record(2, 0));
            store.stage_exact("h", ExactRecord { uri: "u".into(), story_id: "s".into(), seen_ms: 0 }).unwrap();
            store.stage_near(NearRecord { uri: "u".into(), simhash: 0b1011, story_id: "s".into(), seen_ms: 0 });
            store.commit().unwrap();
        }
        let store = DedupeStore::open(dir.path(), 7).unwrap();
        assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(2));
        assert_eq!(store.exact("h").unwrap().map(|r| r.uri), Some("u".into()));
        assert_eq!(store.nearest(0b1111, "other", 1).map(|r| r.uri), Some("u".into()));
        assert_eq!(store.nearest(0b1011, "u", 3), None, "a uri is never its own near-duplicate");
    }

    #[test]
    fn records_older_than_the_window_expire() {
        let day = 24 * 3600 * 1000;
        let mut store = DedupeStore::temporary(7).unwrap();
        store.stage_version("old", record(1, 0));
        store.stage_version("new", record(1, 6 * day));
        store.stage_near(NearRecord { uri: "old".into(), simhash: 1, story_id: "s".into(), seen_ms: 0 });
        store.commit().unwrap();
        assert_eq!(store.expire(8 * day).unwrap(), 2);
        assert_eq!(store.version("old").unwrap(), None);
        assert!(store.version("new").unwrap().is_some());
        assert_eq!(store.sizes(), (1, 0, 0));
    }
}
