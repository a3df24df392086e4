//! The SimHashes of first copies, held in memory for the near-duplicate
//! lookup, indexed so that a lookup costs about the same with 10,000 or
//! 1,000,000 stories in the dedupe window.
//!
//! Multi-index hashing (Norouzi, Punjani and Fleet, "Fast search in Hamming
//! space with multi-index hashing", CVPR 2012): the 64 bits are cut into five
//! blocks (13, 13, 13, 13 and 12 bits). Two hashes within `d` bits of each
//! other differ in at most `d / 5` bits in at least one block (pigeonhole), so
//! a lookup reads only the buckets within that many bits of the query's
//! blocks: for the near-duplicate distance, 12, that is 5 × 92 buckets, each
//! holding about one story in 8,192 of the window, stored side by side. Each
//! candidate's whole hash is then checked. (Four 16-bit blocks read 2,788
//! scattered buckets a lookup and were 3× slower with a million stories.)
//!
//! The tables are rebuilt (a counting sort) when more than [`TAIL`] records
//! have been added since the last build; the records added since are scanned
//! one by one. A distance above [`MAX_INDEXED_DISTANCE`] falls back to a scan
//! of every hash. The tables cost 60 bytes a story.

use std::sync::OnceLock;

use super::fingerprint::distance;
use super::records::NearRecord;

/// Blocks a hash is cut into.
const BLOCKS: u32 = 5;
/// Bits in each block but the last, which has the 12 left.
const BLOCK_BITS: u32 = 13;
/// Buckets of one block.
const BUCKETS: usize = 1 << BLOCK_BITS;
/// The most bits a lookup varies within one block.
const MAX_BLOCK_DISTANCE: u32 = 3;
/// The largest distance the blocks answer.
pub const MAX_INDEXED_DISTANCE: u32 = BLOCKS * MAX_BLOCK_DISTANCE + BLOCKS - 1;
/// Records added since the last build that are scanned one by one before the
/// tables are built again.
const TAIL: usize = 4096;

/// First copies' SimHashes, committed ones only.
#[derive(Debug, Default)]
pub struct NearIndex {
    /// In the order committed.
    records: Vec<NearRecord>,
    /// `records[i].simhash` at `i`.
    hashes: Vec<u64>,
    /// One table per block over `records[..built]`.
    tables: Vec<BlockTable>,
    /// How many records the tables cover.
    built: usize,
}

/// The records of one block, sorted by that block's bits: bucket `b` is
/// `hashes[starts[b]..starts[b + 1]]`, with its records' positions in `slots`.
#[derive(Debug)]
struct BlockTable {
    starts: Vec<u32>,
    hashes: Vec<u64>,
    slots: Vec<u32>,
}

impl NearIndex {
    /// An index of `records`.
    pub fn of(records: Vec<NearRecord>) -> Self {
        let mut index = NearIndex { hashes: records.iter().map(|r| r.simhash).collect(), records, ..Default::default() };
        index.build();
        index
    }

    /// Adds committed records.
    pub fn extend(&mut self, records: impl IntoIterator<Item = NearRecord>) {
        for record in records {
            self.hashes.push(record.simhash);
            self.records.push(record);
        }
        if self.records.len() - self.built > TAIL {
            self.build();
        }
    }

    /// The records within `max_distance` bits of `simhash`, in the order committed.
    pub fn within(&self, simhash: u64, max_distance: u32) -> impl Iterator<Item = &NearRecord> {
        let mut found = Vec::new();
        self.visit(simhash, max_distance, |slot, _| found.push(slot));
        // A hash close in several blocks is found once per block.
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(move |slot| &self.records[slot])
    }

    /// The closest record within `max_distance` bits of `simhash` that
    /// `admit` accepts, the earliest committed of equally close ones. Unlike
    /// [`Self::within`] it gathers nothing: when thousands of stories lie
    /// within the distance (a feed's template: results, prices, a fixture
    /// list), a lookup still costs one bit count for each of them.
    pub fn nearest(&self, simhash: u64, max_distance: u32, admit: impl Fn(&NearRecord) -> bool) -> Option<&NearRecord> {
        let mut best: Option<(u32, usize)> = None;
        self.visit(simhash, max_distance, |slot, bits| {
            if best.is_none_or(|closest| (bits, slot) < closest) && admit(&self.records[slot]) {
                best = Some((bits, slot));
            }
        });
        best.map(|(_, slot)| &self.records[slot])
    }

