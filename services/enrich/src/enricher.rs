//! The enrich stage's core: [`Enricher`] runs as a [`Stage`] and [`enrich`]
//! enriches one article without Kafka.
//!
//! With an external enricher configured, a batch is enriched in
//! [`Stage::prepare_batch`], before its Kafka transaction begins: each story
//! locally, then the endpoint is asked about all of them at once within the
//! batch's budget ([`external`]); [`Stage::process`] then only writes out what
//! was prepared. Without one, `process` enriches each story itself.
//!
//! With event clustering on ([`Enricher::with_events`]), `process` then puts
//! each enriched story in its event cluster, in input order (an assignment
//! depends on every story before it), and stages the clustering's records in
//! the batch's transaction ([`crate::events`]).

use std::collections::HashMap;

use newswire_shared::article::Article;
use newswire_shared::changelog::ChangelogStore;
use newswire_shared::records::{article_record, read_article};
use newswire_shared::stage::{InputMessage, Outcome, Stage, StageError};

use crate::enrichment::Findings;
use crate::events::EventClustering;
use crate::resources::Resources;
use crate::{entities, enrichment, external, keywords, language, ner, places, quotes, stats, summary, text, topics};

/// The enrich stage's core.
pub struct Enricher {
    output_topic: String,
    resources: Resources,
    external: Option<external::ExternalEnricher>,
    events: Option<EventClustering>,
    /// The current batch's stories, enriched ahead by [`Stage::prepare_batch`],
    /// by their input's `(topic, partition, offset)`.
    prepared: HashMap<(String, i32, i64), Article>,
}

impl Enricher {
    /// An enricher writing to `output_topic`, using `resources`.
    pub fn new(output_topic: impl Into<String>, resources: Resources) -> Self {
        Enricher { output_topic: output_topic.into(), resources, external: None, events: None, prepared: HashMap::new() }
    }

