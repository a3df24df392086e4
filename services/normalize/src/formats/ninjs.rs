//! IPTC ninjs JSON (1.x, 2.x and 3.x) into the canonical article.
//!
//! 3.x's camelCase names (`versionCreated`, `contentType`, `altIds`, …) are read
//! as 2.x's lower-case ones; 1.x's single fields (`headline`, `headline_main`,
//! `byline`, `body_text`/`body_main`, `body_html`/`body_xhtml`/`body_richtext`,
//! `description_text`, `person`/`place`/`organisation`/`subject`, associations
//! as an object keyed by name) become 2.x's arrays. HTML bodies are sanitized
//! and a plain-text body is derived from them when none is given. Fields the
//! canonical model has no place for are not carried. The embargo is 2.x's
//! `embargoed` or 3.x's `embargoedUntil` ([`crate::formats::embargo`]).

use newswire_shared::article::Timestamp;
use newswire_shared::article::{AltId, Article, Association, Concept, InfoSource, Text};
use newswire_shared::stage::StageError;
use serde_json::{Map, Value};

use crate::formats::{body, embargo, pubstatus, urgency};
use crate::problems::Field;
use crate::text::clean;

/// Parses a ninjs document of any version.
pub fn parse(payload: &str) -> Result<Article, StageError> {
    let value: Value = serde_json::from_str(payload)
        .map_err(|e| StageError::new("malformed_json", format!("line {} column {}: {e}", e.line(), e.column())))?;
    let Value::Object(raw) = value else {
        return Err(StageError::new("malformed_ninjs", "the document is not a JSON object"));
    };
    let doc = lower_keys(raw);
    let mut article = Article {
        language: string(&doc, "language"),
        by: string(&doc, "by").or_else(|| string(&doc, "byline")).map(|b| clean(&b)),
        located: string(&doc, "located").map(|l| clean(&l)),
        copyrightholder: string(&doc, "copyrightholder"),
        ..Default::default()
    };
    article.versioncreated = time(&mut article, &doc, Field::VersionCreated, "versioncreated");
    article.firstcreated = time(&mut article, &doc, Field::FirstCreated, "firstcreated");
    // 1.x and 2.x say `embargoed`, 3.x `embargoedUntil`; the times carry their offset.
    for (key, source) in [("embargoed", "embargoed"), ("embargoeduntil", "embargoedUntil")] {
        if let Some(value) = string(&doc, key) {
            embargo::read(&mut article, source, &value, chrono_tz::Tz::UTC);
        }
    }
    if let Some(status) = string(&doc, "pubstatus") {
        article.pubstatus = pubstatus(&mut article, "pubstatus", &status).unwrap_or(article.pubstatus);
    }
    article.urgency = match doc.get("urgency") {
        Some(Value::Number(n)) => urgency(&mut article, "urgency", &n.to_string()),
        Some(Value::String(s)) => urgency(&mut article, "urgency", s),
        _ => None,
    };
    article.headlines = texts(&doc, "headlines");
    for (key, role) in [("headline", "main"), ("headline_main", "main"), ("headline_extended", "sub")] {
        if let Some(h) = string(&doc, key).map(|h| clean(&h)).filter(|h| !h.is_empty()) {
            article.headlines.push(Text::plain(role, h));
        }
    }
    article.descriptions = texts(&doc, "descriptions");
    for (key, role) in [("description_text", "summary"), ("description_usage", "usage")] {
        if let Some(d) = string(&doc, key).map(|d| clean(&d)).filter(|d| !d.is_empty()) {
            article.descriptions.push(Text::plain(role, d));
        }
    }
    article.bodies = bodies(&doc)?;
    article.subjects = concepts(&doc, &["subjects", "subject"]);
    article.people = concepts(&doc, &["people", "person"]);
    article.organisations = concepts(&doc, &["organisations", "organisation"]);
    article.places = concepts(&doc, &["places", "place"]);
    article.associations = associations(&doc);
    article.altids = altids(&doc);
    article.infosources = infosources(&doc);
    Ok(article)
}

/// ninjs 3.x spells names in camelCase; 2.x in lower case. Reads both alike.
fn lower_keys(object: Map<String, Value>) -> Map<String, Value> {
    object.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), lower_value(v))).collect()
}

