//! Publish's webhook outbox, kept in Kafka: the jobs a batch routes to webhook
//! subscribers are staged in a changelog-backed store ([`newswire_shared::changelog`])
//! and written in the batch's transaction, in the slice of the story's input
//! partition. So a job exists exactly when its batch committed, it moves with
//! its partition to whichever instance owns it, and a lost data directory
//! restores it from `<group_prefix>.publish.outbox.changelog`.
//!
//! Keys in a slice: `subscriber \0 seq` (8 bytes, big-endian) → the
//! [`WebhookJob`] as JSON, in story order per subscriber; [`NEXT_SEQ`] → the
//! slice's next sequence number. A delivered (or dead-lettered) job is removed
//! by a later transaction ([`Outbox::remove`]); until then the workers know it
//! is finished from [`Progress`] and from the local marker
//! ([`crate::store::DeliveryStore::mark_finished`]), so neither they nor a
//! restart on the same disk send it again. Only a new owner that never saw the
//! marker sends it again, with the same delivery id.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use newswire_shared::changelog::{ChangelogStore, CommittedReader};
use newswire_shared::state::StateError;

use crate::store::WebhookJob;

/// The store's name (its changelog is `<group_prefix>.publish.outbox.changelog`).
pub const STORE: &str = "outbox";

/// The key of a slice's next sequence number: `0xFF`, which no subscriber
/// name (UTF-8) starts with.
const NEXT_SEQ: &[u8] = &[0xFF];

/// A job where it is in the outbox: its slice and key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobSlot {
    /// The input partition whose slice holds it.
    pub slice: i32,
    /// Its key in the slice.
    pub key: Vec<u8>,
}

/// The outbox, written by the stage.
pub struct Outbox {
    store: ChangelogStore,
}

impl Outbox {
    /// Opens the outbox in publish's sled database.
    pub fn open(db: &sled::Db, group_prefix: &str) -> Result<Self, StateError> {
        Ok(Outbox { store: ChangelogStore::open(db, group_prefix, "publish", STORE)? })
    }

    /// Stages `job` at the end of its subscriber's queue in `slice`, for the open batch.
    pub fn push(&mut self, slice: i32, job: &WebhookJob) -> Result<(), StateError> {
        let next = self.store.get(slice, NEXT_SEQ)?.and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok()).map_or(1, u64::from_be_bytes);
        let value = serde_json::to_vec(job).map_err(|e| StateError::corrupt("publish's webhook outbox", "outbox", e))?;
        self.store.put(slice, job_key(&job.subscriber, next), value);
        self.store.put(slice, NEXT_SEQ.to_vec(), (next + 1).to_be_bytes().to_vec());
        Ok(())
    }

    /// Stages the removal of a finished job, for the open batch.
    pub fn remove(&mut self, slot: &JobSlot) {
        self.store.remove(slot.slice, slot.key.clone());
    }

    /// What the workers read: the committed jobs.
    pub fn reader(&self) -> OutboxReader {
        OutboxReader { committed: self.store.committed_reader() }
    }

    /// The store, for the runtime (see [`newswire_shared::stage::Stage::stores`]).
    pub fn store_mut(&mut self) -> &mut ChangelogStore {
        &mut self.store
    }
}

fn subscriber_prefix(subscriber: &str) -> Vec<u8> {
    let mut key = subscriber.as_bytes().to_vec();
    key.push(0);
    key
}

fn job_key(subscriber: &str, seq: u64) -> Vec<u8> {
    let mut key = subscriber_prefix(subscriber);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// One committed job, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Where it is.
    pub slot: JobSlot,
    /// The delivery.
    pub job: WebhookJob,
}

/// The workers' view of the committed outbox.
#[derive(Clone)]
pub struct OutboxReader {
    committed: CommittedReader,
}

impl OutboxReader {
    /// Up to `limit` committed jobs of `subscriber` in `slice`, oldest first.
    pub fn pending(&self, slice: i32, subscriber: &str, limit: usize) -> Result<Vec<OutboxEntry>, StateError> {
        let mut out = Vec::new();
        for (key, value) in self.committed.scan(slice, &subscriber_prefix(subscriber), limit)? {
            let job: WebhookJob = serde_json::from_slice(&value).map_err(|e| StateError::corrupt("publish's webhook outbox", "outbox", e))?;
            out.push(OutboxEntry { slot: JobSlot { slice, key }, job });
        }
        Ok(out)
    }

    /// How many committed jobs of `subscriber` are in `slice`.
    pub fn depth(&self, slice: i32, subscriber: &str) -> usize {
        self.committed.count(slice, &subscriber_prefix(subscriber))
    }
}

/// What the stage and the webhook workers share: which slices this instance
/// owns (the workers deliver only their jobs) and which jobs the workers
/// finished whose removal has not committed yet. One lock keeps the two in
/// step: a job finished in a slice that just moved away is not recorded, so
/// the stage never writes to a slice it does not own.
#[derive(Debug, Default)]
pub struct Progress {
    inner: Mutex<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// `None` until the group assigned partitions.
    owned: Option<BTreeSet<i32>>,
    /// Finished jobs → their delivery key (for the local marker).
    finished: BTreeMap<JobSlot, Vec<u8>>,
}

