//! The Prometheus metrics every stage exports, in one registry per process.
//!
//! Names follow Prometheus conventions (`newswire_<thing>_total`, `_seconds`
//! histograms with explicit buckets); every series carries a constant `stage`
//! label and no per-story label. Services add their own metrics to
//! [`Metrics::registry`].

use std::collections::HashMap;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Buckets for per-message processing time: 50 µs to 5 s.
pub const PROCESSING_BUCKETS: &[f64] =
    &[0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// Buckets for end-to-end and HTTP latency: 1 ms to 60 s.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The metric family shared by all stages.
pub struct Metrics {
    registry: Registry,
    /// `newswire_messages_consumed_total`: messages read from the input topic.
    pub consumed: IntCounter,
    /// `newswire_messages_produced_total{topic}`: records durably written, by topic.
    pub produced: IntCounterVec,
    /// `newswire_messages_dropped_total{reason}`: inputs deliberately not passed on.
    pub dropped: IntCounterVec,
    /// `newswire_dead_letters_total{reason}`: inputs sent to the dead-letter topic.
    pub dead_letters: IntCounterVec,
    /// `newswire_duplicates_total{kind}`: duplicates recognised (exact, near, repush, version).
    pub duplicates: IntCounterVec,
    /// `newswire_field_problems_total{field,kind}`: source metadata recorded as
    /// unusable on a story that went on (an unreadable date, urgency 12, …).
    pub field_problems: IntCounterVec,
    /// `newswire_batch_retries_total{reason}`: batches aborted and re-read because
    /// the stage could not do its work (a state store failed), not because of a record.
    pub batch_retries: IntCounterVec,
    /// `newswire_batches_cut_total`: batches committed early because their
    /// transaction had been open for half its timeout; the rest was read again.
    pub batches_cut: IntCounter,
    /// `newswire_processing_seconds`: time in the stage's pure core per message.
    pub processing_seconds: Histogram,
    /// `newswire_in_flight_messages`: messages read but not yet committed.
    pub in_flight: IntGauge,
    /// `newswire_end_to_end_latency_seconds`: from ingest's acceptance to this stage's commit.
    pub end_to_end_seconds: Histogram,
    /// `newswire_kafka_transactions_total{outcome}`: committed / aborted.
    pub transactions: IntCounterVec,
    /// `newswire_kafka_commit_failures_total`: transactions or offset commits that failed.
    pub commit_failures: IntCounter,
    /// `newswire_kafka_producer_replacements_total{reason}`: transactional producers
    /// replaced in process: `abort_failed` (librdkafka could not abort by itself)
    /// or `transaction_timed_out` (the broker rolled back a transaction open past
    /// `kafka.transaction_timeout_ms`: the stage is stalling, page on its rate).
    pub producer_replacements: IntCounterVec,
    /// `newswire_kafka_consumer_lag{topic,partition}`: from librdkafka statistics.
    pub consumer_lag: IntGaugeVec,
    /// `newswire_kafka_producer_queue_messages`: messages waiting in the producer queue.
    pub producer_queue: IntGauge,
    /// `newswire_batch_size`: messages per transaction.
    pub batch_size: Histogram,
    /// `newswire_kafka_commit_seconds`: time to commit one batch's transaction.
    pub commit_seconds: Histogram,
    /// `newswire_batch_prepare_seconds`: time the stage spent preparing a batch
    /// ([`crate::stage::Stage::prepare_batch`]) before its transaction began.
    pub batch_prepare_seconds: Histogram,
    /// `newswire_state_changes_total{store}`: changes of a changelog-backed store
    /// committed (each also a changelog record).
    pub state_changes: IntCounterVec,
    /// `newswire_state_restored_records_total{store}`: changelog records read back into a store.
    pub state_restored_records: IntCounterVec,
    /// `newswire_state_restore_remaining_records{store}`: changelog records still to
    /// read before the restoring partitions are processed (0 when none is restoring).
    pub state_restore_remaining: IntGaugeVec,
    /// `newswire_state_restoring{store}`: 1 while a store's slices are being restored.
    pub state_restoring: IntGaugeVec,
    /// `newswire_state_followed_records_total{store}`: changelog records other
    /// instances committed, read into a replicated store while following them.
    pub state_followed_records: IntCounterVec,
    /// `newswire_state_follow_lag_records{store}`: records other instances
    /// committed to a replicated store that this one has not read yet (0 when
    /// it follows nothing).
    pub state_follow_lag: IntGaugeVec,
    /// `newswire_state_sync_retries_total`: times bringing the stores in
    /// step with an assignment failed on a passing Kafka error and was tried again.
    pub state_sync_retries: IntCounter,
}

impl Metrics {
    /// Creates and registers the family for `stage` (`ingest`, `normalize`, …).
    pub fn new(stage: &str) -> Self {
        let labels = HashMap::from([("stage".to_owned(), stage.to_owned())]);
        let registry = Registry::new_custom(None, Some(labels)).expect("static registry labels are valid");
        let m = Metrics {
            consumed: counter("newswire_messages_consumed_total", "Messages read from the stage's input topic."),
            produced: counter_vec("newswire_messages_produced_total", "Records durably written, by topic.", &["topic"]),
            dropped: counter_vec("newswire_messages_dropped_total", "Inputs deliberately not passed on, by reason.", &["reason"]),
            dead_letters: counter_vec("newswire_dead_letters_total", "Inputs sent to the dead-letter topic, by reason.", &["reason"]),
            duplicates: counter_vec("newswire_duplicates_total", "Duplicates recognised, by kind.", &["kind"]),
            field_problems: counter_vec(
                "newswire_field_problems_total",
                "Source metadata that could not be used and was recorded on a story that went on, by field and kind.",
                &["field", "kind"],
            ),
            batch_retries: counter_vec(
                "newswire_batch_retries_total",
                "Batches aborted and read again because the stage could not do its work now (not the records' fault), by reason.",
                &["reason"],
            ),
            batches_cut: counter(
                "newswire_batches_cut_total",
                "Batches committed early because their transaction had been open for half its timeout; the rest of each was read again in smaller batches.",
            ),
            processing_seconds: histogram("newswire_processing_seconds", "Time in the stage's core per message.", PROCESSING_BUCKETS),
            in_flight: IntGauge::new("newswire_in_flight_messages", "Messages read but not yet committed.").expect("valid metric"),
            end_to_end_seconds: histogram(
                "newswire_end_to_end_latency_seconds",
                "Time from ingest's acceptance of a story to this stage's commit of it.",
                LATENCY_BUCKETS,
            ),
            transactions: counter_vec("newswire_kafka_transactions_total", "Kafka transactions, by outcome.", &["outcome"]),
            commit_failures: counter("newswire_kafka_commit_failures_total", "Transactions or offset commits that failed."),
            producer_replacements: counter_vec(
                "newswire_kafka_producer_replacements_total",
                "Transactional producers replaced in process, by reason (abort_failed, transaction_timed_out).",
                &["reason"],
            ),
            consumer_lag: IntGaugeVec::new(
                Opts::new("newswire_kafka_consumer_lag", "Messages behind the end of each input partition."),
                &["topic", "partition"],
            )
            .expect("valid metric"),
            producer_queue: IntGauge::new("newswire_kafka_producer_queue_messages", "Messages waiting in the producer queue.")
                .expect("valid metric"),
            batch_size: histogram("newswire_batch_size", "Messages per Kafka transaction.", &[1.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0]),
            commit_seconds: histogram("newswire_kafka_commit_seconds", "Time to commit one batch's Kafka transaction.", LATENCY_BUCKETS),
            batch_prepare_seconds: histogram(
                "newswire_batch_prepare_seconds",
                "Time the stage spent preparing a batch before its Kafka transaction began (enrich: the external enricher's calls).",
                LATENCY_BUCKETS,
            ),
            state_changes: counter_vec(
                "newswire_state_changes_total",
                "Changes of a changelog-backed state store committed, each also a changelog record, by store.",
                &["store"],
            ),
            state_restored_records: counter_vec(
                "newswire_state_restored_records_total",
                "Changelog records read back into a state store on partition assignment, by store.",
                &["store"],
            ),
            state_restore_remaining: IntGaugeVec::new(
                Opts::new("newswire_state_restore_remaining_records", "Changelog records still to read before restoring partitions are processed."),
                &["store"],
            )
            .expect("valid metric"),
            state_restoring: IntGaugeVec::new(Opts::new("newswire_state_restoring", "1 while a state store's slices are being restored."), &["store"])
                .expect("valid metric"),
            state_followed_records: counter_vec(
                "newswire_state_followed_records_total",
                "Changelog records other instances committed, read into a replicated state store, by store.",
                &["store"],
            ),
            state_follow_lag: IntGaugeVec::new(
                Opts::new("newswire_state_follow_lag_records", "Records other instances committed to a replicated state store that this instance has not read yet."),
                &["store"],
            )
            .expect("valid metric"),
            state_sync_retries: counter(
                "newswire_state_sync_retries_total",
                "Times restoring or following state failed on a passing Kafka error (a moving leader, a busy broker) and was tried again.",
            ),
            registry,
        };
        m.register_all();
        m
    }

    fn register_all(&self) {
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(self.consumed.clone()),
            Box::new(self.produced.clone()),
            Box::new(self.dropped.clone()),
            Box::new(self.dead_letters.clone()),
            Box::new(self.duplicates.clone()),
            Box::new(self.batch_retries.clone()),
            Box::new(self.batches_cut.clone()),
            Box::new(self.field_problems.clone()),
            Box::new(self.processing_seconds.clone()),
            Box::new(self.in_flight.clone()),
            Box::new(self.end_to_end_seconds.clone()),
            Box::new(self.transactions.clone()),
            Box::new(self.commit_failures.clone()),
            Box::new(self.producer_replacements.clone()),
            Box::new(self.consumer_lag.clone()),
            Box::new(self.producer_queue.clone()),
            Box::new(self.batch_size.clone()),
            Box::new(self.commit_seconds.clone()),
            Box::new(self.batch_prepare_seconds.clone()),
            Box::new(self.state_changes.clone()),
            Box::new(self.state_restored_records.clone()),
            Box::new(self.state_restore_remaining.clone()),
            Box::new(self.state_restoring.clone()),
            Box::new(self.state_followed_records.clone()),
            Box::new(self.state_follow_lag.clone()),
            Box::new(self.state_sync_retries.clone()),
            Box::new(build_info()),
        ];
        for c in collectors {
            self.register(c);
        }
        #[cfg(target_os = "linux")]
        self.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()));
    }

    /// Registers a service's own collector; a name clash is a programming error, logged.
    pub fn register(&self, collector: Box<dyn prometheus::core::Collector>) {
        if let Err(error) = self.registry.register(collector) {
            tracing::error!(%error, "metric registration failed");
        }
    }

    /// The registry, for services that add metrics of their own.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "metrics encoding failed");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

