//! Invariants the fuzz targets check beyond "no panic". Each one is a promise
//! the code under test makes (see the doc comment on each check for where).

use newswire_shared::story::SourceFormat;
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::dates::PLAUSIBLE_YEARS;
use newswire_normalize::formats::xml::{self, Element, Mode};
use newswire_normalize::problems::{Field, Kind};
use newswire_shared::article::{Article, Text};

/// The feed every normalize target pretends the story came from.
pub const FEED: &str = "fuzz";

/// Zones with unusual offsets and DST rules (and one with a pre-1847 LMT offset),
/// so times without an offset are read in more than one zone.
pub const ZONES: &[chrono_tz::Tz] = &[
    chrono_tz::Europe::London,
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Pacific::Kiritimati,
    chrono_tz::Pacific::Pago_Pago,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::St_Johns,
];

/// Normalize's settings with the fuzz feed in Europe/London (as PA's feed is).
pub fn config() -> NormalizeConfig {
    let mut config = NormalizeConfig::default();
    config.feed_zones.insert(FEED.into(), "Europe/London".into());
    config
}

/// Runs one story through normalize's whole per-story path (`normalize::normalize`:
/// `formats::parse` plus what every article must have) and checks the result.
pub fn normalize_and_check(format: SourceFormat, payload: &[u8]) {
    if let Ok(article) = newswire_normalize::normalize(format, payload, None, FEED, "fuzz-key", &config()) {
        check_normalized(&article);
    }
}

/// A time a parser produced: every parser reads times with `dates::parse_in_zone`,
/// which refuses years outside [`PLAUSIBLE_YEARS`].
pub fn check_time(field: &str, t: &DateTime<FixedOffset>) {
    assert!(PLAUSIBLE_YEARS.contains(&t.with_timezone(&Utc).year()), "{field} {t} is outside the plausible years");
}

/// A headline: `text::clean`ed by every parser (no control characters, no line
/// breaks, no surrounding white space).
fn check_headline(t: &Text) {
    let v = &t.value;
    assert!(!v.chars().any(char::is_control), "control character in headline {v:?}");
    assert_eq!(v.trim(), v, "untrimmed headline {v:?}");
}

/// A plain-text body: cleaned paragraphs joined by blank lines.
fn check_plain_body(t: &Text) {
    let v = &t.value;
    assert!(!v.is_empty(), "empty plain body");
    assert!(!v.chars().any(|c| c.is_control() && c != '\n'), "control character in body {v:?}");
    assert_eq!(v.trim(), v, "untrimmed body {v:?}");
    assert!(!v.contains("\n\n\n"), "an empty paragraph in body {v:?}");
}

/// An HTML body: sanitized by ammonia (`formats::body::sanitize`): no scripts or
/// styles, no event-handler attributes, no `javascript:` links. Read back with
/// normalize's own markup reader; a body it cannot read is left to the parser
/// checks.
fn check_html_body(t: &Text) {
    if let Ok(root) = xml::parse(&format!("<div>{}</div>", t.value), Mode::Html) {
        check_sanitized(&root, &t.value);
    }
}

fn check_sanitized(element: &Element, html: &str) {
    let name = element.name.to_ascii_lowercase();
    assert!(!matches!(name.as_str(), "script" | "style" | "iframe" | "object" | "embed"), "<{name}> survived sanitizing: {html:?}");
    for (key, value) in &element.attrs {
        let key = key.to_ascii_lowercase();
        assert!(!key.starts_with("on"), "attribute {key} survived sanitizing: {html:?}");
        let value: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
        assert!(!value.to_ascii_lowercase().starts_with("javascript:"), "a javascript: URL survived sanitizing: {html:?}");
    }
    for child in element.elements() {
        check_sanitized(child, html);
    }
}

/// What `normalize::normalize` promises of an article it returns, and that the
/// article survives the JSON round trip to the next stage unchanged.
pub fn check_normalized(a: &Article) {
    assert!(!a.uri.is_empty(), "normalize always sets a uri");
    assert!(a.version >= 1, "normalize sets version 0 to 1");
    // "found neither a headline nor a body" is a `no_content` error: an article
    // that passes has a real (non-empty) one of them.
    let has_headline = a.headline().is_some_and(|h| !h.is_empty());
    let has_body = a.body_text().is_some_and(|b| !b.is_empty());
    assert!(has_headline || has_body, "passed normalize with neither a headline nor a body: {a:?}");
    for (name, t) in [("versioncreated", &a.versioncreated), ("firstcreated", &a.firstcreated)] {
        if let Some(t) = t {
            check_time(name, t);
        }
    }
    if let Some(u) = a.urgency {
        assert!((1..=9).contains(&u), "urgency {u} outside 1-9");
    }
    // Unusable metadata is recorded with words from the fixed vocabularies
    // (`normalize::problems`: they are metric labels) and a detail for people.
    for p in &a.newswire.problems {
        assert!(Field::ALL.iter().any(|f| f.as_str() == p.field), "problem field {:?} is not in the vocabulary", p.field);
        assert!(Kind::ALL.iter().any(|k| k.as_str() == p.kind), "problem kind {:?} is not in the vocabulary", p.kind);
        assert!(!p.detail.is_empty(), "a problem without a detail: {p:?}");
    }
    a.headlines.iter().for_each(check_headline);
    for body in &a.bodies {
        match body.contenttype.as_deref() {
            Some("text/html") => check_html_body(body),
            _ => check_plain_body(body),
        }
    }
    for association in &a.associations {
        assert!(!association.uri.is_empty(), "normalize gives every association a uri");
    }
    let json = serde_json::to_vec(a).expect("an article always serializes");
    let back: Article = serde_json::from_slice(&json).expect("the next stage can read the article back");
    assert_eq!(&back, a, "the article changed in the JSON round trip");
}
