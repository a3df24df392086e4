//! Publish's own metrics, registered on the stage's [`Metrics`] registry so they
//! carry the `stage="publish"` label. Subscriber names are configured, so their
//! number is bounded: they are fine as a label.

use newswire_shared::metrics::{counter, counter_vec, histogram, histogram_vec, Metrics};
use prometheus::{Histogram, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts};

/// Buckets for webhook request latency, in seconds.
const WEBHOOK_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Buckets for how late an embargoed story went out after its time, in seconds.
const RELEASE_DELAY_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 30.0, 300.0];

/// Deliveries, webhook latency and queue depth, and the embargoed stories held.
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
    /// `newswire_embargoed_held`: embargoed stories held now.
    pub embargoed_held: IntGauge,
    /// `newswire_embargo_holds_total`: stories held (a replaced held version counts again).
    pub embargo_holds: IntCounter,
    /// `newswire_embargo_releases_total`: held stories released at their time.
    pub embargo_releases: IntCounter,
    /// `newswire_embargo_release_delay_seconds`: how long after its time a held story went out.
    pub embargo_release_delay: Histogram,
    /// `newswire_embargo_cancellations_total{reason}`: held stories cancelled
    /// before their time (`kill`, `withhold`, `lifted`).
    pub embargo_cancellations: IntCounterVec,
    /// `newswire_api_requests_total{route, status}`: subscriber API requests answered.
    pub api_requests: IntCounterVec,
    /// `newswire_api_open_streams`: Server-Sent Event streams open now.
    pub api_open_streams: IntGauge,
    /// `newswire_api_stories_total{subscriber}`: stories given out by the subscriber API (pages and streams).
    pub api_stories: IntCounterVec,
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
            embargoed_held: IntGauge::new("newswire_embargoed_held", "Embargoed stories held for release now.")
                .unwrap_or_else(|_| unreachable!("static metric names are valid")),
            embargo_holds: counter("newswire_embargo_holds_total", "Embargoed stories held (a replaced held version counts again)."),
            embargo_releases: counter("newswire_embargo_releases_total", "Held embargoed stories released at their time."),
            embargo_release_delay: histogram(
                "newswire_embargo_release_delay_seconds",
                "How long after its embargo time a held story went out.",
                RELEASE_DELAY_BUCKETS,
            ),
            embargo_cancellations: counter_vec(
                "newswire_embargo_cancellations_total",
                "Held embargoed stories cancelled before their time, by reason (kill, withhold, lifted).",
                &["reason"],
            ),
            api_requests: counter_vec(
                "newswire_api_requests_total",
                "Subscriber API requests answered, by route and HTTP status.",
                &["route", "status"],
            ),
            api_open_streams: IntGauge::new("newswire_api_open_streams", "Subscriber API Server-Sent Event streams open now.")
                .unwrap_or_else(|_| unreachable!("static metric names are valid")),
            api_stories: counter_vec(
                "newswire_api_stories_total",
                "Stories given out by the subscriber API (pages and streams), by subscriber.",
                &["subscriber"],
            ),
        }
    }
}

impl PublishMetrics {
    /// Registers every publish metric on the stage's registry.
    pub fn register(&self, metrics: &Metrics) {
        metrics.register(Box::new(self.deliveries.clone()));
        metrics.register(Box::new(self.webhook_seconds.clone()));
        metrics.register(Box::new(self.queue_depth.clone()));
        metrics.register(Box::new(self.embargoed_held.clone()));
        metrics.register(Box::new(self.embargo_holds.clone()));
        metrics.register(Box::new(self.embargo_releases.clone()));
        metrics.register(Box::new(self.embargo_release_delay.clone()));
        metrics.register(Box::new(self.embargo_cancellations.clone()));
        metrics.register(Box::new(self.api_requests.clone()));
        metrics.register(Box::new(self.api_open_streams.clone()));
        metrics.register(Box::new(self.api_stories.clone()));
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
