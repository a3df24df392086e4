//! The tagger: a first pass over each sentence, then (when the model has one) a
//! second pass that also sees what the first pass said about the same words
//! elsewhere in the document, so one name keeps one kind through a story. The
//! second pass only re-tags sentences with a word the first pass tagged
//! differently elsewhere (see [`Features::needs_second_pass`]); its features
//! are the first pass's plus the label features ([`Features::with_labels`]).
//! Both passes' weights are read from one [`Table`], so the first pass's
//! lookups also sum the second pass's weights of those features, and the
//! second pass only looks up its label features. The features of a word
//! itself (form, shape, affixes) are scored once per word and document.
//!
//! File format: the magic `NWNERDOC`, `u32` length of the first model's bytes,
//! the first model, then the second model (see [`Model`]) if any. A bare
//! single-model file is read as a first pass alone.

use std::collections::HashMap;

use super::decode::{best_path_with, Lattice, NOT_CANDIDATE};
use super::document::{DocContext, TokenLabels};
#[cfg(doc)]
use super::features::Features;
use super::features::{
    bias_feature, first_pass_features_but_word, is_candidate, run_label_features, shouting_words, word_features, word_key, word_label_features,
};
use super::hashing::PreHashed;
use super::model::{Model, ModelError, Table};
use super::tags::{Tag, TAGS};
use super::word::Word;

const MAGIC: &[u8; 8] = b"NWNERDOC";

/// A one- or two-pass tagger.
#[derive(Debug, Clone)]
pub struct Tagger {
    first: Model,
    second: Option<Model>,
    table: Table,
}

impl Tagger {
    /// A tagger from its passes' models.
    pub fn new(first: Model, second: Option<Model>) -> Self {
        let table = Table::new(&first, second.as_ref());
        Tagger { first, second, table }
    }

    /// How many of the models' different features its lookup table left out,
    /// and of how many (see [`Table`]).
    pub fn left_out(&self) -> (usize, usize) {
        self.table.left_out()
    }

    /// How many features its models hold, together.
    pub fn features(&self) -> usize {
        self.first.features() + self.second.as_ref().map_or(0, Model::features)
    }

    /// The first pass's model and the second pass's, if any.
    pub fn passes(&self) -> (&Model, Option<&Model>) {
        (&self.first, self.second.as_ref())
    }

    /// Whether it has a second, document-level pass.
    pub fn has_second_pass(&self) -> bool {
        self.second.is_some()
    }

    /// Tags every sentence of a document (all of it, so the document-level
    /// cues see every sentence).
    pub fn tag_document<S: AsRef<str>>(&self, sentences: &[&[S]]) -> Vec<Vec<Tag>> {
        let mut words = Vec::with_capacity(sentences.iter().map(|s| s.len()).sum());
        let mut bounds = Vec::with_capacity(sentences.len() + 1);
        bounds.push(0);
        for sentence in sentences {
            words.extend(sentence.iter().map(|w| Word::new(w.as_ref())));
            bounds.push(words.len());
        }
        let tags = self.tag_words(&words, &bounds);
        bounds.windows(2).map(|b| tags[b[0]..b[1]].to_vec()).collect()
    }