fn lower_value(value: Value) -> Value {
    match value {
        Value::Object(o) => Value::Object(lower_keys(o)),
        Value::Array(a) => Value::Array(a.into_iter().map(lower_value).collect()),
        other => other,
    }
}

fn string(doc: &Map<String, Value>, key: &str) -> Option<String> {
    doc.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The time in `key`, recorded against `field` when it cannot be used.
fn time(article: &mut Article, doc: &Map<String, Value>, field: Field, key: &str) -> Option<Timestamp> {
    // ninjs times carry their offset (RFC 3339); there is no feed zone to apply.
    crate::formats::time(article, field, key, &string(doc, key)?, chrono_tz::Tz::UTC)
}

/// An array of `{role, contenttype, value}` (or plain strings), cleaned.
fn texts(doc: &Map<String, Value>, key: &str) -> Vec<Text> {
    let Some(items) = doc.get(key).and_then(Value::as_array) else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(Text::plain("main", clean(s))),
            Value::Object(o) => Some(Text {
                role: string(o, "role"),
                contenttype: string(o, "contenttype"),
                value: clean(&string(o, "value")?),
            }),
            _ => None,
        })
        .filter(|t| !t.value.is_empty())
        .collect()
}

/// Bodies: plain text split into paragraphs, HTML sanitized; plain derived from HTML if missing.
fn bodies(doc: &Map<String, Value>) -> Result<Vec<Text>, StageError> {
    let mut plain: Option<String> = None;
    let mut html: Option<String> = None;
    if let Some(items) = doc.get("bodies").and_then(Value::as_array) {
        for item in items.iter().filter_map(Value::as_object) {
            let Some(value) = string(item, "value") else { continue };
            let is_html = string(item, "contenttype").is_some_and(|t| t.contains("html"));
            let slot = if is_html { &mut html } else { &mut plain };
            slot.get_or_insert(value);
        }
    }
    for key in ["body_text", "body_main"] {
        plain = plain.or_else(|| string(doc, key));
    }
    for key in ["body_html", "body_xhtml", "body_richtext"] {
        html = html.or_else(|| string(doc, key));
    }
    let from_html = match &html {
        Some(h) => body::from_html(h)?,
        None => Vec::new(),
    };
    let mut out: Vec<Text> = match plain {
        Some(p) => plain_paragraphs(&p).into_iter().take(1).collect(),
        None => from_html.iter().filter(|t| t.contenttype.as_deref() == Some("text/plain")).cloned().collect(),
    };
    out.extend(from_html.into_iter().filter(|t| t.contenttype.as_deref() == Some("text/html")));
    Ok(out)
}

/// Plain ninjs text: paragraphs at blank lines, or at line breaks when there are no blank lines.
fn plain_paragraphs(text: &str) -> Vec<Text> {
    let text = text.replace("\r\n", "\n");
    if text.contains("\n\n") {
        body::from_plain(&text)
    } else {
        body::from_plain(&text.replace('\n', "\n\n"))
    }
}

/// Concepts from the first of `keys` present; 1.x's `scheme` + `code` become the uri.
fn concepts(doc: &Map<String, Value>, keys: &[&str]) -> Vec<Concept> {
    let Some(items) = keys.iter().find_map(|k| doc.get(*k).and_then(Value::as_array)) else { return Vec::new() };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|o| {
            let scheme_code = string(o, "scheme").zip(string(o, "code")).map(|(s, c)| format!("{s}{c}"));
            Concept {
                name: string(o, "name"),
                rel: string(o, "rel"),
                uri: string(o, "uri").or(scheme_code),
                literal: string(o, "literal").or_else(|| if o.contains_key("scheme") { None } else { string(o, "code") }),
            }
        })
        .filter(|c| c.name.is_some() || c.uri.is_some() || c.literal.is_some())
        .collect()
}

