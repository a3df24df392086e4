//! One leader among a service's instances, elected by Kafka's group protocol:
//! every instance joins the group `<group>` on a topic of one partition, and
//! the instance the group assigns that partition to leads. An instance that
//! stops leaves the group at once; one that dies is replaced once the group
//! notices (`kafka.session_timeout_ms`). Nothing is ever written to or read
//! from the topic: it exists for its one partition.
//!
//! Ingest uses it so that, with several instances, one of them polls the feeds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use tokio::sync::watch;

use crate::config::KafkaConfig;
use crate::kafka::client;

/// How often the membership thread serves the group protocol and looks at its assignment.
const POLL_EVERY: Duration = Duration::from_millis(250);

/// This instance's part in an election: whether it leads, as it changes.
pub struct Leadership {
    leading: watch::Receiver<bool>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Leadership {
    /// Leaves the group before returning (within about [`POLL_EVERY`]), so
    /// that another instance leads at once, even when the process exits next.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Leadership {
    /// Joins the election of `group` on `topic` (which must exist with one
    /// partition) and follows it on a thread of its own until dropped; the
    /// group is left then.
    pub fn join(kafka: &KafkaConfig, client_id: &str, group: &str, topic: &str) -> Result<Self, KafkaError> {
        let mut config = client::reader(kafka, client_id, group);
        config.set("session.timeout.ms", kafka.session_timeout_ms.to_string()).set("heartbeat.interval.ms", (kafka.session_timeout_ms / 4).max(250).to_string());
        let consumer: BaseConsumer = config.create()?;
        consumer.subscribe(&[topic])?;
        let (tell, leading) = watch::channel(false);
        let stop = Arc::new(AtomicBool::new(false));
        let (stopping, topic) = (Arc::clone(&stop), topic.to_owned());
        let thread = std::thread::Builder::new()
            .name(format!("{client_id}-leader"))
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    // Serves the group protocol (rebalances); the topic holds no records.
                    let _ = consumer.poll(POLL_EVERY);
                    let now = consumer.assignment().is_ok_and(|assigned| assigned.elements_for_topic(&topic).iter().any(|e| e.partition() == 0));
                    tell.send_if_modified(|was| std::mem::replace(was, now) != now);
                }
                // Leaving the group (unsubscribing, then closing the consumer as it
                // is dropped) hands the partition over at once.
                consumer.unsubscribe();
                drop(consumer);
                tell.send_replace(false);
            })
            .map_err(|error| KafkaError::ClientCreation(format!("cannot start the leadership thread: {error}")))?;
        Ok(Leadership { leading, stop, thread: Some(thread) })
    }

    /// Whether this instance leads, and its changes.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.leading.clone()
    }
}
