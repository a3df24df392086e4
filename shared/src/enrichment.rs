//! What enrich found in a story, as `newswire.enrichment` carries it between
//! the stages (version 1). Enrich fills it; publish reads it (country filters)
//! and passes it on. Only an external enricher's answer stays free JSON
//! ([`Enrichment::external`]): its shape is the external service's.
//!
//! The JSON, field by field:
//! ```json
//! {
//!   "version": 1,
//!   "ner": "model" | "rules" | "none",
//!   "word_count": 412,
//!   "reading_time_seconds": 108,
//!   "keywords": ["talks", "foreign secretary"],
//!   "people":        [{"name": "Liz Truss", "mentions": 5, "roles": ["Foreign Secretary"], "variants": ["Truss"]}],
//!   "organisations": [{"name": "Foreign Office", "mentions": 1, "roles": [], "variants": []}],
//!   "places": [{"name": "Moscow", "mentions": 3, "variants": [], "kind": "city", "country_code": "RU",
//!               "lat": 55.752, "lon": 37.6178, "geonames_id": 524901, "population": 10381222}],
//!   "topics": [{"uri": "http://cv.iptc.org/newscodes/mediatopic/11000000", "code": "11000000",
//!               "name": "politics and government", "level": 1, "relevance": 100}],
//!   "quotes": [{"text": "…", "speaker": "Liz Truss", "speaker_kind": "person", "speaker_text": "Ms Truss", "paragraph": 3,
//!               "sentence": "Ms Truss told reporters: “…”"}],
//!   "summary": "…",
//!   "event": {"id": "3fa9c0e1d2b4a6f7", "size": 4, "first_seen": "2026-12-07T09:14:03Z"},
//!   "external": { … }
//! }
//! ```

use serde::{Deserialize, Serialize};

/// The enrichment format's version.
pub const VERSION: u32 = 1;

/// Everything enrich found in one story.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Enrichment {
    /// The format's version ([`VERSION`]; 0 when a producer did not say).
    /// Every field reads as empty when absent, so a partial enrichment (an
    /// older or hand-made producer) never makes a story unreadable.
    #[serde(default)]
    pub version: u32,
    /// How entities were found.
    #[serde(default)]
    pub ner: Ner,
    /// Words in the body.
    #[serde(default)]
    pub word_count: usize,
    /// Seconds to read it.
    #[serde(default)]
    pub reading_time_seconds: u64,
    /// Keywords, best first.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// People named in the story.
    #[serde(default)]
    pub people: Vec<NamedEntity>,
    /// Organisations named in the story.
    #[serde(default)]
    pub organisations: Vec<NamedEntity>,
    /// Places named in the story.
    #[serde(default)]
    pub places: Vec<PlaceEntity>,
    /// IPTC Media Topics assigned.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// Direct quotes.
    #[serde(default)]
    pub quotes: Vec<QuoteNote>,
    /// The lede (also in ninjs `descriptions`, role `summary`).
    #[serde(default)]
    pub summary: Option<String>,
    /// The news event the story reports: its event cluster (absent when
    /// event clustering is off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventNote>,
    /// An external enricher's answer, as it sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<serde_json::Value>,
}

/// The `altids` role of a story's event cluster id.
pub const EVENT_ALTID_ROLE: &str = "newswire:event";

/// The event cluster a story was put in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventNote {
    /// The cluster's id, 16 hex digits (also in `altids`, role [`EVENT_ALTID_ROLE`]).
    pub id: String,
    /// How many stories the cluster held once this one was in it.
    pub size: u32,
    /// When the cluster's first story came, RFC 3339 in UTC.
    pub first_seen: String,
}

impl Enrichment {
    /// Every ISO 3166 country code of the story's places, upper case, in order.
    pub fn country_codes(&self) -> impl Iterator<Item = String> + '_ {
        self.places.iter().filter_map(|p| p.country_code.as_deref()).map(str::to_ascii_uppercase)
    }
}

