//! One pass's trained model: 8-bit weights keyed by feature hash, float
//! transitions, and its file format; and [`Table`], the lookup table recognition
//! reads both passes' weights from.
//!
//! File format, little-endian: the magic `NWNER\0\0\x02`; `u32` feature version;
//! `u32` tag count; `f32` scale; `(TAGS + 1) × TAGS` `f32` transitions (the last
//! row is the sentence start); `u32` feature count `n`; `n` `u64` feature hashes
//! in ascending order; `n × TAGS` `i8` weights. A weight is `i8 × scale`.

use super::decode::{transition_table, Scorer, TransitionTable};
use super::features::FEATURE_VERSION;
use super::tags::{Tag, TAGS};

const MAGIC: &[u8; 8] = b"NWNER\0\0\x02";
const OLD_MAGIC: &[u8; 8] = b"NWNER\0\0\x01";

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not a model file.
    #[error("not a newswire NER model (bad magic bytes)")]
    BadMagic,
    /// A model file of the first format (16-bit weights).
    #[error("model file is of an older format (16-bit weights): retrain it")]
    OldFormat,
    /// The file ends early.
    #[error("model file truncated while reading {0}")]
    Truncated(&'static str),
    /// Trained on other features than this build extracts.
    #[error("model was trained with feature version {found}, this build extracts version {expected}: retrain it")]
    FeatureVersion {
        /// In the file.
        found: u32,
        /// In this build.
        expected: u32,
    },
    /// Another tag set.
    #[error("model has {0} tags, expected {TAGS}")]
    Tags(u32),
    /// A bad scale.
    #[error("model scale {0} is not a positive finite number")]
    Scale(f32),
    /// A transition weight that is not a number.
    #[error("model has a transition weight that is not a finite number")]
    Transition,
}

/// Transition weights: `[prev][cur]`, with row `TAGS` for the sentence start.
pub type Transitions = [[f32; TAGS]; TAGS + 1];

/// A trained, quantised tagger model (one pass).
#[derive(Debug, Clone)]
pub struct Model {
    scale: f32,
    transitions: Transitions,
    /// The features and their weights, in ascending order of hash.
    rows: Vec<(u64, [i8; TAGS])>,
    /// The transitions as Viterbi reads them, worked out once.
    table: TransitionTable,
}

impl Model {
    /// Quantises float weights (`weights[row * TAGS + tag]` for feature
    /// `keys[row]`) to 8 bits on one scale (the largest weight is ±127),
    /// dropping the features whose weights all stay below `min_weight` or round to 0.
    pub fn quantise(keys: &[u64], weights: &[f32], transitions: &Transitions, min_weight: f32) -> Model {
        let max = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let q = |w: f32| (w / scale).round().clamp(-127.0, 127.0) as i8;
        let mut rows: Vec<(u64, [i8; TAGS])> = keys
            .iter()
            .zip(weights.chunks_exact(TAGS))
            .filter(|(_, src)| src.iter().any(|w| w.abs() >= min_weight))
            .map(|(&key, src)| {
                let mut out = [0i8; TAGS];
                for (w, &f) in out.iter_mut().zip(src) {
                    *w = q(f);
                }
                (key, out)
            })
            .filter(|(_, w)| w.iter().any(|w| *w != 0))
            .collect();
        rows.sort_unstable_by_key(|(k, _)| *k);
        rows.dedup_by_key(|(k, _)| *k);
        Model::from_rows(scale, *transitions, rows)
    }

    fn from_rows(scale: f32, transitions: Transitions, rows: Vec<(u64, [i8; TAGS])>) -> Model {
        let mut model = Model { scale, transitions, rows, table: [[0.0; TAGS]; TAGS + 1] };
        model.table = transition_table(&model);
        model
    }

    /// How many features carry weights.
    pub fn features(&self) -> usize {
        self.rows.len()
    }

    /// The transitions, ready for [`super::decode::best_path`].
    pub fn transition_table(&self) -> &TransitionTable {
        &self.table
    }

    /// Emission scores from sums of 8-bit weights.
    #[inline]
    pub fn scores(&self, sums: &[i32; TAGS]) -> [f32; TAGS] {
        sums.map(|q| q as f32 * self.scale)
    }

