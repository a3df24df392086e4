//! Which dead letters a `newswire dlq` command is about: by stage, reason, feed
//! and the time they were written.

use chrono::{DateTime, Utc};

use super::letter::DeadLetter;
use crate::when::{time_arg, Window};

/// The filters `list` and `redrive` share (all given must match).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Filters {
    /// Only dead letters of this stage: ingest, normalize, enrich or publish.
    #[arg(long)]
    pub stage: Option<String>,
    /// Only dead letters with this reason code, e.g. no_content or output_too_large.
    #[arg(long)]
    pub reason: Option<String>,
    /// Only stories of this feed (the `newswire-feed` header).
    #[arg(long)]
    pub feed: Option<String>,
    /// Only dead letters written at or after this time (RFC 3339, a UTC date, or a span before now: 2h, 3d).
    #[arg(long, value_parser = time_arg)]
    pub since: Option<DateTime<Utc>>,
    /// Only dead letters written before this time.
    #[arg(long, value_parser = time_arg)]
    pub until: Option<DateTime<Utc>>,
}

impl Filters {
    /// The time window.
    pub fn window(&self) -> Window {
        Window { since: self.since, until: self.until }
    }

    /// Whether no filter was given.
    pub fn is_empty(&self) -> bool {
        self.stage.is_none() && self.reason.is_none() && self.feed.is_none() && self.since.is_none() && self.until.is_none()
    }

    /// Whether `letter` passes every filter given.
    pub fn matches(&self, letter: &DeadLetter) -> bool {
        let stage = self.stage.as_deref().is_none_or(|s| letter.stage() == s);
        let reason = self.reason.as_deref().is_none_or(|r| letter.reason() == r);
        let feed = self.feed.as_deref().is_none_or(|f| letter.feed().eq_ignore_ascii_case(f));
        stage && reason && feed && self.window().contains_ms(letter.timestamp_ms)
    }

    /// The filters given, for summaries: `stage=enrich reason=output_too_large`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [("stage", &self.stage), ("reason", &self.reason), ("feed", &self.feed)] {
            if let Some(value) = value {
                parts.push(format!("{name}={value}"));
            }
        }
        for (name, value) in [("since", self.since), ("until", self.until)] {
            if let Some(value) = value {
                parts.push(format!("{name}={}", value.to_rfc3339()));
            }
        }
        if parts.is_empty() {
            "no filter".into()
        } else {
            parts.join(" ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlq::letter::DlqId;
    use newswire_shared::kafka::headers::{self, HeaderMap};

    fn letter(stage: &str, reason: &str, feed: &str, ms: i64) -> DeadLetter {
        let headers =
            HeaderMap::new().with(headers::FEED, feed).with(headers::DLQ_STAGE, stage).with(headers::DLQ_REASON, reason);
        DeadLetter { id: DlqId { partition: 0, offset: 0 }, timestamp_ms: Some(ms), key: None, payload: Vec::new(), headers }
    }

    #[test]
    fn every_filter_given_must_match() {
        let l = letter("normalize", "no_content", "pa", 2_000);
        assert!(Filters::default().matches(&l));
        assert!(Filters { stage: Some("normalize".into()), feed: Some("PA".into()), ..Default::default() }.matches(&l));
        assert!(!Filters { stage: Some("enrich".into()), ..Default::default() }.matches(&l));
        assert!(!Filters { reason: Some("no".into()), ..Default::default() }.matches(&l), "reasons match whole");
        assert!(!Filters { feed: Some("ap".into()), ..Default::default() }.matches(&l));
        let at = |ms| DateTime::from_timestamp_millis(ms);
        assert!(Filters { since: at(2_000), until: at(2_001), ..Default::default() }.matches(&l));
        assert!(!Filters { since: at(2_001), ..Default::default() }.matches(&l));
        assert!(!Filters { until: at(2_000), ..Default::default() }.matches(&l));
    }

    #[test]
    fn filters_describe_themselves_and_know_when_none_was_given() {
        assert!(Filters::default().is_empty());
        assert_eq!(Filters::default().describe(), "no filter");
        let f = Filters { stage: Some("enrich".into()), since: DateTime::from_timestamp_millis(0), ..Default::default() };
        assert!(!f.is_empty());
        assert_eq!(f.describe(), "stage=enrich since=1970-01-01T00:00:00+00:00");
    }
}
