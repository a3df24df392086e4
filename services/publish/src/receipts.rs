//! Publish's receipts: what each subscriber last received of each story, and
//! each story's last kill or withhold notice. They decide who a correction or
//! a kill goes to, so they live in a changelog-backed store
//! ([`newswire_shared::changelog`]): written in the same Kafka transaction as
//! the deliveries they record, kept per input partition, and restored from the
//! changelog `<group_prefix>.publish.receipts.changelog` when a partition is
//! assigned, after a restart, or after the data directory was lost.
//!
//! A story's versions share its key, hence its partition, so its receipts are
//! in that partition's slice. Keys: `subscriber \0 uri` → [`Receipt`] bytes; the
//! story's notice under the empty subscriber name (`\0 uri`, which no
//! subscription can have).

use newswire_shared::changelog::ChangelogStore;
use newswire_shared::state::StateError;

use crate::routing::Receipt;

/// The store's name (its changelog is `<group_prefix>.publish.receipts.changelog`).
pub const STORE: &str = "receipts";

/// The receipts key of a story's last notice: the empty subscriber name.
pub(crate) const STORY: &str = "";

/// The receipts, by partition slice.
pub struct Receipts {
    store: ChangelogStore,
}

impl Receipts {
    /// Opens the receipts in publish's sled database.
    pub fn open(db: &sled::Db, group_prefix: &str) -> Result<Self, StateError> {
        Ok(Receipts { store: ChangelogStore::open(db, group_prefix, "publish", STORE)? })
    }

    /// What `subscriber` last received of story `uri` (this batch's change included).
    pub fn receipt(&self, slice: i32, subscriber: &str, uri: &str) -> Result<Option<Receipt>, StateError> {
        Ok(self.store.get(slice, &key(subscriber, uri))?.and_then(|v| Receipt::from_bytes(&v)))
    }

    /// The story's last kill or withhold notice (see [`crate::routing::notice_after`]).
    pub fn story_notice(&self, slice: i32, uri: &str) -> Result<Option<Receipt>, StateError> {
        self.receipt(slice, STORY, uri)
    }

    /// Stages what `subscriber` now holds of story `uri`, for the open batch.
    pub fn put(&mut self, slice: i32, subscriber: &str, uri: &str, receipt: Receipt) {
        self.store.put(slice, key(subscriber, uri), receipt.to_bytes().to_vec());
    }

    /// Stages the story's last notice, for the open batch.
    pub fn put_notice(&mut self, slice: i32, uri: &str, notice: Receipt) {
        self.put(slice, STORY, uri, notice);
    }

    /// The store, for the runtime (see [`newswire_shared::stage::Stage::stores`]).
    pub fn store_mut(&mut self) -> &mut ChangelogStore {
        &mut self.store
    }
}

/// The key of what `subscriber` holds of story `uri` (the same in the legacy tree, [`crate::store`]).
pub(crate) fn key(subscriber: &str, uri: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(subscriber.len() + uri.len() + 1);
    key.extend_from_slice(subscriber.as_bytes());
    key.push(0);
    key.extend_from_slice(uri.as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::PubStatus;

    #[test]
    fn receipts_and_notices_are_kept_apart_per_subscriber_and_slice() {
        let mut r = Receipts::open(&newswire_shared::state::temporary_sled().unwrap(), "newswire").unwrap();
        let usable = Receipt { version: 2, status: PubStatus::Usable };
        let kill = Receipt { version: 3, status: PubStatus::Canceled };
        r.put(1, "sport", "u", usable);
        r.put_notice(1, "u", kill);
        r.store_mut().commit_staged().unwrap();
        assert_eq!(r.receipt(1, "sport", "u").unwrap(), Some(usable));
        assert_eq!(r.story_notice(1, "u").unwrap(), Some(kill));
        assert_eq!(r.receipt(1, "politics", "u").unwrap(), None);
        assert_eq!(r.receipt(0, "sport", "u").unwrap(), None, "another partition's slice");
    }
}
