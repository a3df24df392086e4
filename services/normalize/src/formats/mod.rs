//! One module per source format, each turning original bytes into an [`Article`].

pub mod anpa;
pub mod anpa_status;
pub mod body;
pub mod body_fallback;
pub mod embargo;
pub mod embargo_statement;
pub mod html;
pub mod html_times;
pub mod newsml_1;
pub mod newsml_1_content;
pub mod newsml_g2;
pub mod ninjs;
pub mod nitf;
pub mod nitf_embargo;
pub mod nitf_status;
pub mod pubstatus_code;
pub mod rss;
pub mod scraped_text;
pub mod wire_copy;
pub mod xml;

use chrono::{DateTime, Utc};
use newswire_shared::article::Timestamp;
use chrono_tz::Tz;
use newswire_shared::article::{Article, PubStatus, Text};
use newswire_shared::stage::StageError;
use newswire_shared::story::identity::{self, version_field, Identity};
use newswire_shared::story::{charset, SourceFormat};

use crate::config::FeedKind;
use crate::problems::{self, Field, Kind};
use crate::{dates, text};

/// Decodes `payload` in the charset ingest decided (`charset` is the
/// `newswire-charset` header; see [`newswire_shared::story::charset`]) and parses
/// it in the format ingest recognised (the first story only, for a record that
/// holds several: see [`parse_stories`]). `zone` is the feed's zone for times without offset;
/// `kind` what the feed declares its plain text to be (`None`: told apart per story).
/// Metadata that cannot be used is recorded on the article ([`problems`]), never an error.
/// The story's id and version are read from its bytes as ingest reads them
/// (a record ingest wrote carries them: [`parse_record`]).
pub fn parse(format: SourceFormat, payload: &[u8], charset: Option<&str>, zone: Tz, kind: Option<FeedKind>) -> Result<Article, StageError> {
    parse_record(format, payload, charset, Ingested::default(), zone, kind)?
        .into_iter()
        .next()
        .map(|story| story.article)
        .ok_or_else(|| StageError::new("no_content", "the NewsML 1.x item holds no story"))
}

/// Like [`parse`], for every story in the record.
pub fn parse_stories(format: SourceFormat, payload: &[u8], charset: Option<&str>, zone: Tz, kind: Option<FeedKind>) -> Result<Vec<Story>, StageError> {
    parse_record(format, payload, charset, Ingested::default(), zone, kind)
}

/// What ingest decided about a record and wrote in its headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ingested<'a> {
    /// The story's identity (`newswire-source-id` / `newswire-source-version`);
    /// `None` for a record without them (written by an older ingest).
    pub identity: Option<&'a Identity>,
    /// When ingest accepted the record (`newswire-ingested-at-ms`): what an
    /// embargo statement that leaves out its date is read against, and where
    /// the hold of an unreadable embargo starts ([`embargo`]).
    pub at: Option<DateTime<Utc>>,
}

/// Every story in a record, its id and version the identity ingest decided
/// (`ingested.identity`: the `newswire-source-id` / `newswire-source-version`
/// headers), trusted as they are. A record without those headers (written by
/// an older ingest) has its identity decided here by the same rule ingest uses,
/// [`newswire_shared::story::identity`]; the format parsers never read one.
/// An embargo that could not be read is held from `ingested.at` ([`embargo::settle`]).
pub fn parse_record(
    format: SourceFormat,
    payload: &[u8],
    charset: Option<&str>,
    ingested: Ingested<'_>,
    zone: Tz,
    kind: Option<FeedKind>,
) -> Result<Vec<Story>, StageError> {
    let decided = charset::of_record(charset, payload).map_err(|e| StageError::new("bad_encoding", e.to_string()))?;
    let text = decided.decode(payload).map_err(|e| StageError::new("bad_encoding", e.to_string()))?;
    let text = text.as_ref();
    let one = |article: Result<Article, StageError>| article.map(|article| vec![Story { article, part: None }]);
    let mut stories = match format {
        SourceFormat::Newsml1 => newsml_1::parse(text, zone),
        SourceFormat::Ninjs => one(ninjs::parse(text)),
        SourceFormat::NewsmlG2 => one(newsml_g2::parse(text, zone)),
        SourceFormat::Nitf => one(nitf::parse(text, zone)),
        SourceFormat::Rss | SourceFormat::Atom => one(rss::parse(text, zone)),
        SourceFormat::Anpa => one(anpa::parse(text, zone, ingested.at)),
        SourceFormat::ScrapedText => one(Ok(scraped_text::parse_as(text, zone, kind))),
        SourceFormat::Html => one(html::parse(text, zone)),
    }?;
    let derived;
    let identity = match ingested.identity {
        Some(identity) => identity,
        None => {
            derived = identity::identity(format, payload, &decided);
            &derived
        }
    };
    if format == SourceFormat::NewsmlG2 && identity.guid.is_none() {
        return Err(StageError::new("malformed_newsml", "newsItem has no guid attribute"));
    }
    for story in &mut stories {
        apply_identity(&mut story.article, format, identity);
        fall_back_between_dates(&mut story.article);
        embargo::settle(&mut story.article, ingested.at);
    }
    Ok(stories)
}

