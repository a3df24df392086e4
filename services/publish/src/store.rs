//! Publish's local state in sled (`<data_dir>/publish`), beside the
//! changelog-backed stores ([`crate::receipts`], [`crate::outbox`]) kept in
//! Kafka and materialized in the same database:
//!
//! - `receipts` (legacy, read only): receipts written by versions before the
//!   receipts changelog, `subscriber \0 uri` → [`Receipt`] (the story's notice
//!   under the empty subscriber name); consulted when the changelog store has
//!   none, so an upgrade keeps what was delivered before it.
//! - `outbox` (legacy, drained): `subscriber \0 seq` → a [`WebhookJob`] queued
//!   by a version before the outbox changelog; the workers deliver what is
//!   left there first, and nothing new is written to it.
//! - `jobs`: `subscriber \0 uri \0 version status` → `done` or `dead` (status
//!   is one [`status_code`] byte: usable 0, kill 1, withhold 2): the local
//!   marker of a job the workers finished whose removal from the outbox has not
//!   committed yet, so a restart on this disk never sends it again.

use std::path::Path;

use serde::{Deserialize, Serialize};

use newswire_shared::article::PubStatus;

use crate::receipts::{key as receipt_key, STORY};
use crate::routing::{status_code, Receipt};

pub use newswire_shared::state::StateError;

/// The name publish's on-disk state goes by in errors.
const STORE: &str = "publish's delivery state";

fn sled_err(action: &'static str) -> impl FnOnce(sled::Error) -> StateError {
    StateError::sled(STORE, action)
}

/// One webhook delivery to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookJob {
    /// Stable id of this delivery (the same on every attempt and after a restart).
    pub delivery_id: String,
    /// The subscriber's name.
    pub subscriber: String,
    /// The story uri.
    pub uri: String,
    /// The story version.
    pub version: u64,
    /// Whether this is a kill.
    pub kill: bool,
    /// Whether this is a withhold notice (outbox entries written before withhold
    /// notices existed have none).
    #[serde(default)]
    pub withheld: bool,
    /// The ninjs JSON to POST.
    pub body: String,
    /// The story's trace id, for logs.
    #[serde(default)]
    pub trace_id: String,
}

impl WebhookJob {
    /// The status of the story this job delivers.
    pub fn status(&self) -> PubStatus {
        match (self.kill, self.withheld) {
            (true, _) => PubStatus::Canceled,
            (false, true) => PubStatus::Withheld,
            (false, false) => PubStatus::Usable,
        }
    }

    /// The idempotency key: one per subscriber, story, version and status.
    pub fn key(&self) -> Vec<u8> {
        job_key(&self.subscriber, &self.uri, self.version, self.status())
    }
}

fn job_key(subscriber: &str, uri: &str, version: u64, status: PubStatus) -> Vec<u8> {
    let mut key = Vec::with_capacity(subscriber.len() + uri.len() + 12);
    key.extend_from_slice(subscriber.as_bytes());
    key.push(0);
    key.extend_from_slice(uri.as_bytes());
    key.push(0);
    key.extend_from_slice(&version.to_be_bytes());
    key.push(status_code(status));
    key
}


fn outbox_prefix(subscriber: &str) -> Vec<u8> {
    let mut key = subscriber.as_bytes().to_vec();
    key.push(0);
    key
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    /// The subscriber accepted it.
    Done,
    /// It was dead-lettered.
    Dead,
}

/// The sled-backed delivery state.
#[derive(Clone)]
pub struct DeliveryStore {
    db: sled::Db,
    receipts: sled::Tree,
    outbox: sled::Tree,
    jobs: sled::Tree,
}

/// A legacy outbox entry: its sequence number and job.
pub type Pending = (u64, WebhookJob);

impl DeliveryStore {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StateError> {
        let db = newswire_shared::state::open_sled(dir).map_err(sled_err("open"))?;
        let receipts = db.open_tree("receipts").map_err(sled_err("open receipts"))?;
        let outbox = db.open_tree("outbox").map_err(sled_err("open outbox"))?;
        let jobs = db.open_tree("jobs").map_err(sled_err("open jobs"))?;
        Ok(DeliveryStore { db, receipts, outbox, jobs })
    }

    /// The sled database (where [`crate::receipts::Receipts`] keep their slices too).
    pub fn db(&self) -> &sled::Db {
        &self.db
    }

    /// What `subscriber` last received of story `uri`, as a version before the
    /// receipts changelog recorded it (see the module docs).
    pub fn legacy_receipt(&self, subscriber: &str, uri: &str) -> Result<Option<Receipt>, StateError> {
        let value = self.receipts.get(receipt_key(subscriber, uri)).map_err(sled_err("read receipt"))?;
        Ok(value.and_then(|v| Receipt::from_bytes(&v)))
    }

    /// The story's last kill or withhold notice, as a version before the receipts changelog recorded it.
    pub fn legacy_story_notice(&self, uri: &str) -> Result<Option<Receipt>, StateError> {
        self.legacy_receipt(STORY, uri)
    }

    /// Up to `limit` jobs of `subscriber` left in the legacy outbox, oldest first.
    pub fn legacy_pending(&self, subscriber: &str, limit: usize) -> Result<Vec<Pending>, StateError> {
        let prefix = outbox_prefix(subscriber);
        let mut out = Vec::new();
        for entry in self.outbox.scan_prefix(&prefix).take(limit) {
            let (key, value) = entry.map_err(sled_err("scan outbox"))?;
            let seq_bytes: [u8; 8] = key[prefix.len()..].try_into().map_err(|_| StateError::corrupt(STORE, "outbox", format!("key {key:?} has no sequence number")))?;
            let job: WebhookJob = serde_json::from_slice(&value).map_err(|e| StateError::corrupt(STORE, "outbox", e))?;
            out.push((u64::from_be_bytes(seq_bytes), job));
        }
        Ok(out)
    }

