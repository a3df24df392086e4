//! Ingest's own settings: the `[ingest]` table (`NEWSWIRE_INGEST_*`).

use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

/// The `[ingest]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Where the push API listens (`NEWSWIRE_INGEST_ADDR`).
    pub addr: String,
    /// Where `/metrics`, `/health` and `/ready` are served (`NEWSWIRE_INGEST_ADMIN_ADDR`).
    pub admin_addr: String,
    /// Largest request body accepted, in bytes; also the cap on a
    /// gzip/deflate body once inflated.
    pub max_body_bytes: usize,
    /// Deepest XML element nesting accepted.
    pub max_xml_depth: usize,
    /// Most stories (feed entries, package items) one push may hold.
    pub max_stories_per_push: usize,
    /// How long a story is remembered to answer a re-push as `duplicate`, in seconds (default 7 days).
    pub repush_window_secs: u64,
    /// Largest clock difference accepted on signed pushes, in seconds.
    pub signature_tolerance_secs: u64,
    /// `Retry-After` sent with 503 when Kafka cannot take a write, in seconds.
    pub unavailable_retry_after_secs: u64,
    /// Longest a story waits for Kafka's acknowledgement before the push is answered 503, in milliseconds.
    pub delivery_timeout_ms: u64,
    /// The feeds allowed to push, each with its credentials.
    pub feeds: Vec<FeedConfig>,
    /// RSS/Atom URLs polled for stories, each on behalf of a configured feed.
    pub polls: Vec<PollConfig>,
    /// The contact URL in the pollers' User-Agent, `newswire/<version> (+<url>)`,
    /// so a publisher can reach whoever polls it; empty leaves it out.
    pub poll_contact_url: String,
    /// Most requests in flight at once to one host, across all polled feeds.
    pub poll_per_host_concurrency: usize,
    /// Most redirects followed in one poll.
    pub poll_max_redirects: usize,
    /// Longest one poll request may take, body included, in seconds.
    pub poll_timeout_secs: u64,
    /// ingest's HTTP server as WebSub hubs reach it (e.g. `https://ingest.example`);
    /// when set, polled feeds that advertise a hub are subscribed to, with the
    /// callback `<this>/v1/websub/<id>`. Empty: no WebSub.
    pub websub_callback_url: String,
    /// The lease asked of hubs, in seconds (renewed before it ends).
    pub websub_lease_secs: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            addr: "127.0.0.1:8080".into(),
            admin_addr: "127.0.0.1:9101".into(),
            max_body_bytes: 5 * 1024 * 1024,
            max_xml_depth: 100,
            max_stories_per_push: 1000,
            repush_window_secs: 7 * 24 * 3600,
            signature_tolerance_secs: 300,
            unavailable_retry_after_secs: 5,
            delivery_timeout_ms: 10_000,
            feeds: Vec::new(),
            polls: Vec::new(),
            poll_contact_url: String::new(),
            poll_per_host_concurrency: 2,
            poll_max_redirects: 5,
            poll_timeout_secs: 30,
            websub_callback_url: String::new(),
            websub_lease_secs: 10 * 24 * 3600,
        }
    }
}

/// One feed allowed to push stories. Every setting here is live: a reload
/// ([`crate::live`]) applies a changed `[[ingest.feeds]]` list without a restart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The feed's id, e.g. `pa`; carried with every story it sends.
    pub id: String,
    /// SHA-256 of the feed's bearer token, in hex. The token itself is never stored.
    pub token_sha256: String,
    /// When set, every push must carry an HMAC-SHA256 signature made with this secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<Secret>,
    /// When set, at most this many pushes per minute (bursts up to the same number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
    /// When set, operators are alerted when the feed sends nothing for this long
    /// (metric `newswire_ingest_feed_idle_threshold_seconds`, alert `NewswireFeedQuiet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_alert_secs: Option<u64>,
}

/// One RSS/Atom URL polled for stories.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollConfig {
    /// The configured feed the stories are ingested as.
    pub feed: String,
    /// The http(s) URL of the RSS or Atom document.
    pub url: String,
    /// Seconds between polls when all is well (each wait gets up to a tenth more, as jitter).
    pub interval_secs: u64,
    /// The shortest wait a server's `Retry-After` or `Cache-Control: max-age` can ask for, in seconds.
    pub min_interval_secs: u64,
    /// The longest wait a server's `Retry-After` or `Cache-Control: max-age` can ask for, in seconds.
    pub max_interval_secs: u64,
    /// Longest wait between polls after repeated failures, in seconds.
    pub max_backoff_secs: u64,
    /// Report the feed as quiet (log line and `newswire_ingest_feed_quiet`) when it
    /// brought no new story for this many seconds; 0 turns the alert off.
    pub idle_alert_secs: u64,
    /// Allow a URL (or a redirect) that resolves to a private or loopback address.
    pub allow_private: bool,
    /// These private or loopback addresses only (the rest stay refused), on every hop.
    pub allow_addresses: Vec<std::net::IpAddr>,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            feed: String::new(),
            url: String::new(),
            interval_secs: 300,
            min_interval_secs: 60,
            max_interval_secs: 24 * 3600,
            max_backoff_secs: 3600,
            idle_alert_secs: 6 * 3600,
            allow_private: false,
            allow_addresses: Vec::new(),
        }
    }
}