    /// The model file's bytes (see the module docs for the format).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + 4 * (TAGS + 1) * TAGS + self.rows.len() * (8 + TAGS));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
        out.extend_from_slice(&(TAGS as u32).to_le_bytes());
        out.extend_from_slice(&self.scale.to_le_bytes());
        for w in self.transitions.iter().flatten() {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&(self.rows.len() as u32).to_le_bytes());
        for (key, _) in &self.rows {
            out.extend_from_slice(&key.to_le_bytes());
        }
        for (_, weights) in &self.rows {
            out.extend(weights.iter().map(|w| *w as u8));
        }
        out
    }

    /// Reads a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader(bytes);
        let magic = r.take(8, "magic")?;
        if magic == OLD_MAGIC {
            return Err(ModelError::OldFormat);
        }
        if magic != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = r.u32("feature version")?;
        if version != FEATURE_VERSION {
            return Err(ModelError::FeatureVersion { found: version, expected: FEATURE_VERSION });
        }
        let tags = r.u32("tag count")?;
        if tags as usize != TAGS {
            return Err(ModelError::Tags(tags));
        }
        let scale = f32::from_le_bytes(r.array("scale")?);
        if !(scale.is_finite() && scale > 0.0) {
            return Err(ModelError::Scale(scale));
        }
        let mut transitions = [[0f32; TAGS]; TAGS + 1];
        for w in transitions.iter_mut().flatten() {
            *w = f32::from_le_bytes(r.array("transitions")?);
            if !w.is_finite() {
                return Err(ModelError::Transition);
            }
        }
        let n = r.u32("feature count")? as usize;
        let keys = r.take(n.checked_mul(8).ok_or(ModelError::Truncated("feature hashes"))?, "feature hashes")?;
        let weights = r.take(n.checked_mul(TAGS).ok_or(ModelError::Truncated("weights"))?, "weights")?;
        let mut rows: Vec<(u64, [i8; TAGS])> = keys
            .chunks_exact(8)
            .zip(weights.chunks_exact(TAGS))
            .map(|(k, w)| {
                let mut row = [0i8; TAGS];
                for (dst, &src) in row.iter_mut().zip(w) {
                    *dst = src as i8;
                }
                (u64::from_le_bytes([k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]]), row)
            })
            .collect();
        // Files list the features in ascending order; any other order is put right.
        if !rows.windows(2).all(|w| w[0].0 < w[1].0) {
            rows.sort_unstable_by_key(|(k, _)| *k);
            rows.dedup_by_key(|(k, _)| *k);
        }
        Ok(Model::from_rows(scale, transitions, rows))
    }
}

/// Entries (ways) in one 64-byte line of a [`Table`].
const WAYS: usize = 3;

/// One cache line of a [`Table`]: three entries of a 16-bit tag (0 marks an
/// empty entry) and both passes' 9 weights, 60 bytes.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Line {
    tags: [u16; WAYS],
    weights: [[i8; 2 * TAGS]; WAYS],
}

/// Both passes' weights, laid out for recognition: a feature lives in the line
/// its hash's high half picks, in one of its three entries, marked by a 16-bit
/// tag from the hash's low half. A lookup reads that one cache line and takes
/// the entry with the tag, or nothing: no search and no branch, so a token's
/// lookups run side by side. Both passes' weights of a feature sit side by
/// side, so the first pass's lookups also give the second pass its sums.
///
/// There are as many lines as features (a third full on average); a feature
/// that finds its line full (or a feature with its tag already there) is left
/// out, the line's least weighty features first (`ner-train` reports how many:
/// about 1 in 40; the scores in the model card are the table's, with them left
/// out). A feature outside the model matches a tag with odds of about one in
/// 30,000 per lookup, and then adds that entry's weights.
#[derive(Debug, Clone)]
pub struct Table {
    lines: Vec<Line>,
    /// How many different features the passes have, together.
    features: usize,
    /// How many of them were left out.
    left_out: usize,
}

/// The weights of a feature that is not in the table.
static NO_WEIGHTS: [i8; 2 * TAGS] = [0; 2 * TAGS];

