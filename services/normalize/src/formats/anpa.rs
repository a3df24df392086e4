//! IPTC 7901 / ANPA-1312 wire messages into the canonical article.
//!
//! Framing: SOH (0x01), a header line, STX (0x02), the text, ETX (0x03), and
//! optionally EOT (0x04). The header carries a selector/sequence, a priority, a
//! category, a slug (keyword) and a word count, separated by spaces. The text
//! holds an optional keyword line, the headline (often between `^` and `<`,
//! ANPA's upper-rail markers), an optional "By …" line, then paragraphs
//! (indented, or separated by blank lines), the first beginning with the dateline
//! ("LONDON (PA) —"). End codes ("(END)", "-0-", a transmission trailer) are dropped.
//!
//! Kills and withholds are read from the slug and an advisory line ([`anpa_status`]);
//! an embargo from a first line that states one ([`embargo::read_statement`]),
//! which is then not part of the text.
//!
//! Priority → urgency: ANPA letters f(lash) 1, b(ulletin) 2, u(rgent) 3,
//! r(egular) 5, d(eferred) 6, a(dvance) 7, s (weekend) 8; IPTC 7901 digits are kept.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use newswire_shared::article::{Article, Concept, Text};
use newswire_shared::stage::StageError;
use regex::Regex;

use crate::formats::{anpa_status, bodies_from_paragraphs, embargo};
use crate::problems::{self, Field, Kind};
use crate::text::clean;

const SOH: char = '\u{1}';
const STX: char = '\u{2}';
const ETX: char = '\u{3}';

/// A line that only ends a story or says more follows.
static END_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(\(end\)|\(more\)|-0-|ends?|end adv.*|[A-Z]{2}-[A-Z0-9]{2}-\d\d-\d\d-\d\d \d{4}\w{0,3}|\d{2}-\d{2}-\d{2} \d{4}\w{0,3})$")
        .expect("static regex")
});
/// A dateline at the start of the first paragraph: "LONDON (PA) —" or "PARIS, Feb 14 (Reuters) -".
static DATELINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z][A-Z .'-]{1,40}?)(?:,[^()]{0,40})?\s*\(([^()]{1,40})\)\s*[-–—]+\s*").expect("static regex"));
/// A byline.
static BYLINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?i:by)\s+(\S.{0,80})$").expect("static regex"));

/// Parses one IPTC 7901 / ANPA message; `arrived` (when ingest accepted it)
/// completes an embargo line that leaves out its date.
pub fn parse(text: &str, zone: Tz, arrived: Option<DateTime<Utc>>) -> Result<Article, StageError> {
    let after_soh = text.split_once(SOH).map_or(text, |(_, rest)| rest);
    let (header, rest) = after_soh
        .split_once(STX)
        .ok_or_else(|| StageError::new("malformed_anpa", "no STX (0x02) between the header and the text"))?;
    let body_text = rest.split(ETX).next().unwrap_or_default();
    let mut article = Article::default();
    read_header(header, &mut article);
    read_text(without_embargo_line(body_text, zone, arrived, &mut article), &mut article);
    anpa_status::read(&slug_tokens(header), body_text, &mut article);
    Ok(article)
}

/// The text without its first line when that line is an embargo statement
/// ("EMBARGOED UNTIL 0001 GMT TUESDAY MARCH 15"), read into `article.embargoed`:
/// the line is metadata, and left in it would stand before the headline.
fn without_embargo_line<'a>(text: &'a str, zone: Tz, arrived: Option<DateTime<Utc>>, article: &mut Article) -> &'a str {
    let Some(line) = text.lines().find(|l| !l.trim().is_empty()) else { return text };
    if !embargo::read_statement(article, "text: embargo line", line, zone, arrived) {
        return text;
    }
    let start = line.as_ptr() as usize - text.as_ptr() as usize;
    &text[(start + line.len()).min(text.len())..]
}

/// The header: selector, priority, category, slug, word count (slug may be several tokens).
fn read_header(header: &str, article: &mut Article) {
    let tokens: Vec<&str> = header.split_whitespace().collect();
    let Some(priority) = tokens.get(1) else { return };
    article.urgency = priority_to_urgency(article, priority);
    if let Some(category) = tokens.get(2).filter(|c| c.len() == 1) {
        article.subjects.push(Concept { literal: Some(format!("anpa-category:{category}")), rel: Some("category".into()), ..Default::default() });
    }
    let slug = slug_tokens(header);
    if !slug.is_empty() {
        article.subjects.push(Concept { name: Some(slug.join(" ")), rel: Some("keyword".into()), ..Default::default() });
    }
}

