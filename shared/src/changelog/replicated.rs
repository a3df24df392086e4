//! Replicated stores: every instance of the stage holds every slice, not only
//! those of its own partitions, so that a lookup sees what any instance
//! decided (normalize's cross-feed dedupe: a duplicate may arrive on any
//! partition, hence on any instance).
//!
//! Each slice still has one writer, the instance that owns its partition: a
//! stage writes only into the slice of the record it is processing. The
//! runtime ([`crate::kafka::state_sync`]) restores every slice on assignment
//! and then follows the changelog partitions of the others ("tailing"),
//! between batches; what it reads in is also kept for the stage
//! ([`ChangelogStore::take_remote`]), which may keep an index of its own.
//!
//! The price is a window: a change another instance committed is seen here
//! only once this instance has read it (its fetch wait plus the time to its
//! next batch, about a tenth of a second when busy). Two writes to the same
//! key from two instances within that window both happen; the stage resolves
//! them deterministically when it reads (see [`ChangelogStore::get_all`]) and
//! can recognise them afterwards in [`ChangelogStore::take_remote`].

use super::ChangelogStore;
use crate::state::StateError;

/// At most this many changes are kept for the stage between two of its
/// [`ChangelogStore::take_remote`] calls; past it, the stage is told to re-read the store.
const MAX_KEPT_CHANGES: usize = 100_000;

/// What was read into a store from the changelog since the stage last asked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RemoteChanges {
    /// Slices were restored, cleared or dropped (or too much arrived to list):
    /// anything the stage derived from the store must be rebuilt from it.
    pub reloaded: bool,
    /// Changes read from other instances' slices, in the order read:
    /// `(partition, key, value)`, `None` for a removal.
    pub changes: Vec<(i32, Vec<u8>, Option<Vec<u8>>)>,
}

impl ChangelogStore {
    /// Makes this a replicated store: the runtime keeps every slice current,
    /// its own partitions' and, by following their changelog, the others'.
    pub fn replicated(mut self) -> Self {
        self.replicated = true;
        self
    }

    /// Whether every instance holds every slice.
    pub fn is_replicated(&self) -> bool {
        self.replicated
    }

    /// Applies a change another instance committed to `partition`'s slice,
    /// read from the changelog while following it, and keeps it for the stage.
    pub fn apply_replicated(&mut self, partition: i32, key: &[u8], value: Option<&[u8]>) -> Result<(), StateError> {
        self.apply(partition, key, value)?;
        if self.remote.reloaded || self.remote.changes.len() >= MAX_KEPT_CHANGES {
            self.remote.reloaded = true;
            self.remote.changes.clear();
        } else {
            self.remote.changes.push((partition, key.to_vec(), value.map(<[u8]>::to_vec)));
        }
        Ok(())
    }

    /// What was read in since the last call (see [`RemoteChanges`]).
    pub fn take_remote(&mut self) -> RemoteChanges {
        std::mem::take(&mut self.remote)
    }

    /// `key`'s value in every current slice that has one (the open batch's
    /// staged changes first), by partition: a replicated store's key may have
    /// been written by several instances, and the stage picks.
    pub fn get_all(&self, key: &[u8]) -> Result<Vec<(i32, Vec<u8>)>, StateError> {
        let mut found = Vec::new();
        for partition in &self.current {
            if let Some(value) = self.get(*partition, key)? {
                found.push((*partition, value));
            }
        }
        for ((partition, staged_key), value) in self.staged.iter() {
            if !self.current.contains(partition) && staged_key.as_slice() == key {
                if let Some(value) = value {
                    found.push((*partition, value.clone()));
                }
            }
        }
        Ok(found)
    }

