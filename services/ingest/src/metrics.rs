//! Ingest's own metrics (requests, bytes, polls, WebSub), registered beside
//! the shared stage family.

use newswire_shared::metrics::{counter_vec, Metrics};
use prometheus::{GaugeVec, IntCounterVec, IntGauge, IntGaugeVec, Opts};

/// Ingest's own metrics, registered beside the shared stage family.
pub struct IngestMetrics {
    /// `newswire_ingest_requests_total{status,feed}`.
    pub requests: IntCounterVec,
    /// `newswire_ingest_bytes_accepted_total{feed}`.
    pub bytes_accepted: IntCounterVec,
    /// `newswire_ingest_polls_total{feed,outcome}`.
    pub polls: IntCounterVec,
    /// `newswire_poll_requests_total{feed,outcome}`: each HTTP request of a poll
    /// (`ok`, `not_modified`, `throttled`, `redirected`, `error`).
    pub poll_requests: IntCounterVec,
    /// `newswire_poll_moves_total{feed}`: permanent redirects learned.
    pub poll_moves: IntCounterVec,
    /// `newswire_ingest_feed_idle_seconds{feed}`: time since a polled feed last brought a new story.
    pub feed_idle_seconds: IntGaugeVec,
    /// `newswire_ingest_feed_quiet{feed}`: 1 while a polled feed is quieter than its idle alert.
    pub feed_quiet: IntGaugeVec,
    /// `newswire_ingest_feed_last_story_timestamp_seconds{feed}`: when the feed's last
    /// story was accepted (pushed or polled); set to the start time for configured feeds.
    pub feed_last_story: GaugeVec,
    /// `newswire_ingest_feed_idle_threshold_seconds{feed}`: the feed's configured idle alert.
    pub feed_idle_threshold: IntGaugeVec,
    /// `newswire_ingest_poll_leader`: 1 while this instance runs the pollers
    /// (it leads their election, [`crate::poll::leader`]).
    pub poll_leader: IntGauge,
}

impl IngestMetrics {
    /// Creates ingest's metrics and registers them in `metrics`' registry.
    pub fn register(metrics: &Metrics) -> Self {
        let m = IngestMetrics {
            requests: counter_vec(
                "newswire_ingest_requests_total",
                "Push API requests, by HTTP status and feed.",
                &["status", "feed"],
            ),
            bytes_accepted: counter_vec(
                "newswire_ingest_bytes_accepted_total",
                "Bytes of accepted stories, by feed.",
                &["feed"],
            ),
            polls: counter_vec("newswire_ingest_polls_total", "Feed polls, by feed and outcome.", &["feed", "outcome"]),
            poll_requests: counter_vec(
                "newswire_poll_requests_total",
                "HTTP requests of feed polls (each redirect hop is one), by feed and outcome.",
                &["feed", "outcome"],
            ),
            poll_moves: counter_vec(
                "newswire_poll_moves_total",
                "Permanent redirects of polled feeds learned (the new URL is polled from then on).",
                &["feed"],
            ),
            feed_idle_seconds: gauge_vec(
                "newswire_ingest_feed_idle_seconds",
                "Seconds since a polled feed last brought a new story.",
            ),
            feed_quiet: gauge_vec(
                "newswire_ingest_feed_quiet",
                "1 while a polled feed has brought nothing new for longer than its idle alert.",
            ),
            feed_last_story: GaugeVec::new(
                Opts::new(
                    "newswire_ingest_feed_last_story_timestamp_seconds",
                    "Unix time of the feed's last accepted story (start time until the first).",
                ),
                &["feed"],
            )
            .expect("valid metric"),
            feed_idle_threshold: gauge_vec(
                "newswire_ingest_feed_idle_threshold_seconds",
                "Seconds of silence after which the feed counts as quiet (its idle alert).",
            ),
            poll_leader: IntGauge::new("newswire_ingest_poll_leader", "1 while this ingest instance runs the feed pollers (it leads their election).")
                .expect("valid metric"),
        };
        metrics.register(Box::new(m.requests.clone()));
        metrics.register(Box::new(m.bytes_accepted.clone()));
        metrics.register(Box::new(m.polls.clone()));
        metrics.register(Box::new(m.poll_requests.clone()));
        metrics.register(Box::new(m.poll_moves.clone()));
        metrics.register(Box::new(m.feed_idle_seconds.clone()));
        metrics.register(Box::new(m.feed_quiet.clone()));
        metrics.register(Box::new(m.feed_last_story.clone()));
        metrics.register(Box::new(m.feed_idle_threshold.clone()));
        metrics.register(Box::new(m.poll_leader.clone()));
        m
    }

    /// Records that `feed` had a story accepted at `unix_seconds`.
    pub fn story_accepted(&self, feed: &str, unix_seconds: f64) {
        self.feed_last_story.with_label_values(&[feed]).set(unix_seconds);
    }

    /// Declares `feed`'s idle alert and starts its clock at `unix_seconds` (start-up),
    /// so a feed silent since start-up still raises the alert.
    pub fn watch_feed(&self, feed: &str, idle_alert_secs: u64, unix_seconds: f64) {
        self.feed_idle_threshold.with_label_values(&[feed]).set(i64::try_from(idle_alert_secs).unwrap_or(i64::MAX));
        self.feed_last_story.with_label_values(&[feed]).set(unix_seconds);
    }
}

impl IngestMetrics {
    /// Drops `feed`'s idle-alert series (the feed was removed by a reload).
    pub fn forget_feed(&self, feed: &str) {
        let _ = self.feed_idle_threshold.remove_label_values(&[feed]);
        let _ = self.feed_last_story.remove_label_values(&[feed]);
    }
}

/// A gauge labelled by feed; panics only on an invalid static name.
fn gauge_vec(name: &str, help: &str) -> IntGaugeVec {
    IntGaugeVec::new(Opts::new(name, help), &["feed"]).expect("valid metric")
}
