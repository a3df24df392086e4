//! Publish's webhook state in sled (`<data_dir>/publish`), beside the
//! receipts ([`crate::receipts`], kept in Kafka and materialized in the same
//! database):
//!
//! - `receipts` (legacy, read only): receipts written by versions before the
//!   receipts changelog, `subscriber \0 uri` → [`Receipt`] (the story's notice
//!   under the empty subscriber name); consulted when the changelog store has
//!   none, so an upgrade keeps what was delivered before it.
//! - `outbox`: `subscriber \0 seq` → a pending [`WebhookJob`], in story order.
//! - `jobs`: `subscriber \0 uri \0 version status` → `pending`, `done` or `dead` (status
//!   is one [`status_code`] byte: usable 0, kill 1, withhold 2): the
//!   idempotency index that keeps a re-read or a restart from queueing or sending
//!   a delivery twice.

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

/// An outbox entry: its sequence number and job.
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

    /// Whether a job with this key was ever queued.
    pub fn job_known(&self, job: &WebhookJob) -> Result<bool, StateError> {
        self.jobs.contains_key(job.key()).map_err(sled_err("read jobs"))
    }

    /// Queues the jobs not queued before, in order, durably; returns the sequence
    /// numbers given to the new ones.
    pub fn enqueue(&self, jobs: &[WebhookJob]) -> Result<Vec<Pending>, StateError> {
        let mut added = Vec::new();
        for job in jobs {
            if self.job_known(job)? {
                continue;
            }
            let seq = self.db.generate_id().map_err(sled_err("number a job"))?;
            let value = serde_json::to_vec(job).map_err(|e| StateError::corrupt(STORE, "outbox", e))?;
            let mut key = outbox_prefix(&job.subscriber);
            key.extend_from_slice(&seq.to_be_bytes());
            self.outbox.insert(key, value).map_err(sled_err("write to the outbox"))?;
            self.jobs.insert(job.key(), b"pending".to_vec()).map_err(sled_err("write jobs"))?;
            added.push((seq, job.clone()));
        }
        self.db.flush().map_err(sled_err("flush outbox"))?;
        Ok(added)
    }

    /// Removes jobs queued by a batch whose transaction then aborted (it will be re-read).
    pub fn unqueue(&self, added: &[Pending]) -> Result<(), StateError> {
        for (seq, job) in added {
            let mut key = outbox_prefix(&job.subscriber);
            key.extend_from_slice(&seq.to_be_bytes());
            self.outbox.remove(key).map_err(sled_err("remove from the outbox"))?;
            self.jobs.remove(job.key()).map_err(sled_err("remove jobs"))?;
        }
        self.db.flush().map_err(sled_err("flush outbox"))?;
        Ok(())
    }

    /// Up to `limit` pending jobs of `subscriber` with a sequence number at most
    /// `released`, oldest first.
    pub fn pending(&self, subscriber: &str, released: u64, limit: usize) -> Result<Vec<Pending>, StateError> {
        let prefix = outbox_prefix(subscriber);
        let mut out = Vec::new();
        for entry in self.outbox.scan_prefix(&prefix) {
            let (key, value) = entry.map_err(sled_err("scan outbox"))?;
            let seq_bytes: [u8; 8] = key[prefix.len()..].try_into().map_err(|_| StateError::corrupt(STORE, "outbox", format!("key {key:?} has no sequence number")))?;
            let seq = u64::from_be_bytes(seq_bytes);
            if seq > released || out.len() >= limit {
                break;
            }
            let job: WebhookJob = serde_json::from_slice(&value).map_err(|e| StateError::corrupt(STORE, "outbox", e))?;
            out.push((seq, job));
        }
        Ok(out)
    }

    /// How many jobs of `subscriber` are waiting.
    pub fn depth(&self, subscriber: &str) -> usize {
        self.outbox.scan_prefix(outbox_prefix(subscriber)).count()
    }

    /// The highest sequence number in the outbox (0 when empty).
    pub fn highest_seq(&self) -> u64 {
        let mut highest = 0;
        for (key, _) in self.outbox.iter().flatten() {
            if let Some(tail) = key.len().checked_sub(8).and_then(|start| key.get(start..)) {
                if let Ok(bytes) = <[u8; 8]>::try_from(tail) {
                    highest = highest.max(u64::from_be_bytes(bytes));
                }
            }
        }
        highest
    }

    /// Marks a job finished and removes it from the outbox, durably.
    pub fn finish(&self, seq: u64, job: &WebhookJob, end: JobEnd) -> Result<(), StateError> {
        let mut key = outbox_prefix(&job.subscriber);
        key.extend_from_slice(&seq.to_be_bytes());
        let state: &[u8] = match end {
            JobEnd::Done => b"done",
            JobEnd::Dead => b"dead",
        };
        self.jobs.insert(job.key(), state).map_err(sled_err("write jobs"))?;
        self.outbox.remove(key).map_err(sled_err("remove from the outbox"))?;
        self.db.flush().map_err(sled_err("flush"))?;
        Ok(())
    }

    /// The state of a job: `pending`, `done`, `dead`, or `None` when never queued.
    pub fn job_state(&self, job: &WebhookJob) -> Result<Option<String>, StateError> {
        let value = self.jobs.get(job.key()).map_err(sled_err("read jobs"))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
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

    #[test]
    fn queued_jobs_come_back_per_subscriber_in_order_and_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = DeliveryStore::open(dir.path()).unwrap();
        let added = store.enqueue(&[job("a", "u1", 1), job("b", "u1", 1), job("a", "u2", 1)]).unwrap();
        assert_eq!(added.len(), 3);
        assert!(store.enqueue(&[job("a", "u1", 1)]).unwrap().is_empty(), "the same delivery is not queued twice");
        let pending = store.pending("a", u64::MAX, 10).unwrap();
        let uris: Vec<&str> = pending.iter().map(|(_, j)| j.uri.as_str()).collect();
        assert_eq!(uris, ["u1", "u2"]);
        assert_eq!(store.pending("a", pending[0].0, 10).unwrap().len(), 1, "unreleased jobs are not handed out");
        store.finish(pending[0].0, &pending[0].1, JobEnd::Done).unwrap();
        assert_eq!(store.pending("a", u64::MAX, 10).unwrap().len(), 1);
        assert!(store.enqueue(&[job("a", "u1", 1)]).unwrap().is_empty(), "a delivered job is never queued again");
        assert_eq!(store.job_state(&job("a", "u1", 1)).unwrap().as_deref(), Some("done"));
    }

    #[test]
    fn state_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = DeliveryStore::open(dir.path()).unwrap();
            store.enqueue(&[job("a", "u1", 1)]).unwrap();
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
        assert_eq!(store.legacy_receipt("a", "u1").unwrap(), Some(Receipt { version: 1, status: PubStatus::Usable }));
        assert_eq!(store.legacy_story_notice("u1").unwrap(), Some(Receipt { version: 3, status: PubStatus::Canceled }));
        assert_eq!(store.legacy_story_notice("u2").unwrap(), None);
        assert_eq!(store.legacy_receipt("b", "u1").unwrap(), None);
        assert_eq!(store.pending("a", store.highest_seq(), 10).unwrap().len(), 1);
    }

    #[test]
    fn a_withhold_notice_is_a_delivery_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let store = DeliveryStore::open(dir.path()).unwrap();
        let withhold = WebhookJob { withheld: true, ..job("a", "u1", 2) };
        let kill = WebhookJob { kill: true, ..job("a", "u1", 2) };
        assert_eq!(store.enqueue(&[job("a", "u1", 2), withhold.clone(), kill]).unwrap().len(), 3);
        assert!(store.enqueue(&[withhold]).unwrap().is_empty());
    }

    #[test]
    fn jobs_of_an_aborted_batch_can_be_unqueued_and_queued_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = DeliveryStore::open(dir.path()).unwrap();
        let added = store.enqueue(&[job("a", "u1", 1)]).unwrap();
        store.unqueue(&added).unwrap();
        assert!(store.pending("a", u64::MAX, 10).unwrap().is_empty());
        assert_eq!(store.enqueue(&[job("a", "u1", 1)]).unwrap().len(), 1);
    }
}