/// Gives `article` the source's id (its uri, made final by normalize with
/// [`Identity::uri`]) and version; a version that is no whole number is recorded.
fn apply_identity(article: &mut Article, format: SourceFormat, identity: &Identity) {
    article.uri = identity.guid.clone().unwrap_or_default();
    if let Some(value) = &identity.version {
        article.version = version(article, version_field(format), value).unwrap_or(0);
    }
}

/// A story whose `versioncreated` or `firstcreated` could not be read takes
/// the other one, when that one could.
fn fall_back_between_dates(article: &mut Article) {
    if article.versioncreated.is_none() && problems::has(article, Field::VersionCreated) {
        article.versioncreated = article.firstcreated;
    }
    if article.firstcreated.is_none() && problems::has(article, Field::FirstCreated) {
        article.firstcreated = article.versioncreated;
    }
}

/// One story read from a record. Most records hold exactly one; a NewsML 1.x
/// item may hold several (one per text component).
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// The article, its uri the record's (the item's) own.
    pub article: Article,
    /// For every story of a record but its first, the part of the record it is
    /// (a component's `Duid`): its uri is `{uri}#{part}`, its key `{key}#{part}`.
    pub part: Option<String>,
}

/// The plain-text and HTML bodies for a list of clean paragraphs.
pub fn bodies_from_paragraphs(paragraphs: &[String]) -> Vec<Text> {
    if paragraphs.is_empty() {
        return Vec::new();
    }
    vec![Text::plain("main", text::join_paragraphs(paragraphs)), Text::html("main", text::paragraphs_to_html(paragraphs))]
}

/// Reads the time `value` that the source element `source` gave for `field`.
/// An impossible, unreadable or placeholder time is recorded on `article`
/// (naming `source` and the value) and gives `None`, never a guess.
pub fn time(article: &mut Article, field: Field, source: &str, value: &str, zone: Tz) -> Option<Timestamp> {
    match dates::parse_in_zone(value, zone) {
        Ok(t) => Some(t),
        Err(e) => {
            problems::note(article, field, Kind::of_date(&e), format!("{source}: {e}"));
            None
        }
    }
}

/// The first of `candidates` (source element, value) that reads as a time for
/// `field`; each one tried before it that did not read is recorded.
pub fn first_time<'a>(
    article: &mut Article,
    field: Field,
    candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
    zone: Tz,
) -> Option<Timestamp> {
    candidates.into_iter().find_map(|(source, value)| time(article, field, source, value, zone))
}

/// A publication status from a code such as `stat:canceled`, `usable` or an
/// IPTC NewsCodes URI, read by the rule in [`problems`]: a nonstandard code is
/// read as the status it names and recorded; an unknown one is recorded and
/// gives `None` (the format's default stays).
pub fn pubstatus(article: &mut Article, source: &str, code: &str) -> Option<PubStatus> {
    match pubstatus_code::read(code) {
        pubstatus_code::Reading::Standard(status) => Some(status),
        pubstatus_code::Reading::Nonstandard(status) => {
            let detail = format!("{source}: {code:?} is not a standard status; read as {}", status.as_str());
            problems::note(article, Field::PubStatus, Kind::Nonstandard, detail);
            Some(status)
        }
        pubstatus_code::Reading::Unknown => {
            let detail = format!("{source}: {code:?} is not usable, withheld or canceled; kept {}", article.pubstatus.as_str());
            problems::note(article, Field::PubStatus, Kind::Unknown, detail);
            None
        }
    }
}

/// [`pubstatus`] for a format whose own vocabulary has `embargoed` (NewsML 1.2,
/// NITF): an embargo is a time, not a status, so the story is usable, and
/// the format's reader gives it its embargo time ([`embargo`]: one it states,
/// else an embargo without a time, held like an unreadable one). Not a problem.
pub fn pubstatus_with_embargo(article: &mut Article, source: &str, code: &str) -> Option<PubStatus> {
    if says_embargoed(code) {
        return Some(PubStatus::Usable);
    }
    pubstatus(article, source, code)
}

/// Whether a status code is `embargoed` (NewsML 1.2, NITF).
pub fn says_embargoed(code: &str) -> bool {
    code.trim().eq_ignore_ascii_case("embargoed")
}

/// An urgency 1–9 from text; anything else is recorded and gives `None`.
pub fn urgency(article: &mut Article, source: &str, value: &str) -> Option<u8> {
    match value.trim().parse::<i64>() {
        Ok(u @ 1..=9) => u8::try_from(u).ok(),
        Ok(_) => {
            problems::note(article, Field::Urgency, Kind::OutOfRange, format!("{source}: {value:?} is not an urgency from 1 to 9"));
            None
        }
        Err(_) => {
            problems::note(article, Field::Urgency, Kind::Unreadable, format!("{source}: {value:?} is not a whole number"));
            None
        }
    }
}

