//! newswire's publish stage: delivers each enriched story to its subscribers,
//! and every story as strict ninjs to `newswire.published`.

pub mod config;

use newswire_shared::records::{read_article, story_headers};
use newswire_shared::stage::{InputMessage, Outcome, OutputRecord, Stage, StageError};

/// The publish stage's core.
pub struct Publisher {
    published_topic: String,
}

impl Publisher {
    /// A publisher writing every story to `published_topic`.
    pub fn new(published_topic: impl Into<String>) -> Self {
        Publisher { published_topic: published_topic.into() }
    }
}

impl Stage for Publisher {
    fn name(&self) -> &'static str {
        "publish"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let article = read_article(input)?;
        tracing::Span::current().record("uri", article.uri.as_str()).record("version", article.version);
        let payload = serde_json::to_vec(&article.to_ninjs()).map_err(|e| StageError::new("serialize_failed", e.to_string()))?;
        Ok(Outcome::forward(vec![OutputRecord {
            topic: self.published_topic.clone(),
            key: input.key.unwrap_or_default().to_vec(),
            payload,
            headers: story_headers(&article, input.headers),
        }]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Article;
    use newswire_shared::kafka::headers::HeaderMap;

    #[test]
    fn published_records_are_strict_ninjs_without_the_extension() {
        let article = Article { uri: "urn:x".into(), version: 1, ..Default::default() };
        let payload = serde_json::to_vec(&article).unwrap();
        let h = HeaderMap::new();
        let input = InputMessage { topic: "e", partition: 0, offset: 0, key: Some(b"k"), payload: &payload, headers: &h };
        let outcome = Publisher::new("newswire.published").process(&input).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&outcome.records[0].payload).unwrap();
        assert_eq!(value["uri"], "urn:x");
        assert!(value.get("newswire").is_none());
    }
}
