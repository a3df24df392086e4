//! On-disk state beside Kafka (re-push marks, dedupe records, deliveries): sled,
//! opened the same way by every service.

use std::path::Path;

/// sled's page cache per store. Its default is 1 GiB, which let a stage's memory
/// grow far past what its small working set needs; the state stays on disk.
pub const SLED_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Opens (or creates) the sled database in `dir` with newswire's settings.
pub fn open_sled(dir: &Path) -> sled::Result<sled::Db> {
    sled::Config::new().path(dir).cache_capacity(SLED_CACHE_BYTES).open()
}

/// A throw-away sled database for tests, with the same settings.
pub fn temporary_sled() -> sled::Result<sled::Db> {
    sled::Config::new().temporary(true).cache_capacity(SLED_CACHE_BYTES).open()
}

/// Why a service's on-disk state could not be opened, read or written: one
/// error type for every store (ingest's re-push marks, normalize's dedupe
/// records, publish's deliveries), naming the store and what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// sled failed.
    #[error("{store}: cannot {action}: {source}")]
    Sled {
        /// Which store (and, where useful, where it lives).
        store: String,
        /// What was being done, e.g. `open the tree "versions"`.
        action: String,
        /// sled's error.
        #[source]
        source: sled::Error,
    },
    /// A stored record could not be read back.
    #[error("{store}: a record in {tree} is unreadable: {detail}")]
    Corrupt {
        /// Which store.
        store: String,
        /// The tree (or table) holding the record.
        tree: &'static str,
        /// What was wrong with it.
        detail: String,
    },
}

impl StateError {
    /// Turns sled's error into one that names the store and the action:
    /// `.map_err(StateError::sled("dedupe store", "flush"))`.
    pub fn sled(store: &str, action: &str) -> impl FnOnce(sled::Error) -> StateError + use<> {
        let (store, action) = (store.to_owned(), action.to_owned());
        move |source| StateError::Sled { store, action, source }
    }

    /// A record of `tree` in `store` that cannot be decoded.
    pub fn corrupt(store: impl Into<String>, tree: &'static str, detail: impl std::fmt::Display) -> StateError {
        StateError::Corrupt { store: store.into(), tree, detail: detail.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_error_names_its_store_and_action() {
        let error = StateError::corrupt("delivery state", "outbox", "expected value at line 1");
        assert_eq!(error.to_string(), "delivery state: a record in outbox is unreadable: expected value at line 1");
        let error = StateError::sled("re-push store", "flush")(sled::Error::Unsupported("test".into()));
        assert!(error.to_string().starts_with("re-push store: cannot flush: "), "{error}");
    }
}
