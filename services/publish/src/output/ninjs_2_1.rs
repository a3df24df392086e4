//! IPTC ninjs 2.1 (`../shared/iptc/ninjs-schema/ninjs-schema_2.1.json`): the
//! article's own field names, place geometry as `geojson`.

use newswire_shared::article::{format_timestamp, AltId, Article, Association, Text};
use serde::Serialize;

use super::concepts::{self, EntityView, Point, SourceView, SubjectView};
use super::extension::Extension;

/// A story as ninjs 2.1, borrowing from the article.
#[derive(Debug, Serialize)]
pub struct Ninjs21<'a> {
    uri: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    versioncreated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    firstcreated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    embargoed: Option<String>,
    pubstatus: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    urgency: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    headlines: &'a [Text],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    descriptions: &'a [Text],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    bodies: &'a [Text],
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    located: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    copyrightholder: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subjects: Vec<SubjectView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    people: Vec<EntityView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    organisations: Vec<EntityView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    places: Vec<Place<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    infosources: Vec<SourceView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    associations: Vec<Associated<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    altids: &'a [AltId],
    /// Only in the extended variant (its key is [`super::EXTENSION_KEY`]).
    #[serde(rename = "newswire:enrichment", skip_serializing_if = "Option::is_none")]
    extension: Option<Extension<'a>>,
}

/// A place with its point.
#[derive(Debug, Serialize)]
struct Place<'a> {
    #[serde(flatten)]
    concept: EntityView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geojson: Option<Point>,
}

/// An association with the name and uri ninjs requires.
#[derive(Debug, Serialize)]
struct Associated<'a> {
    name: std::borrow::Cow<'a, str>,
    uri: std::borrow::Cow<'a, str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    descriptions: &'a [Text],
    #[serde(skip_serializing_if = "Option::is_none")]
    copyrightholder: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
}

impl<'a> Associated<'a> {
    fn of(story_uri: &str, index: usize, a: &'a Association) -> Self {
        Associated {
            name: a.ninjs_name(index),
            uri: a.ninjs_uri(story_uri, index),
            kind: a.kind.as_deref(),
            descriptions: &a.descriptions,
            copyrightholder: a.copyrightholder.as_deref(),
            by: a.by.as_deref(),
        }
    }
}

impl<'a> Ninjs21<'a> {
    /// The view of `article`; with `extended`, the extension too (when enrich ran).
    pub fn of(article: &'a Article, extended: bool) -> Self {
        Ninjs21 {
            uri: &article.uri,
            kind: &article.kind,
            version: article.version.to_string(),
            versioncreated: article.versioncreated.as_ref().map(format_timestamp),
            firstcreated: article.firstcreated.as_ref().map(format_timestamp),
            embargoed: article.embargoed.as_ref().map(format_timestamp),
            pubstatus: article.pubstatus.as_str(),
            urgency: article.urgency,
            language: article.language.as_deref(),
            headlines: &article.headlines,
            descriptions: &article.descriptions,
            bodies: &article.bodies,
            by: article.by.as_deref(),
            located: article.located.as_deref(),
            copyrightholder: article.copyrightholder.as_deref(),
            subjects: concepts::subjects(article),
            people: concepts::entities(&article.people),
            organisations: concepts::entities(&article.organisations),
            places: concepts::places(article).into_iter().map(|(concept, geojson)| Place { concept, geojson }).collect(),
            infosources: concepts::sources(&article.infosources),
            associations: article.associations.iter().enumerate().map(|(i, a)| Associated::of(&article.uri, i, a)).collect(),
            altids: &article.altids,
            extension: if extended { Extension::of(article) } else { None },
        }
    }
}
