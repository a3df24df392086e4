//! The benchmark's results: a short table for people, JSON for machines.

use serde::Serialize;

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of latencies given in microseconds (HdrHistogram, 3 significant digits).
    pub fn from_micros(samples: &[u64]) -> Self {
        let Ok(mut histogram) = hdrhistogram::Histogram::<u64>::new(3) else {
            return Latency::default();
        };
        for s in samples {
            let _ = histogram.record((*s).max(1));
        }
        if histogram.is_empty() {
            return Latency::default();
        }
        let ms = |v: u64| v as f64 / 1000.0;
        Latency {
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p95_ms: ms(histogram.value_at_quantile(0.95)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
        }
    }
}

/// CPU and peak memory of one service during the run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServiceUsage {
    /// Service name.
    pub service: String,
    /// CPU seconds used during the run.
    pub cpu_seconds: f64,
    /// The same per story pushed, milliseconds.
    pub cpu_ms_per_story: f64,
    /// Peak resident memory since start, MiB.
    pub peak_rss_mb: f64,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Date of the run (UTC).
    pub date: String,
    /// Requests sent.
    pub stories_pushed: usize,
    /// Mean request body size.
    pub mean_story_bytes: usize,
    /// Target rate (0 = as fast as possible).
    pub target_rate: f64,
    /// Responses by HTTP status.
    pub statuses: std::collections::BTreeMap<String, usize>,
    /// Stories the subscriber received.
    pub published: usize,
    /// Seconds spent pushing.
    pub push_seconds: f64,
    /// Seconds from the first push to the last story received.
    pub end_to_end_seconds: f64,
    /// Stories per second, end to end.
    pub throughput_per_second: f64,
    /// Ingest→publish latency.
    pub latency: Latency,
    /// Per-service CPU and memory.
    pub services: Vec<ServiceUsage>,
    /// Raw Kafka pass-through through four hops, messages per second.
    pub passthrough_per_second: Option<f64>,
    /// Our throughput as a fraction of the pass-through.
    pub ratio_to_passthrough: Option<f64>,
}

impl BenchReport {
    /// The human-readable summary.
    pub fn table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("newswire bench {} — {} stories (mean {} bytes), rate {}\n", self.date, self.stories_pushed, self.mean_story_bytes, if self.target_rate > 0.0 { format!("{}/s", self.target_rate) } else { "max".into() }));
        out.push_str(&format!("  responses            {:?}\n", self.statuses));
        out.push_str(&format!("  published            {}\n", self.published));
        out.push_str(&format!("  throughput           {:.0} stories/s end to end ({:.1} s)\n", self.throughput_per_second, self.end_to_end_seconds));
        out.push_str(&format!(
            "  latency ingest→sub   p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms\n",
            self.latency.p50_ms, self.latency.p95_ms, self.latency.p99_ms, self.latency.max_ms
        ));
        if let (Some(p), Some(r)) = (self.passthrough_per_second, self.ratio_to_passthrough) {
            out.push_str(&format!("  raw pass-through     {p:.0} msgs/s through 4 hops; newswire = {:.0}% of it\n", r * 100.0));
        }
        for s in &self.services {
            out.push_str(&format!(
                "  {:<10} cpu {:>7.2} s ({:.3} ms a story)   peak rss {:>6.1} MiB\n",
                s.service, s.cpu_seconds, s.cpu_ms_per_story, s.peak_rss_mb
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_samples() {
        let samples: Vec<u64> = (1..=1000).map(|i| i * 1000).collect();
        let l = Latency::from_micros(&samples);
        assert!((l.p50_ms - 500.0).abs() < 1.0, "{l:?}");
        assert!((l.p99_ms - 990.0).abs() < 1.0, "{l:?}");
        assert!((l.max_ms - 1000.0).abs() < 1.0, "{l:?}");
        assert_eq!(Latency::from_micros(&[]), Latency::default());
    }
}
