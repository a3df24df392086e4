//! What a whole document says about its words: how it capitalises them
//! ([`DocContext`], for the first pass) and how the first pass tagged them
//! ([`DocLabels`], for the second).

use std::collections::{HashMap, HashSet};

use super::features::{shouting_words, Features};
use super::hashing::PreHashed;
use super::tags::Tag;
use super::word::Word;
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
            let words: Vec<Word> = sentence.iter().map(|w| Word::new(w.as_ref())).collect();
            doc.add_sentence(&words);
        }
        doc
    }

    /// [`DocContext::build`] of a document already read into [`Word`]s
    /// (sentence `k` is `words[bounds[k]..bounds[k + 1]]`).
    pub(super) fn of_words(words: &[Word], bounds: &[usize]) -> Self {
        let mut doc = DocContext {
            seen_lower: HashSet::with_capacity_and_hasher(words.len(), PreHashed),
            seen_capitalised_mid_sentence: HashSet::with_capacity_and_hasher(words.len() / 4, PreHashed),
        };
        for b in bounds.windows(2) {
            doc.add_sentence(&words[b[0]..b[1]]);
        }
        doc
    }

    fn add_sentence(&mut self, sentence: &[Word]) {
        if shouting_words(sentence) {
            return;
        }
        for (i, word) in sentence.iter().enumerate() {
            let set = if word.starts_lower {
                &mut self.seen_lower
            } else if word.capitalised && i > 0 {
                &mut self.seen_capitalised_mid_sentence
            } else {
                continue;
            };
            set.insert(word.lower_hash);
        }
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
            labels.add(features.word_hashes().zip(tags.iter().copied()));
        }
        labels
    }

    /// Counts one tag for each `(word hash, tag)`.
    pub(super) fn add(&mut self, tagged: impl Iterator<Item = (u64, Tag)>) {
        for (word, tag) in tagged {
            let slot = tag.kind().map_or(4, kind_slot);
            let counts = self.counts.entry(word).or_default();
            counts[slot] = counts[slot].saturating_add(1);
        }
    }

    /// Whether the first pass gave the word different tags in different places
    /// (a person here, an organisation or nothing there).
    pub fn disagrees(&self, lower_hash: u64) -> bool {
        self.counts.get(&lower_hash).is_some_and(mixed)
    }

    /// The kind most often given to the word (4 if it was never in an entity),
    /// and the counts.
    pub(super) fn majority(&self, lower_hash: u64) -> (u8, [u16; 5]) {
        let counts = self.counts.get(&lower_hash).copied().unwrap_or_default();
        (majority_of(&counts), counts)
    }
}

/// The kind most often counted (the first of equals; 4 if none).
pub(super) fn majority_of(counts: &[u16; 5]) -> u8 {
    let best = (0..4).max_by_key(|&k| (counts[k], std::cmp::Reverse(k))).filter(|&k| counts[k] > 0);
    best.map_or(4, |k| k as u8)
}

/// Whether the counts hold more than one kind (O included).
fn mixed(counts: &[u16; 5]) -> bool {
    counts.iter().filter(|n| **n > 0).count() > 1
}

/// [`DocLabels`] as recognition keeps them: for the words of candidate tokens
/// only (the only ones asked about), with each token's entry found once, so
/// that asking is indexing.
#[derive(Debug, Default, Clone)]
pub(super) struct TokenLabels {
    /// Each token's entry in `counts` (`u32::MAX` for a word no candidate has).
    entry: Vec<u32>,
    counts: Vec<[u16; 5]>,
}

impl TokenLabels {
    /// Counts the first pass's `tags` of `words` for the words of the tokens `candidate` marks.
    pub(super) fn build(words: &[Word], candidate: &[bool], tags: &[Tag]) -> Self {
        let mut index: HashMap<u64, u32, PreHashed> = HashMap::with_capacity_and_hasher(words.len() / 4, PreHashed);
        let mut counts: Vec<[u16; 5]> = Vec::new();
        for (word, _) in words.iter().zip(candidate).filter(|(_, c)| **c) {
            index.entry(word.lower_hash).or_insert_with(|| {
                counts.push([0; 5]);
                (counts.len() - 1) as u32
            });
        }
        let mut entry = Vec::with_capacity(words.len());
        for (word, tag) in words.iter().zip(tags) {
            let at = index.get(&word.lower_hash).copied().unwrap_or(u32::MAX);
            if let Some(c) = counts.get_mut(at as usize) {
                let slot = tag.kind().map_or(4, kind_slot);
                c[slot] = c[slot].saturating_add(1);
            }
            entry.push(at);
        }
        TokenLabels { entry, counts }
    }

    /// The counts of token `t`'s word (all zero for a word no candidate has).
    pub(super) fn counts(&self, t: usize) -> [u16; 5] {
        self.counts.get(self.entry[t] as usize).copied().unwrap_or_default()
    }

    /// [`DocLabels::disagrees`] for token `t`'s word.
    pub(super) fn disagrees(&self, t: usize) -> bool {
        mixed(&self.counts(t))
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
