//! The held stories: each one's record on the embargo topic, and the set
//! publish keeps in memory to know what is due, with this batch's changes
//! staged apart until the batch commits (an aborted batch leaves no trace and
//! the releases it took are due again).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use newswire_shared::article::Article;
use newswire_shared::kafka::headers::{HeaderMap, HELD_KEY, HELD_SLICE};
use newswire_shared::stage::{DueRecord, OutputRecord, Tombstone};
use newswire_shared::staging::{Savepoint, StagedMap};

use crate::embargo::decision::{is_due, HeldVersion};

/// One held story.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// Its uri: the key on the embargo topic.
    pub uri: String,
    /// Its version.
    pub version: u64,
    /// When it is released.
    pub until: DateTime<Utc>,
    /// Its key on publish's input (the story key).
    pub key: Vec<u8>,
    /// The story as publish received it (the enriched article).
    pub payload: Vec<u8>,
    /// The headers it arrived with.
    pub headers: HeaderMap,
    /// Where its record is on the embargo topic, when known (-1 otherwise).
    pub partition: i32,
    /// Its offset there, when known (-1 otherwise).
    pub offset: i64,
}

impl Held {
    /// The held record of `article` received as `payload` with `key` and
    /// `headers` on input partition `slice` (kept as the [`HELD_SLICE`] header).
    pub fn of(article: &Article, until: DateTime<Utc>, key: &[u8], payload: &[u8], headers: &HeaderMap, slice: i32) -> Self {
        Held {
            uri: article.uri.clone(),
            version: article.version,
            until,
            key: key.to_vec(),
            payload: payload.to_vec(),
            headers: headers.clone().with(HELD_SLICE, slice.to_string()),
            partition: -1,
            offset: -1,
        }
    }

    /// A held story as read back from its record on the embargo topic. A
    /// record whose story cannot be read is due at once, so that its release
    /// dead-letters it with its bytes rather than holding it for ever.
    pub fn from_record(uri: &str, payload: &[u8], headers: &HeaderMap, partition: i32, offset: i64) -> Self {
        let article: Option<Article> = serde_json::from_slice(payload).ok();
        let mut headers = headers.clone();
        let key = headers.get(HELD_KEY).map(<[u8]>::to_vec).unwrap_or_else(|| uri.as_bytes().to_vec());
        headers.remove(HELD_KEY);
        Held {
            uri: uri.to_owned(),
            version: article.as_ref().map_or(0, |a| a.version),
            until: article.and_then(|a| a.embargoed).map_or(DateTime::UNIX_EPOCH, |t| t.to_utc()),
            key,
            payload: payload.to_vec(),
            headers,
            partition,
            offset,
        }
    }

    /// Its record on the embargo `topic`.
    pub fn record(&self, topic: &str) -> OutputRecord {
        let headers = self.headers.clone().with(HELD_KEY, self.key.clone());
        OutputRecord { topic: topic.to_owned(), key: self.uri.as_bytes().to_vec(), payload: self.payload.clone(), headers }
    }

    /// The tombstone that removes its record from the embargo `topic`.
    pub fn tombstone(uri: &str, topic: &str) -> Tombstone {
        Tombstone { topic: topic.to_owned(), key: uri.as_bytes().to_vec() }
    }

    /// Its release, as timed work for the runtime: processed as the story read
    /// from the embargo `topic`, its record removed in the same transaction.
    pub fn due_record(&self, topic: &str) -> DueRecord {
        DueRecord {
            topic: topic.to_owned(),
            partition: self.partition,
            offset: self.offset,
            key: self.key.clone(),
            payload: self.payload.clone(),
            headers: self.headers.clone(),
            settles: Some(Held::tombstone(&self.uri, topic)),
        }
    }

    /// The input partition it was held from: the one whose owner releases it
    /// (see [`slice_of`]).
    pub fn slice(&self) -> i32 {
        slice_of(&self.headers, self.partition)
    }

    /// Its version and release time, as [`crate::embargo::decision`] needs them.
    pub fn version(&self) -> HeldVersion {
        HeldVersion { version: self.version, until: self.until }
    }
}

/// The partition of publish's input a held story came from: its
/// [`HELD_SLICE`] header, else (a record held by a version before that header)
/// the partition of its record on the embargo topic, `embargo_partition`.
/// Its receipts are in that slice and the instance that owns that input
/// partition holds and releases it.
pub fn slice_of(headers: &HeaderMap, embargo_partition: i32) -> i32 {
    headers.get_str(HELD_SLICE).and_then(|v| v.parse().ok()).unwrap_or(embargo_partition).max(0)
}

