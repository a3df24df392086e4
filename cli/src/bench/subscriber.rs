//! The subscriber side of the benchmark: reads `newswire.published` as a
//! subscriber would and records each story's ingest→publish latency.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::{client, headers};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};

/// What the subscriber saw.
#[derive(Debug, Default)]
pub struct Received {
    /// Latency of each story, in microseconds (from ingest's acceptance to receipt).
    pub latencies_us: Vec<u64>,
    /// When the first and the last story arrived.
    pub first: Option<Instant>,
    /// When the last story arrived.
    pub last: Option<Instant>,
}

/// A running subscriber; call [`Subscriber::finish`] with the number to wait for.
pub struct Subscriber {
    expected: Arc<AtomicUsize>,
    handle: std::thread::JoinHandle<anyhow::Result<Received>>,
}

impl Subscriber {
    /// Subscribes to `topic` from its current end and returns once partitions are assigned.
    pub fn start(kafka: &KafkaConfig, topic: &str, idle_timeout: Duration) -> anyhow::Result<Self> {
        let mut config = client::reader(kafka, "newswire-bench", &format!("bench-{}", uuid::Uuid::new_v4().simple()));
        config.set("auto.offset.reset", "latest").set("fetch.wait.max.ms", "10");
        let consumer: BaseConsumer = config.create()?;
        consumer.subscribe(&[topic])?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while consumer.assignment().map(|a| a.count()).unwrap_or(0) == 0 {
            consumer.poll(Duration::from_millis(100));
            anyhow::ensure!(Instant::now() < deadline, "no partitions of {topic} assigned within 30 s");
        }
        // Fix the starting positions now, so nothing published after this is missed.
        consumer.poll(Duration::from_millis(500));
        let expected = Arc::new(AtomicUsize::new(usize::MAX));
        let ready = Arc::new(AtomicBool::new(true));
        let wanted = expected.clone();
        let handle = std::thread::spawn(move || {
            let _keep = ready;
            let mut received = Received::default();
            let mut last_progress = Instant::now();
            while received.latencies_us.len() < wanted.load(Ordering::SeqCst) {
                match consumer.poll(Duration::from_millis(50)) {
                    Some(Ok(message)) => {
                        let now = Instant::now();
                        let now_us = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0);
                        let ingested_ms = message
                            .headers()
                            .and_then(|h| h.iter().find(|x| x.key == headers::INGESTED_AT_MS).and_then(|x| x.value))
                            .and_then(|v| std::str::from_utf8(v).ok()?.parse::<u64>().ok());
                        if let Some(ms) = ingested_ms {
                            received.latencies_us.push(now_us.saturating_sub(ms * 1000));
                        }
                        received.first.get_or_insert(now);
                        received.last = Some(now);
                        last_progress = now;
                    }
                    Some(Err(error)) => eprintln!("bench subscriber: {error}"),
                    None if last_progress.elapsed() > idle_timeout => break,
                    None => {}
                }
            }
            Ok(received)
        });
        Ok(Subscriber { expected, handle })
    }

    /// Waits until `count` stories arrived (or nothing arrived for the idle timeout).
    pub fn finish(self, count: usize) -> anyhow::Result<Received> {
        self.expected.store(count, Ordering::SeqCst);
        self.handle.join().map_err(|_| anyhow::anyhow!("subscriber thread panicked"))?
    }
}
