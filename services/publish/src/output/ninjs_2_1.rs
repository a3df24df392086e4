//! IPTC ninjs 2.1 (`../shared/iptc/ninjs-schema/ninjs-schema_2.1.json`): the
//! article's own field names, place geometry as `geojson`.

use newswire_shared::article::{format_timestamp, AltId, Article, Association, Text};
use serde::Serialize;

use super::common::{self, AssociationCore, Common, EntityView, Point, SourceView};
use super::extension::Extension;

/// A story as ninjs 2.1, borrowing from the article.
#[derive(Debug, Serialize)]
pub struct Ninjs21<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    versioncreated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    firstcreated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    embargoed: Option<String>,
    pubstatus: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    urgency: Option<u8>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    headlines: &'a [Text],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    descriptions: &'a [Text],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    bodies: &'a [Text],
    #[serde(skip_serializing_if = "Option::is_none")]
    copyrightholder: Option<&'a str>,
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

/// An association.
#[derive(Debug, Serialize)]
struct Associated<'a> {
    #[serde(flatten)]
    core: AssociationCore<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    descriptions: &'a [Text],
    #[serde(skip_serializing_if = "Option::is_none")]
    copyrightholder: Option<&'a str>,
}

impl<'a> Ninjs21<'a> {
    /// The view of `article`; with `extended`, the extension too (when enrich ran).
    pub fn of(article: &'a Article, extended: bool) -> Self {
        let associated = |(i, a): (usize, &'a Association)| Associated {
            core: AssociationCore::of(&article.uri, i, a),
            descriptions: &a.descriptions,
            copyrightholder: a.copyrightholder.as_deref(),
        };
        Ninjs21 {
            common: Common::of(article),
            versioncreated: article.versioncreated.as_ref().map(format_timestamp),
            firstcreated: article.firstcreated.as_ref().map(format_timestamp),
            embargoed: article.embargoed.as_ref().map(format_timestamp),
            pubstatus: article.pubstatus.as_str(),
            urgency: article.urgency,
            headlines: &article.headlines,
            descriptions: &article.descriptions,
            bodies: &article.bodies,
            copyrightholder: article.copyrightholder.as_deref(),
            places: common::places(article).into_iter().map(|(concept, geojson)| Place { concept, geojson }).collect(),
            infosources: common::sources(&article.infosources),
            associations: article.associations.iter().enumerate().map(associated).collect(),
            altids: &article.altids,
            extension: if extended { Extension::of(article) } else { None },
        }
    }
}
