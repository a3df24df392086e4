//! What a whole document says about its words: how it capitalises them
//! ([`DocContext`], for the first pass) and how the first pass tagged them
//! ([`DocLabels`], for the second).

use std::collections::{HashMap, HashSet};

use super::features::Features;
use super::hashing::PreHashed;
use super::tags::Tag;
use super::word::{lower_hash, shouting};
use super::EntityKind;

/// What the whole document says about its words' capitalisation: a capitalised
/// word that the document also writes in lower case is less likely a name, and a
/// sentence-initial word the document capitalises mid-sentence is more likely one.
#[derive(Debug, Default, Clone)]
pub struct DocContext {
    pub(super) seen_lower: HashSet<u64, PreHashed>,
    pub(super) seen_capitalised_mid_sentence: HashSet<u64, PreHashed>,
}

impl DocContext {
    /// Collects the cues from every sentence of a document.
    pub fn build<'a, S, I>(sentences: I) -> Self
    where
        S: AsRef<str> + 'a,
        I: IntoIterator<Item = &'a [S]>,
    {
        let mut doc = DocContext::default();
        for sentence in sentences {
            if shouting(sentence) {
                continue;
            }
            for (i, word) in sentence.iter().enumerate() {
                let word = word.as_ref();
                let Some(first) = word.chars().next() else { continue };
                let set = if first.is_lowercase() {
                    &mut doc.seen_lower
                } else if first.is_uppercase() && i > 0 {
                    &mut doc.seen_capitalised_mid_sentence
                } else {
                    continue;
                };
                set.insert(lower_hash(word));
            }
        }
        doc
    }
}

/// What a first tagging pass said about each word across the document: how often
/// each kind (or O) was given to it. The second pass reads this so that one name
/// gets one kind throughout a story ("Liz Truss" at a paragraph start is as much
/// a person as everywhere else).
#[derive(Debug, Default, Clone)]
pub struct DocLabels {
    counts: HashMap<u64, [u16; 5], PreHashed>,
}

impl DocLabels {
    /// Counts the first pass's tags (one list per sentence, with the sentence's
    /// first-pass features) for every word.
    pub fn build<'a, I>(sentences: I) -> Self
    where
        I: IntoIterator<Item = (&'a Features, &'a [Tag])>,
    {
        let mut labels = DocLabels::default();
        for (features, tags) in sentences {
            for (word, tag) in features.word_hashes().zip(tags) {
                let slot = tag.kind().map_or(4, kind_slot);
                let counts = labels.counts.entry(word).or_default();
                counts[slot] = counts[slot].saturating_add(1);
            }
        }
        labels
    }

    /// Whether the first pass gave the word different tags in different places
    /// (a person here, an organisation or nothing there).
    pub fn disagrees(&self, lower_hash: u64) -> bool {
        self.counts.get(&lower_hash).is_some_and(|c| c.iter().filter(|n| **n > 0).count() > 1)
    }

    /// The kind most often given to the word (4 if it was never in an entity),
    /// and the counts.
    pub(super) fn majority(&self, lower_hash: u64) -> (u8, [u16; 5]) {
        let counts = self.counts.get(&lower_hash).copied().unwrap_or_default();
        let best = (0..4).max_by_key(|&k| (counts[k], std::cmp::Reverse(k))).filter(|&k| counts[k] > 0);
        (best.map_or(4, |k| k as u8), counts)
    }
}

fn kind_slot(kind: EntityKind) -> usize {
    match kind {
        EntityKind::Person => 0,
        EntityKind::Organisation => 1,
        EntityKind::Location => 2,
        EntityKind::Misc => 3,
    }
}
