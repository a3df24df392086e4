//! Named-entity recognition: people, organisations, places (and misc) in text.
//!
//! The interface the rest of enrich uses is [`Recognizer::recognize`]. Below it:
//! [`tokenize`] splits text into sentences of tokens with byte offsets,
//! [`features`] describes each token (with [`document`]-wide cues), and a linear model ([`model`]) trained as an
//! averaged structured perceptron ([`train`]) on CoNLL-2003 scores BIO tags, which
//! [`decode`] turns into the best well-formed tag sequence; [`tagger`] runs a
//! second, document-level pass that keeps one name's kind consistent. [`conll`] and [`eval`]
//! read the corpus and score against it (`ner-train`, in `src/bin/`); these three
//! are development tooling, compiled only with the `training` feature.

#[cfg(feature = "training")]
pub mod conll;
pub mod decode;
pub mod document;
#[cfg(feature = "training")]
pub mod eval;
pub mod features;
#[cfg(test)]
mod fixture_tests;
mod hashing;
pub mod model;
pub mod tagger;
pub mod tags;
pub mod tokenize;
#[cfg(feature = "training")]
pub mod train;
mod word;

use std::path::{Path, PathBuf};

use tagger::Tagger;

/// The model file's name: looked for next to the executable, then in the crate's
/// `data/` folder (where `ner-train` writes it and the repository ships it).
pub const MODEL_FILE: &str = "ner-model.bin";

/// How to rebuild the model (said when it is missing).
pub const TRAIN_COMMAND: &str = "cargo run --release -p newswire-enrich --features training --bin ner-train -- \
     --train services/enrich/data/conll2003/train.txt --dev services/enrich/data/conll2003/valid.txt \
     --test services/enrich/data/conll2003/test.txt --out services/enrich/data/ner-model.bin";

/// The kind of a named entity (CoNLL-2003's four types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A person.
    Person,
    /// An organisation.
    Organisation,
    /// A location.
    Location,
    /// Anything else named (nationalities, events, …).
    Misc,
}

/// One mention of an entity in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Its kind.
    pub kind: EntityKind,
    /// The words as written.
    pub text: String,
    /// Byte offset of its start in the text.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
}

/// Finds named-entity mentions in text.
pub struct Recognizer {
    tagger: Tagger,
}

impl Recognizer {
    /// Loads the recognizer: a retrained `ner-model.bin` placed next to the
    /// executable wins; otherwise the model shipped in `services/enrich/data/`,
    /// which is compiled into the binary so a deployed service needs no data files.
    /// Fails only if the chosen model is damaged or was trained on other features.
    pub fn load() -> Result<Self, String> {
        if let Some(path) = model_paths().into_iter().find(|p| p.is_file()) {
            return Self::from_path(&path);
        }
        let tagger = Tagger::from_bytes(SHIPPED_MODEL)
            .map_err(|e| format!("the shipped NER model is damaged ({e}); rebuild it with `{TRAIN_COMMAND}`"))?;
        Ok(Self::from_tagger(tagger))
    }

    /// Loads the recognizer with the model file at `path`.
    pub fn from_path(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read NER model {}: {e}", path.display()))?;
        let tagger = Tagger::from_bytes(&bytes).map_err(|e| format!("bad NER model {}: {e}", path.display()))?;
        Ok(Self::from_tagger(tagger))
    }

    /// A recognizer over an already-loaded tagger.
    pub fn from_tagger(tagger: Tagger) -> Self {
        Recognizer { tagger }
    }

    /// The tagger it runs.
    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    /// The mentions in `text`, in order, with byte offsets into `text`.
    pub fn recognize(&self, text: &str) -> Vec<Mention> {
        let (mut tokens, mut bounds) = (Vec::new(), Vec::new());
        tokenize::split(text, &mut tokens, &mut bounds);
        let words: Vec<word::Word> = tokens.iter().map(|t| word::Word::new(&text[t.start..t.end])).collect();
        let tagged = self.tagger.tag_words(&words, &bounds);
        let mut mentions = Vec::new();
        for b in bounds.windows(2) {
            let tokens = &tokens[b[0]..b[1]];
            for span in tags::spans(&tagged[b[0]..b[1]]) {
                let (start, end) = (tokens[span.start].start, tokens[span.end - 1].end);
                mentions.push(Mention { kind: span.kind, text: text[start..end].to_string(), start, end });
            }
        }
        mentions
    }
}

fn model_paths() -> Vec<PathBuf> {
    std::env::current_exe().ok().as_deref().and_then(Path::parent).map(|dir| dir.join(MODEL_FILE)).into_iter().collect()
}

/// The model trained by `TRAIN_COMMAND` and shipped with the project.
static SHIPPED_MODEL: &[u8] = include_bytes!("../../data/ner-model.bin");
