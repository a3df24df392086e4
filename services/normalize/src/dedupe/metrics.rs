//! Normalize's own dedupe metrics: how much state is kept, how much expired,
//! and how many duplicates two instances both passed on.

use newswire_shared::metrics::{counter, Metrics};
use prometheus::{IntCounter, IntGaugeVec, Opts};

/// `newswire_dedupe_records{tree}`, `newswire_dedupe_expired_total` and `newswire_dedupe_races_total`.
#[derive(Clone)]
pub struct DedupeMetrics {
    /// Records kept per tree (`versions`, `exact`, `near`), refreshed at each expiry run.
    pub records: IntGaugeVec,
    /// Records removed because they fell out of the window.
    pub expired: IntCounter,
    /// Copies of one content passed on as first by two instances within the
    /// replication window (see [`crate::dedupe::store::Race`]).
    pub races: IntCounter,
}

impl DedupeMetrics {
    /// Creates the metrics and registers them with the stage's registry.
    pub fn register(metrics: &Metrics) -> anyhow::Result<Self> {
        let records = IntGaugeVec::new(Opts::new("newswire_dedupe_records", "Dedupe and version records kept, by tree."), &["tree"])?;
        let expired = counter("newswire_dedupe_expired_total", "Dedupe records removed because they fell out of the window.");
        let races = counter(
            "newswire_dedupe_races_total",
            "Copies of one content that two normalize instances both passed on as first, within the replication window.",
        );
        metrics.register(Box::new(records.clone()));
        metrics.register(Box::new(expired.clone()));
        metrics.register(Box::new(races.clone()));
        Ok(DedupeMetrics { records, expired, races })
    }

    /// Sets the record gauges from the store's sizes (versions, exact, near).
    pub fn set_sizes(&self, (versions, exact, near): (usize, usize, usize)) {
        for (tree, n) in [("versions", versions), ("exact", exact), ("near", near)] {
            self.records.with_label_values(&[tree]).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
}
