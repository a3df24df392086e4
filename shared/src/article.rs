//! The canonical article that flows between the stages.
//!
//! Field names follow IPTC ninjs 2.1 so that a published article *is* a ninjs
//! document. What ninjs has no field for lives in one namespaced extension object,
//! [`Article::newswire`], serialized under the key `"newswire"`. That key is
//! internal: subscribers receive publish's ninjs views of the article (its
//! `output` module), which leave it out, and the identifiers the schemas insist on
//! are decided by [`crate::ninjs_ids`].

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::{Deserialize, Serialize};

/// A story's time as its source stated it: the instant with the source's own UTC
/// offset (`2019-11-19T19:47:00-05:00`), so a subscriber sees the local time
/// and calendar day the story was dated with. Comparisons are by instant.
pub type Timestamp = DateTime<FixedOffset>;

/// The ninjs `pubstatus` of a story version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PubStatus {
    /// Publishable (the ninjs default).
    #[default]
    Usable,
    /// Held back by the provider; not to be published yet.
    Withheld,
    /// Killed: the whole story must be withdrawn by recipients.
    Canceled,
}

impl PubStatus {
    /// The ninjs spelling, e.g. `"usable"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PubStatus::Usable => "usable",
            PubStatus::Withheld => "withheld",
            PubStatus::Canceled => "canceled",
        }
    }
}

/// A headline, description or body: ninjs' `{role, contenttype, value}` triple.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Text {
    /// What this text is for, e.g. `"main"`, `"summary"`, `"caption"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// IANA media type: `text/plain` or `text/html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contenttype: Option<String>,
    /// The text itself.
    pub value: String,
}

impl Text {
    /// A plain-text value with a role.
    pub fn plain(role: &str, value: impl Into<String>) -> Self {
        Text { role: Some(role.to_owned()), contenttype: Some("text/plain".into()), value: value.into() }
    }
    /// An HTML value with a role.
    pub fn html(role: &str, value: impl Into<String>) -> Self {
        Text { role: Some(role.to_owned()), contenttype: Some("text/html".into()), value: value.into() }
    }
}

/// A concept: ninjs' shape for subjects, people, organisations and places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Concept {
    /// Human-readable name, e.g. `"Liz Truss"` or `"diplomacy"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Relationship of the story to the concept (e.g. `"mentioned"`, `"keyword"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    /// A complete URI, e.g. `http://cv.iptc.org/newscodes/mediatopic/11000000`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// A free-text identifier, e.g. a country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

/// An alternative identifier (`altids`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AltId {
    /// What kind of id this is, e.g. `"newswire:story-id"`.
    pub role: String,
    /// The id.
    pub value: String,
}

/// A party that supplied or handled the content (`infosources`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct InfoSource {
    /// The party's name, e.g. `"Press Association"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its role, e.g. `"source"` or `"provider"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Its URI, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// An associated object such as a picture with its caption and credit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Association {
    /// The association's name within this article, e.g. `"picture-1"`.
    pub name: String,
    /// The associated object's own URI.
    pub uri: String,
    /// Its ninjs type, e.g. `"picture"`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Caption and other descriptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Text>,
    /// The credit line, e.g. `"Russian Foreign Ministry Press Service via AP"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyrightholder: Option<String>,
    /// Free-text creator statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// A canonical newswire article: IPTC ninjs 2.1 fields plus the `newswire` extension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Article {
    /// Stable, globally unique identifier of the story (same for all its versions).
    pub uri: String,
    /// ninjs object type; always `"text"` for stories.
    #[serde(rename = "type", default = "default_type")]
    pub kind: String,
    /// Version of the story identified by `uri`, as a decimal string (ninjs).
    #[serde(with = "version_string")]
    pub version: u64,
    /// When this version was created.
    #[serde(skip_serializing_if = "Option::is_none", with = "opt_rfc3339")]
    #[serde(default)]
    pub versioncreated: Option<Timestamp>,
    /// When the first version was created.
    #[serde(skip_serializing_if = "Option::is_none", with = "opt_rfc3339")]
    #[serde(default)]
    pub firstcreated: Option<Timestamp>,
    /// The time before which no version of the story may be published (ninjs
    /// `embargoed`); `None` when the story is not embargoed.
    #[serde(skip_serializing_if = "Option::is_none", with = "opt_rfc3339")]
    #[serde(default)]
    pub embargoed: Option<Timestamp>,
    /// Publication status.
    #[serde(default)]
    pub pubstatus: PubStatus,
    /// Editorial urgency, 1 (highest) to 9 (lowest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<u8>,
    /// BCP 47 language tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Headlines; the first is the main one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headlines: Vec<Text>,
    /// Descriptions such as the summary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Text>,
    /// Bodies: plain text (paragraphs separated by blank lines) and sanitized HTML.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<Text>,
    /// Natural-language creator statement, e.g. `"Press Association"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The dateline place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub located: Option<String>,
    /// Copyright holder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyrightholder: Option<String>,
    /// Subjects: IPTC media topics and source keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Concept>,
    /// People mentioned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Concept>,
    /// Organisations mentioned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<Concept>,
    /// Places mentioned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Concept>,
    /// Suppliers and providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub infosources: Vec<InfoSource>,
    /// Pictures and other associated objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<Association>,
    /// Alternative ids, e.g. the newswire story id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub altids: Vec<AltId>,
    /// What ninjs has no field for (internal; never part of what subscribers receive).
    #[serde(default)]
    pub newswire: Extension,
}

