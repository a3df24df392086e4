//! Reading CoNLL-2003 files: one token a line (word first, tag last), blank lines
//! between sentences, `-DOCSTART-` lines between documents. IOB1 or BIO2.

use super::document::DocContext;
use super::features::Features;
use super::tags::{to_bio2, Tag};
use super::train::Example;

/// A sentence with its gold tags.
#[derive(Debug, Clone, Default)]
pub struct Sentence {
    /// The tokens.
    pub words: Vec<String>,
    /// One tag per token.
    pub tags: Vec<Tag>,
}

/// A document: the sentences between two `-DOCSTART-` lines.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Its sentences.
    pub sentences: Vec<Sentence>,
}

/// Why a CoNLL file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConllError {
    /// A token line without a tag, or with a tag that is not O/B-X/I-X.
    #[error("line {line}: expected `word … TAG` with TAG one of O, B-/I-PER|ORG|LOC|MISC, found {found:?}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        found: String,
    },
}

/// Parses the text of a CoNLL-2003 file into documents.
pub fn parse(text: &str) -> Result<Vec<Document>, ConllError> {
    let mut docs = vec![Document::default()];
    let mut sentence = Sentence::default();
    let flush = |docs: &mut Vec<Document>, sentence: &mut Sentence| {
        if !sentence.words.is_empty() {
            if let Some(doc) = docs.last_mut() {
                doc.sentences.push(std::mem::take(sentence));
            }
        }
    };
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let Some(word) = fields.next() else {
            flush(&mut docs, &mut sentence);
            continue;
        };
        if word == "-DOCSTART-" {
            flush(&mut docs, &mut sentence);
            docs.push(Document::default());
            continue;
        }
        let tag = fields
            .last()
            .and_then(Tag::parse)
            .ok_or_else(|| ConllError::BadLine { line: n + 1, found: line.to_string() })?;
        sentence.words.push(word.to_string());
        sentence.tags.push(tag);
    }
    flush(&mut docs, &mut sentence);
    docs.retain(|d| !d.sentences.is_empty());
    Ok(docs)
}

/// The documents' sentences as training/evaluation examples (BIO2 gold tags),
/// with features extracted exactly as recognition extracts them.
pub fn examples(docs: &[Document]) -> Vec<Example> {
    let mut out = Vec::new();
    for doc in docs {
        let context = DocContext::build(doc.sentences.iter().map(|s| s.words.as_slice()));
        for s in &doc.sentences {
            out.push(Example { features: Features::extract(&s.words, &context), tags: to_bio2(&s.tags) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::EntityKind;

    const SAMPLE: &str = "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nPeter B-PER \nBlackburn I-PER \n\n-DOCSTART- O\n\nBRUSSELS B-LOC\n";

    #[test]
    fn documents_sentences_and_tags_are_read_in_either_column_layout() {
        let docs = parse(SAMPLE).expect("parses");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 2);
        assert_eq!(docs[0].sentences[1].words, ["Peter", "Blackburn"]);
        assert_eq!(docs[1].sentences[0].tags, [Tag::begin(EntityKind::Location)]);
    }

    #[test]
    fn examples_carry_bio2_tags() {
        let docs = parse(SAMPLE).expect("parses");
        let ex = examples(&docs);
        assert_eq!(ex[0].tags[0], Tag::begin(EntityKind::Organisation));
        assert_eq!(ex[0].features.len(), 2);
    }

    #[test]
    fn a_token_line_without_a_valid_tag_names_its_line() {
        let err = parse("EU B-ORG\nrejects\n").expect_err("bad line");
        assert!(err.to_string().starts_with("line 2:"), "{err}");
    }
}