/// The header's slug tokens: those after selector, priority and category that are not a word count.
fn slug_tokens(header: &str) -> Vec<&str> {
    header.split_whitespace().skip(3).filter(|t| !t.chars().all(|c| c.is_ascii_digit() || c == '-')).collect()
}

/// The urgency of a priority letter or IPTC 7901 digit; another code is recorded and gives `None`.
fn priority_to_urgency(article: &mut Article, priority: &str) -> Option<u8> {
    let code = priority.to_ascii_lowercase();
    match code.as_str() {
        "f" => Some(1),
        "b" => Some(2),
        "u" => Some(3),
        "r" => Some(5),
        "d" => Some(6),
        "a" => Some(7),
        "s" => Some(8),
        digits if digits.chars().all(|c| c.is_ascii_digit()) => crate::formats::urgency(article, "header priority", digits),
        _ => {
            let detail = format!("header priority {priority:?} is not one of f b u r d a s or 1-9");
            problems::note(article, Field::Urgency, Kind::Unreadable, detail);
            None
        }
    }
}

/// The text: keyword line, headline, byline, then paragraphs with the dateline first.
fn read_text(text: &str, article: &mut Article) {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let indented = raw.starts_with([' ', '\t']);
        let line = raw.trim();
        if line.is_empty() || indented {
            push_paragraph(&mut current, &mut paragraphs);
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    push_paragraph(&mut current, &mut paragraphs);
    let mut body = Vec::new();
    for paragraph in paragraphs {
        if END_CODE.is_match(&paragraph) {
            continue;
        }
        if article.headlines.is_empty() && body.is_empty() {
            if let Some(headline) = paragraph.strip_prefix('^') {
                // Rail markers around nothing ("^", "^<") are not a headline: an
                // empty one would pass as the story's content.
                let headline = clean(headline.trim_end_matches('<'));
                if !headline.is_empty() {
                    article.headlines.push(Text::plain("main", headline));
                }
                continue;
            }
        }
        if article.by.is_none() && body.is_empty() {
            if let Some(by) = BYLINE.captures(&paragraph) {
                article.by = Some(clean(&by[1]));
                continue;
            }
        }
        body.push(paragraph);
    }
    // Without rail markers the first short line is the headline.
    if article.headlines.is_empty() && body.len() > 1 && body[0].split_whitespace().count() <= 20 && !body[0].ends_with('.') {
        article.headlines.push(Text::plain("main", body.remove(0)));
    }
    if let Some(first) = body.first() {
        if let Some(place) = DATELINE.captures(first).map(|c| clean(&c[1])) {
            article.located = Some(title_case(&place));
        }
    }
    article.bodies = bodies_from_paragraphs(&body);
}

fn push_paragraph(current: &mut String, paragraphs: &mut Vec<String>) {
    let cleaned = clean(current);
    if !cleaned.is_empty() {
        paragraphs.push(cleaned);
    }
    current.clear();
}

/// "NEW YORK" → "New York".
fn title_case(place: &str) -> String {
    place
        .split(' ')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|f| f.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()).unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIRE: &str = include_str!("../../../../tests/fixtures/normalize/anpa-story.txt");

    #[test]
    fn a_framed_anpa_message_maps_to_the_article() {
        let a = parse(WIRE, Tz::UTC, None).unwrap();
        assert_eq!(a.urgency, Some(3), "priority u is urgency 3");
        assert_eq!(a.headline(), Some("Harbour reopens after storm repairs"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.located.as_deref(), Some("Dover"));
        assert!(a.subjects.iter().any(|s| s.name.as_deref() == Some("BC-Harbour-Reopens")), "{:?}", a.subjects);
        let body = a.body_text().unwrap();
        assert!(body.starts_with("DOVER (PA) — The port reopened"), "{body}");
        assert!(body.ends_with("said the harbour master."), "{body}");
        assert_eq!(body.split("\n\n").count(), 3, "{body}");
    }

    #[test]
    fn rail_markers_around_nothing_are_not_an_empty_headline() {
        // Found by fuzzing (normalize_anpa, minimized): "^" alone became an empty
        // headline, so a message with no text passed normalize's no-content check.
        let a = parse("\u{2}^", Tz::UTC, None).unwrap();
        assert!(a.headlines.is_empty(), "{:?}", a.headlines);
        let err = crate::normalize(newswire_shared::story::SourceFormat::Anpa, b"\x02^", None, "pa", "k", &crate::config::NormalizeConfig::default()).unwrap_err();
        assert_eq!(err.reason, "no_content");
        let a = parse("\u{2}^<\n\n^Harbour reopens<\n\nThe port reopened.", Tz::UTC, None).unwrap();
        assert_eq!(a.headline(), Some("Harbour reopens"));
        assert_eq!(a.body_text(), Some("The port reopened."));
    }

    #[test]
    fn a_kill_slug_or_advisory_line_makes_the_message_a_kill() {
        let killed = WIRE.replacen("BC-Harbour-Reopens", "BC-Harbour-Reopens-KILL", 1);
        assert_ne!(killed, WIRE, "the fixture has the slug");
        let a = parse(&killed, Tz::UTC, None).unwrap();
        assert_eq!(a.pubstatus, newswire_shared::article::PubStatus::Canceled);
        assert!(a.newswire.problems.is_empty(), "{:?}", a.newswire.problems);
        let advised = parse("\u{1}a0001 r a BC-Harbour\u{2}KILL\n\n   Editors: kill the story slugged BC-Harbour.\u{3}", Tz::UTC, None).unwrap();
        assert_eq!(advised.pubstatus, newswire_shared::article::PubStatus::Canceled);
        assert_eq!(advised.newswire.problems[0].kind, "nonstandard");
        assert_eq!(parse(WIRE, Tz::UTC, None).unwrap().pubstatus, newswire_shared::article::PubStatus::Usable);
    }

    #[test]
    fn an_embargo_line_is_read_against_the_arrival_and_leaves_the_text() {
        let arrived = DateTime::parse_from_rfc3339("2022-03-14T18:30:00Z").ok().map(|t| t.with_timezone(&Utc));
        let embargoed = WIRE.replacen('\u{2}', "\u{2}EMBARGOED UNTIL 0001 GMT TUESDAY\n", 1);
        assert_ne!(embargoed, WIRE);
        let a = parse(&embargoed, Tz::UTC, arrived).unwrap();
        assert_eq!(a.embargoed.map(|t| t.to_rfc3339()).as_deref(), Some("2022-03-15T00:01:00+00:00"));
        let plain = parse(WIRE, Tz::UTC, arrived).unwrap();
        assert_eq!((a.headline(), a.body_text()), (plain.headline(), plain.body_text()), "the line is not text");
        assert!(a.newswire.problems.is_empty(), "{:?}", a.newswire.problems);
        assert_eq!(plain.embargoed, None);

        let vague = WIRE.replacen('\u{2}', "\u{2}EMBARGOED UNTIL FURTHER NOTICE\n", 1);
        let a = parse(&vague, Tz::UTC, arrived).unwrap();
        assert_eq!(a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect::<Vec<_>>(), [("embargoed", "unreadable")]);
        assert_eq!(a.headline(), plain.headline());

        let headline = parse("\u{1}a0001 r a BC-Oil\u{2}Embargo on Russian oil tightened\n\n   The EU agreed.\u{3}", Tz::UTC, arrived).unwrap();
        assert_eq!((headline.embargoed, headline.headline()), (None, Some("Embargo on Russian oil tightened")));
    }

    #[test]
    fn a_message_without_stx_is_malformed() {
        assert_eq!(parse("\u{1}a0001 r a slug 0010\nno text marker", Tz::UTC, None).unwrap_err().reason, "malformed_anpa");
    }

    #[test]
    fn an_unknown_priority_is_recorded_and_the_message_is_kept_without_urgency() {
        for (priority, kind) in [("z", "unreadable"), ("0", "out_of_range"), ("12", "out_of_range")] {
            let a = parse(&format!("\u{1}a0001 {priority} a slug\u{2}The harbour reopened.\u{3}"), Tz::UTC, None).unwrap();
            assert_eq!(a.urgency, None, "{priority}");
            assert_eq!(a.body_text(), Some("The harbour reopened."));
            let [problem] = &a.newswire.problems[..] else { panic!("{priority}: {:?}", a.newswire.problems) };
            assert_eq!((problem.field.as_str(), problem.kind.as_str()), ("urgency", kind), "{priority}");
            assert!(problem.detail.contains(priority), "{}", problem.detail);
        }
    }
}
