//! Parsing the times stories carry into instants that keep their source's
//! UTC offset ([`Timestamp`]): the offset the value names, else the feed zone's
//! offset at that time.
//!
//! Read in this order, the first that fits wins:
//! 1. RFC 3339 and RFC 2822 (chrono's own readers), then ISO 8601 with an
//!    offset in its other spellings (basic "20161019T111500-0500", "Z" for UTC,
//!    an offset without a colon);
//! 2. zone-less ISO 8601 ("2022-07-01T12:00:00", "20240315T1330", "20220701");
//! 3. written dates ([`written`]): month names in either order, with or without
//!    commas, ordinals and weekday, 12- or 24-hour times, ISO dates with a space
//!    before the time, JavaScript's `Date.toString()`, and a zone as an offset
//!    or an abbreviation ([`zones`]).
//!
//! A value without an offset or zone is wall-clock time in the feed's zone. A
//! placeholder ([`placeholder`]: a template, all zeros, year 1, the Unix epoch,
//! "null") is its own error, told apart from an unreadable value and from a
//! real date outside [`PLAUSIBLE_YEARS`].

mod placeholder;
mod written;
pub mod zones;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use newswire_shared::article::Timestamp;
use chrono_tz::Tz;

use crate::dates::written::ZoneMark;

/// The English month names, January first (shared with the readers of dates in addresses).
pub(crate) use crate::dates::written::MONTHS;

/// Why a time could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not a time in any format we read.
    #[error("{0:?} is not a recognised date and time")]
    Unrecognised(String),
    /// A stand-in sent where the source had no time: a template never filled
    /// in ("YYYYMMDD000000-HHMM"), a zero value (year 1, all zeros, the Unix
    /// epoch) or a word for no value ("null").
    #[error("{0:?} is a placeholder, not a time")]
    Placeholder(String),
    /// A written time whose zone abbreviation is ambiguous (IST) or unknown,
    /// and not the feed zone's own.
    #[error("{time:?} names the zone {zone:?}, which is ambiguous or unknown outside a feed in that zone")]
    UnknownZone {
        /// The time as written.
        time: String,
        /// The abbreviation.
        zone: String,
    },
    /// A wall-clock time that does not exist in the zone (skipped by a DST change).
    #[error("{time:?} does not exist in {zone} (clocks went forward)")]
    Nonexistent {
        /// The time as written.
        time: String,
        /// The zone it was read in.
        zone: String,
    },
    /// A well-formed time outside the years a news story can carry.
    #[error("{time:?} is outside the plausible years {first}–{last} for a news story")]
    Implausible {
        /// The time as written.
        time: String,
        /// Earliest year accepted.
        first: i32,
        /// Latest year accepted.
        last: i32,
    },
}

/// Years a story's timestamps may fall in. Archive backfills reach back a long
/// way and embargoes a little forward; year 0 or 99999 is a broken feed, not news.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1800..=2200;

/// Machine formats that carry an offset but are not RFC 3339 (ISO 8601 basic, as
/// in NITF's `norm` attributes, or an offset without a colon).
const OFFSET_FORMATS: &[&str] = &["%Y%m%dT%H%M%S%z", "%Y%m%dT%H%M%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"];

/// Dates without a time of day, read as midnight in the zone.
const DATE_ONLY_FORMATS: &[&str] = &["%Y-%m-%d", "%Y%m%d"];

/// Zone-less ISO 8601 machine times, tried in order.
const ZONELESS_FORMATS: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y%m%dT%H%M%S", "%Y%m%dT%H%M"];

/// A time as read: its wall-clock reading (for placeholder checks) and its instant
/// at the offset the value gave or the zone had.
struct Read {
    wall: NaiveDateTime,
    at: Timestamp,
}

impl Read {
    fn fixed(t: DateTime<FixedOffset>) -> Self {
        Read { wall: t.naive_local(), at: t }
    }
}

