//! Normalize's own dedupe metrics: how much state is kept, how much expired,
//! and how many duplicates two instances both passed on.

use newswire_shared::metrics::{counter, Metrics};
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGaugeVec, Opts};

/// `newswire_dedupe_records{tree}`, `newswire_dedupe_expired_total`,
/// `newswire_dedupe_races_total{kind}` and the claims' `newswire_dedupe_claimed_total{kind}`,
/// `newswire_dedupe_claim_failures_total`, `newswire_dedupe_claim_seconds`.
#[derive(Clone)]
pub struct DedupeMetrics {
    /// Records kept per tree (`versions`, `exact`, `near`), refreshed at each expiry run.
    pub records: IntGaugeVec,
    /// Records removed because they fell out of the window.
    pub expired: IntCounter,
    /// Stories two instances both passed on as first within the replication
    /// window, by kind (`content`, `version`, `near`; see [`crate::dedupe::store::Race`]).
    pub races: IntCounterVec,
    /// Copies dropped because another story claimed them first
    /// ([`crate::dedupe::claims`]), by what was claimed (`content`, `version`).
    pub claimed: IntCounterVec,
    /// Batches whose claims could not be written or read back in time.
    pub claim_failures: IntCounter,
    /// How long a batch's claims took to write and read back.
    pub claim_seconds: Histogram,
}

impl DedupeMetrics {
    /// Creates the metrics and registers them with the stage's registry.
    pub fn register(metrics: &Metrics) -> anyhow::Result<Self> {
        let records = IntGaugeVec::new(Opts::new("newswire_dedupe_records", "Dedupe and version records kept, by tree."), &["tree"])?;
        let expired = counter("newswire_dedupe_expired_total", "Dedupe records removed because they fell out of the window.");
        let races = IntCounterVec::new(
            Opts::new(
                "newswire_dedupe_races_total",
                "Stories two normalize instances both passed on as first within the replication window, by kind (content, version, near).",
            ),
            &["kind"],
        )?;
        for kind in ["content", "version", "near"] {
            races.with_label_values(&[kind]);
        }
        let claimed = IntCounterVec::new(
            Opts::new("newswire_dedupe_claimed_total", "Copies dropped because another story claimed the content or the version first, by kind."),
            &["kind"],
        )?;
        let claim_failures = counter(
            "newswire_dedupe_claim_failures_total",
            "Batches whose claims could not be written to Kafka or read back in time (they went on with the instance's own state).",
        );
        let claim_seconds = Histogram::with_opts(
            HistogramOpts::new("newswire_dedupe_claim_seconds", "Time to write a batch's claims and read them back.")
                .buckets(vec![0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0]),
        )?;
        metrics.register(Box::new(records.clone()));
        metrics.register(Box::new(expired.clone()));
        metrics.register(Box::new(races.clone()));
        metrics.register(Box::new(claimed.clone()));
        metrics.register(Box::new(claim_failures.clone()));
        metrics.register(Box::new(claim_seconds.clone()));
        Ok(DedupeMetrics { records, expired, races, claimed, claim_failures, claim_seconds })
    }

    /// Sets the record gauges from the store's sizes (versions, exact, near).
    pub fn set_sizes(&self, (versions, exact, near): (usize, usize, usize)) {
        for (tree, n) in [("versions", versions), ("exact", exact), ("near", near)] {
            self.records.with_label_values(&[tree]).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
}
