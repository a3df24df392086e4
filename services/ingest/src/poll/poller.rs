//! One feed's poll loop: fetch politely (see `fetch`), cut the document into
//! stories exactly as a push would be, skip entries already seen, write the
//! new ones, remember the validators and any permanent move, then wait as the
//! schedule says (the server's wishes, backoff after failures, jitter).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use crate::config::PollConfig;
use crate::decompress;
use crate::deliver::{Delivery, StoryStatus};
use crate::poll::address::AddressPolicy;
use crate::poll::events::FeedMoved;
use crate::poll::fetch::{Answered, FetchError, Fetcher, Reply};
use crate::poll::memory::{PollMemory, Remembered};
use crate::poll::schedule::{Answer, Timing};
use crate::stories::ShapeLimits;
use crate::websub::discover::{discover, Advertised};
use crate::websub::subscriptions::WebSub;

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
    /// 429 or 503: the server asked us to wait.
    Throttled {
        /// The status.
        status: u16,
        /// Its `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The poll failed; `reason` is a short word, `detail` says what happened.
    Failed {
        /// Low-cardinality reason (`address`, `redirect`, `fetch`, `rejected`, `unavailable`, `state`).
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
            PollOutcome::Throttled { .. } => "throttled",
            PollOutcome::Failed { reason, .. } => reason,
        }
    }
}

/// What a poller remembers between polls.
#[derive(Debug, Clone)]
pub struct PollState {
    /// What is kept across restarts: validators and a permanent move.
    pub remembered: Remembered,
    /// Failed (or throttled) polls in a row.
    pub failures: u32,
    /// When the feed last brought a new story (or the poller started).
    pub last_new: Instant,
    /// Whether the feed has been reported quiet.
    pub quiet: bool,
    /// The wait before the next poll, decided by the last one.
    pub wait: Duration,
    /// The WebSub hub and topic the last document advertised.
    pub advertised: Option<Advertised>,
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
    /// How requests are made (shared by every feed).
    pub fetcher: Fetcher,
    /// What is kept across restarts (ingest's sled store).
    pub memory: PollMemory,
    /// WebSub subscriptions, when ingest has a callback URL.
    pub websub: Option<WebSub>,
}

impl Poller {
    /// The feed's state as remembered from earlier runs.
    pub fn state(&self) -> PollState {
        let remembered = self.memory.get(&self.config.feed, &self.config.url).unwrap_or_else(|error| {
            tracing::warn!(feed = %self.config.feed, %error, "poll state could not be read; starting afresh");
            Remembered::default()
        });
        PollState {
            remembered,
            failures: 0,
            last_new: Instant::now(),
            quiet: false,
            wait: self.timing().interval,
            advertised: None,
        }
    }

    /// The feed's timing settings.
    pub fn timing(&self) -> Timing {
        let c = &self.config;
        Timing {
            interval: Duration::from_secs(c.interval_secs),
            min: Duration::from_secs(c.min_interval_secs),
            max: Duration::from_secs(c.max_interval_secs),
            max_backoff: Duration::from_secs(c.max_backoff_secs),
        }
    }

    /// The URL polled now: where the feed moved for good, else the configured one.
    pub fn url<'a>(&'a self, state: &'a PollState) -> &'a str {
        state.remembered.moved_to.as_deref().unwrap_or(&self.config.url)
    }

