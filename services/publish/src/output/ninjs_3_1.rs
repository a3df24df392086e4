//! IPTC ninjs 3.1 (`../shared/iptc/ninjs-schema/ninjs-schema_3.1.json`):
//! camelCase names (`versionCreated`, `pubStatus`, `contentType`,
//! `copyrightHolder`, `infoSources`, `altIds`), `embargoedUntil`, an integer
//! urgency of 1–9 (another value is left out), place geometry as `geoJSON`, and
//! the `standard` object naming the version.

use newswire_shared::article::{format_timestamp, AltId, Article, Association, Text};
use serde::Serialize;

use super::common::{self, AssociationCore, Common, EntityView, Point, SourceView};
use super::extension::Extension;

/// The `standard` object of every 3.1 document.
#[derive(Debug, Serialize)]
struct Standard {
    name: &'static str,
    version: &'static str,
    schema: &'static str,
}

const STANDARD: Standard = Standard { name: "ninjs", version: "3.1", schema: "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json" };

/// A story as ninjs 3.1, borrowing from the article.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ninjs31<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    embargoed_until: Option<String>,
    pub_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    urgency: Option<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    headlines: Vec<TextView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    descriptions: Vec<TextView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bodies: Vec<TextView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    copyright_holder: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    places: Vec<Place<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    info_sources: Vec<SourceView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    associations: Vec<Associated<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    alt_ids: &'a [AltId],
    standard: &'static Standard,
    /// Only in the extended variant (its key is [`super::EXTENSION_KEY`]).
    #[serde(rename = "newswire:enrichment", skip_serializing_if = "Option::is_none")]
    extension: Option<Extension<'a>>,
}

/// A headline, description or body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TextView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_type: Option<&'a str>,
    value: &'a str,
}

fn texts(texts: &[Text]) -> Vec<TextView<'_>> {
    texts.iter().map(|t| TextView { role: t.role.as_deref(), content_type: t.contenttype.as_deref(), value: &t.value }).collect()
}

/// A place with its point.
#[derive(Debug, Serialize)]
struct Place<'a> {
    #[serde(flatten)]
    concept: EntityView<'a>,
    #[serde(rename = "geoJSON", skip_serializing_if = "Option::is_none")]
    geo_json: Option<Point>,
}

/// An association.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Associated<'a> {
    #[serde(flatten)]
    core: AssociationCore<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    descriptions: Vec<TextView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    copyright_holder: Option<&'a str>,
}

impl<'a> Ninjs31<'a> {
    /// The view of `article`; with `extended`, the extension too (when enrich ran).
    pub fn of(article: &'a Article, extended: bool) -> Self {
        let associated = |(i, a): (usize, &'a Association)| Associated {
            core: AssociationCore::of(&article.uri, i, a),
            descriptions: texts(&a.descriptions),
            copyright_holder: a.copyrightholder.as_deref(),
        };
        Ninjs31 {
            common: Common::of(article),
            version_created: article.versioncreated.as_ref().map(format_timestamp),
            first_created: article.firstcreated.as_ref().map(format_timestamp),
            embargoed_until: article.embargoed.as_ref().map(format_timestamp),
            pub_status: article.pubstatus.as_str(),
            urgency: article.urgency.filter(|u| (1..=9).contains(u)),
            headlines: texts(&article.headlines),
            descriptions: texts(&article.descriptions),
            bodies: texts(&article.bodies),
            copyright_holder: article.copyrightholder.as_deref(),
            places: common::places(article).into_iter().map(|(concept, geo_json)| Place { concept, geo_json }).collect(),
            info_sources: common::sources(&article.infosources),
            associations: article.associations.iter().enumerate().map(associated).collect(),
            alt_ids: &article.altids,
            standard: &STANDARD,
            extension: if extended { Extension::of(article) } else { None },
        }
    }
}