    /// How many jobs of `subscriber` are left in the legacy outbox.
    pub fn legacy_depth(&self, subscriber: &str) -> usize {
        self.outbox.scan_prefix(outbox_prefix(subscriber)).count()
    }

    /// Removes a finished job from the legacy outbox, durably.
    pub fn finish_legacy(&self, seq: u64, job: &WebhookJob) -> Result<(), StateError> {
        let mut key = outbox_prefix(&job.subscriber);
        key.extend_from_slice(&seq.to_be_bytes());
        self.outbox.remove(key).map_err(sled_err("remove from the outbox"))?;
        self.db.flush().map_err(sled_err("flush"))?;
        Ok(())
    }

    /// Marks `job` finished on this disk, durably, before its removal from the
    /// outbox commits.
    pub fn mark_finished(&self, job: &WebhookJob, end: JobEnd) -> Result<(), StateError> {
        let state: &[u8] = match end {
            JobEnd::Done => b"done",
            JobEnd::Dead => b"dead",
        };
        self.jobs.insert(job.key(), state).map_err(sled_err("write jobs"))?;
        self.db.flush().map_err(sled_err("flush"))?;
        Ok(())
    }

    /// Whether `job` was finished on this disk (its removal may not have committed).
    pub fn finished_here(&self, job: &WebhookJob) -> Result<bool, StateError> {
        self.jobs.contains_key(job.key()).map_err(sled_err("read jobs"))
    }

    /// Forgets the local markers of jobs whose removal from the outbox committed.
    pub fn forget_finished<'a>(&self, job_keys: impl IntoIterator<Item = &'a [u8]>) -> Result<(), StateError> {
        let mut batch = sled::Batch::default();
        for key in job_keys {
            batch.remove(key);
        }
        self.jobs.apply_batch(batch).map_err(sled_err("write jobs"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(sub: &str, uri: &str, version: u64) -> WebhookJob {
        WebhookJob {
            delivery_id: format!("{sub}-{uri}-{version}"),
            subscriber: sub.into(),
            uri: uri.into(),
            version,
            kill: false,
            withheld: false,
            body: "{}".into(),
            trace_id: String::new(),
        }
    }

    /// Queues `job` in the legacy outbox at `seq`, as a version before the outbox changelog did.
    fn queue_legacy(store: &DeliveryStore, seq: u64, job: &WebhookJob) {
        let mut key = outbox_prefix(&job.subscriber);
        key.extend_from_slice(&seq.to_be_bytes());
        store.outbox.insert(key, serde_json::to_vec(job).unwrap()).unwrap();
    }

    #[test]
    fn the_legacy_outbox_is_drained_per_subscriber_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = DeliveryStore::open(dir.path()).unwrap();
        queue_legacy(&store, 1, &job("a", "u1", 1));
        queue_legacy(&store, 2, &job("b", "u1", 1));
        queue_legacy(&store, 3, &job("a", "u2", 1));
        let pending = store.legacy_pending("a", 10).unwrap();
        let uris: Vec<&str> = pending.iter().map(|(_, j)| j.uri.as_str()).collect();
        assert_eq!(uris, ["u1", "u2"]);
        assert_eq!(store.legacy_pending("a", 1).unwrap().len(), 1, "the limit holds");
        store.finish_legacy(pending[0].0, &pending[0].1).unwrap();
        assert_eq!(store.legacy_depth("a"), 1);
        assert_eq!(store.legacy_depth("b"), 1);
    }

    #[test]
    fn a_finished_mark_is_per_delivery_and_survives_reopening_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let withhold = WebhookJob { withheld: true, ..job("a", "u1", 2) };
        {
            let store = DeliveryStore::open(dir.path()).unwrap();
            store.mark_finished(&job("a", "u1", 2), JobEnd::Done).unwrap();
            assert!(!store.finished_here(&withhold).unwrap(), "a withhold notice is a delivery of its own");
            // As a version before the receipts changelog wrote them.
            store.receipts.insert(receipt_key("a", "u1"), Receipt { version: 1, status: PubStatus::Usable }.to_bytes().to_vec()).unwrap();
            store.receipts.insert(receipt_key(STORY, "u1"), Receipt { version: 3, status: PubStatus::Canceled }.to_bytes().to_vec()).unwrap();
            store.db.flush().unwrap();
        }
        // sled's background flusher may hold the file lock a moment after the drop,
        // as it would for a process that just exited.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let store = loop {
            match DeliveryStore::open(dir.path()) {
                Ok(store) => break store,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("reopen failed: {e}"),
            }
        };
        assert!(store.finished_here(&job("a", "u1", 2)).unwrap());
        store.forget_finished([job("a", "u1", 2).key().as_slice()]).unwrap();
        assert!(!store.finished_here(&job("a", "u1", 2)).unwrap());
        assert_eq!(store.legacy_receipt("a", "u1").unwrap(), Some(Receipt { version: 1, status: PubStatus::Usable }));
        assert_eq!(store.legacy_story_notice("u1").unwrap(), Some(Receipt { version: 3, status: PubStatus::Canceled }));
        assert_eq!(store.legacy_story_notice("u2").unwrap(), None);
        assert_eq!(store.legacy_receipt("b", "u1").unwrap(), None);
    }
}
