//! Placeholders: what a source sends in a time field when it has no time.
//!
//! Told apart from an unreadable time (a date in a format we do not read) and
//! an implausible one (a real date outside the years news carries), because
//! each means something different to whoever fixes the feed:
//! - a template that was never filled in: only date-pattern letters and digits
//!   ("YYYYMMDD000000-HHMM", NITF's own example; "yyyy-MM-dd'T'HH:mm:ss",
//!   "DD/MM/YYYY"), or template syntax (`{{date}}`, `${date}`, `%Y-%m-%d`, `<%= date %>`);
//! - a zero value: all zeros ("0000-00-00 00:00:00", "00000000T000000Z"),
//!   year 1 ("0001-01-01T00:00:00Z", the zero time of .NET, Go and many CMSs'
//!   JSON-LD), or the Unix epoch (1970-01-01T00:00:00Z, whether written in UTC
//!   or in a local zone; no story is stamped at exactly that instant);
//! - a word for "no value" ([`NO_VALUE`]: "null", "undefined", "Invalid Date", …).

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use regex::Regex;

/// Words sources send for "no value", compared without case.
pub const NO_VALUE: &[&str] = &["null", "nil", "none", "undefined", "nan", "n/a", "invalid date", "tbd", "tba", "unknown", "-"];

/// Template syntax of common languages: `{…}`, `${…}`, `<%…%>`, strftime's `%Y`.
static TEMPLATE_SYNTAX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[{}]|<%|%[A-Za-z]").expect("static regex"));
/// A run of one date-pattern letter ("YYYY", "MM", "dd", "HH", "ss").
static PATTERN_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)yy|mm|dd|hh|ss").expect("static regex"));

/// Whether `text` (trimmed) is a placeholder before any parsing: a template or all zeros.
pub fn is_placeholder_text(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if NO_VALUE.contains(&lower.as_str()) || TEMPLATE_SYNTAX.is_match(text) {
        return true;
    }
    let letters: Vec<char> = lower.chars().filter(char::is_ascii_alphabetic).collect();
    let pattern_letters_only = letters.iter().all(|c| "ymdhstz".contains(*c));
    if !letters.is_empty() && pattern_letters_only && PATTERN_RUN.is_match(text) {
        return true;
    }
    let mut digits = lower.chars().filter(char::is_ascii_digit).peekable();
    digits.peek().is_some() && digits.all(|d| d == '0') && letters.iter().all(|c| matches!(c, 't' | 'z'))
}

/// Whether a time that parsed is a zero value: year 1 on the wall clock, or
/// the Unix epoch as an instant or on the wall clock.
pub fn is_zero_time(wall: &NaiveDateTime, utc: &DateTime<Utc>) -> bool {
    let epoch_on_the_wall = wall.year() == 1970 && wall.ordinal() == 1 && wall.num_seconds_from_midnight() == 0 && wall.nanosecond() == 0;
    wall.year() == 1 || epoch_on_the_wall || (utc.timestamp() == 0 && utc.timestamp_subsec_nanos() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfilled_templates_are_placeholders() {
        for template in ["YYYYMMDD000000-HHMM", "yyyy-MM-dd'T'HH:mm:ss", "DD/MM/YYYY", "{{ date }}", "${pubDate}", "%Y-%m-%d", "<%= date %>"] {
            assert!(is_placeholder_text(template), "{template}");
        }
    }

    #[test]
    fn zeros_and_no_value_words_are_placeholders() {
        for zero in ["0000-00-00 00:00:00", "00000000T000000Z", "0", "null", "Invalid Date", "N/A"] {
            assert!(is_placeholder_text(zero), "{zero}");
        }
    }

    #[test]
    fn real_times_are_not_placeholders_before_parsing() {
        for real in ["20191118T171953Z", "2019-11-18 17:19:53 GMT", "Tue Nov 19 2019 03:15:39 GMT+0000", "Thursday", "2000-01-01", "Sunday 1st"] {
            assert!(!is_placeholder_text(real), "{real}");
        }
    }
}
