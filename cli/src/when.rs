//! Points in time on the command line (`--since`, `--until`): an RFC 3339 time,
//! a date or a date and time in UTC, or a span before now (`90m`, `2h`, `3d`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// Why a time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a time: use RFC 3339 (2026-12-03T09:30:00Z), a UTC date (2026-12-03) or date and time (2026-12-03T09:30), or a span before now (90s, 15m, 2h, 3d)")]
pub struct TimeError {
    /// What was given.
    pub given: String,
}

/// Reads `text` as a point in time, with `now` for spans before now.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, TimeError> {
    let fail = || TimeError { given: text.to_owned() };
    let text = text.trim();
    if text == "now" {
        return Ok(now);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(at.and_utc());
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return day.and_hms_opt(0, 0, 0).map(|at| at.and_utc()).ok_or_else(fail);
    }
    let unit = text.chars().last().ok_or_else(fail)?;
    let count: i64 = text[..text.len() - unit.len_utf8()].parse().map_err(|_| fail())?;
    let span = match unit {
        's' => TimeDelta::try_seconds(count),
        'm' => TimeDelta::try_minutes(count),
        'h' => TimeDelta::try_hours(count),
        'd' => TimeDelta::try_days(count),
        _ => None,
    };
    span.filter(|_| count >= 0).and_then(|span| now.checked_sub_signed(span)).ok_or_else(fail)
}

/// A clap value parser for a time option, relative to the moment it is parsed.
pub fn time_arg(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time(text, Utc::now()).map_err(|e| e.to_string())
}

/// A half-open window `[since, until)` of record times; an open end is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// The first instant in the window.
    pub since: Option<DateTime<Utc>>,
    /// The first instant after the window.
    pub until: Option<DateTime<Utc>>,
}

impl Window {
    /// Whether a record time (milliseconds since the epoch) is in the window; a
    /// record without a time is in it only when the window is unbounded.
    pub fn contains_ms(&self, ms: Option<i64>) -> bool {
        match ms {
            Some(ms) => self.since.is_none_or(|s| ms >= s.timestamp_millis()) && self.until.is_none_or(|u| ms < u.timestamp_millis()),
            None => self.since.is_none() && self.until.is_none(),
        }
    }

    /// Refuses a window that ends before it starts.
    pub fn check(&self) -> Result<(), String> {
        match (self.since, self.until) {
            (Some(since), Some(until)) if until <= since => Err(format!("--until {until} is not after --since {since}")),
            _ => Ok(()),
        }
    }
}

/// A record time for tables: UTC, to the millisecond.
pub fn show_ms(ms: Option<i64>) -> String {
    ms.and_then(DateTime::from_timestamp_millis).map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn at(text: &str) -> DateTime<Utc> {
        parse_time(text, now()).unwrap()
    }

    #[test]
    fn times_are_read_as_rfc_3339_utc_dates_and_spans_before_now() {
        assert_eq!(at("2026-12-03T10:00:00+01:00").to_rfc3339(), "2026-12-03T09:00:00+00:00");
        assert_eq!(at("2026-12-03T09:30:00.250Z").timestamp_millis() % 1000, 250);
        assert_eq!(at("2026-12-01").to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(at("2026-12-01T08:15").to_rfc3339(), "2026-12-01T08:15:00+00:00");
        assert_eq!(at("2026-12-01 08:15:30").to_rfc3339(), "2026-12-01T08:15:30+00:00");
        assert_eq!(at("90m").to_rfc3339(), "2026-12-03T10:30:00+00:00");
        assert_eq!(at("2h").to_rfc3339(), "2026-12-03T10:00:00+00:00");
        assert_eq!(at("3d").to_rfc3339(), "2026-11-30T12:00:00+00:00");
        assert_eq!(at("45s").to_rfc3339(), "2026-12-03T11:59:15+00:00");
        assert_eq!(at("now"), now());
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_that_work() {
        for bad in ["yesterday", "", "2h30m", "-2h", "5w", "2026-13-01", "h"] {
            let error = parse_time(bad, now()).unwrap_err();
            assert!(error.to_string().contains("RFC 3339"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_window_is_half_open_and_must_not_be_empty() {
        let window = Window { since: Some(at("2026-12-03T10:00:00Z")), until: Some(at("2026-12-03T11:00:00Z")) };
        let ms = |t: &str| Some(at(t).timestamp_millis());
        assert!(window.contains_ms(ms("2026-12-03T10:00:00Z")));
        assert!(window.contains_ms(ms("2026-12-03T10:59:59.999Z")));
        assert!(!window.contains_ms(ms("2026-12-03T11:00:00Z")));
        assert!(!window.contains_ms(ms("2026-12-03T09:59:59.999Z")));
        assert!(!window.contains_ms(None));
        assert!(Window::default().contains_ms(None));
        assert!(window.check().is_ok());
        assert!(Window { since: window.until, until: window.since }.check().unwrap_err().contains("not after"));
    }

    #[test]
    fn record_times_show_in_utc_to_the_millisecond() {
        assert_eq!(show_ms(Some(at("2026-12-03T10:00:00.5+01:00").timestamp_millis())), "2026-12-03T09:00:00.500Z");
        assert_eq!(show_ms(None), "-");
    }
}
