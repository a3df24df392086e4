//! Parsing the times stories carry into UTC.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
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
}

/// Formats of human-written datelines, tried in order.
const DATELINE_FORMATS: &[&str] = &[
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
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let normalised = text.replace("a.m.", "am").replace("p.m.", "pm");
    for format in DATELINE_FORMATS {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&normalised, format) {
            return zone
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| DateError::Nonexistent { time: text.to_owned(), zone: zone.name().to_owned() });
        }
    }
    Err(DateError::Unrecognised(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn impossible_dates_are_errors_not_guesses() {
        let london: Tz = "Europe/London".parse().unwrap();
        assert!(matches!(parse_in_zone("February 30, 2022, 4:23 pm", london), Err(DateError::Unrecognised(_))));
        assert!(matches!(parse_in_zone("March 27, 2022, 1:30 am", london), Err(DateError::Nonexistent { .. })));
    }
}
