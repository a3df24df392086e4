//! Named-entity recognition: people, organisations, places (and misc) in text.
//!
//! The interface the rest of enrich uses is [`Recognizer::recognize`]; how it is
//! done (a trained model shipped with the project, gazetteers, rules) lives below.

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
    _private: (),
}

impl Recognizer {
    /// Loads the recognizer (and whatever model it ships with).
    pub fn load() -> Result<Self, String> {
        Ok(Recognizer { _private: () })
    }

    /// The mentions in `text`, in order. Placeholder until the trained model lands:
    /// finds nothing.
    pub fn recognize(&self, _text: &str) -> Vec<Mention> {
        Vec::new()
    }
}