    /// Every committed value of every slice, `(partition, key, value)`, for a
    /// stage that keeps an index of the store in memory.
    pub fn iter_committed(&self) -> impl Iterator<Item = Result<(i32, Vec<u8>, Vec<u8>), StateError>> + '_ {
        self.data.iter().map(move |entry| {
            let (key, value) = entry.map_err(StateError::sled(&self.what(), "scan"))?;
            let partition = key.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map_or(-1, i32::from_be_bytes);
            Ok((partition, key.get(4..).unwrap_or_default().to_vec(), value.to_vec()))
        })
    }

    /// Removes, from this instance's disk only, every committed value for
    /// which `expired` is true; answers how many. The changelog keeps them
    /// until its own retention removes them (see [`crate::service::StageSpec::changelog_retention`]):
    /// a restore may bring one back for a while, and the next expiry removes it again.
    pub fn expire_local(&mut self, expired: impl Fn(&[u8]) -> bool) -> Result<usize, StateError> {
        let mut batch = sled::Batch::default();
        let mut removed = 0;
        for entry in self.data.iter() {
            let (key, value) = entry.map_err(StateError::sled(&self.what(), "scan for expired values"))?;
            if expired(&value) {
                batch.remove(key);
                removed += 1;
            }
        }
        self.data.apply_batch(batch).map_err(StateError::sled(&self.what(), "remove expired values"))?;
        Ok(removed)
    }

    /// How many committed values the store holds, over all slices.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the store holds no committed value.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::temporary_sled;

    fn store() -> ChangelogStore {
        ChangelogStore::open(&temporary_sled().unwrap(), "newswire", "normalize", "exact").unwrap().replicated()
    }

    #[test]
    fn a_key_is_found_in_every_current_slice_that_has_it_staged_changes_included() {
        let mut s = store();
        s.apply_restored(0, b"h", Some(b"first")).unwrap();
        s.apply_restored(1, b"h", Some(b"second")).unwrap();
        s.apply_restored(2, b"other", Some(b"x")).unwrap();
        for p in 0..3 {
            s.checkpoint(p, 0, 0).unwrap();
        }
        s.put(2, b"h".to_vec(), b"third".to_vec());
        let found = s.get_all(b"h").unwrap();
        assert_eq!(found, vec![(0, b"first".to_vec()), (1, b"second".to_vec()), (2, b"third".to_vec())]);
        s.forget_current();
        assert_eq!(s.get_all(b"h").unwrap(), vec![(2, b"third".to_vec())], "slices not current are not read; the open batch's changes are");
    }

    #[test]
    fn changes_followed_from_other_instances_are_kept_for_the_stage_and_a_restore_says_reload() {
        let mut s = store();
        assert_eq!(s.take_remote(), RemoteChanges::default());
        s.apply_replicated(3, b"k", Some(b"v")).unwrap();
        s.apply_replicated(3, b"j", None).unwrap();
        let remote = s.take_remote();
        assert!(!remote.reloaded);
        assert_eq!(remote.changes, vec![(3, b"k".to_vec(), Some(b"v".to_vec())), (3, b"j".to_vec(), None)]);
        assert_eq!(s.get(3, b"k").unwrap(), Some(b"v".to_vec()), "and they are on disk");
        assert_eq!(s.take_remote(), RemoteChanges::default(), "each change is handed over once");
        s.apply_restored(0, b"k", Some(b"v")).unwrap();
        s.apply_replicated(3, b"k", Some(b"w")).unwrap();
        let remote = s.take_remote();
        assert!(remote.reloaded && remote.changes.is_empty(), "after a restore the stage re-reads the store: {remote:?}");
    }

    #[test]
    fn expiry_removes_matching_values_of_every_slice_from_disk() {
        let mut s = store();
        s.apply_restored(0, b"old", Some(b"1")).unwrap();
        s.apply_restored(1, b"new", Some(b"9")).unwrap();
        assert_eq!(s.expire_local(|v| v == b"1").unwrap(), 1);
        let left: Vec<_> = s.iter_committed().map(Result::unwrap).collect();
        assert_eq!(left, vec![(1, b"new".to_vec(), b"9".to_vec())]);
        assert_eq!(s.len(), 1);
    }
}