/// The held stories by uri, in release order, with this batch's changes staged.
#[derive(Debug, Default)]
pub struct HeldSet {
    committed: HashMap<String, Held>,
    by_time: BTreeSet<(DateTime<Utc>, String)>,
    /// This batch's changes: a story held (or held anew), or `None`: released or cancelled.
    staged: StagedMap<String, Option<Held>>,
}

impl HeldSet {
    /// What is held of `uri`, this batch's changes included.
    pub fn get(&self, uri: &str) -> Option<&Held> {
        match self.staged.get(uri) {
            Some(change) => change.as_ref(),
            None => self.committed.get(uri),
        }
    }

    /// Holds `held` (replacing what was held of its story) once the batch commits.
    pub fn hold(&mut self, held: Held) {
        self.staged.insert(held.uri.clone(), Some(held));
    }

    /// Stops holding `uri` once the batch commits.
    pub fn remove(&mut self, uri: &str) {
        self.staged.insert(uri.to_owned(), None);
    }

    /// Up to `max` committed stories due at `now`, earliest first, each staged
    /// as removed (a story this batch changed waits for the batch to commit).
    pub fn take_due(&mut self, now: DateTime<Utc>, max: usize) -> Vec<Held> {
        let due: Vec<String> = self
            .by_time
            .iter()
            .take_while(|(until, _)| is_due(*until, now))
            .filter(|(_, uri)| !self.staged.contains_key(uri))
            .take(max)
            .map(|(_, uri)| uri.clone())
            .collect();
        let mut taken = Vec::with_capacity(due.len());
        for uri in due {
            if let Some(held) = self.committed.get(&uri) {
                taken.push(held.clone());
                self.staged.insert(uri, None);
            }
        }
        taken
    }

    /// Marks this batch's changes so far (see [`HeldSet::roll_back_to`]).
    pub fn savepoint(&self) -> Savepoint {
        self.staged.savepoint()
    }

    /// Takes back every change staged since `savepoint`: those of an input
    /// that is dead-lettered while the rest of its batch commits.
    pub fn roll_back_to(&mut self, savepoint: Savepoint) {
        self.staged.roll_back_to(savepoint);
    }

    /// Makes this batch's changes final.
    pub fn commit(&mut self) {
        for (uri, change) in self.staged.take() {
            self.set(uri, change);
        }
    }

    /// Forgets this batch's changes.
    pub fn abort(&mut self) {
        self.staged.clear();
    }

    /// Forgets every held story whose slice is not in `owned` (its partition
    /// moved to another instance); answers how many were dropped.
    pub fn retain_slices(&mut self, owned: &BTreeSet<i32>) -> usize {
        let gone: Vec<String> = self.committed.values().filter(|held| !owned.contains(&held.slice())).map(|held| held.uri.clone()).collect();
        for uri in &gone {
            self.set(uri.clone(), None);
        }
        gone.len()
    }

    /// Forgets every held story (before the embargo topic is read again).
    pub fn clear(&mut self) {
        self.committed.clear();
        self.by_time.clear();
        self.staged.clear();
    }

    /// Applies what the embargo topic says of `uri` (`None`: a tombstone), in topic order.
    pub fn restore(&mut self, uri: String, held: Option<Held>) {
        self.set(uri, held);
    }

    fn set(&mut self, uri: String, held: Option<Held>) {
        if let Some(old) = self.committed.remove(&uri) {
            self.by_time.remove(&(old.until, uri.clone()));
        }
        if let Some(held) = held {
            self.by_time.insert((held.until, uri.clone()));
            self.committed.insert(uri, held);
        }
    }

