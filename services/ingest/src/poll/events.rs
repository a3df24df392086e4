//! Internal events of the pollers (the pattern of `newswire_shared::events`):
//! each `emit` writes its log line and bumps its metric, so the two agree.

use crate::IngestMetrics;

/// How one HTTP request of a poll ended: a low-cardinality metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOutcome {
    /// 200 with a document.
    Ok,
    /// 304.
    NotModified,
    /// 429 or 503.
    Throttled,
    /// A redirect that was followed.
    Redirected,
    /// Anything else: refused address, connection failure, other status, bad redirect, too large.
    Error,
}

impl RequestOutcome {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestOutcome::Ok => "ok",
            RequestOutcome::NotModified => "not_modified",
            RequestOutcome::Throttled => "throttled",
            RequestOutcome::Redirected => "redirected",
            RequestOutcome::Error => "error",
        }
    }
}

/// One request a poll made (each hop of a redirect chain is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollRequested {
    /// How it ended.
    pub outcome: RequestOutcome,
    /// The URL requested.
    pub url: String,
    /// The answer's status, when there was one.
    pub status: Option<u16>,
    /// What went wrong, for an error.
    pub detail: Option<String>,
}

impl PollRequested {
    /// Logs at DEBUG and counts `newswire_poll_requests_total{feed,outcome}`.
    pub fn emit(&self, feed: &str, metrics: &IngestMetrics) {
        tracing::debug!(feed, url = %self.url, status = self.status, outcome = self.outcome.as_str(), detail = self.detail.as_deref(), "feed request");
        metrics.poll_requests.with_label_values(&[feed, self.outcome.as_str()]).inc();
    }
}

/// A feed moved for good (301/308): logged once, when it is first learned.
pub struct FeedMoved<'a> {
    /// The feed.
    pub feed: &'a str,
    /// The URL in the config.
    pub configured: &'a str,
    /// Where it is polled from now on.
    pub to: &'a str,
}

impl FeedMoved<'_> {
    /// Logs at WARN (the config should be updated) and counts `newswire_poll_moves_total{feed}`.
    pub fn emit(&self, metrics: &IngestMetrics) {
        tracing::warn!(feed = self.feed, configured = self.configured, to = self.to, "feed moved permanently; polling the new URL from now on (update the config)");
        metrics.poll_moves.with_label_values(&[self.feed]).inc();
    }
}
