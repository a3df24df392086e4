//! Enrich's own settings: the `[enrich]` table (`NEWSWIRE_ENRICH_*`).

use std::time::Duration;

use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

use crate::events::ClusterSettings;
use crate::external::ExternalSettings;

/// The longest `external_batch_budget_ms`: a batch is held back at most this
/// long, well inside librdkafka's `max.poll.interval.ms` (5 minutes).
const MAX_BATCH_BUDGET_MS: u64 = 60_000;

/// The `[enrich]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnrichConfig {
    /// Where `/metrics`, `/health` and `/ready` are served.
    pub admin_addr: String,
    /// Refuse to start when the NER model cannot be loaded (the default; the model
    /// is compiled in, so only a damaged override file next to the binary fails).
    /// When false, such a failure runs on rules and the gazetteer alone, with a warning.
    pub ner_model_required: bool,
    /// URL of the optional external enricher (`http://…` or `https://…`); empty: none.
    pub external_url: String,
    /// Timeout of one call to it, in milliseconds.
    pub external_timeout_ms: u64,
    /// Retries after a failed call.
    pub external_retries: u32,
    /// Wait before the first retry, in milliseconds (doubled before each next one).
    pub external_backoff_ms: u64,
    /// Failed calls in a row after which it is not called for a while.
    pub external_breaker_threshold: u32,
    /// How long it is not called then, in milliseconds.
    pub external_breaker_cooldown_ms: u64,
    /// Calls in flight at once for one batch.
    pub external_concurrency: usize,
    /// How long a batch waits for its calls, in milliseconds, counted from its
    /// first call; a story whose call has not finished then goes on without its
    /// answer (`outcome="timed_out"`). The calls are made before the batch's
    /// Kafka transaction begins, so this bounds how long the endpoint can hold a
    /// batch back, never a transaction.
    pub external_batch_budget_ms: u64,
    /// Put every story in its news event's cluster (`altids` role
    /// `newswire:event`, `newswire.enrichment.event`; see `docs/event-clustering.md`).
    pub events: bool,
    /// How far a story's time may be from an event cluster's stories for it
    /// to join, in hours: a cluster with no new story for this long takes no more.
    pub event_window_hours: u32,
    /// How much longer a cluster is kept for stories that are read late (a
    /// partition behind the others, a backlog), in hours.
    pub event_late_hours: u32,
    /// How long a story counts in the clustering's word statistics, and is
    /// remembered so that its new versions and near-duplicates take its
    /// cluster again, in days (also the retention of the clustering's changelog).
    pub event_story_days: u32,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        EnrichConfig {
            admin_addr: "127.0.0.1:9103".into(),
            ner_model_required: true,
            external_url: String::new(),
            external_timeout_ms: 300,
            external_retries: 2,
            external_backoff_ms: 50,
            external_breaker_threshold: 5,
            external_breaker_cooldown_ms: 30_000,
            external_concurrency: 8,
            external_batch_budget_ms: 2_000,
            events: true,
            event_window_hours: 6,
            event_late_hours: 24,
            event_story_days: 7,
        }
    }
}

impl EnrichConfig {
    /// The external enricher's settings, when one is configured.
    pub fn external(&self) -> Option<ExternalSettings> {
        (!self.external_url.is_empty()).then(|| ExternalSettings {
            url: self.external_url.clone(),
            timeout: Duration::from_millis(self.external_timeout_ms),
            retries: self.external_retries,
            backoff: Duration::from_millis(self.external_backoff_ms),
            breaker_threshold: self.external_breaker_threshold,
            breaker_cooldown: Duration::from_millis(self.external_breaker_cooldown_ms),
            concurrency: self.external_concurrency,
            batch_budget: Duration::from_millis(self.external_batch_budget_ms),
        })
    }
}

impl EnrichConfig {
    /// The event clustering's settings (the measured defaults, with the configured windows).
    pub fn cluster_settings(&self) -> ClusterSettings {
        ClusterSettings {
            window_ms: i64::from(self.event_window_hours) * 3_600_000,
            late_ms: i64::from(self.event_late_hours) * 3_600_000,
            story_window_ms: i64::from(self.event_story_days) * 86_400_000,
            ..ClusterSettings::default()
        }
    }
}

impl Validate for EnrichConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("enrich.admin_addr", &self.admin_addr, errors);
        let url = &self.external_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            errors.push(format!("enrich.external_url {:?} must start with http:// or https://", self.external_url));
        }
        if self.external_timeout_ms == 0 {
            errors.push("enrich.external_timeout_ms must be more than 0".into());
        }
        if self.external_breaker_threshold == 0 {
            errors.push("enrich.external_breaker_threshold must be at least 1".into());
        }
        if self.external_concurrency == 0 {
            errors.push("enrich.external_concurrency must be at least 1".into());
        }
        if !(1..=MAX_BATCH_BUDGET_MS).contains(&self.external_batch_budget_ms) {
            errors.push(format!(
                "enrich.external_batch_budget_ms must be between 1 and {MAX_BATCH_BUDGET_MS} (a batch waits that long for the external enricher at most)"
            ));
        }
        if !(1..=24 * 30).contains(&self.event_window_hours) {
            errors.push("enrich.event_window_hours must be between 1 and 720 (30 days)".into());
        }
        if self.event_late_hours > 24 * 30 {
            errors.push("enrich.event_late_hours must be at most 720 (30 days)".into());
        }
        if !(1..=90).contains(&self.event_story_days) {
            errors.push("enrich.event_story_days must be between 1 and 90".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_have_no_external_enricher() {
        let mut errors = Vec::new();
        EnrichConfig::default().validate(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(EnrichConfig::default().external().is_none());
    }

    #[test]
    fn a_bad_external_url_and_zero_timeout_are_reported() {
        let config = EnrichConfig { external_url: "ftp://x".into(), external_timeout_ms: 0, ..Default::default() };
        let mut errors = Vec::new();
        config.validate(&mut errors);
        assert_eq!(errors.len(), 2, "{errors:?}");
        let config = EnrichConfig { external_concurrency: 0, external_batch_budget_ms: 0, ..Default::default() };
        let mut errors = Vec::new();
        config.validate(&mut errors);
        assert_eq!(errors.len(), 2, "{errors:?}");
        let ok = EnrichConfig { external_url: "http://127.0.0.1:9/enrich".into(), ..Default::default() };
        let settings = ok.external().unwrap();
        assert_eq!((settings.timeout, settings.batch_budget, settings.concurrency), (Duration::from_millis(300), Duration::from_secs(2), 8));
    }
}