impl Table {
    /// The table of a first pass and, if any, a second pass.
    pub fn new(first: &Model, second: Option<&Model>) -> Table {
        // Both models' rows (each in ascending order of hash) merged: a feature of
        // both passes gets one row with both halves.
        let (a, b) = (&first.rows, second.map_or(&[][..], |m| &m.rows[..]));
        let mut merged: Vec<(u64, [i8; 2 * TAGS])> = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let mut row = [0i8; 2 * TAGS];
            let key = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    row[..TAGS].copy_from_slice(&x.1);
                    row[TAGS..].copy_from_slice(&y.1);
                    (i, j) = (i + 1, j + 1);
                    x.0
                }
                (Some(x), Some(y)) if y.0 < x.0 => {
                    row[TAGS..].copy_from_slice(&y.1);
                    j += 1;
                    y.0
                }
                (Some(x), _) => {
                    row[..TAGS].copy_from_slice(&x.1);
                    i += 1;
                    x.0
                }
                (None, Some(y)) => {
                    row[TAGS..].copy_from_slice(&y.1);
                    j += 1;
                    y.0
                }
                (None, None) => break,
            };
            merged.push((key, row));
        }
        let count = merged.len().max(1);
        // The features of each line (a counting sort by line), then each line's
        // weightiest first: a full line leaves out its least weighty features.
        let homes: Vec<usize> = merged.iter().map(|(key, _)| home(*key, count)).collect();
        let mut starts = vec![0usize; count + 1];
        for &h in &homes {
            starts[h + 1] += 1;
        }
        for l in 0..count {
            starts[l + 1] += starts[l];
        }
        let mut next = starts.clone();
        let mut by_line = vec![0usize; merged.len()];
        for (row, &h) in homes.iter().enumerate() {
            by_line[next[h]] = row;
            next[h] += 1;
        }
        let weight = |row: &[i8; 2 * TAGS]| row.iter().map(|w| w.unsigned_abs()).max().unwrap_or(0);
        let mut table = Table { lines: vec![Line::default(); count], features: merged.len(), left_out: 0 };
        for (l, line) in table.lines.iter_mut().enumerate() {
            let rows = &mut by_line[starts[l]..starts[l + 1]];
            rows.sort_unstable_by_key(|&r| (std::cmp::Reverse(weight(&merged[r].1)), merged[r].0));
            for &r in rows.iter() {
                let (key, row) = merged[r];
                let tag = tag(key);
                match line.tags.iter().position(|t| *t == 0 || *t == tag) {
                    // A free entry (or one already holding this tag: then the new
                    // feature could not be told apart, and is left out).
                    Some(way) if line.tags[way] == 0 => {
                        line.tags[way] = tag;
                        line.weights[way] = row;
                    }
                    _ => table.left_out += 1,
                }
            }
        }
        table
    }

    /// How many of the models' different features the table left out, and of how many.
    pub fn left_out(&self) -> (usize, usize) {
        (self.left_out, self.features)
    }

    /// Both passes' weights of feature `key` (all zero if it is not in the table).
    #[inline]
    pub fn weights(&self, key: u64) -> &[i8; 2 * TAGS] {
        let line = &self.lines[home(key, self.lines.len())];
        let tag = tag(key);
        let mut found = &NO_WEIGHTS;
        for way in 0..WAYS {
            if line.tags[way] == tag {
                found = &line.weights[way];
            }
        }
        found
    }

    /// Adds both passes' weights of `features` to `sums` (the first pass's
    /// `TAGS`, then the second's).
    #[inline]
    pub fn add_both(&self, features: &[u64], sums: &mut [i32; 2 * TAGS]) {
        // In 16 bits per tag (twice the lanes of 32), 256 features at a time:
        // 256 × 127 < 2^15, so the 16-bit sums cannot overflow.
        for chunk in features.chunks(256) {
            let mut short = [0i16; 2 * TAGS];
            for &f in chunk {
                for (s, w) in short.iter_mut().zip(self.weights(f)) {
                    *s += i16::from(*w);
                }
            }
            for (s, v) in sums.iter_mut().zip(short) {
                *s += i32::from(v);
            }
        }
    }

    /// Adds the second pass's weights of `features` to `sums`.
    #[inline]
    pub fn add_second(&self, features: &[u64], sums: &mut [i32; TAGS]) {
        for &f in features {
            for (s, w) in sums.iter_mut().zip(&self.weights(f)[TAGS..]) {
                *s += i32::from(*w);
            }
        }
    }
}

/// The tag a feature is told apart by in its line: 16 bits of the hash's low half, never 0.
#[inline]
fn tag(key: u64) -> u16 {
    (key as u16) | 1
}

