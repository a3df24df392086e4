//! What enrich loads once at start-up: the NER model, the gazetteer and the
//! Media Topics list.

use crate::gazetteer::{Gazetteer, GazetteerError};
use crate::ner::{Mention, Recognizer};
use crate::topics::taxonomy::{Taxonomy, TaxonomyError};

/// Anything that finds entity mentions in text: the NER model, or in tests a
/// hand-made list.
pub trait MentionSource: Send + Sync {
    /// The mentions in `text`, with byte offsets into it.
    fn mentions(&self, text: &str) -> Vec<Mention>;
}

impl MentionSource for Recognizer {
    fn mentions(&self, text: &str) -> Vec<Mention> {
        self.recognize(text)
    }
}

/// No model: only the rules and the gazetteer find entities.
pub struct NoModel;

impl MentionSource for NoModel {
    fn mentions(&self, _text: &str) -> Vec<Mention> {
        Vec::new()
    }
}

/// Why the resources could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The gazetteer file is malformed.
    #[error("gazetteer: {0}")]
    Gazetteer(#[from] GazetteerError),
    /// The topic list is malformed.
    #[error("media topics: {0}")]
    Taxonomy(#[from] TaxonomyError),
    /// The NER model could not be loaded and it is required.
    #[error("NER model: {0}")]
    Model(String),
}

/// The loaded data every enrichment uses.
pub struct Resources {
    /// Finds people, organisations and places.
    pub recognizer: Box<dyn MentionSource>,
    /// Whether `recognizer` is a real model (reported in the enrichment).
    pub has_model: bool,
    /// Countries and cities.
    pub gazetteer: Gazetteer,
    /// The Media Topics assigned and their cues.
    pub taxonomy: Taxonomy,
}

impl Resources {
    /// Loads the shipped gazetteer and topics with `recognizer`.
    pub fn with_recognizer(recognizer: Box<dyn MentionSource>, has_model: bool) -> Result<Self, ResourceError> {
        Ok(Resources { recognizer, has_model, gazetteer: Gazetteer::shipped()?, taxonomy: Taxonomy::shipped()? })
    }

    /// Loads everything shipped. Without the NER model file this fails when
    /// `model_required`, and otherwise goes on with rules and gazetteer only
    /// (the caller logs it).
    pub fn load(model_required: bool) -> Result<(Self, Option<String>), ResourceError> {
        match Recognizer::load() {
            Ok(model) => Ok((Self::with_recognizer(Box::new(model), true)?, None)),
            Err(problem) if model_required => Err(ResourceError::Model(problem)),
            Err(problem) => Ok((Self::with_recognizer(Box::new(NoModel), false)?, Some(problem))),
        }
    }
}
