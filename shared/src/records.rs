//! Reading and writing articles as Kafka records between stages.

use crate::article::Article;
use crate::kafka::headers::{self, HeaderMap};
use crate::stage::{InputMessage, OutputRecord, StageError};

/// Reads the article in an input record of `newswire.normalized` or `newswire.enriched`.
pub fn read_article(input: &InputMessage<'_>) -> Result<Article, StageError> {
    serde_json::from_slice(input.payload)
        .map_err(|e| StageError::new("malformed_article", format!("line {} column {}: {e}", e.line(), e.column())))
}

/// The record that carries `article` to `topic`: keyed by `key` (the story key,
/// so all versions stay in order on one partition), with the story headers the
/// input carried plus the story's uri and version.
pub fn article_record(topic: &str, key: &[u8], article: &Article, carried: &HeaderMap) -> Result<OutputRecord, StageError> {
    let payload = serde_json::to_vec(article).map_err(|e| StageError::new("serialize_failed", e.to_string()))?;
    Ok(OutputRecord { topic: topic.to_owned(), key: key.to_vec(), payload, headers: story_headers(article, carried) })
}

/// The carried headers plus the story's uri and version.
pub fn story_headers(article: &Article, carried: &HeaderMap) -> HeaderMap {
    let mut h = carried.carried();
    h.insert(headers::STORY_URI, article.uri.as_str());
    h.insert(headers::STORY_VERSION, article.version.to_string());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_record_round_trips_and_carries_the_story_headers() {
        let article = Article { uri: "urn:x".into(), version: 3, ..Default::default() };
        let carried = HeaderMap::new().with(headers::TRACE_ID, "t").with(headers::CONTENT_TYPE, "text/plain");
        let record = article_record("out", b"k", &article, &carried).unwrap();
        assert_eq!(record.headers.get_str(headers::STORY_URI), Some("urn:x"));
        assert_eq!(record.headers.get_str(headers::STORY_VERSION), Some("3"));
        assert_eq!(record.headers.get_str(headers::TRACE_ID), Some("t"));
        assert_eq!(record.headers.get(headers::CONTENT_TYPE), None);
        let input = InputMessage { topic: "out", partition: 0, offset: 0, key: Some(b"k"), payload: &record.payload, headers: &record.headers };
        assert_eq!(read_article(&input).unwrap(), article);
    }

    #[test]
    fn garbage_is_a_malformed_article() {
        let h = HeaderMap::new();
        let input = InputMessage { topic: "t", partition: 0, offset: 0, key: None, payload: b"{nope", headers: &h };
        assert_eq!(read_article(&input).unwrap_err().reason, "malformed_article");
    }
}