/// The line a feature lives in: the hash's high half scaled to `lines`.
#[inline]
fn home(key: u64, lines: usize) -> usize {
    (((key >> 32) * lines as u64) >> 32) as usize
}

impl Scorer for Model {
    /// (A binary search per feature, for tests and tools; recognition reads a [`Table`].)
    fn emission(&self, features: &[u64], scores: &mut [f32; TAGS]) {
        let mut sums = [0i32; TAGS];
        for f in features {
            if let Ok(at) = self.rows.binary_search_by_key(f, |(k, _)| *k) {
                for (s, w) in sums.iter_mut().zip(&self.rows[at].1) {
                    *s += i32::from(*w);
                }
            }
        }
        for (s, q) in scores.iter_mut().zip(sums) {
            *s += q as f32 * self.scale;
        }
    }

    fn transition(&self, prev: Option<Tag>, cur: Tag) -> f32 {
        self.transitions[prev.map_or(TAGS, Tag::index)][cur.index()]
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ModelError> {
        if self.0.len() < n {
            return Err(ModelError::Truncated(what));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ModelError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Model {
        let keys = [11u64, 22, 33];
        let mut weights = vec![0f32; 3 * TAGS];
        weights[1] = 2.0; // feature 11 → tag 1
        weights[TAGS + 2] = -1.0; // feature 22 → tag 2
        weights[2 * TAGS] = 0.001; // feature 33: below 0.01, dropped
        let mut trans = [[0f32; TAGS]; TAGS + 1];
        trans[TAGS][0] = 0.5;
        Model::quantise(&keys, &weights, &trans, 0.01)
    }

    #[test]
    fn quantising_keeps_weights_close_and_drops_tiny_features() {
        let model = tiny();
        assert_eq!(model.features(), 2);
        let mut scores = [0f32; TAGS];
        model.emission(&[11, 22, 33, 44], &mut scores);
        assert!((scores[1] - 2.0).abs() < 2e-2, "{scores:?}");
        assert!((scores[2] + 1.0).abs() < 2e-2, "{scores:?}");
        assert!((model.transition(None, Tag::O) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn the_features_of_a_large_model_are_found_or_left_out_and_others_are_not() {
        let n = 50_000u64;
        let keys: Vec<u64> = (1..=n).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        let weights: Vec<f32> = (1..=n).flat_map(|i| [(i % 100) as f32 + 1.0; TAGS]).collect();
        let model = Model::quantise(&keys, &weights, &[[0.0; TAGS]; TAGS + 1], 0.0);
        assert_eq!(model.features(), keys.len());
        let table = Table::new(&model, Some(&model));
        let (left_out, features) = table.left_out();
        assert_eq!(features, keys.len());
        assert!(left_out < keys.len() / 20, "{left_out} left out");
        let mut found = 0;
        for (i, key) in keys.iter().enumerate() {
            let w = table.weights(*key);
            if w == &NO_WEIGHTS {
                continue;
            }
            found += 1;
            assert_eq!(w[TAGS], w[0]);
            let w = Some(w[0]);
            assert_eq!(w, Some((((i + 1) % 100 + 1) as f32 / (100.0 / 127.0)).round() as i8), "feature {i}");
        }
        assert_eq!(found + left_out, keys.len());
        let absent = (n + 1..n + 20_000).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).filter(|k| table.weights(*k) != &NO_WEIGHTS).count();
        assert!(absent < 10, "{absent} absent features found");
    }

    #[test]
    fn a_model_survives_a_round_trip_through_its_file_format() {
        let model = tiny();
        let back = Model::from_bytes(&model.to_bytes()).expect("reads back");
        assert_eq!(back.features(), model.features());
        assert_eq!(back.to_bytes(), model.to_bytes());
    }

    #[test]
    fn damaged_model_files_are_refused_with_the_reason() {
        let bytes = tiny().to_bytes();
        assert!(matches!(Model::from_bytes(b"not a model"), Err(ModelError::BadMagic)));
        assert!(matches!(Model::from_bytes(b"NWNER\0\0\x01rest"), Err(ModelError::OldFormat)));
        assert!(matches!(Model::from_bytes(&bytes[..bytes.len() - 1]), Err(ModelError::Truncated("weights"))));
        let mut other_version = bytes.clone();
        other_version[8] ^= 0x7f;
        assert!(matches!(Model::from_bytes(&other_version), Err(ModelError::FeatureVersion { .. })));
    }
}