/// A secret from the config: usable, but never printed by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Validate for IngestConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("ingest.addr", &self.addr, errors);
        check_addr("ingest.admin_addr", &self.admin_addr, errors);
        if self.max_body_bytes < 1024 {
            errors.push(format!("ingest.max_body_bytes: {} is below the 1024-byte minimum", self.max_body_bytes));
        }
        if self.max_xml_depth < 8 {
            errors.push(format!("ingest.max_xml_depth: {} is below the minimum of 8", self.max_xml_depth));
        }
        if self.max_stories_per_push == 0 {
            errors.push("ingest.max_stories_per_push: must be at least 1".into());
        }
        if self.repush_window_secs == 0 {
            errors.push("ingest.repush_window_secs: must be at least 1".into());
        }
        if self.delivery_timeout_ms < 100 {
            errors
                .push(format!("ingest.delivery_timeout_ms: {} is below the 100 ms minimum", self.delivery_timeout_ms));
        }
        if self.signature_tolerance_secs == 0 {
            errors.push("ingest.signature_tolerance_secs: must be at least 1".into());
        }
        let mut seen = std::collections::HashSet::new();
        for (i, feed) in self.feeds.iter().enumerate() {
            if feed.id.is_empty() || !feed.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                errors.push(format!("ingest.feeds[{i}].id: {:?} must be letters, digits, - or _", feed.id));
            }
            if !seen.insert(feed.id.clone()) {
                errors.push(format!("ingest.feeds[{i}].id: {:?} is configured twice", feed.id));
            }
            newswire_shared::bearer::check_token_sha256(&format!("ingest.feeds[{i}].token_sha256"), &feed.token_sha256, errors);
            if feed.signing_secret.as_ref().is_some_and(|s| s.0.len() < 16) {
                errors.push(format!("ingest.feeds[{i}].signing_secret: must be at least 16 characters"));
            }
            if feed.rate_limit_per_minute == Some(0) {
                errors.push(format!(
                    "ingest.feeds[{i}].rate_limit_per_minute: must be at least 1 (leave it out for no limit)"
                ));
            }
        }
        for (i, poll) in self.polls.iter().enumerate() {
            if !self.feeds.iter().any(|f| f.id == poll.feed) {
                errors.push(format!("ingest.polls[{i}].feed: {:?} is not a configured feed", poll.feed));
            }
            match reqwest::Url::parse(&poll.url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {}
                _ => errors.push(format!("ingest.polls[{i}].url: {:?} is not an http(s) URL", poll.url)),
            }
            if poll.interval_secs == 0 {
                errors.push(format!("ingest.polls[{i}].interval_secs: must be at least 1"));
            }
            if poll.max_interval_secs < poll.min_interval_secs {
                errors.push(format!(
                    "ingest.polls[{i}].max_interval_secs: {} is below min_interval_secs {}",
                    poll.max_interval_secs, poll.min_interval_secs
                ));
            }
        }
        if !self.poll_contact_url.is_empty()
            && !reqwest::Url::parse(&self.poll_contact_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "mailto"))
        {
            errors.push(format!("ingest.poll_contact_url: {:?} is not an http(s) or mailto URL", self.poll_contact_url));
        }
        if self.poll_per_host_concurrency == 0 {
            errors.push("ingest.poll_per_host_concurrency: must be at least 1".into());
        }
        if !self.websub_callback_url.is_empty()
            && !reqwest::Url::parse(&self.websub_callback_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            errors.push(format!("ingest.websub_callback_url: {:?} is not an http(s) URL", self.websub_callback_url));
        }
        if self.websub_lease_secs < 60 {
            errors.push("ingest.websub_lease_secs: must be at least 60".into());
        }
        if self.poll_timeout_secs == 0 {
            errors.push("ingest.poll_timeout_secs: must be at least 1".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_settings_are_each_reported() {
        let mut errors = Vec::new();
        IngestConfig::default().validate(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let config = IngestConfig {
            max_xml_depth: 2,
            repush_window_secs: 0,
            feeds: vec![FeedConfig {
                id: "pa".into(),
                token_sha256: "00".repeat(32),
                signing_secret: Some(Secret("short".into())),
                rate_limit_per_minute: Some(0),
                idle_alert_secs: None,
            }],
            ..IngestConfig::default()
        };
        config.validate(&mut errors);
        assert_eq!(errors.len(), 4, "{errors:?}");
        errors.clear();
        let polls = IngestConfig {
            polls: vec![
                PollConfig { feed: "nobody".into(), url: "https://example.org/feed".into(), ..PollConfig::default() },
                PollConfig {
                    feed: "pa".into(),
                    url: "ftp://example.org/feed".into(),
                    interval_secs: 0,
                    min_interval_secs: 600,
                    max_interval_secs: 60,
                    ..PollConfig::default()
                },
            ],
            feeds: vec![FeedConfig { id: "pa".into(), token_sha256: "00".repeat(32), ..FeedConfig::default() }],
            poll_contact_url: "not a url".into(),
            poll_per_host_concurrency: 0,
            ..IngestConfig::default()
        };
        polls.validate(&mut errors);
        assert_eq!(errors.len(), 6, "{errors:?}");
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let feed =
            FeedConfig { signing_secret: Some(Secret("hunter2-hunter2-hunter2".into())), ..FeedConfig::default() };
        assert!(!format!("{feed:?}").contains("hunter2"));
    }
}
