//! newswire's normalize stage: every source format to one clean canonical
//! article on `newswire.normalized`.

pub mod config;
pub mod dates;
pub mod formats;
pub mod text;

use newswire_shared::article::Article;
use newswire_shared::kafka::headers;
use newswire_shared::records::article_record;
use newswire_shared::stage::{InputMessage, Outcome, Stage, StageError};

use crate::config::NormalizeConfig;

/// The normalize stage's core.
pub struct Normalizer {
    config: NormalizeConfig,
    output_topic: String,
}

impl Normalizer {
    /// A normalizer writing to `output_topic`.
    pub fn new(config: NormalizeConfig, output_topic: impl Into<String>) -> Self {
        Normalizer { config, output_topic: output_topic.into() }
    }
}

impl Stage for Normalizer {
    fn name(&self) -> &'static str {
        "normalize"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let feed = input.headers.get_str(headers::FEED).unwrap_or("unknown");
        let format = input
            .headers
            .get_str(headers::FORMAT)
            .ok_or_else(|| StageError::new("missing_format", "the record has no newswire-format header"))?;
        let key = input.key.unwrap_or_default();
        let key_text = String::from_utf8_lossy(key);
        let article = normalize(format, input.payload, feed, &key_text, &self.config)?;
        tracing::Span::current().record("uri", article.uri.as_str()).record("version", article.version);
        Ok(Outcome::forward(vec![article_record(&self.output_topic, key, &article, input.headers)?]))
    }
}

/// Normalizes one story: parse its format, then fill what every article must have.
pub fn normalize(format: &str, payload: &[u8], feed: &str, key: &str, config: &NormalizeConfig) -> Result<Article, StageError> {
    let mut article = formats::parse(format, payload, config.zone_for(feed))?;
    if article.headline().is_none() && article.body_text().is_none() {
        return Err(StageError::new("no_content", "found neither a headline nor a body"));
    }
    if article.uri.is_empty() {
        article.uri = format!("urn:newswire:{feed}:{key}");
    }
    if article.version == 0 {
        article.version = 1;
    }
    article.kind = "text".into();
    article.newswire.feed = feed.to_owned();
    article.newswire.source_format = format.to_owned();
    if article.newswire.story_id.is_empty() {
        article.newswire.story_id = key.to_owned();
    }
    Ok(article)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::kafka::headers::HeaderMap;

    #[test]
    fn the_stage_forwards_a_keyed_article_with_story_headers() {
        let mut stage = Normalizer::new(NormalizeConfig::default(), "newswire.normalized");
        let h = HeaderMap::new().with(headers::FEED, "pa").with(headers::FORMAT, "scraped-text").with(headers::TRACE_ID, "t");
        let payload = "A headline of some words\n\nBy Someone\n\nThe body.";
        let input = InputMessage { topic: "raw", partition: 0, offset: 5, key: Some(b"k1"), payload: payload.as_bytes(), headers: &h };
        let outcome = stage.process(&input).unwrap();
        let record = &outcome.records[0];
        assert_eq!(record.topic, "newswire.normalized");
        assert_eq!(record.key, b"k1");
        assert_eq!(record.headers.get_str(headers::STORY_URI), Some("urn:newswire:pa:k1"));
        let article: Article = serde_json::from_slice(&record.payload).unwrap();
        assert_eq!(article.by.as_deref(), Some("Someone"));
        assert_eq!(article.newswire.source_format, "scraped-text");
    }

    #[test]
    fn a_story_with_no_content_is_an_error_with_a_reason() {
        let err = normalize("scraped-text", b"Menu\nShare", "pa", "k", &NormalizeConfig::default()).unwrap_err();
        assert_eq!(err.reason, "no_content");
        let err = normalize("scraped-text", b"\xff\xfe", "pa", "k", &NormalizeConfig::default()).unwrap_err();
        assert_eq!(err.reason, "bad_encoding");
    }
}
