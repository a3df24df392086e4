//! Zone abbreviations ("EST", "CEST", "GMT") and the offsets they stand for.
//!
//! An abbreviation is read in two steps:
//! 1. the feed's own zone first: when the feed's zone calls that wall-clock
//!    time by the abbreviation (Asia/Shanghai says "CST", Asia/Kolkata and
//!    Europe/Dublin in summer say "IST", Europe/London in summer says "BST"),
//!    the feed's zone gives the offset, which also settles the hour that
//!    happens twice when clocks go back;
//! 2. otherwise [`ABBREVIATIONS`], the common abbreviations with one meaning
//!    in news copy. The RFC 2822 names (UT, GMT, EST/EDT, CST/CDT, MST/MDT,
//!    PST/PDT) keep RFC 2822's North American offsets, as chrono's RFC 2822
//!    reader does.
//!
//! [`AMBIGUOUS`] abbreviations (IST is India +05:30, Irish +01:00 and Israel
//! +02:00; AST Atlantic −04:00 and Arabia +03:00; …) are read only through the
//! feed's zone (step 1); anywhere else they are an unreadable zone, never a
//! guess between their meanings. So is any abbreviation in neither list.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::{OffsetName, Tz};

/// Unambiguous abbreviations and their offsets east of UTC, in minutes.
pub const ABBREVIATIONS: &[(&str, i32)] = &[
    // Universal time.
    ("UTC", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Z", 0),
    // Europe.
    ("WET", 0),
    ("WEST", 60),
    ("BST", 60),
    ("CET", 60),
    ("CEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    // North America (RFC 2822 for the first eight).
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
    ("NST", -210),
    ("NDT", -150),
    // South America and Africa.
    ("BRT", -180),
    ("WAT", 60),
    ("CAT", 120),
    ("SAST", 120),
    ("EAT", 180),
    // Asia and the Pacific.
    ("PKT", 300),
    ("WIB", 420),
    ("HKT", 480),
    ("SGT", 480),
    ("AWST", 480),
    ("JST", 540),
    ("KST", 540),
    ("ACST", 570),
    ("ACDT", 630),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
];

/// Abbreviations with more than one common meaning: read only when the feed's
/// own zone uses them for that time.
pub const AMBIGUOUS: &[&str] = &["IST", "AST", "ADT", "GST", "SST", "ECT"];

/// The instant of wall-clock time `wall` in the zone abbreviated `name` (upper
/// case), at that zone's offset, or `None` when the abbreviation is ambiguous,
/// unknown, or the time does not exist under it.
pub fn resolve(wall: NaiveDateTime, name: &str, feed: Tz) -> Option<DateTime<FixedOffset>> {
    let local = feed.from_local_datetime(&wall);
    let in_feed_zone = [local.earliest(), local.latest()].into_iter().flatten().find(|t| t.offset().abbreviation() == Some(name));
    if let Some(t) = in_feed_zone {
        return Some(t.fixed_offset());
    }
    let offset = offset_of(name)?;
    offset.from_local_datetime(&wall).single()
}

/// The fixed offset of an unambiguous abbreviation in [`ABBREVIATIONS`].
pub fn offset_of(name: &str) -> Option<FixedOffset> {
    let (_, minutes) = ABBREVIATIONS.iter().find(|(abbreviation, _)| *abbreviation == name)?;
    FixedOffset::east_opt(minutes * 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn wall(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, 0)).unwrap()
    }

    #[test]
    fn the_table_has_no_ambiguous_or_repeated_abbreviation() {
        for (i, (name, _)) in ABBREVIATIONS.iter().enumerate() {
            assert!(!AMBIGUOUS.contains(name), "{name} is in both lists");
            assert!(ABBREVIATIONS[i + 1..].iter().all(|(other, _)| other != name), "{name} twice");
        }
    }

    #[test]
    fn the_feed_zone_decides_an_abbreviation_it_uses_itself() {
        let t = wall(2019, 11, 19, 19, 47);
        // China Standard Time for a feed in Shanghai; RFC 2822's US Central elsewhere.
        assert_eq!(resolve(t, "CST", chrono_tz::Asia::Shanghai).unwrap().to_rfc3339(), "2019-11-19T19:47:00+08:00");
        assert_eq!(resolve(t, "CST", chrono_tz::Europe::London).unwrap().to_rfc3339(), "2019-11-19T19:47:00-06:00");
        // IST is India's only for a feed in India; Ireland's only for a feed in Dublin.
        assert_eq!(resolve(t, "IST", chrono_tz::Asia::Kolkata).unwrap().to_rfc3339(), "2019-11-19T19:47:00+05:30");
        assert_eq!(resolve(wall(2019, 7, 19, 19, 47), "IST", chrono_tz::Europe::Dublin).unwrap().to_rfc3339(), "2019-07-19T19:47:00+01:00");
        assert_eq!(resolve(t, "IST", chrono_tz::Europe::London), None, "ambiguous without the feed's zone");
        assert_eq!(resolve(t, "XYZ", chrono_tz::UTC), None);
    }

    #[test]
    fn the_abbreviation_settles_the_hour_that_happens_twice() {
        // 01:30 on 27 October 2019 happened in London first as BST, then as GMT.
        let twice = wall(2019, 10, 27, 1, 30);
        assert_eq!(resolve(twice, "BST", chrono_tz::Europe::London).unwrap().to_rfc3339(), "2019-10-27T01:30:00+01:00");
        assert_eq!(resolve(twice, "GMT", chrono_tz::Europe::London).unwrap().to_rfc3339(), "2019-10-27T01:30:00+00:00");
    }
}
