//! Ingest's live configuration: the `[[ingest.feeds]]` list (tokens, signing
//! secrets, rate limits, idle alerts) is swapped whole on reload
//! ([`newswire_shared::reload`]); every other ingest setting needs a restart.
//!
//! A push loads the [`FeedSet`] once and is authenticated, rate-limited and
//! signature-checked entirely under it. A removed or rotated token is refused
//! from the next request on; a push already past authentication finishes under
//! the set it started with.

use std::num::NonZeroU32;
use std::sync::Arc;

use arc_swap::ArcSwap;
use newswire_shared::reload::diff::changes_by_name;
use newswire_shared::reload::LiveConfig;

use crate::auth::Feeds;
use crate::config::{FeedConfig, IngestConfig};
use crate::rate_limit::RateLimits;
use crate::IngestMetrics;

/// Everything a push is checked against, from one version of the feeds list.
pub struct FeedSet {
    /// The feeds' tokens and signing secrets.
    pub feeds: Feeds,
    /// Their rate limits.
    pub rate_limits: RateLimits,
}

/// The feed set in force, swapped whole by a reload.
pub type LiveFeeds = Arc<ArcSwap<FeedSet>>;

impl FeedSet {
    /// The set for `configs`, taking over `previous`'s rate-limit allowances
    /// where a feed's limit is unchanged.
    pub fn new(configs: &[FeedConfig], previous: Option<&FeedSet>) -> Self {
        let limits = configs.iter().filter_map(|f| Some((f.id.as_str(), NonZeroU32::new(f.rate_limit_per_minute?)?)));
        let clock = governor::clock::DefaultClock::default();
        FeedSet { feeds: Feeds::new(configs), rate_limits: RateLimits::carried_over(limits, previous.map(|p| &p.rate_limits), &clock) }
    }

    /// A live handle on the set for `configs`.
    pub fn live(configs: &[FeedConfig]) -> LiveFeeds {
        Arc::new(ArcSwap::from_pointee(FeedSet::new(configs, None)))
    }
}

/// Ingest's part of a reload: builds and swaps the [`FeedSet`].
pub struct IngestLive {
    /// The feeds list in force.
    pub feeds: Vec<FeedConfig>,
    /// Where pushes find the set.
    pub live: LiveFeeds,
    /// For the feeds' idle-alert series.
    pub metrics: Arc<IngestMetrics>,
}

impl LiveConfig for IngestLive {
    type Service = IngestConfig;
    const SECTION: &'static str = "ingest";
    const LIVE: &'static [&'static str] = &["feeds"];

    async fn apply(&mut self, new: &IngestConfig) -> Result<Vec<String>, String> {
        let changes = changes_by_name(&self.feeds, &new.feeds, |f| f.id.as_str());
        if changes.is_empty() {
            return Ok(changes);
        }
        let next = FeedSet::new(&new.feeds, Some(&self.live.load()));
        self.live.store(Arc::new(next));
        self.watch_idle(&new.feeds);
        self.feeds = new.feeds.clone();
        Ok(changes)
    }
}

impl IngestLive {
    /// Keeps the idle-alert series in step with the new list: a new feed's clock
    /// starts now, a removed feed's series go (so it cannot alert).
    fn watch_idle(&self, new: &[FeedConfig]) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs_f64();
        for feed in new {
            let before = self.feeds.iter().find(|f| f.id == feed.id);
            if let Some(idle) = feed.idle_alert_secs.filter(|_| before.is_none_or(|b| b.idle_alert_secs != feed.idle_alert_secs)) {
                self.metrics.watch_feed(&feed.id, idle, now);
            }
        }
        for gone in self.feeds.iter().filter(|f| !new.iter().any(|n| n.id == f.id)) {
            self.metrics.forget_feed(&gone.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token_hash;

    fn feed(id: &str, token: &str) -> FeedConfig {
        FeedConfig { id: id.into(), token_sha256: token_hash(token), ..FeedConfig::default() }
    }

    #[tokio::test]
    async fn a_rotated_token_is_refused_and_the_new_one_accepted_after_the_swap() {
        let before = vec![feed("pa", "old-token"), feed("ap", "ap-token")];
        let live = FeedSet::live(&before);
        let metrics = Arc::new(IngestMetrics::register(&newswire_shared::metrics::Metrics::new("ingest")));
        let mut ingest = IngestLive { feeds: before, live: live.clone(), metrics };
        let held = live.load_full();
        let after = IngestConfig { feeds: vec![feed("pa", "new-token"), feed("afp", "afp-token")], ..IngestConfig::default() };
        let changes = ingest.apply(&after).await.unwrap();
        assert_eq!(changes, ["added afp", "removed ap", "changed pa"]);
        let now = live.load();
        assert_eq!(now.feeds.authenticate(Some("Bearer old-token")).unwrap_err().status, 403);
        assert_eq!(now.feeds.authenticate(Some("Bearer ap-token")).unwrap_err().status, 403, "a removed feed is refused");
        assert_eq!(now.feeds.authenticate(Some("Bearer new-token")).unwrap(), "pa");
        assert_eq!(held.feeds.authenticate(Some("Bearer old-token")).unwrap(), "pa", "a push already under way keeps its set");
        assert!(ingest.apply(&after).await.unwrap().is_empty(), "the same list again changes nothing");
    }
}
