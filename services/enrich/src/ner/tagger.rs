//! The tagger: a first pass over each sentence, then (when the model has one) a
//! second pass that also sees what the first pass said about the same words
//! elsewhere in the document, so one name keeps one kind through a story. The
//! second pass only re-tags sentences with a word the first pass tagged
//! differently elsewhere (see [`Features::needs_second_pass`]).
//!
//! File format: the magic `NWNERDOC`, `u32` length of the first model's bytes,
//! the first model, then the second model (see [`Model`]) if any. A bare
//! single-model file is read as a first pass alone.

use super::decode::viterbi;
use super::document::{DocContext, DocLabels};
use super::features::Features;
use super::model::{Model, ModelError};
use super::tags::Tag;

const MAGIC: &[u8; 8] = b"NWNERDOC";

/// A one- or two-pass tagger.
#[derive(Debug, Clone)]
pub struct Tagger {
    first: Model,
    second: Option<Model>,
}

impl Tagger {
    /// A tagger from its passes' models.
    pub fn new(first: Model, second: Option<Model>) -> Self {
        Tagger { first, second }
    }

    /// How many features its models hold, together.
    pub fn features(&self) -> usize {
        self.first.features() + self.second.as_ref().map_or(0, Model::features)
    }

    /// Whether it has a second, document-level pass.
    pub fn has_second_pass(&self) -> bool {
        self.second.is_some()
    }

    /// Tags every sentence of a document (all of it, so the document-level
    /// cues see every sentence).
    pub fn tag_document<S: AsRef<str>>(&self, sentences: &[&[S]]) -> Vec<Vec<Tag>> {
        let doc = DocContext::build(sentences.iter().copied());
        let features: Vec<Features> = sentences.iter().map(|s| Features::extract(s, &doc)).collect();
        let first: Vec<Vec<Tag>> = features.iter().map(|f| viterbi(&self.first, f)).collect();
        let Some(second) = &self.second else { return first };
        let labels = DocLabels::build(features.iter().zip(first.iter().map(Vec::as_slice)));
        features
            .iter()
            .zip(first)
            .map(|(f, tags)| if f.needs_second_pass(&labels) { viterbi(second, &f.with_labels(&labels)) } else { tags })
            .collect()
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
