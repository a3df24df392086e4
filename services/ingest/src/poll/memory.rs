//! What a poller remembers across restarts, per feed and configured URL: the
//! validators of the last delivered document (`ETag`, `Last-Modified`) and
//! where the feed moved for good (301/308). Kept in ingest's sled store, in
//! its own tree, beside the re-push marks; a new URL in the config starts afresh.

use serde::{Deserialize, Serialize};

use crate::poll::fetch::Validators;
use crate::repush::{RepushStore, STORE};
use newswire_shared::state::StateError;

/// One feed's remembered state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The URL polled now, when a permanent redirect moved the feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// `ETag` of the last delivered document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `Last-Modified` of the last delivered document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Remembered {
    /// The validators to send.
    pub fn validators(&self) -> Validators {
        Validators { etag: self.etag.clone(), last_modified: self.last_modified.clone() }
    }
}

/// The pollers' tree of ingest's store.
#[derive(Clone)]
pub struct PollMemory {
    tree: sled::Tree,
}

impl PollMemory {
    /// Opens the `polls` tree of `store`.
    pub fn open(store: &RepushStore) -> Result<Self, StateError> {
        Ok(PollMemory { tree: store.tree("polls")? })
    }

    /// What is remembered of `feed` polled at `configured_url`; an unreadable
    /// entry (from another version, say) is forgotten with a warning.
    pub fn get(&self, feed: &str, configured_url: &str) -> Result<Remembered, StateError> {
        let Some(bytes) = self.tree.get(key(feed, configured_url)).map_err(StateError::sled(STORE, "read"))? else {
            return Ok(Remembered::default());
        };
        Ok(serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            tracing::warn!(feed, url = configured_url, %error, "remembered poll state unreadable; starting afresh");
            Remembered::default()
        }))
    }

    /// Remembers `state` for `feed` polled at `configured_url`.
    pub fn put(&self, feed: &str, configured_url: &str, state: &Remembered) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(state).unwrap_or_default();
        self.tree.insert(key(feed, configured_url), bytes).map_err(StateError::sled(STORE, "write"))?;
        Ok(())
    }
}

fn key(feed: &str, configured_url: &str) -> Vec<u8> {
    format!("{feed}\n{configured_url}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn validators_and_a_move_survive_reopening_the_store_per_configured_url() {
        let dir = tempfile::tempdir().unwrap();
        let state = Remembered {
            moved_to: Some("https://new.example/rss".into()),
            etag: Some("\"e1\"".into()),
            last_modified: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
        };
        {
            let store = RepushStore::open(dir.path(), 1000).unwrap();
            let memory = PollMemory::open(&store).unwrap();
            assert_eq!(memory.get("pa", "https://old.example/rss").unwrap(), Remembered::default());
            memory.put("pa", "https://old.example/rss", &state).unwrap();
            store.flush().await.unwrap();
        }
        let store = RepushStore::open(dir.path(), 1000).unwrap();
        let memory = PollMemory::open(&store).unwrap();
        assert_eq!(memory.get("pa", "https://old.example/rss").unwrap(), state);
        assert_eq!(memory.get("pa", "https://other.example/rss").unwrap(), Remembered::default(), "a new URL starts afresh");
        assert_eq!(memory.get("ap", "https://old.example/rss").unwrap(), Remembered::default());
        assert_eq!(store.prune(i64::MAX).unwrap(), 0, "pruning re-push marks leaves the pollers' tree alone");
        assert_eq!(memory.get("pa", "https://old.example/rss").unwrap().validators().etag.as_deref(), Some("\"e1\""));
    }
}
