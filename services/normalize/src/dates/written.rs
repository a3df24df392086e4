//! Dates as pages, CMSs and scripts write them out, read word by word.
//!
//! The words of a written date may come in any order and with or without
//! commas, as long as each says what it is: a month name ("November", "Nov",
//! "Nov.", "Sept"), a day of 1–31 (with or without an ordinal: "19th"), a
//! four-digit year, or an ISO date ("2019-11-18"); optionally a weekday (which
//! must agree with the date), a time ("19:47", "7.47", "07:47:12.5", with or
//! without "am"/"pm"), and a zone: an offset ("+0100", "-05:00", "GMT+0000",
//! "UTC+1") or an abbreviation ("EST", see [`super::zones`]). "at", "-", "|"
//! and "@" between the parts are skipped, as is a trailing zone name in
//! parentheses (JavaScript's "(Coordinated Universal Time)").
//!
//! So "November 19, 2019, 07:47 PM EST", "Tuesday 19th November 2019 7.47pm",
//! "Nov. 19, 2019", "2019-11-18 17:19:53 GMT" and JavaScript's
//! `Date.toString()` ("Tue Nov 19 2019 03:15:39 GMT+0000") all read. Nothing
//! is guessed: a value without a year, month or day, with a word we do not
//! know, with a part given twice, or whose weekday is not its date's, is not a
//! written date. Numeric dates with the year last are read only when their
//! order cannot be mistaken ([`numeric_day_month`]): dotted ("23.07.2025") is
//! day first wherever it is written, and a slashed or dashed one is read when
//! one of its first two numbers is over 12 ("13/11/2025", "10/31/2024"). An
//! ambiguous one ("11/12/2019": 11 December or 12 November?) is not read.

use std::sync::LazyLock;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use regex::Regex;

/// A written date and time: its wall-clock reading and the zone it names, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The date and time as written (midnight when no time was given).
    pub wall: NaiveDateTime,
    /// The zone the value names; `None` when it names none.
    pub zone: Option<ZoneMark>,
}

/// How a written time names its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneMark {
    /// A numeric offset.
    Offset(FixedOffset),
    /// An abbreviation, upper case ("EST").
    Abbreviation(String),
}

/// A time of day: "19:47", "7.47pm", "07:47:12.5", with an optional attached offset ("17:19:53+01:00", "…Z").
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,9}))?)?(am|pm)?(z|[+-]\d{2}(?::?\d{2})?)?$").expect("static regex")
});
/// An hour with am/pm: "7pm".
static HOUR_MERIDIEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,2})(am|pm)$").expect("static regex"));
/// A day of the month, maybe with an ordinal ("19th") or a German-style dot ("19.").
static DAY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,2})(?:st|nd|rd|th)?\.?$").expect("static regex"));
/// A four-digit year.
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{4}$").expect("static regex"));
/// An ISO date, year first: "2019-11-18", "2019/11/18", "2019.11.18".
static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$").expect("static regex"));
/// A numeric date with the year last: "23.07.2025", "13/11/2025", "10-31-2024".
static YEAR_LAST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,2})([./-])(\d{1,2})[./-](\d{4})$").expect("static regex"));
/// An ISO date and time joined by "T", split into its two parts.
static ISO_JOINED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{4}[-/]\d{1,2}[-/]\d{1,2})t(.+)$").expect("static regex"));
/// A numeric offset, maybe after GMT/UTC/UT: "+0100", "-05:00", "gmt+0000", "utc+1".
static OFFSET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:gmt|utc|ut)?([+-])(\d{1,2})(?::?(\d{2}))?$").expect("static regex"));
/// A zone abbreviation ("est", "cest", "z").
static ABBREVIATION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z]{1,5}$").expect("static regex"));
/// "a.m." / "p.m." spelt with dots.
static DOTTED_MERIDIEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\b([ap])\.m\.?").expect("static regex"));
/// A zone's name in parentheses at the end: "(Coordinated Universal Time)".
static ZONE_NAME_COMMENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s*\([A-Za-z][A-Za-z .'-]*\)$").expect("static regex"));

/// Words between the parts of a date that carry nothing.
const FILLERS: &[&str] = &["at", "on", "of", "-", "–", "—", "|", "@", "/", "·", "•"];
/// The English month names, January first.
pub(crate) const MONTHS: [&str; 12] = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// The parts found so far; each may be given once.
#[derive(Default)]
struct Parts {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    weekday: Option<Weekday>,
    /// Hour, minute, second, nanosecond, as written (before am/pm).
    time: Option<(u32, u32, u32, u32)>,
    /// `Some(true)` for pm.
    pm: Option<bool>,
    zone: Option<ZoneMark>,
}

/// Reads a written date and time, or `None` when `text` is not one.
pub fn parse(text: &str) -> Option<Written> {
    // A sentence's full stop after the date ("… on 4 May 2019 at 4:12pm.") is not part of it.
    let text = ZONE_NAME_COMMENT.replace(text.trim().trim_end_matches('.'), "");
    let text = DOTTED_MERIDIEM.replace_all(&text, "${1}m").to_lowercase();
    let mut parts = Parts::default();
    for token in tokens(&text) {
        if !FILLERS.contains(&token.as_str()) {
            read_token(&token, &mut parts)?;
        }
    }
    let date = NaiveDate::from_ymd_opt(parts.year?, parts.month?, parts.day?)?;
    if parts.weekday.is_some_and(|w| w != date.weekday()) {
        return None;
    }
    let time = match parts.time {
        Some((hour, minute, second, nano)) => NaiveTime::from_hms_nano_opt(twenty_four_hour(hour, parts.pm)?, minute, second, nano)?,
        None if parts.pm.is_some() => return None,
        None => NaiveTime::MIN,
    };
    Some(Written { wall: date.and_time(time), zone: parts.zone })
}

/// The words of `text`: split at white space and commas, an ISO "dateTtime"
/// split in two, and a separate "am"/"pm" joined to the time or hour before it.
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == ',').map(|w| if w.len() > 1 { w.trim_start_matches('@') } else { w }).filter(|w| !w.is_empty()) {
        let joins_previous = matches!(word, "am" | "pm")
            && out.last().is_some_and(|p| (TIME.is_match(p) || p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit())) && !p.ends_with('m'));
        match (joins_previous, ISO_JOINED.captures(word)) {
            (true, _) => {
                if let Some(previous) = out.last_mut() {
                    previous.push_str(word);
                }
            }
            (false, Some(c)) => out.extend([c[1].to_owned(), c[2].to_owned()]),
            (false, None) => out.push(word.to_owned()),
        }
    }
    out
}

