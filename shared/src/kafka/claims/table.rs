//! The first claim of each key seen on a claims topic, within a horizon:
//! the pure part of [`super::ClaimLog`], fed by its follower thread.

use std::collections::{HashMap, VecDeque};

use sha2::{Digest, Sha256};

/// One claim as the topic holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The claim's value, as the claimant wrote it.
    pub value: Vec<u8>,
    /// The claims-topic partition it is on.
    pub partition: i32,
    /// Its offset there: on one partition, a lower offset was claimed first.
    pub offset: i64,
    /// When it was written (the record's timestamp), in milliseconds since the epoch.
    pub at_ms: i64,
}

/// A key's 128-bit digest: the table keeps no claimed key itself, only this.
type KeyDigest = [u8; 16];

fn key_digest(key: &[u8]) -> KeyDigest {
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&Sha256::digest(key)[..16]);
    digest
}

/// The first claim of every key read, and how far each partition was read.
#[derive(Debug)]
pub struct ClaimTable {
    first: HashMap<KeyDigest, Claim>,
    /// The kept first claims by age, for [`ClaimTable::prune`].
    by_age: VecDeque<(i64, KeyDigest)>,
    /// Per partition, the next offset to read: every claim below it is in the table.
    read_to: HashMap<i32, i64>,
    horizon_ms: i64,
}

impl ClaimTable {
    /// An empty table that forgets a claim `horizon_ms` after it was written.
    pub fn new(horizon_ms: i64) -> Self {
        ClaimTable { first: HashMap::new(), by_age: VecDeque::new(), read_to: HashMap::new(), horizon_ms }
    }

    /// Takes in one claim read from the topic, in offset order per partition:
    /// kept only if it is the first of its key (a later claim of the key loses).
    pub fn record(&mut self, key: &[u8], claim: Claim) {
        let read = self.read_to.entry(claim.partition).or_insert(0);
        *read = (*read).max(claim.offset + 1);
        let digest = key_digest(key);
        if let std::collections::hash_map::Entry::Vacant(slot) = self.first.entry(digest) {
            self.by_age.push_back((claim.at_ms, digest));
            slot.insert(claim);
        }
    }

    /// The first claim of `key` still within the horizon, if any.
    pub fn first(&self, key: &[u8]) -> Option<&Claim> {
        self.first.get(&key_digest(key))
    }

    /// Whether the claim at `offset` on `partition`, and every claim before it there, was read.
    pub fn has_read(&self, partition: i32, offset: i64) -> bool {
        self.read_to.get(&partition).is_some_and(|read| *read > offset)
    }

    /// Forgets the claims written more than the horizon before `now_ms`:
    /// by then the story a claim stood for is in every instance's state.
    /// Answers how many were forgotten.
    pub fn prune(&mut self, now_ms: i64) -> usize {
        let cutoff = now_ms.saturating_sub(self.horizon_ms);
        let mut removed = 0;
        while let Some((at_ms, digest)) = self.by_age.front().copied() {
            if at_ms >= cutoff {
                break;
            }
            self.by_age.pop_front();
            if self.first.get(&digest).is_some_and(|claim| claim.at_ms == at_ms) {
                self.first.remove(&digest);
                removed += 1;
            }
        }
        removed
    }

    /// How many first claims are kept.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// Whether no claim is kept.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(value: &str, partition: i32, offset: i64, at_ms: i64) -> Claim {
        Claim { value: value.as_bytes().to_vec(), partition, offset, at_ms }
    }

    #[test]
    fn the_first_claim_of_a_key_wins_and_a_later_one_is_not_kept() {
        let mut table = ClaimTable::new(60_000);
        table.record(b"content:abc", claim("pa", 1, 10, 1_000));
        table.record(b"content:abc", claim("ap", 1, 11, 1_001));
        table.record(b"content:def", claim("ap", 0, 4, 1_002));
        assert_eq!(table.first(b"content:abc").map(|c| c.value.clone()), Some(b"pa".to_vec()));
        assert_eq!(table.first(b"content:def").map(|c| c.offset), Some(4));
        assert_eq!(table.first(b"content:xyz"), None);
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn a_partition_counts_as_read_to_an_offset_only_once_a_claim_at_or_past_it_was_read() {
        let mut table = ClaimTable::new(60_000);
        assert!(!table.has_read(0, 0), "nothing read yet");
        table.record(b"k", claim("a", 0, 7, 1));
        assert!(table.has_read(0, 7));
        assert!(table.has_read(0, 3));
        assert!(!table.has_read(0, 8));
        assert!(!table.has_read(1, 0), "another partition");
    }

    #[test]
    fn claims_older_than_the_horizon_are_forgotten_and_the_key_can_be_claimed_anew() {
        let mut table = ClaimTable::new(1_000);
        table.record(b"old", claim("first", 0, 0, 10_000));
        table.record(b"new", claim("kept", 0, 1, 10_900));
        assert_eq!(table.prune(11_000), 0, "exactly the horizon old is still kept");
        assert_eq!(table.prune(11_001), 1);
        assert_eq!(table.first(b"old"), None);
        assert!(table.first(b"new").is_some());
        table.record(b"old", claim("second", 0, 2, 11_002));
        assert_eq!(table.first(b"old").map(|c| c.value.clone()), Some(b"second".to_vec()));
        assert!(table.has_read(0, 2), "pruning keeps what was read");
    }
}
