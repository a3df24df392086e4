//! Embargo statements in free text, as wire copy writes them: "EMBARGOED UNTIL
//! 0001 GMT TUESDAY MARCH 15", "Embargoed to 00:01 BST, 15 March 2022",
//! "EMBARGO: 1900 GMT", "HOLD FOR RELEASE UNTIL 6 P.M. EDT".
//!
//! A statement opens with `embargoed` (optionally after `strictly`), `embargo`
//! or `hold for release`, then punctuation or a connecting word (`until`,
//! `till`, `to`, `for release at`, …), then the time. The time is read by the
//! one date reader ([`crate::dates`]) after the wire's own spellings are made
//! plain: a 24-hour clock in four digits ("0001") is "00:01", "noon" is 12:00,
//! "midnight" 00:00, and "hrs" is dropped; anything after the first full stop or
//! semicolon is not part of it.
//!
//! A statement is **certain** (its source says the story is embargoed, so an
//! unreadable time is an unreadable embargo) when it reads "embargoed
//! until/till/to …", "hold for release …", is the bare word, or is written in
//! capitals; otherwise ("Embargo: EU widens sanctions", a headline) it is one
//! only when its time reads.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use newswire_shared::article::Timestamp;

use crate::dates::{self, DateError};

/// An embargo statement: the text of its time, and whether it surely is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The time as written, with the wire's spellings made plain (lower case).
    pub time: String,
    /// Whether the line says the story is embargoed even if its time does not read.
    pub certain: bool,
}

/// Words that join the opening to the time.
const CONNECTORS: &[&str] = &["for release until", "for release at", "for release", "until", "till", "til", "to", "at", "for"];

/// Connectors after which the line surely states an embargo.
const SURE_CONNECTORS: &[&str] = &["for release until", "for release at", "for release", "until", "till", "til", "to"];

/// Reads `line` as an embargo statement.
pub fn parse(line: &str) -> Option<Statement> {
    let line = line.trim().trim_start_matches(['^', '<', '*', ' ']).trim_end_matches(['<', ' ']);
    let capitals = !line.chars().any(char::is_lowercase);
    let lower = line.to_lowercase();
    let lower = strip_word(&lower, "strictly").unwrap_or(&lower);
    let (rest, opening) = if let Some(rest) = strip_word(lower, "embargoed") {
        (rest, Opening::Embargoed)
    } else if let Some(rest) = strip_word(lower, "embargo") {
        (rest, Opening::Embargo)
    } else if let Some(rest) = strip_word(lower, "hold for release") {
        (rest, Opening::HoldForRelease)
    } else {
        return None;
    };
    let after_punctuation = rest.trim_start().trim_start_matches([':', '-', '–', '—', ',']);
    let punctuated = after_punctuation.len() < rest.trim_start().len();
    let (time, connector) = match CONNECTORS.iter().find_map(|c| strip_word(after_punctuation.trim_start(), c).map(|r| (r, *c))) {
        Some((time, connector)) => (time, Some(connector)),
        None => (after_punctuation, None),
    };
    let time = plain_time(time);
    let sure_connector = connector.is_some_and(|c| SURE_CONNECTORS.contains(&c));
    let certain = match opening {
        Opening::HoldForRelease => true,
        Opening::Embargoed if connector.is_none() && !punctuated && !time.is_empty() => return None,
        Opening::Embargoed => sure_connector || time.is_empty() || capitals,
        Opening::Embargo if connector.is_none() && !punctuated => return None,
        Opening::Embargo => capitals,
    };
    Some(Statement { time, certain })
}

#[derive(Clone, Copy)]
enum Opening {
    Embargoed,
    Embargo,
    HoldForRelease,
}

/// The time of a text that is only an embargo's time (an NITF `ed-msg` of type
/// `embargo`): a leading connecting word ("until") dropped, the wire's
/// spellings made plain.
pub fn time_text(text: &str) -> String {
    let lower = text.trim().trim_start_matches([':', '-', '–', '—', ',']).to_lowercase();
    let time = CONNECTORS.iter().find_map(|c| strip_word(lower.trim_start(), c)).unwrap_or(&lower);
    plain_time(time)
}

/// `text` after `word` (which must end at a word boundary), trimmed at the start.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let rest = text.trim_start().strip_prefix(word)?;
    rest.chars().next().is_none_or(|c| !c.is_alphanumeric()).then(|| rest.trim_start())
}

/// The time as the date reader reads it: up to the first sentence break, the
/// wire's four-digit clock, noon, midnight and "hrs" made plain.
fn plain_time(text: &str) -> String {
    let text = text.replace("a.m.", "am").replace("p.m.", "pm");
    let end = [". ", ";", " — ", " -- "].iter().filter_map(|b| text.find(b)).min().unwrap_or(text.len());
    let text = text[..end].trim().trim_end_matches('.');
    let mut words: Vec<String> = Vec::new();
    for (i, word) in text.split_whitespace().enumerate() {
        let bare = word.trim_end_matches(',');
        let plain = match bare {
            "noon" | "12noon" => {
                // "12 noon" is one time.
                if words.last().is_some_and(|w| w == "12") {
                    words.pop();
                }
                "12:00".to_owned()
            }
            "midnight" => "00:00".to_owned(),
            "hrs" | "hrs." | "h" => continue,
            clock if i == 0 && is_wire_clock(clock) => format!("{}:{}", &clock[..2], &clock[2..]),
            _ => word.to_owned(),
        };
        words.push(plain);
    }
    words.join(" ")
}

