//! The reload metrics both reloading services export, and the event that
//! logs an attempt and counts it in one place.

use prometheus::{IntCounterVec, IntGaugeVec, Opts};

use crate::metrics::{counter_vec, Metrics};

use super::Outcome;

/// `newswire_config_reloads_total{outcome}` and `newswire_config_info{sha256}`.
#[derive(Clone)]
pub struct ReloadMetrics {
    /// Reload attempts by outcome (every outcome is exported from start-up, at 0).
    pub reloads: IntCounterVec,
    /// 1 for the SHA-256 of the configuration now in force; one series only.
    pub info: IntGaugeVec,
}

impl ReloadMetrics {
    /// Creates the metrics and registers them in `metrics`' registry.
    pub fn register(metrics: &Metrics) -> Self {
        let reloads = counter_vec(
            "newswire_config_reloads_total",
            "Configuration reload attempts (SIGHUP or a changed file), by outcome.",
            &["outcome"],
        );
        let info = IntGaugeVec::new(
            Opts::new("newswire_config_info", "1 for the SHA-256 of the configuration file(s) in force."),
            &["sha256"],
        )
        .expect("valid metric");
        for outcome in Outcome::ALL {
            reloads.with_label_values(&[outcome.as_str()]);
        }
        metrics.register(Box::new(reloads.clone()));
        metrics.register(Box::new(info.clone()));
        ReloadMetrics { reloads, info }
    }

    /// Shows `sha256` as the configuration in force.
    pub fn in_force(&self, sha256: &str) {
        self.info.reset();
        self.info.with_label_values(&[sha256]).set(1);
    }
}

/// One reload attempt came to an end.
pub struct ReloadAttempted<'a> {
    /// What it came to.
    pub outcome: Outcome,
    /// `sighup` or `file_change`.
    pub trigger: &'a str,
    /// The SHA-256 of the files read.
    pub sha256: &'a str,
    /// For people: the settings applied, or why nothing was.
    pub detail: &'a str,
}

impl ReloadAttempted<'_> {
    /// Logs it (INFO when applied or unchanged, WARN when refused, ERROR when it
    /// failed) and counts `newswire_config_reloads_total{outcome}`.
    pub fn emit(&self, metrics: &ReloadMetrics) {
        let (outcome, trigger, sha256, detail) = (self.outcome.as_str(), self.trigger, self.sha256, self.detail);
        match self.outcome {
            Outcome::Applied | Outcome::Unchanged => tracing::info!(outcome, trigger, sha256, detail, "configuration reloaded"),
            Outcome::Invalid | Outcome::RestartRequired => {
                tracing::warn!(outcome, trigger, sha256, detail, "configuration reload refused; the running configuration stays in force")
            }
            Outcome::Failed => tracing::error!(outcome, trigger, sha256, detail, "configuration reload failed; the running configuration stays in force"),
        }
        metrics.reloads.with_label_values(&[outcome]).inc();
    }
}