/// Puts one word into its part; `None` when it is not a part or its part is already set.
fn read_token(token: &str, parts: &mut Parts) -> Option<()> {
    if let Some(c) = ISO_DATE.captures(token) {
        set(&mut parts.year, c[1].parse().ok()?)?;
        set(&mut parts.month, c[2].parse().ok()?)?;
        return set(&mut parts.day, c[3].parse().ok()?);
    }
    if let Some(c) = YEAR_LAST.captures(token) {
        let (day, month) = numeric_day_month(c[1].parse().ok()?, c[3].parse().ok()?, &c[2])?;
        set(&mut parts.year, c[4].parse().ok()?)?;
        set(&mut parts.month, month)?;
        return set(&mut parts.day, day);
    }
    if YEAR.is_match(token) {
        return set(&mut parts.year, token.parse().ok()?);
    }
    if let Some(c) = DAY.captures(token) {
        return set(&mut parts.day, c[1].parse().ok()?);
    }
    if let Some(c) = TIME.captures(token) {
        let nano = c.get(4).map_or(Some(0), |f| fraction_nanos(f.as_str()))?;
        set(&mut parts.time, (c[1].parse().ok()?, c[2].parse().ok()?, c.get(3).map_or(Some(0), |s| s.as_str().parse().ok())?, nano))?;
        if let Some(m) = c.get(5) {
            set(&mut parts.pm, m.as_str() == "pm")?;
        }
        if let Some(o) = c.get(6) {
            set(&mut parts.zone, attached_offset(o.as_str())?)?;
        }
        return Some(());
    }
    if let Some(c) = HOUR_MERIDIEM.captures(token) {
        set(&mut parts.time, (c[1].parse().ok()?, 0, 0, 0))?;
        return set(&mut parts.pm, &c[2] == "pm");
    }
    if let Some(c) = OFFSET.captures(token) {
        let minutes = c[2].parse::<i32>().ok()? * 60 + c.get(3).map_or(Some(0), |m| m.as_str().parse().ok())?;
        let sign = if &c[1] == "-" { -1 } else { 1 };
        return set(&mut parts.zone, ZoneMark::Offset(FixedOffset::east_opt(sign * minutes * 60)?));
    }
    let word = token.strip_suffix('.').unwrap_or(token);
    if let Some(month) = month_of(word) {
        return set(&mut parts.month, month);
    }
    if let Some(weekday) = weekday_of(word) {
        return set(&mut parts.weekday, weekday);
    }
    if ABBREVIATION.is_match(token) && !matches!(token, "am" | "pm") {
        return set(&mut parts.zone, ZoneMark::Abbreviation(token.to_ascii_uppercase()));
    }
    None
}

/// The (day, month) of a numeric date written `first` `separator` `second` year:
/// day first when dotted (the European convention, never the American one);
/// otherwise only when one order is impossible (a number over 12 is the day),
/// `None` when both orders are possible.
fn numeric_day_month(first: u32, second: u32, separator: &str) -> Option<(u32, u32)> {
    match (separator, first > 12, second > 12) {
        (".", _, _) => Some((first, second)),
        (_, true, false) => Some((first, second)),
        (_, false, true) => Some((second, first)),
        _ => None,
    }
}

/// Sets a part that was not set yet; `None` if it was.
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

