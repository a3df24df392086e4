//! The SimHashes of first copies, held in memory for the near-duplicate scan:
//! the hashes alone in one array for a linear Hamming scan (about a
//! nanosecond a stored story, so 100,000 stories cost about 0.1 ms a lookup),
//! beside the records they belong to.

use super::fingerprint::distance;
use super::records::NearRecord;

/// First copies' SimHashes, committed ones only.
#[derive(Debug, Default)]
pub struct NearIndex {
    records: Vec<NearRecord>,
    /// `records[i].simhash` at `i`: the scan reads 8 bytes a story instead of a record.
    hashes: Vec<u64>,
}

impl NearIndex {
    /// An index of `records`.
    pub fn of(records: Vec<NearRecord>) -> Self {
        let hashes = records.iter().map(|r| r.simhash).collect();
        NearIndex { records, hashes }
    }

    /// Adds committed records.
    pub fn extend(&mut self, records: impl IntoIterator<Item = NearRecord>) {
        for record in records {
            self.hashes.push(record.simhash);
            self.records.push(record);
        }
    }

    /// The records within `max_distance` bits of `simhash`, in the order committed.
    pub fn within(&self, simhash: u64, max_distance: u32) -> impl Iterator<Item = &NearRecord> {
        self.hashes.iter().enumerate().filter(move |(_, h)| distance(**h, simhash) <= max_distance).map(|(i, _)| &self.records[i])
    }

    /// Keeps only the records seen at or after `cutoff_ms`.
    pub fn expire(&mut self, cutoff_ms: i64) {
        self.records.retain(|r| r.seen_ms >= cutoff_ms);
        self.hashes = self.records.iter().map(|r| r.simhash).collect();
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(uri: &str, simhash: u64, seen_ms: i64) -> NearRecord {
        NearRecord { uri: uri.into(), simhash, story_id: uri.into(), seen_ms }
    }

    #[test]
    fn records_within_the_distance_are_found_in_commit_order_and_old_ones_expire() {
        let mut index = NearIndex::of(vec![near("a", 0b1111, 10)]);
        index.extend([near("b", 0b0111, 20), near("c", u64::MAX, 30)]);
        let found: Vec<&str> = index.within(0b1111, 1).map(|r| r.uri.as_str()).collect();
        assert_eq!(found, ["a", "b"]);
        index.expire(15);
        let found: Vec<&str> = index.within(0b1111, 1).map(|r| r.uri.as_str()).collect();
        assert_eq!((found, index.len()), (vec!["b"], 2));
    }
}
