//! From two snapshots a moment apart to the rows `newswire status` prints.

use super::snapshot::{Buckets, Snapshot, StageSnapshot};

/// One stage's line in the table.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRow {
    /// Stage name.
    pub stage: String,
    /// Whether its admin endpoint answered.
    pub up: bool,
    /// Messages per second over the interval.
    pub rate: f64,
    /// p99 of the latency observed in the interval, in seconds (end-to-end where the
    /// stage records it, else processing time); `None` when nothing was observed.
    pub p99_seconds: Option<f64>,
    /// Consumer lag now.
    pub lag: f64,
    /// Dead letters so far.
    pub dead_letters: f64,
    /// Duplicates so far.
    pub duplicates: f64,
}

/// Compares two snapshots `seconds` apart.
pub fn summarize(before: &Snapshot, after: &Snapshot, seconds: f64) -> Vec<StageRow> {
    after
        .iter()
        .map(|(stage, now)| {
            let empty = StageSnapshot::default();
            let then = before.iter().find(|(s, _)| s == stage).map(|(_, s)| s).unwrap_or(&empty);
            let latency = if now.end_to_end.last().is_some_and(|b| b.1 > 0.0) { &now.end_to_end } else { &now.processing };
            let latency_then = if std::ptr::eq(latency, &now.end_to_end) { &then.end_to_end } else { &then.processing };
            StageRow {
                stage: stage.clone(),
                up: now.up,
                rate: if seconds > 0.0 { ((now.consumed - then.consumed) / seconds).max(0.0) } else { 0.0 },
                p99_seconds: quantile(&delta(latency_then, latency), 0.99),
                lag: now.lag,
                dead_letters: now.dead_letters,
                duplicates: now.duplicates,
            }
        })
        .collect()
}

/// Bucket counts observed between two scrapes of one histogram.
fn delta(before: &Buckets, after: &Buckets) -> Buckets {
    after
        .iter()
        .map(|(le, count)| {
            let earlier = before.iter().find(|(b, _)| b == le).map(|(_, c)| *c).unwrap_or(0.0);
            (*le, (count - earlier).max(0.0))
        })
        .collect()
}

/// The `q` quantile of cumulative buckets, interpolated linearly inside the bucket
/// (as Prometheus' `histogram_quantile` does); `None` with no observations.
pub fn quantile(buckets: &Buckets, q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut lower_bound = 0.0;
    let mut lower_count = 0.0;
    for (le, count) in buckets {
        if *count >= rank {
            if le.is_infinite() {
                return Some(lower_bound);
            }
            let in_bucket = count - lower_count;
            let fraction = if in_bucket > 0.0 { (rank - lower_count) / in_bucket } else { 1.0 };
            return Some(lower_bound + (le - lower_bound) * fraction);
        }
        lower_bound = *le;
        lower_count = *count;
    }
    Some(lower_bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_inside_the_bucket_like_prometheus() {
        let buckets = vec![(0.01, 50.0), (0.1, 100.0), (f64::INFINITY, 100.0)];
        let p50 = quantile(&buckets, 0.5).unwrap();
        assert!((p50 - 0.01).abs() < 1e-9, "{p50}");
        let p99 = quantile(&buckets, 0.99).unwrap();
        assert!((p99 - (0.01 + 0.09 * 0.98)).abs() < 1e-9, "{p99}");
        assert_eq!(quantile(&vec![(1.0, 0.0), (f64::INFINITY, 0.0)], 0.99), None);
    }

    #[test]
    fn rates_and_latency_come_from_the_interval_not_the_totals() {
        let stage = |consumed: f64, fast: f64, slow: f64| StageSnapshot {
            up: true,
            consumed,
            processing: vec![(0.001, fast), (1.0, fast + slow), (f64::INFINITY, fast + slow)],
            ..Default::default()
        };
        let before = vec![("normalize".to_owned(), stage(100.0, 1000.0, 0.0))];
        let after = vec![("normalize".to_owned(), stage(300.0, 1000.0, 200.0))];
        let rows = summarize(&before, &after, 2.0);
        assert_eq!(rows[0].rate, 100.0);
        // All 200 observations of the interval were slow, although most of the total was fast.
        assert!(rows[0].p99_seconds.unwrap() > 0.9, "{:?}", rows[0].p99_seconds);
    }
}