fn build_info() -> IntGaugeVec {
    let g = IntGaugeVec::new(Opts::new("newswire_build_info", "Build of the running service."), &["version"])
        .expect("valid metric");
    g.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
    g
}

/// A counter; panics only on an invalid static name.
pub fn counter(name: &str, help: &str) -> IntCounter {
    IntCounter::new(name, help).expect("valid metric")
}

/// A labelled counter; panics only on an invalid static name.
pub fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric")
}

/// A histogram with explicit buckets; panics only on an invalid static name.
pub fn histogram(name: &str, help: &str, buckets: &[f64]) -> Histogram {
    Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec())).expect("valid metric")
}

/// A labelled histogram with explicit buckets; panics only on an invalid static name.
pub fn histogram_vec(name: &str, help: &str, labels: &[&str], buckets: &[f64]) -> HistogramVec {
    HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets.to_vec()), labels).expect("valid metric")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_carries_the_stage_label() {
        let m = Metrics::new("normalize");
        m.consumed.inc();
        m.dropped.with_label_values(&["stale_version"]).inc();
        m.state_restoring.with_label_values(&["receipts"]).set(0);
        let text = m.render();
        assert!(text.contains("newswire_state_restoring{store=\"receipts\",stage=\"normalize\"} 0"), "{text}");
        assert!(text.contains("newswire_messages_consumed_total{stage=\"normalize\"} 1"), "{text}");
        assert!(text.contains("newswire_messages_dropped_total{reason=\"stale_version\",stage=\"normalize\"} 1"), "{text}");
        assert!(text.lines().any(|l| l.starts_with("newswire_build_info{") && l.contains("stage=\"normalize\"")), "{text}");
    }
}
