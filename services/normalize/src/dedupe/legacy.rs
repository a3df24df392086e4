//! Dedupe state written by versions before the changelog (the sled trees
//! `versions`, `exact` and `near`): still read, never written, and expired
//! like the rest, so that an upgrade keeps what the old version knew.

use newswire_shared::state::StateError;

use super::records::{decode, seen_ms, NearRecord, STORE};

/// The old trees.
pub struct Legacy {
    versions: sled::Tree,
    exact: sled::Tree,
    near: sled::Tree,
}

impl Legacy {
    /// Opens the old trees in `db` (empty ones when it never had them).
    pub fn open(db: &sled::Db) -> Result<Self, StateError> {
        let tree = |name: &str| db.open_tree(name).map_err(StateError::sled(STORE, &format!("open the old tree {name:?}")));
        Ok(Legacy { versions: tree("versions")?, exact: tree("exact")?, near: tree("near")? })
    }

    /// The old version record of `uri`, as bytes.
    pub fn version(&self, uri: &str) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.versions.get(uri).map_err(StateError::sled(STORE, "read an old version record"))?.map(|v| v.to_vec()))
    }

    /// The old first copy of content `hash`, as bytes.
    pub fn exact(&self, hash: &str) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.exact.get(hash).map_err(StateError::sled(STORE, "read an old content record"))?.map(|v| v.to_vec()))
    }

    /// Every old first copy's SimHash.
    pub fn near(&self) -> Result<Vec<NearRecord>, StateError> {
        let mut out = Vec::new();
        for entry in self.near.iter() {
            let (_, value) = entry.map_err(StateError::sled(STORE, "read the old near-duplicate hashes"))?;
            out.push(decode("near", &value)?);
        }
        Ok(out)
    }

    /// Removes every old record last seen before `cutoff_ms` (or unreadable); answers how many.
    pub fn expire(&self, cutoff_ms: i64) -> Result<usize, StateError> {
        let mut removed = 0;
        for tree in [&self.versions, &self.exact, &self.near] {
            let mut batch = sled::Batch::default();
            for entry in tree.iter() {
                let (key, value) = entry.map_err(StateError::sled(STORE, "scan the old records"))?;
                if seen_ms(&value).is_none_or(|seen| seen < cutoff_ms) {
                    batch.remove(key);
                    removed += 1;
                }
            }
            tree.apply_batch(batch).map_err(StateError::sled(STORE, "remove expired old records"))?;
        }
        Ok(removed)
    }
}
