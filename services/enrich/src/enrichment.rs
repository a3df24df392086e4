//! What enrich writes into the article: ninjs fields where ninjs has them, and
//! the rest in `newswire.enrichment`.
//!
//! ## `newswire.enrichment` (version 1)
//! ```json
//! {
//!   "version": 1,
//!   "ner": "model" | "rules" | "none",   // the NER model ran; only rules and the gazetteer; or the story is
//!                                        // not in English and gets no entities, topics, quotes or keywords
//!   "word_count": 412,
//!   "reading_time_seconds": 108,
//!   "keywords": ["talks", "foreign secretary", …],
//!   "people":        [{"name": "Liz Truss", "mentions": 5, "roles": ["Foreign Secretary"], "variants": ["Truss"]}],
//!   "organisations": [{"name": "Foreign Office", "mentions": 1, "roles": [], "variants": []}],
//!   "places": [{"name": "Moscow", "mentions": 3, "variants": [], "kind": "city", "country_code": "RU",
//!               "lat": 55.752, "lon": 37.6178, "geonames_id": 524901, "population": 10381222}],
//!   "topics": [{"uri": "http://cv.iptc.org/newscodes/mediatopic/11000000", "code": "11000000",
//!               "name": "politics and government", "level": 1, "relevance": 100}],
//!   "quotes": [{"text": "…", "speaker": "Liz Truss", "speaker_kind": "person", "speaker_text": "Ms Truss", "paragraph": 3}],
//!   "summary": "…"                       // the lede, also in ninjs `descriptions` (role "summary")
//! }
//! ```
//! Places not in the gazetteer have no `kind`, `country_code`, coordinates or
//! id; countries have no coordinates. A quote whose speaker the text does not
//! name has `speaker: null`; one named only by a description has `speaker: null`
//! and the description in `speaker_text`. Relevance is 0–100, as in ninjs 2.1
//! `subjects[].relevance`, which the shared `Concept` type cannot carry yet.

use serde_json::{Map, Value};

use newswire_shared::article::{AltId, Article, Concept, Text};

use crate::entities::{Entities, Entity, Kind};
use crate::quotes::Quote;
use crate::topics::{Taxonomy, TopicScore};

/// The ninjs `rel` of entities enrich finds in the text.
pub const MENTIONED: &str = "mentioned";

/// The `altids` role of the newswire story id.
pub const STORY_ID_ROLE: &str = "newswire:story-id";

/// Everything enrich found in one story.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    /// Whether the NER model ran.
    pub used_model: bool,
    /// Whether the story is in English: only then are entities, topics,
    /// quotes and keywords looked for (they all need English text).
    pub english: bool,
    /// People, organisations and places.
    pub entities: Entities,
    /// Assigned topics.
    pub topics: Vec<TopicScore>,
    /// Direct quotes.
    pub quotes: Vec<Quote>,
    /// Keywords, best first.
    pub keywords: Vec<String>,
    /// The lede.
    pub summary: Option<String>,
    /// Words in the body.
    pub word_count: usize,
    /// Seconds to read it.
    pub reading_time_seconds: u64,
}

/// Writes `findings` into `article`: `people`, `organisations`, `places`,
/// `subjects` (names already present are kept and not repeated), a `summary`
/// description unless the article already has one, the story id in `altids`,
/// and `newswire.enrichment`.
pub fn apply(article: &mut Article, findings: &Findings, taxonomy: &Taxonomy) {
    apply_owned(article, findings.clone(), taxonomy);
}

/// [`apply`], taking the findings (their texts move into the article instead of being copied).
pub fn apply_owned(article: &mut Article, findings: Findings, taxonomy: &Taxonomy) {
    let entities = &findings.entities;
    add_concepts(&mut article.people, entities.of_kind(Kind::Person).map(entity_concept));
    add_concepts(&mut article.organisations, entities.of_kind(Kind::Organisation).map(entity_concept));
    add_concepts(&mut article.places, entities.of_kind(Kind::Place).map(place_concept));
    let subjects = findings.topics.iter().filter_map(|s| taxonomy.topics.get(s.topic)).map(|t| Concept {
        name: Some(t.label.clone()),
        rel: Some("about".into()),
        uri: Some(t.uri()),
        literal: None,
    });
    add_concepts(&mut article.subjects, subjects);
    if let Some(summary) = &findings.summary {
        if !article.descriptions.iter().any(|d| d.role.as_deref() == Some("summary")) {
            article.descriptions.push(Text::plain("summary", summary.clone()));
        }
    }
    let story_id = article.newswire.story_id.clone();
    if !story_id.is_empty() && !article.altids.iter().any(|a| a.role == STORY_ID_ROLE) {
        article.altids.push(AltId { role: STORY_ID_ROLE.into(), value: story_id });
    }
    article.newswire.enrichment = Some(enrichment_json_owned(findings, taxonomy));
}

