//! The extension object of the extended variants, under
//! [`super::EXTENSION_KEY`] (`"newswire:enrichment"`): what enrich found that
//! ninjs has no field for. Its field names are the same in both ninjs
//! versions; the README's "Output formats" section documents each field.
//!
//! ```json
//! "newswire:enrichment": {
//!   "version": 1,
//!   "keywords": ["talks", "clear message"],
//!   "quotes": [{"text": "…", "sentence": "Ms Truss told reporters: “…”", "speaker": "Liz Truss",
//!               "speaker_kind": "person", "speaker_text": "Ms Truss", "paragraph": 3}],
//!   "people": [{"name": "Liz Truss", "mentions": 6, "relevance": 100, "roles": ["Foreign Secretary"], "variants": ["Truss"]}],
//!   "organisations": [{"name": "Nato", "mentions": 1, "relevance": 17, "roles": [], "variants": []}],
//!   "places": [{"name": "Moscow", "mentions": 2, "relevance": 33, "kind": "city", "country_code": "RU",
//!               "lat": 55.752, "lon": 37.6178, "geonames_id": 524901}],
//!   "event": {"id": "3fa9c0e1d2b4a6f7", "size": 4, "first_seen": "2026-12-07T09:14:03Z"}
//! }
//! ```

use newswire_shared::article::Article;
use newswire_shared::enrichment::{EventNote, NamedEntity, PlaceEntity, QuoteNote};
use serde::Serialize;

/// The extension's format version.
pub const VERSION: u32 = 1;

/// What enrich found, for subscribers.
#[derive(Debug, Serialize)]
pub struct Extension<'a> {
    version: u32,
    keywords: &'a [String],
    quotes: Vec<Quote<'a>>,
    people: Vec<Entity<'a>>,
    organisations: Vec<Entity<'a>>,
    places: Vec<Place<'a>>,
    /// The story's news event (its cluster's id, size once the story joined,
    /// and first story's time); absent when enrich's event clustering is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a EventNote>,
}

/// A direct quote and who said it.
#[derive(Debug, Serialize)]
struct Quote<'a> {
    text: &'a str,
    sentence: Option<&'a str>,
    speaker: Option<&'a str>,
    speaker_kind: Option<&'a str>,
    speaker_text: Option<&'a str>,
    paragraph: usize,
}

/// A person or organisation.
#[derive(Debug, Serialize)]
struct Entity<'a> {
    name: &'a str,
    mentions: usize,
    relevance: u8,
    roles: &'a [String],
    variants: &'a [String],
}

/// A place, with its gazetteer entry when enrich found one.
#[derive(Debug, Serialize)]
struct Place<'a> {
    name: &'a str,
    mentions: usize,
    relevance: u8,
    kind: Option<&'a str>,
    country_code: Option<&'a str>,
    lat: Option<f64>,
    lon: Option<f64>,
    geonames_id: Option<u64>,
}

/// An entity's relevance to the story, 0–100: its mentions against those of
/// the story's most mentioned person, organisation or place (which is 100).
fn relevance(mentions: usize, most: usize) -> u8 {
    if most == 0 {
        return 0;
    }
    u8::try_from((mentions.min(most) * 100 + most / 2) / most).unwrap_or(100)
}

impl<'a> Extension<'a> {
    /// The extension of `article`; `None` when enrich has not run on it.
    pub fn of(article: &'a Article) -> Option<Self> {
        let found = article.newswire.enrichment.as_ref()?;
        let most = found.people.iter().chain(&found.organisations).map(|e| e.mentions).chain(found.places.iter().map(|p| p.mentions)).max().unwrap_or(0);
        let entity = |e: &'a NamedEntity| Entity { name: &e.name, mentions: e.mentions, relevance: relevance(e.mentions, most), roles: &e.roles, variants: &e.variants };
        let place = |p: &'a PlaceEntity| Place {
            name: &p.name,
            mentions: p.mentions,
            relevance: relevance(p.mentions, most),
            kind: p.kind.as_deref(),
            country_code: p.country_code.as_deref(),
            lat: p.lat.filter(|v| v.is_finite()),
            lon: p.lon.filter(|v| v.is_finite()),
            geonames_id: p.geonames_id,
        };
        let quote = |q: &'a QuoteNote| Quote {
            text: &q.text,
            sentence: q.sentence.as_deref(),
            speaker: q.speaker.as_deref(),
            speaker_kind: q.speaker_kind.as_deref(),
            speaker_text: q.speaker_text.as_deref(),
            paragraph: q.paragraph,
        };
        Some(Extension {
            version: VERSION,
            keywords: &found.keywords,
            quotes: found.quotes.iter().map(quote).collect(),
            people: found.people.iter().map(entity).collect(),
            organisations: found.organisations.iter().map(entity).collect(),
            places: found.places.iter().map(place).collect(),
            event: found.event.as_ref(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_mentioned_entity_has_relevance_100_and_the_others_a_share_of_it() {
        assert_eq!(relevance(6, 6), 100);
        assert_eq!(relevance(1, 6), 17);
        assert_eq!(relevance(0, 0), 0);
    }
}