    /// Also puts every story in its news event's cluster.
    pub fn with_events(mut self, events: EventClustering) -> Self {
        self.events = Some(events);
        self
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

    /// With an external enricher: enriches every story of the batch locally,
    /// starting each one's external call as soon as it is ready, and waits for
    /// the answers within the batch's budget. A record that cannot be read is
    /// left to `process`, which dead-letters it.
    fn prepare_batch(&mut self, inputs: &[InputMessage<'_>]) {
        self.prepared.clear();
        let Some(external) = self.external.as_ref() else {
            return;
        };
        let mut calls = external.batch();
        let mut articles = Vec::with_capacity(inputs.len());
        for input in inputs {
            if let Ok(article) = read_article(input) {
                let article = enrich(article, &self.resources);
                calls.start(&article);
                articles.push((position(input), article));
            }
        }
        for ((position, mut article), outcome) in articles.into_iter().zip(calls.finish()) {
            outcome.apply(&mut article);
            self.prepared.insert(position, article);
        }
    }

    /// Writes out the story as [`Stage::prepare_batch`] enriched it, or, when it
    /// was not prepared (no external enricher, or its preparation failed),
    /// enriches it locally here.
    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let mut article = match self.prepared.remove(&position(input)) {
            Some(article) => article,
            None => enrich(read_article(input)?, &self.resources),
        };
        if let Some(events) = self.events.as_mut() {
            let now_ms = chrono::Utc::now().timestamp_millis();
            events
                .assign(&mut article, input.partition, now_ms)
                .map_err(|error| StageError::retry_batch("event_state", format!("event clustering could not read its state: {error}")))?;
        }
        tracing::Span::current().record("uri", article.uri.as_str()).record("version", article.version);
        Ok(Outcome::forward(vec![article_record(&self.output_topic, input.key.unwrap_or_default(), &article, input.headers)?]))
    }

    fn on_commit(&mut self) {
        self.prepared.clear();
        if let Some(Err(error)) = self.events.as_mut().map(EventClustering::on_commit) {
            tracing::error!(%error, "event clustering could not rebuild its state after a commit");
        }
    }

    fn on_abort(&mut self) {
        self.prepared.clear();
        if let Some(Err(error)) = self.events.as_mut().map(EventClustering::on_abort) {
            tracing::error!(%error, "event clustering could not rebuild its state after an abort");
        }
    }

    fn on_remote_state(&mut self) {
        if let Some(Err(error)) = self.events.as_mut().map(EventClustering::on_remote_state) {
            tracing::error!(%error, "event clustering could not take in the restored or replicated state");
        }
    }

    fn on_dead_lettered(&mut self) {
        if let Some(events) = self.events.as_mut() {
            events.on_dead_lettered();
        }
    }

    fn stores(&mut self) -> Vec<&mut ChangelogStore> {
        self.events.as_mut().map(|events| events.store_mut().store_mut()).into_iter().collect()
    }
}

/// Where `input` was read: the key of what was prepared for it.
fn position(input: &InputMessage<'_>) -> (String, i32, i64) {
    (input.topic.to_owned(), input.partition, input.offset)
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use newswire_shared::article::Text;
    use newswire_shared::kafka::headers::HeaderMap;
    use newswire_shared::metrics::Metrics;

    use super::*;
    use crate::external::test_endpoint::Endpoint;
    use crate::external::{ExternalEnricher, ExternalSettings};
    use crate::resources::NoModel;

    fn story(n: i64) -> Vec<u8> {
        let article = Article {
            uri: format!("urn:x:{n}"),
            version: 1,
            headlines: vec![Text::plain("main", "Minister visits Moscow")],
            bodies: vec![Text::plain("main", "The minister said talks in Moscow were difficult but useful.")],
            ..Default::default()
        };
        serde_json::to_vec(&article).unwrap()
    }

    fn stage(endpoint: &Endpoint, route: &str, metrics: &Metrics) -> Enricher {
        let settings = ExternalSettings {
            url: endpoint.url(route),
            timeout: Duration::from_secs(10),
            retries: 0,
            backoff: Duration::from_millis(1),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(60),
            concurrency: 4,
            batch_budget: Duration::from_millis(300),
        };
        let resources = Resources::with_recognizer(Box::new(NoModel), false).unwrap();
        Enricher::new("out", resources).with_external(ExternalEnricher::new(settings, metrics, endpoint.handle()).unwrap())
    }

    /// Prepares a batch of `n` stories as the runtime does, then processes each; returns the articles written out.
    fn run_batch(stage: &mut Enricher, n: i64) -> Vec<Article> {
        let headers = HeaderMap::new();
        let payloads: Vec<Vec<u8>> = (0..n).map(story).collect();
        let inputs: Vec<InputMessage<'_>> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| InputMessage { topic: "in", partition: 0, offset: i as i64, key: Some(b"k"), payload: p, headers: &headers })
            .collect();
        stage.prepare_batch(&inputs);
        let out = inputs
            .iter()
            .map(|input| {
                let outcome = stage.process(input).unwrap();
                serde_json::from_slice(&outcome.records[0].payload).unwrap()
            })
            .collect();
        stage.on_commit();
        out
    }

    #[test]
    fn with_a_hanging_endpoint_a_batch_is_prepared_within_its_budget_and_every_story_is_enriched_locally() {
        let endpoint = Endpoint::start();
        let metrics = Metrics::new("enrich");
        let mut stage = stage(&endpoint, "/hang", &metrics);
        let started = Instant::now();
        let out = run_batch(&mut stage, 6);
        assert!(started.elapsed() < Duration::from_millis(300 + 400), "the batch took {:?}", started.elapsed());
        assert_eq!(out.len(), 6);
        for article in &out {
            let enrichment = article.newswire.enrichment.as_ref().expect("local enrichment");
            assert!(enrichment.word_count > 0 && enrichment.external.is_none(), "{enrichment:?}");
        }
        let text = metrics.render();
        let timed_out = text.lines().find(|l| l.starts_with("newswire_enrich_external_calls_total") && l.contains(r#"outcome="timed_out""#));
        assert!(timed_out.is_some_and(|l| l.ends_with(" 6")), "{text}");
    }

    #[test]
    fn a_fast_endpoints_answer_is_written_out_as_newswire_enrichment_external() {
        let endpoint = Endpoint::start();
        let metrics = Metrics::new("enrich");
        let mut stage = stage(&endpoint, "/ok", &metrics);
        let out = run_batch(&mut stage, 3);
        for article in &out {
            let enrichment = article.newswire.enrichment.as_ref().unwrap();
            assert_eq!(enrichment.external.as_ref().unwrap()["sentiment"], "negative");
            assert!(enrichment.word_count > 0);
        }
        assert!(stage.prepared.is_empty(), "nothing kept past the batch");
    }

    #[test]
    fn a_story_that_was_not_prepared_is_enriched_locally_and_an_unreadable_one_is_dead_lettered() {
        let endpoint = Endpoint::start();
        let metrics = Metrics::new("enrich");
        let mut stage = stage(&endpoint, "/ok", &metrics);
        let headers = HeaderMap::new();
        let payload = story(1);
        let input = InputMessage { topic: "in", partition: 0, offset: 9, key: None, payload: &payload, headers: &headers };
        let outcome = stage.process(&input).unwrap();
        let article: Article = serde_json::from_slice(&outcome.records[0].payload).unwrap();
        assert!(article.newswire.enrichment.is_some_and(|e| e.external.is_none()));
        assert_eq!(endpoint.hits(), 0, "no call outside a prepared batch");

        let bad = InputMessage { payload: b"{not json", ..input };
        stage.prepare_batch(std::slice::from_ref(&bad));
        assert!(stage.process(&bad).is_err());
    }
}