/// How the story's entities were found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ner {
    /// The NER model ran.
    Model,
    /// Only rules and the gazetteer.
    #[default]
    Rules,
    /// Not looked for: the story is not in English (no entities, topics,
    /// quotes or keywords).
    #[serde(rename = "none")]
    NotEnglish,
}

/// A person or an organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedEntity {
    /// Canonical name.
    pub name: String,
    /// How many times it is mentioned.
    #[serde(default)]
    pub mentions: usize,
    /// Titles and roles found next to it ("Foreign Secretary").
    #[serde(default)]
    pub roles: Vec<String>,
    /// Other forms it was written in.
    #[serde(default)]
    pub variants: Vec<String>,
}

/// A place, with its gazetteer entry when one was found (a place not in the
/// gazetteer has no kind, code, coordinates or id; a US state has no coordinates).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaceEntity {
    /// Canonical (gazetteer) name.
    pub name: String,
    /// How many times it is mentioned.
    #[serde(default)]
    pub mentions: usize,
    /// Other forms it was written in.
    #[serde(default)]
    pub variants: Vec<String>,
    /// `continent`, `country`, `region` (US states) or `city`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ISO 3166 alpha-2 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// GeoNames id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geonames_id: Option<u64>,
    /// Population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<u64>,
}

/// An assigned IPTC Media Topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Topic {
    /// Its concept URI.
    pub uri: String,
    /// Its code (`11000000`).
    pub code: String,
    /// Its English label.
    pub name: String,
    /// Depth in the taxonomy (1: top level).
    pub level: u8,
    /// 0–100, as ninjs 2.1 `subjects[].relevance`.
    pub relevance: u8,
}

/// A direct quote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuoteNote {
    /// The quoted words.
    pub text: String,
    /// The speaker's canonical name, when the text names one.
    #[serde(default)]
    pub speaker: Option<String>,
    /// `person` or `organisation`, with `speaker`.
    #[serde(default)]
    pub speaker_kind: Option<String>,
    /// How the text names the speaker ("Ms Truss", "the spokesman").
    #[serde(default)]
    pub speaker_text: Option<String>,
    /// Index of the body paragraph it starts in.
    #[serde(default)]
    pub paragraph: usize,
    /// The body sentence it starts in, quote marks and attribution included
    /// (absent from enrichments written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_json_reads_and_writes_back_the_same() {
        let json = serde_json::json!({
            "version": 1, "ner": "none", "word_count": 4, "reading_time_seconds": 1, "keywords": ["talks"],
            "people": [{"name": "Liz Truss", "mentions": 5, "roles": ["Foreign Secretary"], "variants": ["Truss"]}],
            "organisations": [],
            "places": [{"name": "Moscow", "mentions": 3, "variants": [], "kind": "city", "country_code": "RU",
                        "lat": 55.752, "lon": 37.6178, "geonames_id": 524901, "population": 10381222},
                       {"name": "Atlantis", "mentions": 1, "variants": []}],
            "topics": [{"uri": "http://cv.iptc.org/newscodes/mediatopic/11000000", "code": "11000000", "name": "politics", "level": 1, "relevance": 100}],
            "quotes": [{"text": "No deal", "speaker": null, "speaker_kind": null, "speaker_text": "the spokesman", "paragraph": 3}],
            "summary": null,
            "external": {"sentiment": "negative"}
        });
        let enrichment: Enrichment = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(enrichment.ner, Ner::NotEnglish);
        assert_eq!(enrichment.country_codes().collect::<Vec<_>>(), vec!["RU"]);
        assert_eq!(serde_json::to_value(&enrichment).unwrap(), json);
    }

    #[test]
    fn a_partial_enrichment_reads_with_the_rest_empty() {
        let partial: Enrichment = serde_json::from_value(serde_json::json!({"places": [{"name": "Calais", "country_code": "FR"}]})).unwrap();
        assert_eq!((partial.version, partial.ner, partial.keywords.len()), (0, Ner::Rules, 0));
        assert_eq!(partial.country_codes().collect::<Vec<_>>(), vec!["FR"]);
    }
}