/// Reads a time with or without an offset. RFC 3339 / ISO 8601 and RFC 2822
/// times carry their own offset; a time without one is wall-clock time in `zone`
/// (so "February 14, 2022, 4:23 pm" in Europe/London is 16:23 UTC, and the same
/// in July is 15:23 UTC). An ambiguous time (clocks went back) takes the earlier.
/// The result keeps the offset: the value's own, else the zone's at that time.
pub fn parse_in_zone(text: &str, zone: Tz) -> Result<Timestamp, DateError> {
    let text = text.trim();
    if placeholder::is_placeholder_text(text) {
        return Err(DateError::Placeholder(text.to_owned()));
    }
    let read = parse_any(text, zone)?;
    if placeholder::is_zero_time(&read.wall, &read.at.with_timezone(&Utc)) {
        return Err(DateError::Placeholder(text.to_owned()));
    }
    if !PLAUSIBLE_YEARS.contains(&read.at.with_timezone(&Utc).year()) {
        return Err(DateError::Implausible { time: text.to_owned(), first: *PLAUSIBLE_YEARS.start(), last: *PLAUSIBLE_YEARS.end() });
    }
    Ok(read.at)
}

fn parse_any(text: &str, zone: Tz) -> Result<Read, DateError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Read::fixed(t));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Ok(Read::fixed(t));
    }
    // chrono's `%z` does not read ISO 8601's "Z" (UTC), common in NITF's compact
    // `norm` form ("20240315T133000Z"): spell it as an offset.
    let with_offset = match text.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+0000"),
        None => text.to_owned(),
    };
    if let Some(t) = OFFSET_FORMATS.iter().find_map(|f| DateTime::parse_from_str(&with_offset, f).ok()) {
        return Ok(Read::fixed(t));
    }
    let machine = ZONELESS_FORMATS.iter().find_map(|f| NaiveDateTime::parse_from_str(text, f).ok()).or_else(|| {
        DATE_ONLY_FORMATS.iter().find_map(|f| NaiveDate::parse_from_str(text, f).ok()).map(|d| d.and_time(NaiveTime::MIN))
    });
    if let Some(wall) = machine {
        return in_feed_zone(text, wall, zone);
    }
    let written = written::parse(text).ok_or_else(|| DateError::Unrecognised(text.to_owned()))?;
    match written.zone {
        None => in_feed_zone(text, written.wall, zone),
        Some(ZoneMark::Offset(offset)) => offset
            .from_local_datetime(&written.wall)
            .single()
            .map(Read::fixed)
            .ok_or_else(|| DateError::Unrecognised(text.to_owned())),
        Some(ZoneMark::Abbreviation(name)) => match zones::resolve(written.wall, &name, zone) {
            Some(at) => Ok(Read { wall: written.wall, at }),
            None => Err(DateError::UnknownZone { time: text.to_owned(), zone: name }),
        },
    }
}