impl Progress {
    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slices the workers deliver from now; finished jobs of the others are forgotten.
    pub fn set_owned(&self, partitions: &[i32]) {
        let owned: BTreeSet<i32> = partitions.iter().copied().collect();
        let mut shared = self.shared();
        shared.finished.retain(|slot, _| owned.contains(&slot.slice));
        shared.owned = Some(owned);
    }

    /// The slices this instance owns (none before the first assignment).
    pub fn owned(&self) -> Vec<i32> {
        self.shared().owned.iter().flatten().copied().collect()
    }

    /// Whether `slice` is still this instance's.
    pub fn owns(&self, slice: i32) -> bool {
        self.shared().owned.as_ref().is_some_and(|owned| owned.contains(&slice))
    }

    /// A worker finished the job at `slot` (its delivery key `job_key`); not
    /// recorded when the slice is no longer this instance's.
    pub fn finish(&self, slot: JobSlot, job_key: Vec<u8>) {
        let mut shared = self.shared();
        if shared.owned.as_ref().is_some_and(|owned| owned.contains(&slot.slice)) {
            shared.finished.insert(slot, job_key);
        }
    }

    /// Whether the job at `slot` was finished and its removal is not committed yet.
    pub fn is_finished(&self, slot: &JobSlot) -> bool {
        self.shared().finished.contains_key(slot)
    }

    /// The finished jobs (all in owned slices), to remove from the outbox.
    pub fn finished(&self) -> Vec<(JobSlot, Vec<u8>)> {
        self.shared().finished.iter().map(|(slot, key)| (slot.clone(), key.clone())).collect()
    }

    /// Their removal committed: forgets them.
    pub fn removed<'a>(&self, slots: impl IntoIterator<Item = &'a JobSlot>) {
        let mut shared = self.shared();
        for slot in slots {
            shared.finished.remove(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(sub: &str, uri: &str) -> WebhookJob {
        WebhookJob {
            delivery_id: format!("{sub}-{uri}"),
            subscriber: sub.into(),
            uri: uri.into(),
            version: 1,
            kill: false,
            withheld: false,
            body: "{}".into(),
            trace_id: String::new(),
        }
    }

    fn uris(entries: &[OutboxEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.job.uri.as_str()).collect()
    }

    #[test]
    fn jobs_are_seen_only_once_committed_in_story_order_per_subscriber_and_slice() {
        let mut outbox = Outbox::open(&newswire_shared::state::temporary_sled().unwrap(), "newswire").unwrap();
        let reader = outbox.reader();
        outbox.push(1, &job("a", "u1")).unwrap();
        outbox.push(1, &job("b", "u1")).unwrap();
        outbox.push(1, &job("a", "u2")).unwrap();
        outbox.push(2, &job("a", "u3")).unwrap();
        assert!(reader.pending(1, "a", 10).unwrap().is_empty(), "a staged job is not a job yet");
        outbox.store_mut().commit_staged().unwrap();
        assert_eq!(uris(&reader.pending(1, "a", 10).unwrap()), ["u1", "u2"]);
        assert_eq!(uris(&reader.pending(2, "a", 10).unwrap()), ["u3"]);
        assert_eq!((reader.depth(1, "b"), reader.depth(1, "c")), (1, 0));

        // The sequence goes on after a commit, and an aborted batch leaves nothing.
        outbox.push(1, &job("a", "u4")).unwrap();
        outbox.store_mut().discard_staged();
        outbox.push(1, &job("a", "u5")).unwrap();
        outbox.store_mut().commit_staged().unwrap();
        let pending = reader.pending(1, "a", 10).unwrap();
        assert_eq!(uris(&pending), ["u1", "u2", "u5"]);

        outbox.remove(&pending[0].slot);
        outbox.store_mut().commit_staged().unwrap();
        assert_eq!(uris(&reader.pending(1, "a", 10).unwrap()), ["u2", "u5"]);
        assert_eq!(uris(&reader.pending(1, "a", 1).unwrap()), ["u2"], "the limit holds");
    }

    #[test]
    fn finished_jobs_are_remembered_until_removed_and_only_for_owned_slices() {
        let progress = Progress::default();
        assert!(progress.owned().is_empty() && !progress.owns(0), "nothing is owned before an assignment");
        progress.set_owned(&[0, 2]);
        let slot = |slice| JobSlot { slice, key: b"a\0k".to_vec() };
        progress.finish(slot(0), b"j0".to_vec());
        progress.finish(slot(2), b"j2".to_vec());
        assert!(progress.is_finished(&slot(0)));
        progress.set_owned(&[0]);
        assert!(!progress.is_finished(&slot(2)), "a slice that moved away: its new owner decides");
        progress.finish(slot(2), b"j2".to_vec());
        assert!(!progress.is_finished(&slot(2)), "nor is a job finished after its slice moved recorded");
        assert_eq!(progress.finished().len(), 1);
        progress.removed([&slot(0)]);
        assert!(progress.finished().is_empty());
        assert_eq!(progress.owned(), [0]);
    }
}
