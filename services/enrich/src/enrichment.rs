//! What enrich writes into the article: ninjs fields where ninjs has them, and
//! the rest in `newswire.enrichment`.
//!
//! `newswire.enrichment` is the typed [`Enrichment`] (its JSON is documented
//! there). A quote whose speaker the text does not name has `speaker: null`;
//! one named only by a description has `speaker: null` and the description in
//! `speaker_text`.

use newswire_shared::article::{AltId, Article, Concept, Text};
use newswire_shared::enrichment::{Enrichment, NamedEntity, Ner, PlaceEntity, QuoteNote, Topic};

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
    article.newswire.enrichment = Some(enrichment_owned(findings, taxonomy));
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

fn named(entity: Entity) -> NamedEntity {
    NamedEntity { name: entity.name, mentions: entity.mentions, roles: entity.roles, variants: entity.variants }
}

fn place(entity: Entity) -> PlaceEntity {
    let mut note = PlaceEntity { name: entity.name, mentions: entity.mentions, variants: entity.variants, ..Default::default() };
    if let Some(place) = entity.place {
        note.kind = Some(place.kind.as_str().to_owned());
        note.country_code = Some(place.country_code).filter(|code| !code.is_empty());
        note.geonames_id = Some(place.geonames_id);
        note.population = Some(place.population);
        if let (Some(lat), Some(lon)) = (place.lat, place.lon) {
            (note.lat, note.lon) = (Some(lat), Some(lon));
        }
    }
    note
}

/// The `newswire.enrichment` of `findings` (shape in [`newswire_shared::enrichment`]).
pub fn enrichment(findings: &Findings, taxonomy: &Taxonomy) -> Enrichment {
    enrichment_owned(findings.clone(), taxonomy)
}

/// [`enrichment`], taking the findings (their texts move into it).
fn enrichment_owned(findings: Findings, taxonomy: &Taxonomy) -> Enrichment {
    let Findings { used_model, english, entities, topics, quotes, keywords, summary, word_count, reading_time_seconds } = findings;
    let topics = topics
        .iter()
        .filter_map(|s| taxonomy.topics.get(s.topic).map(|t| (s, t)))
        .map(|(s, t)| Topic { uri: t.uri(), code: t.code.clone(), name: t.label.clone(), level: t.level, relevance: s.relevance })
        .collect();
    let quotes = quotes
        .into_iter()
        .map(|q| {
            let speaker = q.speaker.and_then(|i| entities.entities.get(i));
            QuoteNote {
                text: q.text,
                speaker: speaker.map(|e| e.name.clone()),
                speaker_kind: speaker.map(|e| e.kind.as_str().to_owned()),
                speaker_text: q.speaker_text,
                paragraph: q.paragraph,
                sentence: Some(q.sentence),
            }
        })
        .collect();
    let (mut people, mut organisations, mut places) = (Vec::new(), Vec::new(), Vec::new());
    for entity in entities.entities {
        match entity.kind {
            Kind::Person => people.push(named(entity)),
            Kind::Organisation => organisations.push(named(entity)),
            Kind::Place => places.push(place(entity)),
        }
    }
    Enrichment {
        version: newswire_shared::enrichment::VERSION,
        ner: if !english {
            Ner::NotEnglish
        } else if used_model {
            Ner::Model
        } else {
            Ner::Rules
        },
        word_count,
        reading_time_seconds,
        keywords,
        people,
        organisations,
        places,
        topics,
        quotes,
        summary,
        event: None,
        external: None,
    }
}
