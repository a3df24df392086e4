//! Training: an averaged structured perceptron over the BIO tag set, decoding
//! with the same Viterbi as recognition (Collins 2002; averaging as in Daumé's
//! thesis, so the average costs O(1) per update).

use std::collections::HashMap;

use super::decode::{viterbi, Scorer};
use super::features::Features;
use super::hashing::PreHashed;
use super::model::Transitions;
use super::tags::{Tag, TAGS};

/// One training sentence: its features and its gold BIO2 tags.
#[derive(Debug, Clone)]
pub struct Example {
    /// The sentence's features.
    pub features: Features,
    /// Its gold tags, one per token.
    pub tags: Vec<Tag>,
}

/// Float weights keyed by feature hash (a perceptron's current or averaged weights).
#[derive(Debug, Clone, Default)]
pub struct Weights {
    index: HashMap<u64, u32, PreHashed>,
    /// Feature hash per row.
    pub keys: Vec<u64>,
    /// `TAGS` weights per row.
    pub weights: Vec<f32>,
    /// Tag-to-tag weights.
    pub transitions: Transitions,
}

impl Weights {
    fn row(&self, key: u64) -> Option<usize> {
        self.index.get(&key).map(|r| *r as usize)
    }

    fn row_or_insert(&mut self, key: u64) -> usize {
        let next = self.keys.len();
        let row = *self.index.entry(key).or_insert(next as u32) as usize;
        if row == next {
            self.keys.push(key);
            self.weights.extend([0.0; TAGS]);
        }
        row
    }
}

impl Scorer for Weights {
    fn emission(&self, features: &[u64], scores: &mut [f32; TAGS]) {
        for &f in features {
            if let Some(row) = self.row(f) {
                for (s, w) in scores.iter_mut().zip(&self.weights[row * TAGS..(row + 1) * TAGS]) {
                    *s += w;
                }
            }
        }
    }

    fn transition(&self, prev: Option<Tag>, cur: Tag) -> f32 {
        self.transitions[prev.map_or(TAGS, Tag::index)][cur.index()]
    }
}

/// An averaged structured perceptron being trained.
#[derive(Debug, Clone)]
pub struct Perceptron {
    current: Weights,
    /// Sum of `time × update` per weight; the average is `current - sums / time`.
    sums: Vec<f32>,
    transition_sums: Transitions,
    time: f32,
}

impl Default for Perceptron {
    fn default() -> Self {
        Perceptron {
            current: Weights::default(),
            sums: Vec::new(),
            transition_sums: [[0.0; TAGS]; TAGS + 1],
            time: 1.0,
        }
    }
}

impl Perceptron {
    /// Decodes one example with the current weights and, where it is wrong,
    /// moves weight from the predicted tags' features to the gold tags'.
    /// Returns whether the prediction was right.
    pub fn learn(&mut self, example: &Example) -> bool {
        let predicted = viterbi(&self.current, &example.features);
        let right = predicted == example.tags;
        if !right {
            let mut prev = (None, None);
            for (i, (&gold, &guess)) in example.tags.iter().zip(&predicted).enumerate() {
                if !example.features.is_candidate(i) {
                    // Decoding cannot tag it: nothing to learn here.
                    prev = (Some(gold), Some(guess));
                    continue;
                }
                if gold != guess {
                    for &f in example.features.token(i) {
                        self.update(f, gold, 1.0);
                        self.update(f, guess, -1.0);
                    }
                }
                if (prev.0, gold) != (prev.1, guess) {
                    self.update_transition(prev.0, gold, 1.0);
                    self.update_transition(prev.1, guess, -1.0);
                }
                prev = (Some(gold), Some(guess));
            }
        }
        self.time += 1.0;
        right
    }

    fn update(&mut self, feature: u64, tag: Tag, delta: f32) {
        let row = self.current.row_or_insert(feature);
        if self.sums.len() < self.current.weights.len() {
            self.sums.resize(self.current.weights.len(), 0.0);
        }
        let at = row * TAGS + tag.index();
        self.current.weights[at] += delta;
        self.sums[at] += self.time * delta;
    }

    fn update_transition(&mut self, prev: Option<Tag>, cur: Tag, delta: f32) {
        let row = prev.map_or(TAGS, Tag::index);
        self.current.transitions[row][cur.index()] += delta;
        self.transition_sums[row][cur.index()] += self.time * delta;
    }

    /// The averaged weights (what generalises; what ships).
    pub fn averaged(&self) -> Weights {
        let mut avg = self.current.clone();
        for (w, s) in avg.weights.iter_mut().zip(&self.sums) {
            *w -= s / self.time;
        }
        for (row, sums) in avg.transitions.iter_mut().zip(&self.transition_sums) {
            for (w, s) in row.iter_mut().zip(sums) {
                *w -= s / self.time;
            }
        }
        avg
    }
}

/// A small deterministic generator for shuffling (xorshift64*), so training is reproducible.
#[derive(Debug, Clone)]
pub struct Shuffler(u64);

impl Shuffler {
    /// Seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Shuffler(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::document::DocContext;
    use crate::ner::tags::spans;
    use crate::ner::EntityKind;

    fn example(words: &[&str], tags: &[Tag]) -> Example {
        Example { features: Features::extract(words, &DocContext::default()), tags: tags.to_vec() }
    }

    #[test]
    fn the_perceptron_learns_a_small_pattern_and_generalises_by_shape() {
        let per = (Tag::begin(EntityKind::Person), Tag::inside(EntityKind::Person));
        let loc = Tag::begin(EntityKind::Location);
        let data = [
            example(&["Anna", "Berg", "flew", "to", "Oslo", "."], &[per.0, per.1, Tag::O, Tag::O, loc, Tag::O]),
            example(&["Carl", "Dunn", "flew", "to", "Rome", "."], &[per.0, per.1, Tag::O, Tag::O, loc, Tag::O]),
            example(&["the", "plane", "flew", "to", "Lima", "."], &[Tag::O, Tag::O, Tag::O, Tag::O, loc, Tag::O]),
        ];
        let mut p = Perceptron::default();
        for _ in 0..10 {
            for ex in &data {
                p.learn(ex);
            }
        }
        let avg = p.averaged();
        let unseen = Features::extract(&["Eva", "Falk", "flew", "to", "Bern", "."], &DocContext::default());
        let found = spans(&viterbi(&avg, &unseen));
        let kinds: Vec<_> = found.iter().map(|s| (s.start, s.end, s.kind)).collect();
        assert_eq!(kinds, vec![(0, 2, EntityKind::Person), (4, 5, EntityKind::Location)]);
    }

    #[test]
    fn shuffling_is_reproducible_from_the_seed() {
        let (mut a, mut b) = ((0..50).collect::<Vec<_>>(), (0..50).collect::<Vec<_>>());
        Shuffler::new(7).shuffle(&mut a);
        Shuffler::new(7).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
    }
}
