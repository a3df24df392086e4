//! Embargoes: the time before which no version of a story may be published
//! (`Article.embargoed`, ninjs `embargoed`), read from every format that carries one.
//!
//! | format | where | read as |
//! |---|---|---|
//! | ninjs 1.x / 2.x | `embargoed` | a machine time ([`read`]) |
//! | ninjs 3.x | `embargoedUntil` | a machine time |
//! | NewsML-G2 | `itemMeta/embargoed` (empty: until further notice) | a machine time |
//! | NITF | `docdata/date.release@norm`, when later than `date.issue` or when `management-status` is `embargoed`; an `ed-msg` of type `embargo`, or whose text is an embargo statement | a machine time; a statement ([`read_statement`]) |
//! | NewsML 1.2 | `NewsManagement/StatusWillChange` (`FutureStatus` usable at `DateAndTime`) while `Status` is embargoed or withheld | a machine time |
//! | IPTC 7901 / ANPA | the text's first line, when it is an embargo statement ("EMBARGOED UNTIL 0001 GMT TUESDAY MARCH 15") | a statement |
//!
//! A statement's time may leave out what the reader knows from the day it
//! arrived (its year, or its whole date: "0001 GMT TUESDAY"): it is completed
//! from the story's own time or its arrival, taking the reading nearest to it
//! ([`crate::formats::embargo_statement`]).
//!
//! **An embargo that cannot be read** (unreadable, an unknown zone, a time
//! skipped by a clock change, a year outside 1800–2200, "until further notice")
//! is recorded on the story (`embargoed` / the date's kind, [`crate::problems`])
//! and the story is held for [`UNREADABLE_HOLD_HOURS`] after its arrival
//! ([`settle`]). The source said the story is embargoed: releasing it at once
//! could break the embargo, holding it until someone notices could hold it
//! forever. A day is the wire's usual embargo horizon (overnight, "0001 local
//! time tomorrow"); the agency's next version of the story (an embargo it can
//! be read by, or none: a lift) replaces the held one before that, and the
//! problem is counted (`newswire_field_problems_total{field="embargoed"}`) so a
//! desk can look at it. A **placeholder** (zeros, the Unix epoch, an unfilled
//! template) is no embargo: templates send one when none was set.
//!
//! When a format gives two embargo times, the later one holds.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use newswire_shared::article::{Article, Timestamp};

use crate::dates::{self, DateError};
use crate::formats::embargo_statement;
use crate::problems::{self, Field, Kind};

/// How long a story whose embargo cannot be read is held after its arrival.
pub const UNREADABLE_HOLD_HOURS: i64 = 24;

/// Reads a machine embargo time `value` given by the source element `source`:
/// sets `article.embargoed`, or records why it cannot (see the module docs).
pub fn read(article: &mut Article, source: &str, value: &str, zone: Tz) {
    match dates::parse_in_zone(value, zone) {
        Ok(t) => hold_until(article, t),
        Err(error) => unreadable(article, source, &error),
    }
}

/// Records an embargo that names no time ("until further notice", an empty
/// element): held like an unreadable one.
pub fn without_time(article: &mut Article, source: &str) {
    let detail = format!("{source}: an embargo without a time; {}", held_note());
    problems::note(article, Field::Embargoed, Kind::Unreadable, detail);
}

/// Reads `line` as a free-text embargo statement; returns whether it is one.
/// Its time is completed, when it leaves out the year or the date, from
/// `anchor` (the story's time or its arrival). A statement whose time cannot be
/// read is an unreadable embargo; a line that only looks like one ("Embargo:
/// EU widens oil sanctions") is no statement.
pub fn read_statement(article: &mut Article, source: &str, line: &str, zone: Tz, anchor: Option<DateTime<Utc>>) -> bool {
    let Some(statement) = embargo_statement::parse(line) else { return false };
    match embargo_statement::time(&statement.time, zone, anchor) {
        Ok(t) => {
            hold_until(article, t);
            true
        }
        Err(_) if !statement.certain => false,
        Err(error) => {
            let detail = format!("{source}: the statement {:?} gives no time we read ({error}); {}", line.trim(), held_note());
            problems::note(article, Field::Embargoed, Kind::of_date(&error), detail);
            true
        }
    }
}

/// Reads `text` as the time of an embargo its source states by other means
/// (an NITF `ed-msg` of type `embargo`): a connecting word and the wire's
/// spellings allowed, completed from `anchor` like a statement's; a time that
/// does not read is an unreadable embargo.
pub fn read_time_text(article: &mut Article, source: &str, text: &str, zone: Tz, anchor: Option<DateTime<Utc>>) {
    match embargo_statement::time(&embargo_statement::time_text(text), zone, anchor) {
        Ok(t) => hold_until(article, t),
        Err(error) => unreadable(article, source, &error),
    }
}

/// Sets the embargo to `until`, or keeps the later one already read.
pub fn hold_until(article: &mut Article, until: Timestamp) {
    article.embargoed = Some(article.embargoed.map_or(until, |t| t.max(until)));
}

