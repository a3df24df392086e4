//! One feed's poll loop: check the address, GET conditionally, cut the
//! document into stories exactly as a push would be, skip entries already
//! seen, write the new ones, then wait (longer after failures).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use newswire_shared::ids;
use tokio_util::sync::CancellationToken;

use crate::accept::{self, Submission};
use crate::config::PollConfig;
use crate::decompress;
use crate::deliver::{Delivery, StoryStatus};
use crate::poll::address::resolve_checked;
use crate::poll::backoff::next_delay;
use crate::poll::fetch::{fetch, Fetched, Validators};
use crate::stories::ShapeLimits;

/// How one poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// 304: nothing changed.
    NotModified,
    /// The document was read; `new` stories were written, `seen` were already known.
    Fetched {
        /// Stories written to Kafka.
        new: usize,
        /// Entries already seen, skipped.
        seen: usize,
    },
    /// The poll failed; `reason` is a short word, `detail` says what happened.
    Failed {
        /// Low-cardinality reason (`address`, `fetch`, `rejected`, `unavailable`).
        reason: &'static str,
        /// What exactly went wrong.
        detail: String,
    },
}

impl PollOutcome {
    fn label(&self) -> &'static str {
        match self {
            PollOutcome::NotModified => "not_modified",
            PollOutcome::Fetched { .. } => "fetched",
            PollOutcome::Failed { reason, .. } => reason,
        }
    }
}

/// What a poller remembers between polls.
#[derive(Debug, Clone)]
pub struct PollState {
    /// Validators of the last document delivered.
    pub validators: Validators,
    /// Failed polls in a row.
    pub failures: u32,
    /// When the feed last brought a new story (or the poller started).
    pub last_new: Instant,
    /// Whether the feed has been reported quiet.
    pub quiet: bool,
}

impl Default for PollState {
    fn default() -> Self {
        PollState { validators: Validators::default(), failures: 0, last_new: Instant::now(), quiet: false }
    }
}

/// The poller of one configured feed.
#[derive(Clone)]
pub struct Poller {
    /// The feed's poll settings.
    pub config: PollConfig,
    /// Where new stories go.
    pub delivery: Delivery,
    /// Limits on a document's shape.
    pub shape: ShapeLimits,
    /// Largest document read.
    pub max_body_bytes: usize,
}

impl Poller {
    /// Polls until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut state = PollState::default();
        let interval = Duration::from_secs(self.config.interval_secs);
        let max_backoff = Duration::from_secs(self.config.max_backoff_secs);
        tracing::info!(feed = %self.config.feed, url = %self.config.url, interval_secs = self.config.interval_secs, "feed poller started");
        loop {
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => break,
                outcome = self.poll_once(&mut state) => outcome,
            };
            if let PollOutcome::Failed { reason, detail } = &outcome {
                tracing::warn!(feed = %self.config.feed, reason, %detail, failures = state.failures, "feed poll failed");
            }
            let delay = next_delay(interval, state.failures, max_backoff);
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(delay) => {}
            }
        }
        tracing::info!(feed = %self.config.feed, "feed poller stopped");
    }

    /// One poll: fetch, deliver, update `state` and the metrics.
    pub async fn poll_once(&self, state: &mut PollState) -> PollOutcome {
        let outcome = self.fetch_and_deliver(state).await;
        match &outcome {
            PollOutcome::Failed { .. } => state.failures = state.failures.saturating_add(1),
            _ => state.failures = 0,
        }
        if matches!(outcome, PollOutcome::Fetched { new, .. } if new > 0) {
            state.last_new = Instant::now();
            state.quiet = false;
        }
        let feed = self.config.feed.as_str();
        let metrics = &self.delivery.metrics;
        metrics.polls.with_label_values(&[feed, outcome.label()]).inc();
        let idle = state.last_new.elapsed();
        metrics.feed_idle_seconds.with_label_values(&[feed]).set(i64::try_from(idle.as_secs()).unwrap_or(i64::MAX));
        let limit = self.config.idle_alert_secs;
        let quiet_now = limit > 0 && idle > Duration::from_secs(limit);
        if quiet_now && !state.quiet {
            tracing::warn!(
                feed,
                idle_secs = idle.as_secs(),
                idle_alert_secs = limit,
                "feed has gone quiet: no new story for longer than its idle time"
            );
        }
        metrics.feed_quiet.with_label_values(&[feed]).set(i64::from(quiet_now));
        state.quiet = quiet_now;
        outcome
    }

    async fn fetch_and_deliver(&self, state: &mut PollState) -> PollOutcome {
        let failed = |reason, detail: String| PollOutcome::Failed { reason, detail };
        let client = match self.client().await {
            Ok(client) => client,
            Err(detail) => return failed("address", detail),
        };
        let fetched = match fetch(&client, &self.config.url, &state.validators, self.max_body_bytes).await {
            Ok(fetched) => fetched,
            Err(error) => return failed("fetch", error.to_string()),
        };
        let Fetched::Document { body, content_type, content_encoding, validators } = fetched else {
            return PollOutcome::NotModified;
        };
        let body = match decompress::decode_body(content_encoding.as_deref(), &body, self.max_body_bytes) {
            Ok(body) => body,
            Err(rejection) => return failed("rejected", rejection.to_string()),
        };
        let trace_id = ids::new_trace_id();
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let submission = Submission {
            feed: &self.config.feed,
            content_type: content_type.as_deref(),
            body: &body,
            received_at_ms: now_ms,
            trace_id: &trace_id,
        };
        let records = match accept::prepare(&submission, self.shape) {
            Ok(records) => records,
            Err(rejection) => return failed("rejected", rejection.to_string()),
        };
        match self.delivery.deliver(&self.config.feed, &records, now_ms).await {
            Ok(stories) => {
                // Only a delivered document's validators are kept, so a failed write is fetched again in full.
                state.validators = validators;
                let new = stories.iter().filter(|(_, s)| *s == StoryStatus::Accepted).count();
                PollOutcome::Fetched { new, seen: stories.len() - new }
            }
            Err(rejection) => failed("unavailable", rejection.to_string()),
        }
    }

    /// A client pinned to the feed host's checked address, with redirects off
    /// (a redirect could lead to an address that was never checked).
    async fn client(&self) -> Result<reqwest::Client, String> {
        let url = reqwest::Url::parse(&self.config.url).map_err(|e| format!("{}: {e}", self.config.url))?;
        let host = url.host_str().ok_or_else(|| format!("{} has no host", self.config.url))?.to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = resolve_checked(&host, port, self.config.allow_private).await.map_err(|e| e.to_string())?;
        reqwest::Client::builder()
            .resolve(&host, addr)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("newswire-ingest/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())
    }
}