fn add_concepts(existing: &mut Vec<Concept>, found: impl Iterator<Item = Concept>) {
    for concept in found {
        let same = |c: &Concept| (c.uri.is_some() && c.uri == concept.uri) || (c.name.is_some() && c.name == concept.name);
        if !existing.iter().any(same) {
            existing.push(concept);
        }
    }
}

fn entity_concept(entity: &Entity) -> Concept {
    Concept { name: Some(entity.name.clone()), rel: Some(MENTIONED.into()), uri: None, literal: None }
}

fn place_concept(entity: &Entity) -> Concept {
    Concept {
        name: Some(entity.name.clone()),
        rel: Some(MENTIONED.into()),
        uri: entity.place.as_ref().map(|p| p.uri()),
        literal: entity.place.as_ref().map(|p| p.country_code.clone()).filter(|code| !code.is_empty()),
    }
}

/// Builds JSON objects field by field (the same values `json!` makes, without
/// its serialiser round trips).
struct Object(Map<String, Value>);

impl Object {
    fn new() -> Self {
        Object(Map::new())
    }

    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    fn done(self) -> Value {
        Value::Object(self.0)
    }
}

fn strings(list: Vec<String>) -> Value {
    Value::Array(list.into_iter().map(Value::String).collect())
}

fn entity_json(entity: Entity) -> Value {
    let mut value = Object::new().with("name", entity.name).with("mentions", entity.mentions).with("variants", strings(entity.variants));
    if entity.kind != Kind::Place {
        value = value.with("roles", strings(entity.roles));
    }
    if let Some(place) = entity.place {
        value = value.with("kind", place.kind.as_str());
        if !place.country_code.is_empty() {
            value = value.with("country_code", place.country_code);
        }
        value = value.with("geonames_id", place.geonames_id).with("population", place.population);
        if let (Some(lat), Some(lon)) = (place.lat, place.lon) {
            value = value.with("lat", lat).with("lon", lon);
        }
    }
    value.done()
}

/// The `newswire.enrichment` object (shape in the module documentation).
pub fn enrichment_json(findings: &Findings, taxonomy: &Taxonomy) -> Value {
    enrichment_json_owned(findings.clone(), taxonomy)
}

/// [`enrichment_json`], taking the findings (their texts move into the JSON).
fn enrichment_json_owned(findings: Findings, taxonomy: &Taxonomy) -> Value {
    let Findings { used_model, english, entities, topics, quotes, keywords, summary, word_count, reading_time_seconds } = findings;
    let topics: Vec<Value> = topics
        .iter()
        .filter_map(|s| taxonomy.topics.get(s.topic).map(|t| (s, t)))
        .map(|(s, t)| {
            Object::new()
                .with("uri", t.uri())
                .with("code", t.code.as_str())
                .with("name", t.label.as_str())
                .with("level", t.level)
                .with("relevance", s.relevance)
                .done()
        })
        .collect();
    let quotes: Vec<Value> = quotes
        .into_iter()
        .map(|q| {
            let speaker = q.speaker.and_then(|i| entities.entities.get(i));
            Object::new()
                .with("text", q.text)
                .with("speaker", speaker.map(|e| e.name.as_str()))
                .with("speaker_kind", speaker.map(|e| e.kind.as_str()))
                .with("speaker_text", q.speaker_text)
                .with("paragraph", q.paragraph)
                .done()
        })
        .collect();
    let (mut people, mut organisations, mut places) = (Vec::new(), Vec::new(), Vec::new());
    for entity in entities.entities {
        match entity.kind {
            Kind::Person => people.push(entity_json(entity)),
            Kind::Organisation => organisations.push(entity_json(entity)),
            Kind::Place => places.push(entity_json(entity)),
        }
    }
    Object::new()
        .with("version", 1)
        .with("ner", if !english { "none" } else if used_model { "model" } else { "rules" })
        .with("word_count", word_count)
        .with("reading_time_seconds", reading_time_seconds)
        .with("keywords", strings(keywords))
        .with("people", people)
        .with("organisations", organisations)
        .with("places", places)
        .with("topics", topics)
        .with("quotes", quotes)
        .with("summary", summary)
        .done()
}
