//! CoNLL-2003 documents (one token a line, word first and tag last, blank lines
//! between sentences, `-DOCSTART-` between documents; IOB1 or BIO2) and their
//! gold entity mentions, read just far enough to build wire stories from them.

/// A document: its sentences (tokens) and gold mentions (surface strings).
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Each sentence's tokens.
    pub sentences: Vec<Vec<String>>,
    /// Every PER/ORG/LOC/MISC mention, its tokens joined by single spaces.
    pub mentions: Vec<String>,
}

/// Why a CoNLL file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: expected `word … TAG` with TAG O, B-X or I-X, found {found:?}")]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// The line.
    pub found: String,
}

/// Parses a CoNLL-2003 file into documents.
pub fn parse(text: &str) -> Result<Vec<Document>, BadLine> {
    let mut docs = vec![Document::default()];
    let mut sentence = Sentence::default();
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let Some(word) = fields.next() else {
            sentence.flush_into(docs.last_mut());
            continue;
        };
        if word == "-DOCSTART-" {
            sentence.flush_into(docs.last_mut());
            docs.push(Document::default());
            continue;
        }
        let tag = fields.last().filter(|t| *t == "O" || t.starts_with("B-") || t.starts_with("I-"));
        let tag = tag.ok_or_else(|| BadLine { line: n + 1, found: line.to_owned() })?;
        sentence.push(word, tag);
    }
    sentence.flush_into(docs.last_mut());
    docs.retain(|d| !d.sentences.is_empty());
    Ok(docs)
}

/// The sentence being read, with its mentions.
#[derive(Default)]
struct Sentence {
    words: Vec<String>,
    mentions: Vec<String>,
    /// The open mention's type and tokens.
    open: Option<(String, Vec<String>)>,
}

impl Sentence {
    fn push(&mut self, word: &str, tag: &str) {
        let (prefix, kind) = tag.split_once('-').unwrap_or(("O", ""));
        // IOB1: I-X continues an open X and starts one otherwise; B-X always starts one.
        let continues = prefix == "I" && self.open.as_ref().is_some_and(|(open, _)| open == kind);
        if !continues {
            self.close();
            if prefix != "O" {
                self.open = Some((kind.to_owned(), Vec::new()));
            }
        }
        if let Some((_, tokens)) = &mut self.open {
            tokens.push(word.to_owned());
        }
        self.words.push(word.to_owned());
    }

    fn close(&mut self) {
        if let Some((_, tokens)) = self.open.take() {
            self.mentions.push(tokens.join(" "));
        }
    }

    fn flush_into(&mut self, doc: Option<&mut Document>) {
        self.close();
        if let Some(doc) = doc.filter(|_| !self.words.is_empty()) {
            doc.sentences.push(std::mem::take(&mut self.words));
            doc.mentions.append(&mut self.mentions);
        }
        self.words.clear();
        self.mentions.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_sentences_and_mentions_in_iob1_and_bio2() {
        let text = "-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman B-MISC\n\nPeter I-PER\nBlackburn I-PER\nand O\nJohn B-PER\nJane B-PER\n\n-DOCSTART- O\n\nBRUSSELS I-LOC\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences, [vec!["EU", "rejects", "German"], vec!["Peter", "Blackburn", "and", "John", "Jane"]]);
        assert_eq!(docs[0].mentions, ["EU", "German", "Peter Blackburn", "John", "Jane"]);
        assert_eq!(docs[1].mentions, ["BRUSSELS"]);
        assert_eq!(parse("EU\n").unwrap_err().line, 1);
    }
}
