//! Publish's own metrics, registered on the stage's [`Metrics`] registry so they
//! carry the `stage="publish"` label. Subscriber names are configured, so their
//! number is bounded: they are fine as a label.

use newswire_shared::metrics::{counter_vec, histogram_vec, Metrics};
use prometheus::{HistogramVec, IntCounterVec, IntGaugeVec, Opts};

/// Buckets for webhook request latency, in seconds.
const WEBHOOK_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Deliveries, webhook latency and queue depth.
#[derive(Clone)]
pub struct PublishMetrics {
    /// `newswire_publish_deliveries_total{subscriber, channel, outcome}`: channel is
    /// `topic` or `webhook`; outcome is `delivered`, `retried`, `rejected` or `dead_lettered`.
    pub deliveries: IntCounterVec,
    /// `newswire_webhook_request_seconds{subscriber}`: time of each webhook attempt.
    pub webhook_seconds: HistogramVec,
    /// `newswire_webhook_queue_depth{subscriber}`: deliveries waiting, including
    /// one being retried.
    pub queue_depth: IntGaugeVec,
}

impl Default for PublishMetrics {
    fn default() -> Self {
        PublishMetrics {
            deliveries: counter_vec(
                "newswire_publish_deliveries_total",
                "Story deliveries to subscribers, by subscriber, channel and outcome.",
                &["subscriber", "channel", "outcome"],
            ),
            webhook_seconds: histogram_vec(
                "newswire_webhook_request_seconds",
                "Time of one webhook request, by subscriber.",
                &["subscriber"],
                WEBHOOK_BUCKETS,
            ),
            queue_depth: IntGaugeVec::new(
                Opts::new("newswire_webhook_queue_depth", "Webhook deliveries waiting or being retried, by subscriber."),
                &["subscriber"],
            )
            .unwrap_or_else(|_| unreachable!("static metric names are valid")),
        }
    }
}

impl PublishMetrics {
    /// Registers every publish metric on the stage's registry.
    pub fn register(&self, metrics: &Metrics) {
        metrics.register(Box::new(self.deliveries.clone()));
        metrics.register(Box::new(self.webhook_seconds.clone()));
        metrics.register(Box::new(self.queue_depth.clone()));
    }

    /// Counts one delivery outcome.
    pub fn delivery(&self, subscriber: &str, channel: &str, outcome: &str) {
        self.deliveries.with_label_values(&[subscriber, channel, outcome]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_metrics_render_with_the_stage_label() {
        let metrics = Metrics::new("publish");
        let own = PublishMetrics::default();
        own.register(&metrics);
        own.delivery("sport", "webhook", "delivered");
        own.queue_depth.with_label_values(&["sport"]).set(2);
        let text = metrics.render();
        let line = |name: &str| text.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_owned();
        let deliveries = line("newswire_publish_deliveries_total{");
        for label in [r#"channel="webhook""#, r#"outcome="delivered""#, r#"stage="publish""#, r#"subscriber="sport""#] {
            assert!(deliveries.contains(label), "{label} missing in {deliveries:?}");
        }
        assert!(deliveries.ends_with(" 1"), "{deliveries:?}");
        let depth = line("newswire_webhook_queue_depth{");
        assert!(depth.contains(r#"stage="publish""#) && depth.ends_with(" 2"), "{depth:?}");
    }
}
