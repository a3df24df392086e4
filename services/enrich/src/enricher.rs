//! The enrich stage's core: [`Enricher`] runs as a [`Stage`] and [`enrich`]
//! enriches one article without Kafka.

use newswire_shared::article::Article;
use newswire_shared::records::{article_record, read_article};
use newswire_shared::stage::{InputMessage, Outcome, Stage, StageError};

use crate::enrichment::Findings;
use crate::resources::Resources;
use crate::{entities, enrichment, external, keywords, language, ner, places, quotes, stats, summary, text, topics};

/// The enrich stage's core.
pub struct Enricher {
    output_topic: String,
    resources: Resources,
    external: Option<external::ExternalEnricher>,
}

impl Enricher {
    /// An enricher writing to `output_topic`, using `resources`.
    pub fn new(output_topic: impl Into<String>, resources: Resources) -> Self {
        Enricher { output_topic: output_topic.into(), resources, external: None }
    }

    /// Also asks `external` to add to each article.
    pub fn with_external(mut self, external: external::ExternalEnricher) -> Self {
        self.external = Some(external);
        self
    }
}

impl Stage for Enricher {
    fn name(&self) -> &'static str {
        "enrich"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let mut article = enrich(read_article(input)?, &self.resources);
        if let Some(external) = self.external.as_mut() {
            external.apply(&mut article);
        }
        tracing::Span::current().record("uri", article.uri.as_str()).record("version", article.version);
        Ok(Outcome::forward(vec![article_record(&self.output_topic, input.key.unwrap_or_default(), &article, input.headers)?]))
    }
}

/// Enriches one article (see the crate documentation for the steps and
/// [`enrichment`] for where the results go).
pub fn enrich(mut article: Article, resources: &Resources) -> Article {
    if article.language.is_none() {
        article.language = language::detect_parts(article.headline().unwrap_or(""), article.body_text().unwrap_or(""));
    }
    let english = article.language.as_deref().is_none_or(language::is_english);
    let findings = analyse_as(&article, resources, english);
    enrichment::apply_owned(&mut article, findings, &resources.taxonomy);
    article
}

/// Everything enrich finds in `article`, without changing it. A story whose
/// language (given, or detected) is not English gets only what does not depend
/// on the language (see [`analyse_as`]).
pub fn analyse(article: &Article, resources: &Resources) -> Findings {
    let english = match article.language.as_deref() {
        Some(tag) => language::is_english(tag),
        None => language::detect_parts(article.headline().unwrap_or(""), article.body_text().unwrap_or(""))
            .as_deref()
            .is_none_or(language::is_english),
    };
    analyse_as(article, resources, english)
}

/// [`analyse`], told whether the story is in English. The NER model, the
/// honorific and title rules, the topic cues, the quote verbs and the stop
/// words are all English, and on other languages they produce nonsense (every
/// German noun is capitalised), so a story in another language gets only its
/// summary and counts, and no entities, topics, quotes or keywords.
pub fn analyse_as(article: &Article, resources: &Resources, english: bool) -> Findings {
    let doc = text::Document::of(article);
    let word_count = stats::word_count(&doc);
    let mut findings = Findings {
        used_model: false,
        english,
        entities: entities::Entities::default(),
        topics: Vec::new(),
        quotes: Vec::new(),
        keywords: Vec::new(),
        summary: summary::summary(&doc),
        word_count,
        reading_time_seconds: stats::reading_time_seconds(word_count),
    };
    if !english {
        return findings;
    }
    let mut mentions = resources.recognizer.mentions(&doc.text);
    let overlaps = |m: &ner::Mention, all: &[ner::Mention]| all.iter().any(|o| o.start < m.end && m.start < o.end);
    for rule in entities::rules::person_mentions(&doc.text, &doc.tokens) {
        if !overlaps(&rule, &mentions) {
            mentions.push(rule);
        }
    }
    // The agency of an opening dateline (`LONDON (Reuters) -`) is the story's source, not a mention.
    let agency = text::dateline::agency(&doc);
    if let Some(agency) = &agency {
        mentions.retain(|m| m.end <= agency.start || agency.end <= m.start);
    }
    let taken: Vec<(usize, usize)> = mentions.iter().map(|m| (m.start, m.end)).chain(agency.map(|a| (a.start, a.end))).collect();
    mentions.extend(places::fallback_places(&doc.text, &doc.tokens, &resources.gazetteer, &taken));
    let entities = entities::merge(&doc.text, &doc.tokens, &mentions, &resources.gazetteer);
    let entity_spans: Vec<(usize, usize)> = entities.mentions.iter().map(|m| (m.start, m.end)).collect();
    let lower = doc.lower_words();
    let words = lower.words();
    let headline_words = doc.tokens.partition_point(|t| t.end <= doc.headline.end);
    findings.used_model = resources.has_model;
    findings.topics = topics::classify(&resources.taxonomy, &words, headline_words);
    findings.quotes = quotes::find_quotes(&doc, &entities);
    findings.keywords = keywords::keywords(&doc, &words, &entity_spans);
    findings.entities = entities;
    findings
}