/// Wall-clock time `wall` in the feed's zone; the earlier of a repeated hour.
fn in_feed_zone(text: &str, wall: NaiveDateTime, zone: Tz) -> Result<Read, DateError> {
    zone.from_local_datetime(&wall)
        .earliest()
        .map(|t| Read { wall, at: t.fixed_offset() })
        .ok_or_else(|| DateError::Nonexistent { time: text.to_owned(), zone: zone.name().to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_but_impossible_years_are_refused() {
        let london: Tz = "Europe/London".parse().unwrap();
        assert!(matches!(parse_in_zone("0000-01-01T00:00:00Z", london), Err(DateError::Implausible { .. })));
        // A five-digit year without ISO 8601's sign is not a format we read at all.
        assert!(matches!(parse_in_zone("99999-01-01T00:00:00Z", london), Err(DateError::Unrecognised(_))));
        assert!(parse_in_zone("1850-06-01T00:00:00Z", london).is_ok());
    }

    #[test]
    fn london_is_gmt_in_february_and_bst_in_july() {
        let london: Tz = "Europe/London".parse().unwrap();
        let winter = parse_in_zone("February 14, 2022, 4:23 pm", london).unwrap();
        assert_eq!(winter.to_rfc3339(), "2022-02-14T16:23:00+00:00");
        let summer = parse_in_zone("July 14, 2022, 4:23 pm", london).unwrap();
        assert_eq!(summer.to_rfc3339(), "2022-07-14T16:23:00+01:00");
    }

    #[test]
    fn explicit_offsets_win_over_the_zone() {
        let london: Tz = "Europe/London".parse().unwrap();
        let t = parse_in_zone("2022-02-14T16:23:00-05:00", london).unwrap();
        assert_eq!(t.to_rfc3339(), "2022-02-14T16:23:00-05:00");
    }

    #[test]
    fn iso_basic_with_offset_and_zoneless_iso_in_the_feed_zone() {
        let london: Tz = "Europe/London".parse().unwrap();
        assert_eq!(parse_in_zone("20161019T111500-0500", london).unwrap().to_rfc3339(), "2016-10-19T11:15:00-05:00");
        assert_eq!(parse_in_zone("2022-07-01T12:00:00", london).unwrap().to_rfc3339(), "2022-07-01T12:00:00+01:00");
        assert_eq!(parse_in_zone("20220701", london).unwrap().to_rfc3339(), "2022-07-01T00:00:00+01:00");
    }

    #[test]
    fn iso_basic_in_utc_as_nitf_writes_it() {
        let london: Tz = "Europe/London".parse().unwrap();
        assert_eq!(parse_in_zone("20240315T133000Z", london).unwrap().to_rfc3339(), "2024-03-15T13:30:00+00:00");
        assert_eq!(parse_in_zone("20240715T1330Z", london).unwrap().to_rfc3339(), "2024-07-15T13:30:00+00:00");
    }

    #[test]
    fn impossible_dates_are_errors_not_guesses() {
        let london: Tz = "Europe/London".parse().unwrap();
        assert!(matches!(parse_in_zone("February 30, 2022, 4:23 pm", london), Err(DateError::Unrecognised(_))));
        assert!(matches!(parse_in_zone("March 27, 2022, 1:30 am", london), Err(DateError::Nonexistent { .. })));
    }

    fn utc(text: &str, zone: Tz) -> String {
        parse_in_zone(text, zone).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&Utc).to_rfc3339()
    }

    fn as_stated(text: &str, zone: Tz) -> String {
        parse_in_zone(text, zone).unwrap_or_else(|e| panic!("{text}: {e}")).to_rfc3339()
    }

    #[test]
    fn a_time_keeps_the_offset_it_was_stated_in() {
        let london = chrono_tz::Europe::London;
        assert_eq!(as_stated("November 19, 2019, 07:47 PM EST", london), "2019-11-19T19:47:00-05:00");
        assert_eq!(as_stated("2019-11-19T19:47:00-05:00", london), "2019-11-19T19:47:00-05:00");
        assert_eq!(as_stated("Tue, 19 Nov 2019 19:47:00 CEST", london), "2019-11-19T19:47:00+02:00");
        // No offset: the feed zone's at that time.
        assert_eq!(as_stated("July 14, 2022, 4:23 pm", london), "2022-07-14T16:23:00+01:00");
        assert_eq!(as_stated("November 20, 2019 12:32", chrono_tz::America::New_York), "2019-11-20T12:32:00-05:00");
        // A zone abbreviation of the feed's own zone gives that zone's offset.
        assert_eq!(as_stated("30 October 2022 01:30 GMT", london), "2022-10-30T01:30:00+00:00");
    }

    #[test]
    fn the_values_real_feeds_sent_read_to_the_right_instant() {
        let london = chrono_tz::Europe::London;
        let new_york = chrono_tz::America::New_York;
        assert_eq!(utc("November 19, 2019, 07:47 PM EST", london), "2019-11-20T00:47:00+00:00");
        // No zone: the feed's (GMT in London in November; EST in New York).
        assert_eq!(utc("November 20, 2019 12:32", london), "2019-11-20T12:32:00+00:00");
        assert_eq!(utc("November 20, 2019 12:32", new_york), "2019-11-20T17:32:00+00:00");
        assert_eq!(utc("2019-11-18 17:19:53 GMT", new_york), "2019-11-18T17:19:53+00:00");
        assert_eq!(utc("Tue Nov 19 2019 03:15:39 GMT+0000", new_york), "2019-11-19T03:15:39+00:00");
        assert_eq!(utc("Tue Nov 19 2019 03:15:39 GMT+0000 (Coordinated Universal Time)", new_york), "2019-11-19T03:15:39+00:00");
        assert_eq!(utc("Tue Nov 19 2019 04:15:39 GMT+0100 (Central European Standard Time)", new_york), "2019-11-19T03:15:39+00:00");
    }

    #[test]
    fn named_months_in_either_order_with_ordinals_weekdays_and_a_twelve_hour_clock() {
        let london = chrono_tz::Europe::London;
        assert_eq!(utc("Tuesday 19th November 2019 7.47pm", london), "2019-11-19T19:47:00+00:00");
        assert_eq!(utc("19 Nov 2019", london), "2019-11-19T00:00:00+00:00");
        assert_eq!(utc("Nov. 19, 2019", london), "2019-11-19T00:00:00+00:00");
        assert_eq!(utc("14 February 2022, 16:23", london), "2022-02-14T16:23:00+00:00");
        assert_eq!(utc("July 14, 2022 at 4:23 p.m. BST", chrono_tz::UTC), "2022-07-14T15:23:00+00:00");
    }

    #[test]
    fn iso_8601_with_a_space_with_or_without_seconds_fraction_offset_or_abbreviation() {
        let london = chrono_tz::Europe::London;
        assert_eq!(utc("2019-11-18 17:19", london), "2019-11-18T17:19:00+00:00");
        assert_eq!(utc("2019-07-18 17:19:53", london), "2019-07-18T16:19:53+00:00");
        assert_eq!(utc("2019-11-18 17:19:53.5+01:00", london), "2019-11-18T16:19:53.500+00:00");
        assert_eq!(utc("2019-11-18T17:19:53 CET", london), "2019-11-18T16:19:53+00:00");
        assert_eq!(utc("2019-11-18 17:19:53Z", london), "2019-11-18T17:19:53+00:00");
        assert_eq!(utc("2019-11-18T17:19:53.123456+05:30", london), "2019-11-18T11:49:53.123456+00:00");
    }

    #[test]
    fn rfc_2822_with_and_without_seconds_and_with_a_zone_chrono_does_not_know() {
        let london = chrono_tz::Europe::London;
        assert_eq!(utc("Tue, 19 Nov 2019 19:47:00 EST", london), "2019-11-20T00:47:00+00:00");
        assert_eq!(utc("Tue, 19 Nov 2019 19:47 +0100", london), "2019-11-19T18:47:00+00:00");
        assert_eq!(utc("Tue, 19 Nov 2019 19:47:00 CEST", london), "2019-11-19T17:47:00+00:00");
        assert_eq!(utc("Tue, 19 Nov 2019 19:47:00 AEDT", london), "2019-11-19T08:47:00+00:00");
    }

    #[test]
    fn an_ambiguous_abbreviation_is_read_only_in_a_feed_of_its_own_zone() {
        assert_eq!(utc("19 Nov 2019 19:47 IST", chrono_tz::Asia::Kolkata), "2019-11-19T14:17:00+00:00");
        let elsewhere = parse_in_zone("19 Nov 2019 19:47 IST", chrono_tz::Europe::London);
        assert!(matches!(elsewhere, Err(DateError::UnknownZone { ref zone, .. }) if zone == "IST"), "{elsewhere:?}");
    }

    #[test]
    fn placeholders_are_told_apart_from_unreadable_and_implausible_times() {
        let london = chrono_tz::Europe::London;
        for placeholder in [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "Mon, 01 Jan 0001 00:00:00 +0000",
            "YYYYMMDD000000-HHMM",
            "0000-00-00 00:00:00",
            "00000000T000000Z",
            "1970-01-01T00:00:00Z",
            "Wed Dec 31 1969 19:00:00 GMT-0500 (Eastern Standard Time)",
            "1970-01-01",
            "Invalid Date",
            "null",
        ] {
            assert!(matches!(parse_in_zone(placeholder, london), Err(DateError::Placeholder(_))), "{placeholder}: {:?}", parse_in_zone(placeholder, london));
        }
        assert!(matches!(parse_in_zone("yesterday", london), Err(DateError::Unrecognised(_))));
        assert!(matches!(parse_in_zone("1700-06-01T00:00:00Z", london), Err(DateError::Implausible { .. })));
        assert!(parse_in_zone("1970-01-01T00:00:01Z", london).is_ok(), "a second after the epoch is a time");
    }

    #[test]
    fn a_written_time_in_the_hour_skipped_by_dst_does_not_exist() {
        let london = chrono_tz::Europe::London;
        assert!(matches!(parse_in_zone("27 March 2022 01:30", london), Err(DateError::Nonexistent { .. })));
        // The repeated hour takes the earlier reading (BST), unless the value names its zone.
        assert_eq!(utc("30 October 2022 01:30", london), "2022-10-30T00:30:00+00:00");
        assert_eq!(utc("30 October 2022 01:30 GMT", london), "2022-10-30T01:30:00+00:00");
    }
}