/// A version number; anything but a whole number is recorded and gives `None`
/// (the story keeps what it would have without a version: see [`problems`]).
pub fn version(article: &mut Article, source: &str, value: &str) -> Option<u64> {
    match value.trim().parse() {
        Ok(v) => Some(v),
        Err(_) => {
            problems::note(article, Field::Version, Kind::Unreadable, format!("{source}: {value:?} is not a whole number"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_time_is_recorded_naming_the_source_and_gives_none() {
        let mut a = Article::default();
        assert_eq!(time(&mut a, Field::VersionCreated, "pubDate", "Mon, 30 Feb 2022 10:00:00 GMT", Tz::UTC), None);
        let [problem] = &a.newswire.problems[..] else { panic!("{:?}", a.newswire.problems) };
        assert_eq!((problem.field.as_str(), problem.kind.as_str()), ("versioncreated", "unreadable"));
        assert!(problem.detail.starts_with("pubDate:") && problem.detail.contains("30 Feb"), "{}", problem.detail);
    }

    #[test]
    fn each_kind_of_unusable_time_is_recorded_as_its_own_kind() {
        let mut a = Article::default();
        for value in ["soon", "YYYYMMDD000000-HHMM", "2300-01-01T00:00:00Z", "27 March 2022 01:30"] {
            assert_eq!(time(&mut a, Field::FirstCreated, "f", value, chrono_tz::Europe::London), None, "{value}");
        }
        let kinds: Vec<&str> = a.newswire.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["unreadable", "placeholder", "out_of_range", "nonexistent"]);
    }

    #[test]
    fn the_first_readable_candidate_wins_and_those_before_it_are_recorded() {
        let mut a = Article::default();
        let t = first_time(&mut a, Field::VersionCreated, [("a", "null"), ("b", "19 Nov 2019 19:47 EST"), ("c", "never read")], Tz::UTC);
        assert_eq!(t.map(|t| t.to_rfc3339()).as_deref(), Some("2019-11-19T19:47:00-05:00"));
        assert_eq!(a.newswire.problems.len(), 1, "{:?}", a.newswire.problems);
        assert!(a.newswire.problems[0].detail.starts_with("a:"));
    }

    #[test]
    fn pubstatus_codes_in_every_spelling_and_unknown_ones_keep_the_default() {
        let mut a = Article::default();
        assert_eq!(pubstatus(&mut a, "f", "stat:canceled"), Some(PubStatus::Canceled));
        assert_eq!(pubstatus(&mut a, "f", "http://cv.iptc.org/newscodes/pubstatusg2/withheld"), Some(PubStatus::Withheld));
        assert_eq!(pubstatus(&mut a, "f", "usable"), Some(PubStatus::Usable));
        assert!(a.newswire.problems.is_empty(), "standard codes are not problems");
        assert_eq!(pubstatus(&mut a, "f", "stat:kill"), Some(PubStatus::Canceled));
        assert_eq!(pubstatus(&mut a, "f", "stat:maybe"), None);
        let kinds: Vec<&str> = a.newswire.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["nonstandard", "unknown"]);
    }

    #[test]
    fn urgency_out_of_range_and_unreadable_are_told_apart() {
        let mut a = Article::default();
        assert_eq!(urgency(&mut a, "u", " 3 "), Some(3));
        assert_eq!(urgency(&mut a, "u", "0"), None);
        assert_eq!(urgency(&mut a, "u", "-1"), None);
        assert_eq!(urgency(&mut a, "u", "flash"), None);
        let kinds: Vec<&str> = a.newswire.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["out_of_range", "out_of_range", "unreadable"]);
    }

    #[test]
    fn a_date_that_could_not_be_read_takes_the_other_one() {
        let a = parse(SourceFormat::Ninjs, br#"{"uri":"u","headline":"H","versioncreated":"2019-11-19T19:47:00Z","firstcreated":"0001-01-01T00:00:00Z"}"#, None, Tz::UTC, None).unwrap();
        assert_eq!(a.firstcreated, a.versioncreated);
        assert!(a.firstcreated.is_some());
        // A date that was simply not sent is not filled in.
        let a = parse(SourceFormat::Ninjs, br#"{"uri":"u","headline":"H","versioncreated":"2019-11-19T19:47:00Z"}"#, None, Tz::UTC, None).unwrap();
        assert_eq!(a.firstcreated, None);
    }

    #[test]
    fn a_latin1_story_is_decoded_from_its_charset_header() {
        let a = parse(SourceFormat::Ninjs, b"{\"uri\":\"u\",\"headline\":\"Caf\xe9\"}", Some("iso-8859-1"), Tz::UTC, None).unwrap();
        assert_eq!(a.headline(), Some("Café"));
    }
}
