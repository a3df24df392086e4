//! How a page field the pipeline produced is compared with WCXB's ground truth.
//!
//! - title: equal after normalisation (Unicode quotes and dashes to ASCII,
//!   whitespace collapsed, case folded, trailing punctuation ignored);
//! - author: the ground-truth name is contained in `by`, case-insensitively,
//!   after the same normalisation; a truth listing several names
//!   ("A, B and C") also matches when each name is contained;
//! - date: `firstcreated`'s calendar date **as published**, in the offset the
//!   source stated (the feed zone's when it stated none), equals `publish_date`
//!   (`YYYY-MM-DD`; a `YYYY-MM` truth needs the same month): what a subscriber
//!   reads in the published string. Misses that are one day off are counted apart.

use chrono::NaiveDate;
use newswire_shared::article::Timestamp;
use serde::Serialize;

/// Whether the headline matches the ground-truth title.
pub fn title_matches(truth: &str, headline: Option<&str>) -> bool {
    headline.is_some_and(|h| normalized(h) == normalized(truth))
}

/// Whether the ground-truth author is named in `by`.
pub fn author_matches(truth: &str, by: Option<&str>) -> bool {
    let Some(by) = by.map(normalized) else { return false };
    let truth = normalized(truth);
    if by.contains(&truth) {
        return true;
    }
    let names: Vec<&str> = truth.split([',', '&', ';']).flat_map(|p| p.split(" and ")).map(str::trim).filter(|n| !n.is_empty()).collect();
    names.len() > 1 && names.iter().all(|n| by.contains(n.trim_start_matches("and ")))
}

/// How the published date compares with the ground truth's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateVerdict {
    /// Same calendar date as published.
    Right,
    /// One day off (a time zone disagreement, or a late-evening time).
    OneDayOff,
    /// Another date.
    Wrong,
    /// The article has no date.
    Missing,
}

/// Compares `firstcreated` with `publish_date`.
pub fn date_verdict(truth: &str, published: Option<Timestamp>) -> DateVerdict {
    let Some(published) = published else { return DateVerdict::Missing };
    let ours = published.date_naive();
    let truth = truth.trim();
    if let Ok(day) = NaiveDate::parse_from_str(truth, "%Y-%m-%d") {
        return match (ours - day).num_days().abs() {
            0 => DateVerdict::Right,
            1 => DateVerdict::OneDayOff,
            _ => DateVerdict::Wrong,
        };
    }
    if ours.format("%Y-%m").to_string() == truth {
        DateVerdict::Right
    } else {
        DateVerdict::Wrong
    }
}

/// Lower case, ASCII quotes and dashes, single spaces, no trailing punctuation.
fn normalized(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' | '`' | '´' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{00A0}' => ' ',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let collapsed = mapped.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != ')' && c != '"' && c != '\'').trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_match_across_quote_dash_space_and_case_differences() {
        assert!(title_matches("Truss: ‘Russians didn’t like it’ – says", Some("truss: 'russians  didn't like it' - says")));
        assert!(!title_matches("Harbour reopens", Some("Harbour reopens | Example News")));
        assert!(!title_matches("Harbour reopens", None));
    }

    #[test]
    fn an_author_is_found_inside_a_longer_byline() {
        assert!(author_matches("Jane Doe", Some("JANE DOE and John Roe")));
        assert!(!author_matches("Jane Doe", Some("John Roe")));
        assert!(author_matches("Jane Doe, John Roe, and Ann Poe", Some("Jane Doe and John Roe and Ann Poe")));
        assert!(!author_matches("Jane Doe, John Roe", Some("Jane Doe")));
    }

    #[test]
    fn dates_compare_by_the_calendar_day_as_published() {
        let t = |s: &str| Some(chrono::DateTime::parse_from_rfc3339(s).unwrap());
        assert_eq!(date_verdict("2025-09-04", t("2025-09-04T23:59:00Z")), DateVerdict::Right);
        assert_eq!(date_verdict("2025-09-04", t("2025-09-04T22:00:00-05:00")), DateVerdict::Right, "the source's own day, not UTC's");
        assert_eq!(date_verdict("2025-09-05", t("2025-09-04T22:00:00-05:00")), DateVerdict::OneDayOff);
        assert_eq!(date_verdict("2025-09-04", t("2024-09-04T10:00:00Z")), DateVerdict::Wrong);
        assert_eq!(date_verdict("2025-09", t("2025-09-30T10:00:00Z")), DateVerdict::Right);
        assert_eq!(date_verdict("2025-09-04", None), DateVerdict::Missing);
    }
}