    /// Polls until `shutdown` is cancelled, the first poll staggered within the interval.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut state = self.state();
        tracing::info!(feed = %self.config.feed, url = %self.url(&state), interval_secs = self.config.interval_secs, "feed poller started");
        let mut wait = self.timing().first_wait(fastrand::f64());
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
            }
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => break,
                outcome = self.poll_once(&mut state) => outcome,
            };
            match &outcome {
                PollOutcome::Failed { reason, detail } => {
                    tracing::warn!(feed = %self.config.feed, reason, %detail, failures = state.failures, wait_secs = state.wait.as_secs(), "feed poll failed")
                }
                PollOutcome::Throttled { status, retry_after } => {
                    tracing::info!(feed = %self.config.feed, status, retry_after_secs = retry_after.map(|d| d.as_secs()), wait_secs = state.wait.as_secs(), "feed server asked us to slow down")
                }
                _ => {}
            }
            wait = state.wait;
        }
        tracing::info!(feed = %self.config.feed, "feed poller stopped");
    }

    /// One poll: fetch, deliver, update `state` (including the next wait) and the metrics.
    pub async fn poll_once(&self, state: &mut PollState) -> PollOutcome {
        let (outcome, answer) = self.fetch_and_deliver(state).await;
        match &outcome {
            PollOutcome::Failed { .. } | PollOutcome::Throttled { .. } => state.failures = state.failures.saturating_add(1),
            _ => state.failures = 0,
        }
        state.wait = self.timing().next_wait(answer, state.failures, fastrand::f64());
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
        self.maintain_websub(state).await;
        outcome
    }

    /// Subscribes to the hub the feed advertises, or renews the subscription, when due.
    async fn maintain_websub(&self, state: &PollState) {
        let Some(websub) = &self.websub else { return };
        let id = WebSub::id(&self.config.feed, &self.config.url);
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let asked =
            websub.maintain(&id, &self.config.feed, state.advertised.as_ref(), &self.fetcher, &self.policy(), now_ms).await;
        if let Err(error) = asked {
            tracing::warn!(feed = %self.config.feed, %error, "WebSub subscription could not be requested; the feed is still polled");
        }
    }

    fn policy(&self) -> AddressPolicy {
        AddressPolicy { allow_private: self.config.allow_private, allow_addresses: self.config.allow_addresses.clone() }
    }

    async fn fetch_and_deliver(&self, state: &mut PollState) -> (PollOutcome, Answer) {
        let failed = |reason, detail: String| (PollOutcome::Failed { reason, detail }, Answer::Failed);
        let fetch = self.fetcher.fetch(self.url(state), &state.remembered.validators(), &self.policy()).await;
        for request in &fetch.requests {
            request.emit(&self.config.feed, &self.delivery.metrics);
        }
        let Answered { reply, max_age, moved_to } = match fetch.result {
            Ok(answered) => answered,
            Err(error @ FetchError::Address(_)) => return failed("address", error.to_string()),
            Err(error @ FetchError::Redirect(_)) => return failed("redirect", error.to_string()),
            Err(error) => return failed("fetch", error.to_string()),
        };
        if let Some(moved_to) = moved_to.map(String::from) {
            if state.remembered.moved_to.as_ref() != Some(&moved_to) {
                FeedMoved { feed: &self.config.feed, configured: &self.config.url, to: &moved_to }.emit(&self.delivery.metrics);
                state.remembered.moved_to = Some(moved_to);
                if let Err(error) = self.memory.put(&self.config.feed, &self.config.url, &state.remembered) {
                    tracing::warn!(feed = %self.config.feed, %error, "the feed's new URL could not be remembered");
                }
            }
        }
        let (body, content_type, content_encoding, validators) = match reply {
            Reply::NotModified => return (PollOutcome::NotModified, Answer::Fresh { max_age }),
            Reply::Throttled { status, retry_after } => {
                return (PollOutcome::Throttled { status, retry_after }, Answer::Throttled { retry_after })
            }
            Reply::Document { body, content_type, content_encoding, validators } => {
                (body, content_type, content_encoding, validators)
            }
        };
        let body = match decompress::decode_body(content_encoding.as_deref(), &body, self.fetcher.max_bytes) {
            Ok(body) => body,
            Err(rejection) => return failed("rejected", rejection.to_string()),
        };
        if self.websub.is_some() {
            state.advertised = discover(&body);
        }
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        match self.delivery.accept_document(&self.config.feed, content_type.as_deref(), &body, now_ms, self.shape).await {
            Ok(stories) => {
                // Only a delivered document's validators are kept, so a failed write is fetched again in full.
                state.remembered.etag = validators.etag;
                state.remembered.last_modified = validators.last_modified;
                if let Err(error) = self.memory.put(&self.config.feed, &self.config.url, &state.remembered) {
                    tracing::warn!(feed = %self.config.feed, %error, "the feed's validators could not be remembered");
                }
                let new = stories.iter().filter(|(_, s)| *s == StoryStatus::Accepted).count();
                (PollOutcome::Fetched { new, seen: stories.len() - new }, Answer::Fresh { max_age })
            }
            Err(rejection) if rejection.status == 503 => failed("unavailable", rejection.to_string()),
            Err(rejection) => failed("rejected", rejection.to_string()),
        }
    }
}