    /// [`Self::find`] with the CPU's population count instruction where it has
    /// one: the default x86-64 target lacks it, and counting bits without it
    /// took most of a lookup's time with a million stories.
    fn visit(&self, simhash: u64, max_distance: u32, found: impl FnMut(usize, u32)) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: this CPU has popcnt, checked just above.
            return unsafe { self.find_with_popcnt(simhash, max_distance, found) };
        }
        self.find(simhash, max_distance, found)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn find_with_popcnt(&self, simhash: u64, max_distance: u32, found: impl FnMut(usize, u32)) {
        self.find(simhash, max_distance, found)
    }

    /// Calls `found(position, distance)` for each record within
    /// `max_distance` bits of `simhash`, some more than once.
    #[inline(always)]
    fn find(&self, simhash: u64, max_distance: u32, mut found: impl FnMut(usize, u32)) {
        if max_distance > MAX_INDEXED_DISTANCE {
            return scan(&self.hashes, 0, simhash, max_distance, found);
        }
        scan(&self.hashes[self.built..], self.built, simhash, max_distance, &mut found);
        let masks = masks_within(max_distance / BLOCKS);
        for (block, table) in (0..BLOCKS).zip(&self.tables) {
            let key = block_of(simhash, block);
            for mask in masks.iter().filter(|m| **m < 1 << width(block)) {
                let bucket = usize::from(key ^ mask);
                let start = table.starts[bucket] as usize;
                let hashes = &table.hashes[start..table.starts[bucket + 1] as usize];
                for (i, hash) in hashes.iter().enumerate() {
                    let bits = distance(*hash, simhash);
                    if bits <= max_distance {
                        found(table.slots[start + i] as usize, bits);
                    }
                }
            }
        }
    }

    /// Keeps only the records seen at or after `cutoff_ms`.
    pub fn expire(&mut self, cutoff_ms: i64) {
        self.records.retain(|r| r.seen_ms >= cutoff_ms);
        self.hashes = self.records.iter().map(|r| r.simhash).collect();
        self.build();
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Builds the block tables over every record (a counting sort per block).
    fn build(&mut self) {
        self.tables = (0..BLOCKS)
            .map(|block| {
                let mut starts = vec![0u32; BUCKETS + 1];
                for hash in &self.hashes {
                    starts[usize::from(block_of(*hash, block)) + 1] += 1;
                }
                for bucket in 0..BUCKETS {
                    starts[bucket + 1] += starts[bucket];
                }
                let mut next = starts.clone();
                let mut table = BlockTable { hashes: vec![0; self.hashes.len()], slots: vec![0; self.hashes.len()], starts: Vec::new() };
                for (slot, hash) in self.hashes.iter().enumerate() {
                    let at = &mut next[usize::from(block_of(*hash, block))];
                    table.hashes[*at as usize] = *hash;
                    table.slots[*at as usize] = u32::try_from(slot).expect("fewer than 4 billion stories in the dedupe window");
                    *at += 1;
                }
                table.starts = starts;
                table
            })
            .collect();
        self.built = self.records.len();
    }
}

/// Calls `found(offset + i, distance)` for each of `hashes` within `max_distance` bits of `simhash`.
#[inline(always)]
fn scan(hashes: &[u64], offset: usize, simhash: u64, max_distance: u32, mut found: impl FnMut(usize, u32)) {
    for (i, hash) in hashes.iter().enumerate() {
        let bits = distance(*hash, simhash);
        if bits <= max_distance {
            found(offset + i, bits);
        }
    }
}

/// How many bits block `block` has.
fn width(block: u32) -> u32 {
    if block + 1 < BLOCKS {
        BLOCK_BITS
    } else {
        64 - BLOCK_BITS * (BLOCKS - 1)
    }
}

/// Block `block` of `hash`.
fn block_of(hash: u64, block: u32) -> u16 {
    (hash >> (block * BLOCK_BITS) & ((1 << width(block)) - 1)) as u16
}

