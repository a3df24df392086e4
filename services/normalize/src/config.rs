//! Normalize's own settings: the `[normalize]` table (`NEWSWIRE_NORMALIZE_*`).

use std::collections::HashMap;

use chrono_tz::Tz;
use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

/// The `[normalize]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizeConfig {
    /// Where `/metrics`, `/health` and `/ready` are served.
    pub admin_addr: String,
    /// IANA zone for times that carry no offset, when the feed has none of its own.
    pub default_zone: String,
    /// Per-feed IANA zone for times without an offset, e.g. `pa = "Europe/London"`.
    pub feed_zones: HashMap<String, String>,
    /// Per-feed kind of `text/plain` story, `"wire"` (clean agency copy, kept
    /// whole) or `"scraper"` (a flattened web page, boilerplate removed), e.g.
    /// `ap = "wire"`. A feed not named here is told apart story by story
    /// ([`crate::extract::page_chrome`]).
    pub feed_kinds: HashMap<String, String>,
    /// How long dedupe and version state is kept, in days (`NEWSWIRE_NORMALIZE_DEDUPE_WINDOW_DAYS`).
    pub dedupe_window_days: u32,
    /// How often expired dedupe state is removed, in seconds.
    pub dedupe_expiry_interval_secs: u64,
    /// Whether instances claim each first copy on the claims topic before
    /// passing it on, so that copies reaching two instances at once are
    /// still told apart ([`crate::dedupe::claims`]). Off: the replication
    /// window of the dedupe stores applies (see the README, "Scaling").
    pub dedupe_claims: bool,
    /// How long a claim counts, in seconds: longer than a batch takes to
    /// commit and reach every instance's dedupe state.
    pub claim_horizon_secs: u64,
    /// How long a batch waits for its claims to be written and read back, in
    /// milliseconds; past it the batch goes on with what its instance knows.
    pub claim_wait_ms: u64,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig {
            admin_addr: "127.0.0.1:9102".into(),
            default_zone: "UTC".into(),
            feed_zones: HashMap::new(),
            feed_kinds: HashMap::new(),
            dedupe_window_days: 7,
            dedupe_expiry_interval_secs: 60,
            dedupe_claims: true,
            claim_horizon_secs: 120,
            claim_wait_ms: 5000,
        }
    }
}

impl NormalizeConfig {
    /// The zone for times without an offset from `feed`.
    pub fn zone_for(&self, feed: &str) -> Tz {
        let name = self.feed_zones.get(feed).unwrap_or(&self.default_zone);
        name.parse().unwrap_or(Tz::UTC)
    }

    /// The kind `feed` declares for its plain text, if it declares a valid one
    /// (an invalid one stops the service at start-up, see [`Validate`]).
    pub fn kind_for(&self, feed: &str) -> Option<FeedKind> {
        self.feed_kinds.get(feed).and_then(|kind| kind.parse().ok())
    }
}

/// What a feed's `text/plain` stories are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// Clean agency copy: every line is the story's.
    Wire,
    /// A news page flattened to text, UI boilerplate and all.
    Scraper,
}

impl std::str::FromStr for FeedKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "wire" => Ok(FeedKind::Wire),
            "scraper" => Ok(FeedKind::Scraper),
            other => Err(format!("{other:?} must be \"wire\" or \"scraper\"")),
        }
    }
}

impl Validate for NormalizeConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("normalize.admin_addr", &self.admin_addr, errors);
        if self.default_zone.parse::<Tz>().is_err() {
            errors.push(format!("normalize.default_zone: {:?} is not an IANA time zone", self.default_zone));
        }
        if self.dedupe_window_days == 0 {
            errors.push("normalize.dedupe_window_days: must be at least 1".into());
        }
        if self.dedupe_expiry_interval_secs == 0 {
            errors.push("normalize.dedupe_expiry_interval_secs: must be at least 1".into());
        }
        if self.claim_horizon_secs < 10 {
            errors.push(format!("normalize.claim_horizon_secs: {} must be at least 10", self.claim_horizon_secs));
        }
        if !(100..=60_000).contains(&self.claim_wait_ms) {
            errors.push(format!("normalize.claim_wait_ms: {} must be between 100 and 60000", self.claim_wait_ms));
        }
        for (feed, zone) in &self.feed_zones {
            if zone.parse::<Tz>().is_err() {
                errors.push(format!("normalize.feed_zones.{feed}: {zone:?} is not an IANA time zone"));
            }
        }
        for (feed, kind) in &self.feed_kinds {
            if let Err(e) = kind.parse::<FeedKind>() {
                errors.push(format!("normalize.feed_kinds.{feed}: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_dedupe_window_or_expiry_interval_is_reported_by_name() {
        let config = NormalizeConfig { dedupe_window_days: 0, dedupe_expiry_interval_secs: 0, ..Default::default() };
        let mut errors = Vec::new();
        config.validate(&mut errors);
        assert!(errors.iter().any(|e| e.starts_with("normalize.dedupe_window_days")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("normalize.dedupe_expiry_interval_secs")), "{errors:?}");
        let mut none = Vec::new();
        NormalizeConfig::default().validate(&mut none);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn a_declared_feed_kind_is_read_and_an_unknown_one_is_reported_with_the_other_errors() {
        let mut config = NormalizeConfig { dedupe_window_days: 0, ..Default::default() };
        config.feed_kinds.insert("ap".into(), "wire".into());
        config.feed_kinds.insert("pa".into(), "scraper".into());
        config.feed_kinds.insert("odd".into(), "Wire-ish".into());
        assert_eq!(config.kind_for("ap"), Some(FeedKind::Wire));
        assert_eq!(config.kind_for("pa"), Some(FeedKind::Scraper));
        assert_eq!(config.kind_for("other"), None, "an undeclared feed is detected story by story");
        let mut errors = Vec::new();
        config.validate(&mut errors);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("normalize.feed_kinds.odd:") && e.contains("Wire-ish")), "{errors:?}");
    }
}