    /// How many stories are held (committed).
    pub fn len(&self) -> usize {
        self.committed.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.committed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    fn held(uri: &str, version: u64, until: i64) -> Held {
        let article = Article { uri: uri.into(), version, embargoed: Some(t(until).fixed_offset()), ..Default::default() };
        let payload = serde_json::to_vec(&article).unwrap();
        Held::of(&article, t(until), format!("key-{uri}").as_bytes(), &payload, &HeaderMap::new().with("newswire-trace-id", "tr"), 2)
    }

    #[test]
    fn due_stories_come_out_in_time_order_once_and_only_after_a_commit_are_gone() {
        let mut set = HeldSet::default();
        set.hold(held("b", 1, 20));
        set.hold(held("a", 1, 10));
        set.hold(held("c", 1, 30));
        assert!(set.take_due(t(100), 10).is_empty(), "nothing is due before it is committed");
        set.commit();
        assert!(set.take_due(t(9), 10).is_empty());
        let due: Vec<String> = set.take_due(t(20), 10).into_iter().map(|h| h.uri).collect();
        assert_eq!(due, ["a", "b"]);
        assert!(set.take_due(t(20), 10).is_empty(), "taken stories are not due twice in a batch");
        set.abort();
        assert_eq!(set.take_due(t(20), 1).len(), 1, "an aborted release is due again; max is honoured");
        set.commit();
        assert_eq!(set.len(), 2);
        let due: Vec<String> = set.take_due(t(29), 10).into_iter().map(|h| h.uri).collect();
        assert_eq!(due, ["b"]);
        set.commit();
        assert_eq!(set.get("c").map(|h| h.until), Some(t(30)));
    }

    #[test]
    fn a_staged_change_is_seen_at_once_and_a_replacement_moves_the_release() {
        let mut set = HeldSet::default();
        set.hold(held("a", 1, 10));
        set.commit();
        set.hold(held("a", 2, 50));
        assert_eq!(set.get("a").map(|h| h.version), Some(2));
        assert!(set.take_due(t(20), 10).is_empty(), "a story this batch changed waits for the commit");
        set.commit();
        assert!(set.take_due(t(20), 10).is_empty(), "the new version's time counts");
        assert_eq!(set.take_due(t(50), 10)[0].version, 2);
        set.abort();
        set.remove("a");
        assert!(set.get("a").is_none());
        set.commit();
        assert!(set.is_empty());
    }

    #[test]
    fn rolling_back_takes_back_only_the_changes_staged_after_the_savepoint() {
        let mut set = HeldSet::default();
        set.hold(held("a", 1, 10));
        set.commit();
        set.hold(held("b", 1, 20));
        let savepoint = set.savepoint();
        set.hold(held("c", 1, 30));
        set.hold(held("b", 2, 40));
        set.remove("a");
        set.roll_back_to(savepoint);
        assert_eq!(set.get("a").map(|h| h.version), Some(1), "the removal is taken back");
        assert_eq!(set.get("b").map(|h| h.version), Some(1), "the earlier hold stays, the later one goes");
        assert!(set.get("c").is_none());
        set.commit();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn restoring_applies_the_topic_in_order_so_a_tombstone_or_a_later_record_wins() {
        let mut set = HeldSet::default();
        set.restore("a".into(), Some(held("a", 1, 10)));
        set.restore("b".into(), Some(held("b", 1, 20)));
        set.restore("a".into(), Some(held("a", 2, 40)));
        set.restore("b".into(), None);
        assert_eq!(set.len(), 1);
        assert_eq!(set.get("a").map(|h| (h.version, h.until)), Some((2, t(40))));
        assert!(set.take_due(t(39), 10).is_empty(), "the replaced time does not linger");
    }

    #[test]
    fn each_held_story_belongs_to_the_input_partition_it_came_from_and_leaves_with_it() {
        let mut set = HeldSet::default();
        set.restore("a".into(), Some(held("a", 1, 10)));
        let legacy = Held::from_record("b", &held("b", 1, 20).payload, &HeaderMap::new(), 1, 0);
        assert_eq!((held("a", 1, 10).slice(), legacy.slice()), (2, 1), "the header, else the embargo record's partition");
        set.restore("b".into(), Some(legacy));
        assert_eq!(set.retain_slices(&BTreeSet::from([1, 2])), 0);
        assert_eq!(set.retain_slices(&BTreeSet::from([1])), 1);
        assert!(set.get("a").is_none() && set.get("b").is_some());
        assert!(set.take_due(t(15), 10).is_empty(), "a dropped story is not due here");
    }

    #[test]
    fn a_held_record_round_trips_with_its_own_key_and_an_unreadable_one_is_due_at_once() {
        let h = held("urn:x", 3, 10);
        let record = h.record("held");
        assert_eq!((record.topic.as_str(), record.key.as_slice()), ("held", b"urn:x".as_slice()));
        let back = Held::from_record("urn:x", &record.payload, &record.headers, 2, 7);
        assert_eq!(back, Held { partition: 2, offset: 7, ..h.clone() });
        let due = back.due_record("held");
        assert_eq!((due.key.as_slice(), due.settles), (b"key-urn:x".as_slice(), Some(Held::tombstone("urn:x", "held"))));
        let broken = Held::from_record("urn:y", b"{not json", &HeaderMap::new(), 0, 1);
        assert_eq!((broken.until, broken.key.as_slice()), (DateTime::UNIX_EPOCH, b"urn:y".as_slice()));
    }
}