    /// [`Tagger::tag_document`] of a document read into [`Word`]s (sentence `k`
    /// is `words[bounds[k]..bounds[k + 1]]`): one tag per word. Each token's
    /// features are scored as they are extracted.
    pub(super) fn tag_words(&self, words: &[Word], bounds: &[usize]) -> Vec<Tag> {
        let doc = DocContext::of_words(words, bounds);
        let mut candidate: Vec<bool> = Vec::with_capacity(words.len());
        for b in bounds.windows(2) {
            let sentence = &words[b[0]..b[1]];
            candidate.extend((0..sentence.len()).map(|i| is_candidate(sentence, i)));
        }
        let mut tags = Vec::with_capacity(words.len());
        let mut emit: Vec<[f32; TAGS]> = Vec::new();
        let mut lattice = Lattice::default();
        let mut not_candidate = Vec::new();
        let mut features = Vec::with_capacity(64);
        // Both passes' sums of the weights of each word's own features, for its next occurrences.
        let mut own: HashMap<u64, [i32; 2 * TAGS], PreHashed> = HashMap::with_capacity_and_hasher(words.len() / 8, PreHashed);
        // The second pass's sums of each token's first-pass features' weights.
        let mut second_sums: Vec<[i32; TAGS]> = Vec::with_capacity(if self.second.is_some() { words.len() } else { 0 });
        for b in bounds.windows(2) {
            let sentence = &words[b[0]..b[1]];
            let shouting = shouting_words(sentence);
            emit.clear();
            for i in 0..sentence.len() {
                let mut sums = [0i32; 2 * TAGS];
                let mut e = NOT_CANDIDATE;
                if candidate[b[0] + i] {
                    // The bias and the word's own features: the same wherever the word is.
                    sums = *own.entry(word_key(&sentence[i])).or_insert_with(|| {
                        features.clear();
                        features.push(bias_feature());
                        word_features(&sentence[i], &mut features);
                        let mut sums = [0i32; 2 * TAGS];
                        self.table.add_both(&features, &mut sums);
                        sums
                    });
                    features.clear();
                    first_pass_features_but_word(sentence, i, shouting, &doc, &mut features);
                    self.table.add_both(&features, &mut sums);
                    let mut first = [0i32; TAGS];
                    first.copy_from_slice(&sums[..TAGS]);
                    e = self.first.scores(&first);
                }
                emit.push(e);
                if self.second.is_some() {
                    let mut second = [0i32; TAGS];
                    second.copy_from_slice(&sums[TAGS..]);
                    second_sums.push(second);
                }
            }
            not_candidate.clear();
            not_candidate.extend(candidate[b[0]..b[1]].iter().map(|c| !c));
            best_path_with(self.first.transition_table(), &emit, &not_candidate, &mut lattice, &mut tags);
        }
        let Some(second) = &self.second else { return tags };
        // Only candidates' words are asked about (a run's first and last words are capitalised, so candidates).
        let labels = TokenLabels::build(words, &candidate, &tags);
        let mut retagged = Vec::new();
        let mut own_labels: HashMap<u64, [i32; TAGS], PreHashed> = HashMap::with_capacity_and_hasher(words.len() / 8, PreHashed);
        for b in bounds.windows(2) {
            let sentence = &words[b[0]..b[1]];
            let needed = (b[0]..b[1]).any(|t| candidate[t] && labels.disagrees(t));
            if !needed {
                continue;
            }
            emit.clear();
            for i in 0..sentence.len() {
                let mut e = NOT_CANDIDATE;
                if candidate[b[0] + i] {
                    // The word's own label features are the same wherever it is.
                    let word = &sentence[i];
                    let word_sums = *own_labels.entry(word_key(word)).or_insert_with(|| {
                        features.clear();
                        word_label_features(word, &labels.counts(b[0] + i), &mut features);
                        let mut sums = [0i32; TAGS];
                        self.table.add_second(&features, &mut sums);
                        sums
                    });
                    let mut sums = second_sums[b[0] + i];
                    for (s, w) in sums.iter_mut().zip(word_sums) {
                        *s += w;
                    }
                    features.clear();
                    run_label_features(sentence, i, |j| labels.counts(b[0] + j), &mut features);
                    self.table.add_second(&features, &mut sums);
                    e = second.scores(&sums);
                }
                emit.push(e);
            }
            retagged.clear();
            not_candidate.clear();
            not_candidate.extend(candidate[b[0]..b[1]].iter().map(|c| !c));
            best_path_with(second.transition_table(), &emit, &not_candidate, &mut lattice, &mut retagged);
            tags[b[0]..b[1]].copy_from_slice(&retagged);
        }
        tags
    }

    /// The model file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let first = self.first.to_bytes();
        let Some(second) = &self.second else { return first };
        let mut out = Vec::with_capacity(12 + first.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(first.len() as u32).to_le_bytes());
        out.extend_from_slice(&first);
        out.extend_from_slice(&second.to_bytes());
        out
    }

    /// Reads a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tagger, ModelError> {
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Ok(Tagger::new(Model::from_bytes(bytes)?, None));
        };
        let (len, rest) = rest.split_first_chunk::<4>().ok_or(ModelError::Truncated("first pass length"))?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return Err(ModelError::Truncated("first pass"));
        }
        let (first, second) = rest.split_at(len);
        Ok(Tagger::new(Model::from_bytes(first)?, Some(Model::from_bytes(second)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::model::Transitions;
    use crate::ner::tags::TAGS;

    fn constant(weights: f32) -> Model {
        let trans: Transitions = [[weights; TAGS]; TAGS + 1];
        Model::quantise(&[7], &[weights; TAGS], &trans, 0.0)
    }

    #[test]
    fn a_two_pass_tagger_survives_a_round_trip_and_a_single_model_file_reads_as_one_pass() {
        let two = Tagger::new(constant(1.0), Some(constant(2.0)));
        let back = Tagger::from_bytes(&two.to_bytes()).expect("reads back");
        assert!(back.has_second_pass());
        assert_eq!(back.to_bytes(), two.to_bytes());
        let one = Tagger::from_bytes(&constant(1.0).to_bytes()).expect("reads a bare model");
        assert!(!one.has_second_pass());
        let cut = two.to_bytes();
        assert!(Tagger::from_bytes(&cut[..20]).is_err());
    }

    #[test]
    fn tagging_a_document_gives_one_tag_per_token() {
        let tagger = Tagger::new(constant(1.0), Some(constant(1.0)));
        let s1 = ["Liz", "Truss", "spoke"];
        let s2 = ["in", "Moscow"];
        let tags = tagger.tag_document(&[&s1[..], &s2[..]]);
        assert_eq!(tags.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2]);
    }
}