/// Every block mask of at most `bits` set bits (at most [`MAX_BLOCK_DISTANCE`]), fewest first.
fn masks_within(bits: u32) -> &'static [u16] {
    static MASKS: OnceLock<Vec<u16>> = OnceLock::new();
    let all = MASKS.get_or_init(|| {
        let mut masks: Vec<u16> = (0..1u16 << BLOCK_BITS).filter(|m| m.count_ones() <= MAX_BLOCK_DISTANCE).collect();
        masks.sort_by_key(|m| m.count_ones());
        masks
    });
    &all[..all.partition_point(|m| m.count_ones() <= bits)]
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

    #[test]
    fn the_nearest_is_the_closest_admitted_and_the_earliest_of_equally_close_ones() {
        let index = NearIndex::of(vec![near("a", 0b0011, 1), near("b", 0b0001, 2), near("c", 0b0001, 3), near("d", 0b0000, 4)]);
        let nearest = |admit: &dyn Fn(&NearRecord) -> bool| index.nearest(0b0000, 12, admit).map(|r| r.uri.clone());
        assert_eq!(nearest(&|_| true), Some("d".into()));
        assert_eq!(nearest(&|r| r.uri != "d"), Some("b".into()), "b and c are as close; b came first");
        assert_eq!(nearest(&|r| r.uri == "a"), Some("a".into()));
        assert_eq!(index.nearest(0b1111_0000, 1, |_| true), None, "nothing within one bit");
    }

    #[test]
    fn masks_are_every_mask_of_so_many_bits() {
        let counts: Vec<usize> = (0..=3).map(|bits| masks_within(bits).len()).collect();
        // 1, 1 + 13, 1 + 13 + 78, 1 + 13 + 78 + 286
        assert_eq!(counts, [1, 14, 92, 378]);
    }

    /// xorshift64*: reproducible pseudo-random hashes.
    fn hashes(seed: u64) -> impl Iterator<Item = u64> {
        let mut x = seed;
        std::iter::repeat_with(move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        })
    }

    /// `hash` with `bits` bits flipped, spread over the blocks as the random stream says.
    fn flipped(hash: u64, bits: u32, random: &mut impl Iterator<Item = u64>) -> u64 {
        let mut out = hash;
        while distance(out, hash) < bits {
            out ^= 1 << (random.next().unwrap() % 64);
        }
        out
    }

    #[test]
    fn the_blocks_find_exactly_what_a_scan_of_every_hash_finds() {
        let mut random = hashes(0x9E37_79B9_7F4A_7C15);
        let base: Vec<u64> = random.by_ref().take(2_000).collect();
        // Stored: random hashes, and near copies of some of them at every distance up to 20.
        let mut stored = Vec::new();
        for (i, hash) in base.iter().enumerate() {
            stored.push(*hash);
            if i % 4 == 0 {
                stored.push(flipped(*hash, (i as u32 / 4) % 21, &mut random));
            }
        }
        let records: Vec<NearRecord> = stored.iter().enumerate().map(|(i, h)| near(&format!("r{i}"), *h, i as i64)).collect();
        // Built in parts, so that both the tables and the tail hold some.
        let mut index = NearIndex::of(records[..1_000].to_vec());
        index.extend(records[1_000..].iter().cloned());
        assert!(index.built < index.len(), "the test must cover records not yet in the tables");
        let mut checked = 0;
        for (q, query) in base.iter().step_by(3).enumerate() {
            let query = flipped(*query, q as u32 % 14, &mut random);
            for max_distance in [0, 3, 7, 12, 15, 16, 20] {
                let found: Vec<&str> = index.within(query, max_distance).map(|r| r.uri.as_str()).collect();
                let expected: Vec<&str> =
                    records.iter().filter(|r| distance(r.simhash, query) <= max_distance).map(|r| r.uri.as_str()).collect();
                checked += expected.len();
                assert_eq!(found, expected, "query {query:#x} within {max_distance}");
                // The closest, the earliest of equally close ones, skipping the first found.
                let skipped = expected.first().copied().unwrap_or_default();
                let nearest = index.nearest(query, max_distance, |r| r.uri != skipped).map(|r| r.uri.as_str());
                let closest = records
                    .iter()
                    .filter(|r| r.uri != skipped && distance(r.simhash, query) <= max_distance)
                    .min_by_key(|r| distance(r.simhash, query))
                    .map(|r| r.uri.as_str());
                assert_eq!(nearest, closest, "nearest to {query:#x} within {max_distance}");
            }
        }
        assert!(checked > 1_000, "the queries must have near neighbours to find ({checked})");
    }
}
