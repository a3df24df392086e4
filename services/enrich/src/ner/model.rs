//! The shipped model: quantised weights keyed by feature hash, its file format,
//! and fast lookup (an open-addressing table laid out for one cache line a feature).
//!
//! File format, little-endian: the magic `NWNER\0\0\x01`; `u32` feature version;
//! `u32` tag count; `f32` scale; `(TAGS + 1) × TAGS` `i16` transitions (the last
//! row is the sentence start); `u32` feature count `n`; `n` `u64` feature hashes
//! in ascending order; `n × TAGS` `i16` weights. A weight is `i16 × scale`.

use super::decode::Scorer;
use super::features::FEATURE_VERSION;
use super::tags::{Tag, TAGS};

const MAGIC: &[u8; 8] = b"NWNER\0\0\x01";

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not a model file.
    #[error("not a newswire NER model (bad magic bytes)")]
    BadMagic,
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
}

/// One feature's key and weights, together in one 32-byte slot so a lookup
/// touches one cache line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    key: u64,
    weights: [i16; TAGS],
}

/// Transition weights: `[prev][cur]`, with row `TAGS` for the sentence start.
pub type Transitions = [[f32; TAGS]; TAGS + 1];

/// A trained, quantised tagger model.
#[derive(Debug, Clone)]
pub struct Model {
    scale: f32,
    transitions: [[i16; TAGS]; TAGS + 1],
    /// Open-addressing table; a slot with key 0 is empty.
    slots: Vec<Slot>,
    mask: usize,
    features: usize,
}

impl Model {
    /// Quantises float weights (`weights[row * TAGS + tag]` for feature `keys[row]`)
    /// to 16 bits, dropping features whose weights all round below `min_weight`.
    pub fn quantise(keys: &[u64], weights: &[f32], transitions: &Transitions, min_weight: f32) -> Model {
        let max = weights.iter().chain(transitions.iter().flatten()).fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / f32::from(i16::MAX) } else { 1.0 };
        let q = |w: f32| (w / scale).round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16;
        let min_q = (min_weight / scale).round().max(1.0) as i32;
        let mut rows: Vec<(u64, [i16; TAGS])> = keys
            .iter()
            .enumerate()
            .filter_map(|(row, &key)| {
                let mut out = [0i16; TAGS];
                for (t, w) in out.iter_mut().enumerate() {
                    *w = q(weights[row * TAGS + t]);
                }
                out.iter().any(|w| i32::from(*w).abs() >= min_q).then_some((key, out))
            })
            .collect();
        rows.sort_unstable_by_key(|(k, _)| *k);
        let mut trans = [[0i16; TAGS]; TAGS + 1];
        for (row, src) in trans.iter_mut().zip(transitions) {
            for (t, w) in row.iter_mut().zip(src) {
                *t = q(*w);
            }
        }
        Model::from_rows(scale, trans, &rows)
    }

    fn from_rows(scale: f32, transitions: [[i16; TAGS]; TAGS + 1], rows: &[(u64, [i16; TAGS])]) -> Model {
        let capacity = (rows.len() * 3 / 2).next_power_of_two().max(16);
        let mut model = Model {
            scale,
            transitions,
            slots: vec![Slot::default(); capacity],
            mask: capacity - 1,
            features: rows.len(),
        };
        for (key, weights) in rows {
            let mut slot = (*key as usize) & model.mask;
            while model.slots[slot].key != 0 {
                slot = (slot + 1) & model.mask;
            }
            model.slots[slot] = Slot { key: *key, weights: *weights };
        }
        model
    }

    /// How many features carry weights.
    pub fn features(&self) -> usize {
        self.features
    }

    fn lookup(&self, key: u64) -> Option<&[i16; TAGS]> {
        let mut at = (key as usize) & self.mask;
        loop {
            let slot = &self.slots[at];
            if slot.key == key {
                return Some(&slot.weights);
            }
            if slot.key == 0 {
                return None;
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The model file's bytes (see the module docs for the format).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut rows: Vec<&Slot> = self.slots.iter().filter(|s| s.key != 0).collect();
        rows.sort_unstable_by_key(|s| s.key);
        let mut out = Vec::with_capacity(32 + rows.len() * (8 + 2 * TAGS));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
        out.extend_from_slice(&(TAGS as u32).to_le_bytes());
        out.extend_from_slice(&self.scale.to_le_bytes());
        for w in self.transitions.iter().flatten() {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for slot in &rows {
            out.extend_from_slice(&slot.key.to_le_bytes());
        }
        for slot in &rows {
            for w in &slot.weights {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Reads a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader(bytes);
        if r.take(8, "magic")? != MAGIC {
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
        let mut transitions = [[0i16; TAGS]; TAGS + 1];
        for w in transitions.iter_mut().flatten() {
            *w = i16::from_le_bytes(r.array("transitions")?);
        }
        let n = r.u32("feature count")? as usize;
        let keys = r.take(n.checked_mul(8).ok_or(ModelError::Truncated("feature hashes"))?, "feature hashes")?;
        let weights = r.take(n.checked_mul(2 * TAGS).ok_or(ModelError::Truncated("weights"))?, "weights")?;
        let rows: Vec<(u64, [i16; TAGS])> = keys
            .chunks_exact(8)
            .zip(weights.chunks_exact(2 * TAGS))
            .map(|(k, w)| {
                let mut row = [0i16; TAGS];
                for (dst, src) in row.iter_mut().zip(w.chunks_exact(2)) {
                    *dst = i16::from_le_bytes([src[0], src[1]]);
                }
                (u64::from_le_bytes([k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]]), row)
            })
            .filter(|(k, _)| *k != 0)
            .collect();
        Ok(Model::from_rows(scale, transitions, &rows))
    }
}

impl Scorer for Model {
    fn emission(&self, features: &[u64], scores: &mut [f32; TAGS]) {
        let mut sum = [0i32; TAGS];
        for &f in features {
            if let Some(w) = self.lookup(f) {
                for (s, w) in sum.iter_mut().zip(w) {
                    *s += i32::from(*w);
                }
            }
        }
        for (s, q) in scores.iter_mut().zip(sum) {
            *s += q as f32 * self.scale;
        }
    }

    fn transition(&self, prev: Option<Tag>, cur: Tag) -> f32 {
        let row = prev.map_or(TAGS, Tag::index);
        f32::from(self.transitions[row][cur.index()]) * self.scale
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
        weights[2 * TAGS] = 0.0001; // feature 33: pruned below 0.01
        let mut trans = [[0f32; TAGS]; TAGS + 1];
        trans[TAGS][0] = 0.5;
        Model::quantise(&keys, &weights, &trans, 0.01)
    }

    #[test]
    fn quantising_keeps_weights_close_and_prunes_tiny_features() {
        let model = tiny();
        assert_eq!(model.features(), 2);
        let mut scores = [0f32; TAGS];
        model.emission(&[11, 22, 33, 44], &mut scores);
        assert!((scores[1] - 2.0).abs() < 1e-3, "{scores:?}");
        assert!((scores[2] + 1.0).abs() < 1e-3, "{scores:?}");
        assert!((model.transition(None, Tag::O) - 0.5).abs() < 1e-3);
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
        assert!(matches!(Model::from_bytes(&bytes[..bytes.len() - 1]), Err(ModelError::Truncated("weights"))));
        let mut other_version = bytes.clone();
        other_version[8] ^= 0x7f;
        assert!(matches!(Model::from_bytes(&other_version), Err(ModelError::FeatureVersion { .. })));
    }
}
