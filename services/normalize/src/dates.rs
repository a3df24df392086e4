//! Parsing the times stories carry into UTC.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a time could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not a time in any format we read.
    #[error("{0:?} is not a recognised date and time")]
    Unrecognised(String),
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

/// Formats of human-written datelines and zone-less machine times, tried in order.
const DATELINE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y%m%dT%H%M%S",
    "%Y%m%dT%H%M",
    "%B %d, %Y, %I:%M %p",
    "%B %d, %Y %I:%M %p",
    "%d %B %Y, %H:%M",
    "%d %B %Y %H:%M",
    "%B %d, %Y, %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
];

/// Reads a time with or without an offset. RFC 3339 / ISO 8601 and RFC 2822
/// times carry their own offset; a time without one is wall-clock time in `zone`
/// (so "February 14, 2022, 4:23 pm" in Europe/London is 16:23 UTC, and the same
/// in July is 15:23 UTC). An ambiguous time (clocks went back) takes the earlier.
pub fn parse_in_zone(text: &str, zone: Tz) -> Result<DateTime<Utc>, DateError> {
    let time = parse_any(text.trim(), zone)?;
    if !PLAUSIBLE_YEARS.contains(&time.year()) {
        return Err(DateError::Implausible {
            time: text.trim().to_owned(),
            first: *PLAUSIBLE_YEARS.start(),
            last: *PLAUSIBLE_YEARS.end(),
        });
    }
    Ok(time)
}

fn parse_any(text: &str, zone: Tz) -> Result<DateTime<Utc>, DateError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Ok(t.with_timezone(&Utc));
    }
    // chrono's `%z` does not read ISO 8601's "Z" (UTC), common in NITF's compact
    // `norm` form ("20240315T133000Z"): spell it as an offset.
    let with_offset = match text.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+0000"),
        None => text.to_owned(),
    };
    for format in OFFSET_FORMATS {
        if let Ok(t) = DateTime::parse_from_str(&with_offset, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    let normalised = text.replace("a.m.", "am").replace("p.m.", "pm");
    let naive = DATELINE_FORMATS.iter().find_map(|f| NaiveDateTime::parse_from_str(&normalised, f).ok()).or_else(|| {
        DATE_ONLY_FORMATS.iter().find_map(|f| NaiveDate::parse_from_str(text, f).ok()).map(|d| d.and_time(NaiveTime::MIN))
    });
    match naive {
        Some(naive) => zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| DateError::Nonexistent { time: text.to_owned(), zone: zone.name().to_owned() }),
        None => Err(DateError::Unrecognised(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_but_impossible_years_are_refused() {
        let london: Tz = "Europe/London".parse().unwrap();
        assert!(matches!(parse_in_zone("0000-01-01T00:00:00Z", london), Err(DateError::Implausible { .. })));
        assert!(parse_in_zone("99999-01-01T00:00:00Z", london).is_err());
        assert!(parse_in_zone("1850-06-01T00:00:00Z", london).is_ok());
    }

    #[test]
    fn london_is_gmt_in_february_and_bst_in_july() {
        let london: Tz = "Europe/London".parse().unwrap();
        let winter = parse_in_zone("February 14, 2022, 4:23 pm", london).unwrap();
        assert_eq!(winter.to_rfc3339(), "2022-02-14T16:23:00+00:00");
        let summer = parse_in_zone("July 14, 2022, 4:23 pm", london).unwrap();
        assert_eq!(summer.to_rfc3339(), "2022-07-14T15:23:00+00:00");
    }

    #[test]
    fn explicit_offsets_win_over_the_zone() {
        let london: Tz = "Europe/London".parse().unwrap();
        let t = parse_in_zone("2022-02-14T16:23:00-05:00", london).unwrap();
        assert_eq!(t.to_rfc3339(), "2022-02-14T21:23:00+00:00");
    }

    #[test]
    fn iso_basic_with_offset_and_zoneless_iso_in_the_feed_zone() {
        let london: Tz = "Europe/London".parse().unwrap();
        assert_eq!(parse_in_zone("20161019T111500-0500", london).unwrap().to_rfc3339(), "2016-10-19T16:15:00+00:00");
        assert_eq!(parse_in_zone("2022-07-01T12:00:00", london).unwrap().to_rfc3339(), "2022-07-01T11:00:00+00:00");
        assert_eq!(parse_in_zone("20220701", london).unwrap().to_rfc3339(), "2022-06-30T23:00:00+00:00");
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
}