/// "0001", "1900": a 24-hour time in four digits.
fn is_wire_clock(word: &str) -> bool {
    word.len() == 4
        && word.bytes().all(|b| b.is_ascii_digit())
        && word[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && word[2..].parse::<u32>().is_ok_and(|m| m < 60)
}

/// Reads a statement's time in `zone`. A time that leaves out its year or its
/// date ("00:01 GMT TUESDAY", "MARCH 15") is completed from `anchor`: of the
/// readings with the anchor's year (or the year before or after) or with a day
/// from three days before it to a week after it, the one nearest the anchor.
pub fn time(text: &str, zone: Tz, anchor: Option<DateTime<Utc>>) -> Result<Timestamp, DateError> {
    let first_error = match dates::parse_in_zone(text, zone) {
        Ok(t) => return Ok(t),
        Err(error) => error,
    };
    let Some(anchor) = anchor else { return Err(first_error) };
    let day = anchor.with_timezone(&zone).date_naive();
    let with_days = (-3..=7).filter_map(|offset| day.checked_add_signed(Duration::days(offset))).map(|d| format!("{text} {}", d.format("%-d %B %Y")));
    let with_years = [-1, 0, 1].map(|offset| format!("{text} {}", day.year() + offset));
    with_days
        .chain(with_years)
        .filter_map(|candidate| dates::parse_in_zone(&candidate, zone).ok())
        .min_by_key(|t| t.signed_duration_since(anchor).num_seconds().abs())
        .ok_or(first_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(line: &str) -> Option<(String, bool)> {
        parse(line).map(|s| (s.time, s.certain))
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_wire_spellings_of_a_statement_are_read() {
        assert_eq!(statement("EMBARGOED UNTIL 0001 GMT TUESDAY MARCH 15"), Some(("00:01 gmt tuesday march 15".into(), true)));
        assert_eq!(statement("^STRICTLY EMBARGOED TO 1900 HRS GMT<"), Some(("19:00 gmt".into(), true)));
        assert_eq!(statement("Embargoed until 12:01 a.m. EDT Thursday, March 10, 2022. Editors: do not publish"), Some(("12:01 am edt thursday, march 10, 2022".into(), true)));
        assert_eq!(statement("EMBARGO: 00.01 BST, 15 March 2022"), Some(("00.01 bst, 15 march 2022".into(), false)));
        assert_eq!(statement("HOLD FOR RELEASE UNTIL 6 P.M. EDT"), Some(("6 pm edt".into(), true)));
        assert_eq!(statement("EMBARGOED"), Some((String::new(), true)));
        assert_eq!(statement("Embargo - 12 noon on Friday, October 23, 2018"), Some(("12:00 on friday, october 23, 2018".into(), false)));
    }

    #[test]
    fn headlines_that_only_use_the_word_are_no_statement_or_an_uncertain_one() {
        assert_eq!(statement("Embargoed goods seized at Dover"), None);
        assert_eq!(statement("Embargo on Russian oil tightened"), None);
        assert_eq!(statement("Embargoes widen"), None);
        assert_eq!(statement("Harbour reopens"), None);
        assert_eq!(statement("Embargo: EU widens oil sanctions"), Some(("eu widens oil sanctions".into(), false)));
    }

    #[test]
    fn a_statement_without_its_year_or_date_is_completed_nearest_the_anchor() {
        let anchor = Some(at("2022-03-14T18:30:00Z"));
        let read = |text: &str| time(text, Tz::UTC, anchor).map(|t| t.to_rfc3339()).unwrap_or_else(|e| e.to_string());
        assert_eq!(read("00:01 gmt tuesday march 15"), "2022-03-15T00:01:00+00:00");
        assert_eq!(read("00:01 gmt tuesday"), "2022-03-15T00:01:00+00:00", "the coming Tuesday");
        assert_eq!(read("19:00 gmt"), "2022-03-14T19:00:00+00:00", "later the same day");
        assert_eq!(read("18:00"), "2022-03-14T18:00:00+00:00", "half an hour ago is nearer than tomorrow: already passed");
        assert_eq!(read("00:01 bst, 15 march 2022"), "2022-03-15T00:01:00+01:00", "a full time needs no anchor (its zone kept)");
        assert_eq!(read("12:01 am edt thursday, march 10, 2022"), "2022-03-10T00:01:00-04:00");
        assert!(time("19:00 gmt", Tz::UTC, None).is_err(), "nothing to complete it from");
        assert!(time("further notice", Tz::UTC, anchor).is_err());
        let london = time("00:01 tuesday", chrono_tz::Europe::London, Some(at("2022-07-11T12:00:00Z"))).unwrap();
        assert_eq!(london.to_rfc3339(), "2022-07-12T00:01:00+01:00", "no zone: the feed's (BST in July)");
    }
}
