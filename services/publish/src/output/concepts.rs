//! The parts both ninjs versions write alike, viewed from the article:
//! concepts with only the identifiers ninjs accepts
//! ([`newswire_shared::ninjs_ids`]), and the standard fields enrich's findings fill:
//!
//! - each keyword as a subject `{ "name": "talks", "rel": "keyword" }` (unless a
//!   subject of that name is already there);
//! - a subject that is one of enrich's Media Topics gets its `relevance` (0–100);
//! - a place enrich located gets a GeoJSON point (`[longitude, latitude]`).

use newswire_shared::article::{Article, Concept, InfoSource};
use newswire_shared::enrichment::{Enrichment, PlaceEntity};
use serde::Serialize;

/// The `rel` of a subject that is one of enrich's keywords.
pub const KEYWORD_REL: &str = "keyword";

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
