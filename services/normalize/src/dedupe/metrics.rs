//! Normalize's own dedupe metrics: how much state is kept and how much expired.

use newswire_shared::metrics::{counter, Metrics};
use prometheus::{IntCounter, IntGaugeVec, Opts};

/// `newswire_dedupe_records{tree}` and `newswire_dedupe_expired_total`.
#[derive(Clone)]
pub struct DedupeMetrics {
    /// Records kept per tree (`versions`, `exact`, `near`), refreshed at each expiry run.
    pub records: IntGaugeVec,
    /// Records removed because they fell out of the window.
    pub expired: IntCounter,
}

impl DedupeMetrics {
    /// Creates the metrics and registers them with the stage's registry.
    pub fn register(metrics: &Metrics) -> anyhow::Result<Self> {
        let records = IntGaugeVec::new(Opts::new("newswire_dedupe_records", "Dedupe and version records kept, by tree."), &["tree"])?;
        let expired = counter("newswire_dedupe_expired_total", "Dedupe records removed because they fell out of the window.");
        metrics.register(Box::new(records.clone()));
        metrics.register(Box::new(expired.clone()));
        Ok(DedupeMetrics { records, expired })
    }

    /// Sets the record gauges from the store's sizes (versions, exact, near).
    pub fn set_sizes(&self, (versions, exact, near): (usize, usize, usize)) {
        for (tree, n) in [("versions", versions), ("exact", exact), ("near", near)] {
            self.records.with_label_values(&[tree]).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
}
