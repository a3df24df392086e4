//! The parts both ninjs versions write alike, viewed from the article: the
//! fields of the same name ([`Common`]), the identity of associations
//! ([`AssociationCore`]), concepts with only the identifiers ninjs accepts
//! ([`newswire_shared::ninjs_ids`]), and the standard fields enrich's findings fill:
//!
//! - each keyword as a subject `{ "name": "talks", "rel": "keyword" }` (unless a
//!   subject of that name is already there);
//! - a subject that is one of enrich's Media Topics gets its `relevance` (0–100);
//! - a place enrich located gets a GeoJSON point (`[longitude, latitude]`).

use std::borrow::Cow;

use newswire_shared::article::{Article, Association, Concept, InfoSource};
use newswire_shared::enrichment::{Enrichment, PlaceEntity};
use serde::Serialize;

/// The `rel` of a subject that is one of enrich's keywords.
pub const KEYWORD_REL: &str = "keyword";

/// The fields ninjs 2.1 and 3.1 name alike (flattened into each version's document).
#[derive(Debug, Serialize)]
pub struct Common<'a> {
    uri: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    located: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subjects: Vec<SubjectView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    people: Vec<EntityView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    organisations: Vec<EntityView<'a>>,
}

impl<'a> Common<'a> {
    /// The fields of `article` both versions name alike.
    pub fn of(article: &'a Article) -> Self {
        Common {
            uri: &article.uri,
            kind: &article.kind,
            version: article.version.to_string(),
            language: article.language.as_deref(),
            by: article.by.as_deref(),
            located: article.located.as_deref(),
            subjects: subjects(article),
            people: entities(&article.people),
            organisations: entities(&article.organisations),
        }
    }
}

/// An association's fields both versions name alike, with the name and uri
/// ninjs requires ([`Association::ninjs_name`], [`Association::ninjs_uri`]).
#[derive(Debug, Serialize)]
pub struct AssociationCore<'a> {
    name: Cow<'a, str>,
    uri: Cow<'a, str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
}

impl<'a> AssociationCore<'a> {
    /// The `index`th association of the story `story_uri`.
    pub fn of(story_uri: &str, index: usize, a: &'a Association) -> Self {
        AssociationCore { name: a.ninjs_name(index), uri: a.ninjs_uri(story_uri, index), kind: a.kind.as_deref(), by: a.by.as_deref() }
    }
}

/// A person, organisation or place (the place's geometry apart).
#[derive(Debug, Serialize)]
pub struct EntityView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rel: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    literal: Option<&'a str>,
}

impl<'a> EntityView<'a> {
    fn of(concept: &'a Concept) -> Self {
        EntityView { name: concept.name.as_deref(), rel: concept.rel.as_deref(), uri: concept.ninjs_uri(), literal: concept.ninjs_literal() }
    }
}

/// A subject: a concept with its relevance.
#[derive(Debug, Serialize)]
pub struct SubjectView<'a> {
    #[serde(flatten)]
    concept: EntityView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relevance: Option<u8>,
}

/// A supplier or provider.
#[derive(Debug, Serialize)]
pub struct SourceView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<&'a str>,
}

/// A GeoJSON point.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    /// `[longitude, latitude]`, as GeoJSON orders them.
    coordinates: [f64; 2],
}

impl Point {
    fn of(place: &PlaceEntity) -> Option<Point> {
        match (place.lat, place.lon) {
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => Some(Point { kind: "Point", coordinates: [lon, lat] }),
            _ => None,
        }
    }
}

fn enrichment(article: &Article) -> Option<&Enrichment> {
    article.newswire.enrichment.as_ref()
}

/// The article's subjects, then its keywords as subjects.
pub fn subjects(article: &Article) -> Vec<SubjectView<'_>> {
    let found = enrichment(article);
    let relevance = |concept: &Concept| {
        let uri = concept.uri.as_deref()?;
        found?.topics.iter().find(|t| t.uri == uri).map(|t| t.relevance.min(100))
    };
    let mut subjects: Vec<SubjectView> = article.subjects.iter().map(|c| SubjectView { concept: EntityView::of(c), relevance: relevance(c) }).collect();
    for keyword in found.map_or(&[][..], |e| &e.keywords) {
        if !subjects.iter().any(|s| s.concept.name.is_some_and(|n| n.eq_ignore_ascii_case(keyword))) {
            let concept = EntityView { name: Some(keyword), rel: Some(KEYWORD_REL), uri: None, literal: None };
            subjects.push(SubjectView { concept, relevance: None });
        }
    }
    subjects
}

/// People or organisations.
pub fn entities(concepts: &[Concept]) -> Vec<EntityView<'_>> {
    concepts.iter().map(EntityView::of).collect()
}

/// The places, each with its point when enrich located it (matched by name).
pub fn places(article: &Article) -> Vec<(EntityView<'_>, Option<Point>)> {
    let located = |concept: &Concept| {
        let name = concept.name.as_deref()?;
        enrichment(article)?.places.iter().find(|p| p.name == name).and_then(Point::of)
    };
    article.places.iter().map(|c| (EntityView::of(c), located(c))).collect()
}

/// The suppliers and providers.
pub fn sources(sources: &[InfoSource]) -> Vec<SourceView<'_>> {
    sources.iter().map(|s| SourceView { name: s.name.as_deref(), role: s.role.as_deref(), uri: s.ninjs_uri() }).collect()
}