/// "z" or "+01:00" attached to a time.
fn attached_offset(text: &str) -> Option<ZoneMark> {
    if text == "z" {
        return Some(ZoneMark::Offset(FixedOffset::east_opt(0)?));
    }
    let c = OFFSET.captures(text)?;
    let minutes = c[2].parse::<i32>().ok()? * 60 + c.get(3).map_or(Some(0), |m| m.as_str().parse().ok())?;
    Some(ZoneMark::Offset(FixedOffset::east_opt(if &c[1] == "-" { -minutes * 60 } else { minutes * 60 })?))
}

/// Nanoseconds of a decimal fraction of a second ("5" is half a second).
fn fraction_nanos(digits: &str) -> Option<u32> {
    format!("{digits:0<9}").parse().ok()
}

/// The hour on a 24-hour clock; with am/pm the written hour must be 1–12.
fn twenty_four_hour(hour: u32, pm: Option<bool>) -> Option<u32> {
    match pm {
        None => Some(hour),
        Some(_) if !(1..=12).contains(&hour) => None,
        Some(true) => Some(hour % 12 + 12),
        Some(false) => Some(hour % 12),
    }
}

/// A month by its English name or abbreviation ("nov", "sept").
fn month_of(word: &str) -> Option<u32> {
    let at = MONTHS.iter().position(|m| *m == word || (word.len() == 3 && m.starts_with(word)) || (word == "sept" && *m == "september"))?;
    u32::try_from(at + 1).ok()
}

/// A weekday by its English name or abbreviation ("tue", "tues", "thurs").
fn weekday_of(word: &str) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(name, _)| *name == word || (word.len() >= 3 && word.len() <= 5 && name.starts_with(word))).map(|(_, w)| *w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(text: &str) -> Option<String> {
        parse(text).map(|w| w.wall.format("%Y-%m-%d %H:%M:%S%.f").to_string())
    }

    #[test]
    fn named_months_read_in_either_order_with_or_without_commas_ordinals_and_weekday() {
        for text in ["19 Nov 2019", "Nov. 19, 2019", "November 19 2019", "Tuesday 19th November 2019", "Tue, 19 November, 2019", "2019 Nov 19"] {
            assert_eq!(wall(text).as_deref(), Some("2019-11-19 00:00:00"), "{text}");
        }
    }

    #[test]
    fn twelve_hour_clocks_and_dotted_times() {
        assert_eq!(wall("Tuesday 19th November 2019 7.47pm").as_deref(), Some("2019-11-19 19:47:00"));
        assert_eq!(wall("November 19, 2019, 12:05 AM").as_deref(), Some("2019-11-19 00:05:00"));
        assert_eq!(wall("November 19, 2019 at 12 p.m.").as_deref(), Some("2019-11-19 12:00:00"));
        assert_eq!(wall("19 Nov 2019 17:19:53.25").as_deref(), Some("2019-11-19 17:19:53.250"));
        assert_eq!(wall("19 Nov 2019 at 4:12pm.").as_deref(), Some("2019-11-19 16:12:00"), "a sentence's full stop");
    }

    #[test]
    fn numeric_dates_with_the_year_last_read_only_when_their_order_is_certain() {
        assert_eq!(wall("23.07.2025").as_deref(), Some("2025-07-23 00:00:00"), "dotted is day first");
        assert_eq!(wall("05.07.2025").as_deref(), Some("2025-07-05 00:00:00"), "dotted is day first");
        assert_eq!(wall("13/11/2025 09:21:40").as_deref(), Some("2025-11-13 09:21:40"));
        assert_eq!(wall("10/31/2024").as_deref(), Some("2024-10-31 00:00:00"));
        assert_eq!(wall("2025.12.17").as_deref(), Some("2025-12-17 00:00:00"));
    }

    #[test]
    fn a_leading_on_and_an_at_sign_before_the_time_are_skipped() {
        assert_eq!(wall("on Friday December 19, 2025 @08:00PM").as_deref(), Some("2025-12-19 20:00:00"));
        assert_eq!(wall("15th of December 2025").as_deref(), Some("2025-12-15 00:00:00"));
    }

    #[test]
    fn zones_are_kept_as_written() {
        assert_eq!(parse("November 19, 2019, 07:47 PM EST").unwrap().zone, Some(ZoneMark::Abbreviation("EST".into())));
        let js = parse("Tue Nov 19 2019 03:15:39 GMT+0530 (India Standard Time)").unwrap();
        assert_eq!(js.zone, Some(ZoneMark::Offset(FixedOffset::east_opt(19_800).unwrap())));
        let attached = parse("2019-11-18 17:19:53-05:00").unwrap();
        assert_eq!(attached.zone, Some(ZoneMark::Offset(FixedOffset::west_opt(18_000).unwrap())));
    }

    #[test]
    fn anything_incomplete_contradictory_or_unknown_is_not_a_date() {
        for text in [
            "November 2019",
            "19 November",
            "2019",
            "Monday 19th November 2019",
            "19 Nov 2019 19:47 PM",
            "19 Nov 2019 pm",
            "19 Nov 2019 20 Nov",
            "11/12/2019",
            "03-09-2026",
            "13/13/2025",
            "Harbour reopens after storm",
            "Published 19 Nov 2019",
            "February 30, 2022",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