fn default_type() -> String {
    "text".into()
}

/// newswire's own fields, namespaced under `"newswire"` on internal topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Extension {
    /// Id shared by all versions and near-duplicates of one story.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub story_id: String,
    /// The feed that pushed the story.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feed: String,
    /// The format the story arrived in, as ingest decided it (`"scraped-text"`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_format: Option<crate::story::SourceFormat>,
    /// What the story's uri was taken from, when a parser or normalize set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_source: Option<UriSource>,
    /// uri of the first copy when this one is a near-duplicate of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicate_of: Option<String>,
    /// Enrichment results, once enrich has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrichment: Option<crate::enrichment::Enrichment>,
    /// Metadata the source sent that could not be used (an unreadable date, an
    /// urgency out of range, a body extraction that found nothing): recorded
    /// here, never a reason to lose the story.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
}

/// The evidence a story's uri stands on, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UriSource {
    /// The source's own id for the story (ninjs uri, NewsML guid, RSS guid, …).
    SourceId,
    /// The URL the page gives for itself (canonical link or `og:url`): an
    /// identity only while no different story holds it too.
    PageUrl,
    /// Nothing the source said: ingest's digest of the bytes.
    Digest,
}

/// One piece of source metadata that could not be used as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// The field, from a fixed set (`versioncreated`, `urgency`, `body`, …): a metric label.
    pub field: String,
    /// What was wrong, from a fixed set (`unreadable`, `placeholder`, `out_of_range`, …): a metric label.
    pub kind: String,
    /// What exactly, with the value as sent, for people.
    pub detail: String,
}

impl Article {
    /// The main headline, if any.
    pub fn headline(&self) -> Option<&str> {
        self.headlines.iter().find(|h| h.role.as_deref().unwrap_or("main") == "main").or(self.headlines.first()).map(|h| h.value.as_str())
    }

    /// The plain-text main body, if any.
    pub fn body_text(&self) -> Option<&str> {
        self.bodies
            .iter()
            .find(|b| b.contenttype.as_deref().unwrap_or("text/plain") == "text/plain")
            .map(|b| b.value.as_str())
    }

    /// Records that `field` could not be used as sent (`kind` says why, `detail` shows the value).
    pub fn note_problem(&mut self, field: &str, kind: &str, detail: impl Into<String>) {
        self.newswire.problems.push(FieldProblem { field: field.to_owned(), kind: kind.to_owned(), detail: detail.into() });
    }
}

/// `t` as RFC 3339 with the source's offset, `Z` for UTC, e.g.
/// `2022-02-14T16:23:00Z` or `2019-11-19T19:47:00-05:00`: how every time is written.
pub fn format_timestamp(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// ninjs carries `version` as a string; newswire orders versions numerically.
mod version_string {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(version: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&version.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(u64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Number(n) => Ok(n),
            Either::Text(t) => t.trim().parse().map_err(|_| D::Error::custom(format!("version {t:?} is not a whole number"))),
        }
    }
}

/// Timestamps are written as RFC 3339 with the source's offset, `Z` for UTC,
/// e.g. `2022-02-14T16:23:00Z` or `2019-11-19T19:47:00-05:00`.
mod opt_rfc3339 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_timestamp(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Option::<DateTime<FixedOffset>>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn sample() -> Article {
        Article {
            uri: "urn:newswire:pa:1".into(),
            kind: "text".into(),
            version: 2,
            versioncreated: Some(Utc.with_ymd_and_hms(2022, 2, 14, 16, 23, 0).unwrap().fixed_offset()),
            headlines: vec![Text::plain("main", "Hello")],
            bodies: vec![Text::plain("main", "Body.")],
            newswire: Extension { story_id: "s1".into(), ..Default::default() },
            ..Default::default()
        }
    }

    #[test]
    fn version_is_written_as_a_string_and_read_from_either_form() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["version"], "2");
        assert_eq!(json["versioncreated"], "2022-02-14T16:23:00Z");
        let mut back: Article = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, sample());
        let mut numeric = json;
        numeric["version"] = serde_json::json!(7);
        back = serde_json::from_value(numeric).unwrap();
        assert_eq!(back.version, 7);
    }

    #[test]
    fn a_time_keeps_the_offset_its_source_gave() {
        let mut article = sample();
        article.firstcreated = Some(DateTime::parse_from_rfc3339("2019-11-19T19:47:00-05:00").unwrap());
        let json = serde_json::to_value(&article).unwrap();
        assert_eq!(json["firstcreated"], "2019-11-19T19:47:00-05:00");
        let back: Article = serde_json::from_value(json).unwrap();
        assert_eq!(back.firstcreated.unwrap().offset().local_minus_utc(), -5 * 3600);
        assert_eq!(back.firstcreated, Some(DateTime::parse_from_rfc3339("2019-11-20T00:47:00Z").unwrap()), "equal as instants");
    }

    #[test]
    fn the_main_headline_and_plain_body_are_found() {
        assert_eq!(sample().headline(), Some("Hello"));
        assert_eq!(sample().body_text(), Some("Body."));
    }
}
