//! newswire's enrich stage: adds the metadata subscribers route and search on.

pub mod config;
pub mod language;
pub mod ner;

use newswire_shared::article::Article;
use newswire_shared::records::{article_record, read_article};
use newswire_shared::stage::{InputMessage, Outcome, Stage, StageError};

/// The enrich stage's core.
pub struct Enricher {
    output_topic: String,
}

impl Enricher {
    /// An enricher writing to `output_topic`.
    pub fn new(output_topic: impl Into<String>) -> Self {
        Enricher { output_topic: output_topic.into() }
    }
}

impl Stage for Enricher {
    fn name(&self) -> &'static str {
        "enrich"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let article = enrich(read_article(input)?);
        tracing::Span::current().record("uri", article.uri.as_str()).record("version", article.version);
        Ok(Outcome::forward(vec![article_record(&self.output_topic, input.key.unwrap_or_default(), &article, input.headers)?]))
    }
}

/// Enriches one article.
pub fn enrich(mut article: Article) -> Article {
    if article.language.is_none() {
        let text = format!("{} {}", article.headline().unwrap_or(""), article.body_text().unwrap_or(""));
        article.language = language::detect(&text);
    }
    article
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Text;

    #[test]
    fn english_stories_get_their_language() {
        let article = Article {
            uri: "urn:x".into(),
            bodies: vec![Text::plain("main", "The Foreign Secretary said the talks in Moscow were difficult but necessary for peace.")],
            ..Default::default()
        };
        assert_eq!(enrich(article).language.as_deref(), Some("en"));
    }
}
