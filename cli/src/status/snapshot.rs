//! One scrape of every stage's `/metrics`, reduced to what `newswire status` shows.

/// Cumulative histogram buckets: (upper bound, count), ascending.
pub type Buckets = Vec<(f64, f64)>;

/// The figures of one stage at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageSnapshot {
    /// Whether its admin endpoint answered.
    pub up: bool,
    /// `newswire_messages_consumed_total` (ingest: accepted pushes).
    pub consumed: f64,
    /// Sum of `newswire_dead_letters_total` over reasons.
    pub dead_letters: f64,
    /// Sum of `newswire_duplicates_total` over kinds.
    pub duplicates: f64,
    /// Sum of `newswire_kafka_consumer_lag` over partitions.
    pub lag: f64,
    /// `newswire_end_to_end_latency_seconds` buckets.
    pub end_to_end: Buckets,
    /// `newswire_processing_seconds` buckets.
    pub processing: Buckets,
}

/// Every stage's snapshot, in pipeline order.
pub type Snapshot = Vec<(String, StageSnapshot)>;

/// Reduces one `/metrics` text to a stage snapshot.
pub fn parse_metrics(text: &str) -> StageSnapshot {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let Ok(scrape) = prometheus_parse::Scrape::parse(lines) else {
        return StageSnapshot::default();
    };
    let mut s = StageSnapshot { up: true, ..Default::default() };
    for sample in &scrape.samples {
        let value = match &sample.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => {
                let b: Buckets = buckets.iter().map(|c| (c.less_than, c.count)).collect();
                match sample.metric.as_str() {
                    "newswire_end_to_end_latency_seconds" => s.end_to_end = b,
                    "newswire_processing_seconds" => s.processing = b,
                    _ => {}
                }
                continue;
            }
            _ => continue,
        };
        match sample.metric.as_str() {
            "newswire_messages_consumed_total" => s.consumed += value,
            "newswire_ingest_requests_total" if sample.labels.get("status") == Some("202") => s.consumed += value,
            "newswire_dead_letters_total" => s.dead_letters += value,
            "newswire_duplicates_total" => s.duplicates += value,
            "newswire_kafka_consumer_lag" => s.lag += value,
            _ => {}
        }
    }
    s
}
