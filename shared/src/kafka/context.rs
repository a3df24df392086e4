//! The rdkafka client context newswire uses: turns librdkafka statistics into
//! lag and queue metrics, remembers rebalances, and logs failed deliveries.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{DeliveryResult, ProducerContext};
use rdkafka::statistics::Statistics;
use rdkafka::ClientContext;

use crate::metrics::Metrics;

/// Client context shared by the stage runtime's consumer and producer.
#[derive(Clone)]
pub struct NewswireContext {
    metrics: Arc<Metrics>,
    rebalanced: Arc<AtomicBool>,
    assigned: Arc<AtomicBool>,
    revoked: Arc<AtomicBool>,
}

impl NewswireContext {
    /// A context that reports into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        NewswireContext { metrics, rebalanced: Arc::new(AtomicBool::new(false)), assigned: Arc::new(AtomicBool::new(false)), revoked: Arc::new(AtomicBool::new(false)) }
    }

    /// Whether a rebalance happened since the last call, clearing the flag.
    pub fn take_rebalanced(&self) -> bool {
        self.rebalanced.swap(false, Ordering::SeqCst)
    }

    /// Whether the group assigned partitions since the last call (the end of
    /// a rebalance: the assignment is final), clearing the flag.
    pub fn take_assigned(&self) -> bool {
        self.assigned.swap(false, Ordering::SeqCst)
    }

    /// Whether the group took partitions away since the last call, clearing the flag.
    pub fn take_revoked(&self) -> bool {
        self.revoked.swap(false, Ordering::SeqCst)
    }
}

impl ClientContext for NewswireContext {
    fn stats(&self, statistics: Statistics) {
        self.metrics.producer_queue.set(statistics.msg_cnt as i64);
        for (topic_name, topic) in &statistics.topics {
            for (partition, stats) in &topic.partitions {
                // librdkafka reports -1 for the internal "UA" partition and for unknown lag.
                if *partition < 0 || stats.consumer_lag < 0 {
                    continue;
                }
                self.metrics
                    .consumer_lag
                    .with_label_values(&[topic_name.as_str(), &partition.to_string()])
                    .set(stats.consumer_lag);
            }
        }
    }
}

impl ConsumerContext for NewswireContext {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        tracing::info!(?rebalance, "consumer group rebalance");
        self.rebalanced.store(true, Ordering::SeqCst);
        if let Rebalance::Revoke(_) = rebalance {
            self.revoked.store(true, Ordering::SeqCst);
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(_) = rebalance {
            self.assigned.store(true, Ordering::SeqCst);
        }
    }
}

impl ProducerContext for NewswireContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        // Inside a transaction a failed delivery also fails commit_transaction,
        // which aborts and re-reads the batch; this log says which record failed.
        match result {
            Ok(_) => {}
            // An abort purges what the transaction had not sent: expected, not a failure.
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::PurgeQueue | RDKafkaErrorCode::PurgeInflight), _)) => {
                tracing::debug!("record purged by a transaction abort")
            }
            Err((error, _)) => tracing::warn!(%error, "record delivery failed"),
        }
    }
}