/// Associations: a 2.x/3.x array, or 1.x's object keyed by name.
fn associations(doc: &Map<String, Value>) -> Vec<Association> {
    let items: Vec<(Option<String>, &Map<String, Value>)> = match doc.get("associations") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).map(|o| (None, o)).collect(),
        Some(Value::Object(o)) => o.iter().filter_map(|(k, v)| v.as_object().map(|v| (Some(k.clone()), v))).collect(),
        _ => return Vec::new(),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, (key, o))| {
            let mut descriptions = texts(o, "descriptions");
            if let Some(caption) = string(o, "description_text").or_else(|| string(o, "caption")) {
                descriptions.push(Text::plain("caption", clean(&caption)));
            }
            Association {
                name: string(o, "name").or(key).unwrap_or_else(|| format!("association-{}", i + 1)),
                uri: string(o, "uri").unwrap_or_default(),
                kind: string(o, "type"),
                descriptions,
                copyrightholder: string(o, "copyrightholder"),
                by: string(o, "by").or_else(|| string(o, "byline")),
            }
        })
        .collect()
}

fn altids(doc: &Map<String, Value>) -> Vec<AltId> {
    match doc.get("altids") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|o| Some(AltId { role: string(o, "role").unwrap_or_else(|| "altid".into()), value: string(o, "value")? }))
            .collect(),
        // ninjs 1.x: an object of role → value.
        Some(Value::Object(o)) => {
            o.iter().filter_map(|(k, v)| Some(AltId { role: k.clone(), value: v.as_str()?.to_owned() })).collect()
        }
        _ => Vec::new(),
    }
}

