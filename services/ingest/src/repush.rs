//! Recognising re-pushes: the same story sent again within a window.
//!
//! A story is a re-push when its feed already sent the same story key at the
//! same source version and stated publication status (a kill sent under the
//! killed item's own version number is new), or byte-identical bytes, within the window. The marks
//! live in sled (`<data_dir>/ingest`) and are written only after Kafka
//! acknowledged the story: a crash in between costs at most one duplicate in
//! `newswire.raw`, never a lost story.

use std::path::Path;

use newswire_shared::ids;
use newswire_shared::state::StateError;

use crate::accept::RawRecord;

/// The sled-backed memory of recently accepted stories.
#[derive(Clone)]
pub struct RepushStore {
    db: sled::Db,
    marks: sled::Tree,
    window_ms: i64,
}

/// The name ingest's on-disk state goes by in errors.
pub const STORE: &str = "ingest's re-push store";

impl RepushStore {
    /// Opens (or creates) the store in `dir`; marks older than `window_ms` do not count.
    pub fn open(dir: &Path, window_ms: i64) -> Result<Self, StateError> {
        let db = newswire_shared::state::open_sled(dir).map_err(StateError::sled(STORE, "open"))?;
        let marks = db.open_tree("accepted").map_err(StateError::sled(STORE, "open a tree"))?;
        Ok(RepushStore { db, marks, window_ms })
    }

    /// Another tree of the same database: all of ingest's local state (re-push
    /// marks, the pollers' memory) lives in this one sled store.
    pub fn tree(&self, name: &str) -> Result<sled::Tree, StateError> {
        self.db.open_tree(name).map_err(StateError::sled(STORE, "open a tree"))
    }

    /// Whether `record` from `feed` was accepted within the window before `now_ms`.
    pub fn is_repush(&self, feed: &str, record: &RawRecord, now_ms: i64) -> Result<bool, StateError> {
        for mark in marks_of(feed, record) {
            let found = self.marks.get(&mark).map_err(StateError::sled(STORE, "read"))?;
            if found.and_then(|v| decode_ms(&v)).is_some_and(|at| now_ms.saturating_sub(at) <= self.window_ms) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Records that Kafka acknowledged `record` from `feed` at `now_ms`.
    pub fn remember(&self, feed: &str, record: &RawRecord, now_ms: i64) -> Result<(), StateError> {
        for mark in marks_of(feed, record) {
            self.marks
                .insert(mark, &now_ms.to_be_bytes())
                .map_err(StateError::sled(STORE, "write"))?;
        }
        Ok(())
    }

    /// Deletes marks older than the window; returns how many went.
    pub fn prune(&self, now_ms: i64) -> Result<usize, StateError> {
        let mut removed = 0;
        for entry in self.marks.iter() {
            let (key, value) = entry.map_err(StateError::sled(STORE, "scan"))?;
            if decode_ms(&value).is_none_or(|at| now_ms.saturating_sub(at) > self.window_ms) {
                self.marks.remove(key).map_err(StateError::sled(STORE, "prune"))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Makes every mark durable (called at shutdown; sled also flushes on its own).
    pub async fn flush(&self) -> Result<(), StateError> {
        self.db.flush_async().await.map(|_| ()).map_err(StateError::sled(STORE, "flush"))
    }
}

/// The marks a record leaves: its bytes always, its key and version when the
/// source gave a version (a story edited without a new version is not a re-push).
pub fn marks_of(feed: &str, record: &RawRecord) -> Vec<Vec<u8>> {
    let mut marks = vec![format!("bytes/{}", ids::digest(&[feed.as_bytes(), &record.payload])).into_bytes()];
    if let Some(version) = &record.version {
        marks.push(
            format!("version/{}", ids::digest(&[feed.as_bytes(), record.key.as_bytes(), version.as_bytes()]))
                .into_bytes(),
        );
    }
    marks
}

fn decode_ms(value: &[u8]) -> Option<i64> {
    Some(i64::from_be_bytes(value.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::kafka::headers::HeaderMap;

    const DAY: i64 = 24 * 3600 * 1000;

    fn record(key: &str, payload: &str, version: Option<&str>) -> RawRecord {
        RawRecord {
            key: key.into(),
            payload: payload.into(),
            headers: HeaderMap::new(),
            version: version.map(Into::into),
        }
    }

    #[test]
    fn the_same_version_or_the_same_bytes_within_the_window_is_a_repush() {
        let dir = tempfile::tempdir().unwrap();
        let store = RepushStore::open(dir.path(), 7 * DAY).unwrap();
        let v1 = record("k", "body one", Some("1"));
        assert!(!store.is_repush("pa", &v1, 0).unwrap());
        store.remember("pa", &v1, 0).unwrap();
        assert!(store.is_repush("pa", &record("k", "re-serialised body", Some("1")), DAY).unwrap());
        assert!(store.is_repush("pa", &record("other", "body one", None), DAY).unwrap());
        assert!(!store.is_repush("pa", &record("k", "body two", Some("2")), DAY).unwrap());
        assert!(!store.is_repush("ap", &v1, DAY).unwrap(), "another feed's story is not a re-push");
    }

    #[test]
    fn a_changed_story_without_a_version_is_not_a_repush() {
        let dir = tempfile::tempdir().unwrap();
        let store = RepushStore::open(dir.path(), 7 * DAY).unwrap();
        store.remember("pa", &record("k", "first text", None), 0).unwrap();
        assert!(!store.is_repush("pa", &record("k", "corrected text", None), 1).unwrap());
    }

    #[test]
    fn marks_expire_after_the_window_and_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = RepushStore::open(dir.path(), 7 * DAY).unwrap();
        let r = record("k", "body", Some("1"));
        store.remember("pa", &r, 0).unwrap();
        assert!(!store.is_repush("pa", &r, 8 * DAY).unwrap());
        assert_eq!(store.prune(8 * DAY).unwrap(), 2);
        assert_eq!(store.prune(8 * DAY).unwrap(), 0);
    }

    #[tokio::test]
    async fn marks_survive_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let r = record("k", "body", Some("1"));
        {
            let store = RepushStore::open(dir.path(), 7 * DAY).unwrap();
            store.remember("pa", &r, 0).unwrap();
            store.flush().await.unwrap();
        }
        let store = RepushStore::open(dir.path(), 7 * DAY).unwrap();
        assert!(store.is_repush("pa", &r, 1).unwrap());
    }
}