fn unreadable(article: &mut Article, source: &str, error: &DateError) {
    let kind = Kind::of_date(error);
    let detail = match kind {
        Kind::Placeholder => format!("{source}: {error}; not embargoed"),
        _ => format!("{source}: {error}; {}", held_note()),
    };
    problems::note(article, Field::Embargoed, kind, detail);
}

fn held_note() -> String {
    format!("held for {UNREADABLE_HOLD_HOURS} hours after its arrival")
}

/// Whether the source embargoed `article` at a time that could not be read and
/// no other embargo time was read.
pub fn is_unsettled(article: &Article) -> bool {
    article.embargoed.is_none()
        && article.newswire.problems.iter().any(|p| p.field == Field::Embargoed.as_str() && p.kind != Kind::Placeholder.as_str())
}

/// Gives a story whose embargo could not be read its hold: [`UNREADABLE_HOLD_HOURS`]
/// after `arrived` (ingest's acceptance of it), else after the story's own time.
pub fn settle(article: &mut Article, arrived: Option<DateTime<Utc>>) {
    if !is_unsettled(article) {
        return;
    }
    if let Some(from) = arrived.map(|t| t.fixed_offset()).or(article.versioncreated).or(article.firstcreated) {
        article.embargoed = Some(from + Duration::hours(UNREADABLE_HOLD_HOURS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn arrival(text: &str) -> Option<DateTime<Utc>> {
        Some(utc(text).with_timezone(&Utc))
    }

    fn problems(a: &Article) -> Vec<(&str, &str)> {
        a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect()
    }

    #[test]
    fn a_machine_time_is_the_embargo_and_the_later_of_two_holds() {
        let mut a = Article::default();
        read(&mut a, "embargoed", "2022-03-15T00:01:00Z", Tz::UTC);
        read(&mut a, "other", "2022-03-14T18:00:00+00:00", Tz::UTC);
        assert_eq!(a.embargoed, Some(utc("2022-03-15T00:01:00Z")));
        assert!(a.newswire.problems.is_empty());
    }

    #[test]
    fn an_unreadable_embargo_is_recorded_and_held_a_day_after_arrival() {
        let mut a = Article::default();
        read(&mut a, "embargoed", "next Tuesday, noonish", Tz::UTC);
        assert_eq!(a.embargoed, None);
        assert_eq!(problems(&a), [("embargoed", "unreadable")]);
        assert!(a.newswire.problems[0].detail.contains("held for 24 hours"), "{}", a.newswire.problems[0].detail);
        assert!(is_unsettled(&a));
        settle(&mut a, arrival("2022-03-14T10:00:00Z"));
        assert_eq!(a.embargoed, Some(utc("2022-03-15T10:00:00Z")));
        assert!(!is_unsettled(&a));
    }

    #[test]
    fn without_an_arrival_the_hold_counts_from_the_story_time() {
        let mut a = Article { versioncreated: Some(utc("2022-03-14T09:00:00Z")), ..Default::default() };
        read(&mut a, "embargoed", "9999-12-31T00:00:00Z", Tz::UTC);
        assert_eq!(problems(&a), [("embargoed", "out_of_range")]);
        settle(&mut a, None);
        assert_eq!(a.embargoed, Some(utc("2022-03-15T09:00:00Z")));
    }

    #[test]
    fn a_placeholder_embargo_is_recorded_as_no_embargo() {
        let mut a = Article::default();
        read(&mut a, "embargoed", "0001-01-01T00:00:00Z", Tz::UTC);
        assert_eq!(problems(&a), [("embargoed", "placeholder")]);
        settle(&mut a, arrival("2022-03-14T10:00:00Z"));
        assert_eq!(a.embargoed, None, "a placeholder holds nothing");
    }

    #[test]
    fn a_readable_embargo_beside_an_unreadable_one_is_the_one_used() {
        let mut a = Article::default();
        read(&mut a, "a", "soon", Tz::UTC);
        read(&mut a, "b", "2022-03-15T00:01:00Z", Tz::UTC);
        settle(&mut a, arrival("2022-03-14T10:00:00Z"));
        assert_eq!(a.embargoed, Some(utc("2022-03-15T00:01:00Z")));
    }

    #[test]
    fn statements_are_read_completed_or_recorded_and_look_alikes_are_ignored() {
        let anchor = arrival("2022-03-14T10:00:00Z");
        let mut a = Article::default();
        assert!(read_statement(&mut a, "text", "EMBARGOED UNTIL 0001 GMT TUESDAY MARCH 15", Tz::UTC, anchor));
        assert_eq!(a.embargoed, Some(utc("2022-03-15T00:01:00Z")));

        let mut a = Article::default();
        assert!(!read_statement(&mut a, "text", "Embargo: EU widens oil sanctions", Tz::UTC, anchor));
        assert!(!read_statement(&mut a, "text", "Harbour reopens after storm", Tz::UTC, anchor));
        assert_eq!((a.embargoed, a.newswire.problems.len()), (None, 0));

        let mut a = Article::default();
        assert!(read_statement(&mut a, "text", "EMBARGOED UNTIL FURTHER NOTICE", Tz::UTC, anchor));
        assert_eq!(problems(&a), [("embargoed", "unreadable")]);
        settle(&mut a, anchor);
        assert_eq!(a.embargoed, Some(utc("2022-03-15T10:00:00Z")));
    }
}