fn infosources(doc: &Map<String, Value>) -> Vec<InfoSource> {
    let Some(items) = doc.get("infosources").and_then(Value::as_array) else { return Vec::new() };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|o| InfoSource { name: string(o, "name"), role: string(o, "role"), uri: string(o, "uri") })
        .filter(|s| s.name.is_some() || s.uri.is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::PubStatus;

    /// The story as normalize reads a record: its identity (uri, version) included.
    fn via_record(doc: &str) -> Article {
        crate::formats::parse(newswire_shared::story::SourceFormat::Ninjs, doc.as_bytes(), None, chrono_tz::Tz::UTC, None).unwrap()
    }

    #[test]
    fn ninjs_1x_single_fields_become_arrays() {
        let a = via_record(r#"{"uri":"urn:x","headline":"H","body_text":"B","version":"2","byline":"Jo"}"#);
        assert_eq!(a.headline(), Some("H"));
        assert_eq!(a.body_text(), Some("B"));
        assert_eq!(a.version, 2);
        assert_eq!(a.by.as_deref(), Some("Jo"));
    }

    #[test]
    fn the_embargo_is_read_from_2x_embargoed_and_3x_embargoed_until() {
        let two = parse(r#"{"uri":"u","headline":"H","embargoed":"2022-03-15T00:01:00+01:00"}"#).unwrap();
        assert_eq!(two.embargoed.map(|t| t.to_rfc3339()).as_deref(), Some("2022-03-15T00:01:00+01:00"));
        let three = parse(r#"{"uri":"u","headline":"H","embargoedUntil":"2022-03-15T00:01:00Z","versionCreated":"2022-03-14T09:00:00Z"}"#).unwrap();
        assert_eq!(three.embargoed.map(|t| t.to_rfc3339()).as_deref(), Some("2022-03-15T00:01:00+00:00"));
        assert!(three.newswire.problems.is_empty());
        let none = parse(r#"{"uri":"u","headline":"H","embargoed":null}"#).unwrap();
        assert_eq!(none.embargoed, None);
    }

    #[test]
    fn an_unreadable_embargo_is_recorded_and_held_a_day_not_published_at_once() {
        let a = via_record(r#"{"uri":"u","headline":"H","versioncreated":"2022-03-14T09:00:00Z","embargoed":"Tuesday 00:01"}"#);
        let [problem] = &a.newswire.problems[..] else { panic!("{:?}", a.newswire.problems) };
        assert_eq!((problem.field.as_str(), problem.kind.as_str()), ("embargoed", "unreadable"));
        assert!(problem.detail.starts_with("embargoed:") && problem.detail.contains("Tuesday 00:01"), "{}", problem.detail);
        assert_eq!(a.embargoed.map(|t| t.to_rfc3339()).as_deref(), Some("2022-03-15T09:00:00+00:00"), "without an arrival: a day after the story's time");
    }

    #[test]
    fn malformed_json_says_where() {
        let err = parse("{\n\"uri\": }").unwrap_err();
        assert_eq!(err.reason, "malformed_json");
        assert!(err.detail.contains("line 2"), "{}", err.detail);
    }

    #[test]
    fn ninjs_2x_keeps_concepts_associations_ids_sources_status_and_urgency() {
        let doc = include_str!("../../../../tests/fixtures/normalize/ninjs-2-full.json");
        let a = parse(doc).unwrap();
        assert_eq!(a.pubstatus, PubStatus::Withheld);
        assert_eq!(a.urgency, Some(3));
        assert_eq!(a.language.as_deref(), Some("en-GB"));
        assert_eq!(a.subjects[0].uri.as_deref(), Some("http://cv.iptc.org/newscodes/mediatopic/20000446"));
        assert_eq!(a.people[0].name.as_deref(), Some("Ann Smith"));
        assert_eq!(a.organisations[0].name.as_deref(), Some("Port of Dover"));
        assert_eq!(a.places[0].name.as_deref(), Some("Dover"));
        assert_eq!(a.associations[0].descriptions[0].value, "Lorries queue near Dover");
        assert_eq!(a.altids[0].value, "PA-12345");
        assert_eq!(a.infosources[0].name.as_deref(), Some("PA Media"));
        assert_eq!(a.descriptions[0].value, "The port reopened.");
        assert_eq!(a.body_text(), Some("The port reopened on Monday.\n\nFerries returned."));
        let html = a.bodies.iter().find(|b| b.contenttype.as_deref() == Some("text/html")).unwrap();
        assert!(!html.value.contains("onerror") && !html.value.contains("<script"), "{}", html.value);
    }

    #[test]
    fn an_impossible_versioncreated_is_recorded_and_the_story_takes_firstcreated() {
        let doc = br#"{"uri":"u","headline":"H","versioncreated":"2022-02-30T10:00:00Z","firstcreated":"2022-02-14T09:00:00Z"}"#;
        // The fallback between the two dates is formats::parse's, for every format.
        let a = crate::formats::parse(newswire_shared::story::SourceFormat::Ninjs, doc, None, chrono_tz::Tz::UTC, None).unwrap();
        assert_eq!(a.headline(), Some("H"));
        assert_eq!(a.versioncreated.map(|t| t.to_rfc3339()).as_deref(), Some("2022-02-14T09:00:00+00:00"));
        let [problem] = &a.newswire.problems[..] else { panic!("{:?}", a.newswire.problems) };
        assert_eq!((problem.field.as_str(), problem.kind.as_str()), ("versioncreated", "unreadable"));
        assert!(problem.detail.starts_with("versioncreated:") && problem.detail.contains("2022-02-30"), "{}", problem.detail);
    }

    #[test]
    fn a_cms_placeholder_date_is_recorded_as_such_and_left_out() {
        let a = parse(r#"{"uri":"u","headline":"H","firstcreated":"0001-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!((a.firstcreated, a.versioncreated), (None, None));
        assert_eq!(a.newswire.problems[0].kind, "placeholder");
    }

    #[test]
    fn bad_urgency_status_and_version_are_recorded_and_the_story_is_kept() {
        let a = via_record(r#"{"uri":"u","headline":"H","urgency":12,"pubstatus":"killed","version":"v2"}"#);
        assert_eq!(a.urgency, None, "out of range: left out");
        assert_eq!(a.pubstatus, PubStatus::Canceled, "a kill spelt another way is still a kill");
        assert_eq!(a.version, 0, "none read (normalize then gives it 1, the version a story without one has)");
        let recorded: Vec<(&str, &str)> = a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect();
        assert_eq!(recorded, [("pubstatus", "nonstandard"), ("urgency", "out_of_range"), ("version", "unreadable")]);
        let unknown = via_record(r#"{"uri":"u","headline":"H","pubstatus":"maybe","urgency":"high","version":-3}"#);
        assert_eq!((unknown.pubstatus, unknown.urgency, unknown.version), (PubStatus::Usable, None, 0));
        let kinds: Vec<&str> = unknown.newswire.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["unknown", "unreadable", "unreadable"]);
    }
}
