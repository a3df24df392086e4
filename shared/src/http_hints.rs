//! What an HTTP server asks of its clients' timing: `Retry-After` (webhook
//! deliveries in publish, feed polls in ingest) and `Cache-Control: max-age`.

use std::time::{Duration, SystemTime};

/// Reads a `Retry-After` value: delay-seconds, or an HTTP-date relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Reads the `max-age` of a `Cache-Control` value: how long the response stays
/// fresh. `no-store` and `no-cache` mean it is stale at once (none).
pub fn parse_max_age(cache_control: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in cache_control.split(',').map(str::trim) {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return None,
            "max-age" => max_age = value.trim().trim_matches('"').parse::<u64>().ok().map(Duration::from_secs),
            _ => {}
        }
    }
    max_age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO), "a past date means now");
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn max_age_is_read_among_other_directives_and_no_cache_overrules_it() {
        assert_eq!(parse_max_age("public, max-age=600"), Some(Duration::from_secs(600)));
        assert_eq!(parse_max_age("Max-Age=\"60\", must-revalidate"), Some(Duration::from_secs(60)));
        assert_eq!(parse_max_age("s-maxage=600"), None, "a shared cache's age is not ours");
        assert_eq!(parse_max_age("max-age=600, no-cache"), None);
        assert_eq!(parse_max_age("max-age=soon"), None);
    }
}
