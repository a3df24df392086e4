//! The limit to compare against: the same number and size of messages produced to
//! a topic and carried through four consume→produce hops by the very same Kafka
//! runtime and client settings the stages use, with a stage that only copies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use newswire_shared::admin_server::Readiness;
use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::runtime::{self, RuntimeSettings};
use newswire_shared::kafka::{client, topics};
use newswire_shared::metrics::Metrics;
use newswire_shared::stage::{InputMessage, Outcome, OutputRecord, Stage, StageError};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;

/// Copies each record to the next topic, unchanged.
struct Copy {
    output: String,
}

impl Stage for Copy {
    fn name(&self) -> &'static str {
        "passthrough"
    }
    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        Ok(Outcome::forward(vec![OutputRecord {
            topic: self.output.clone(),
            key: input.key.unwrap_or_default().to_vec(),
            payload: input.payload.to_vec(),
            headers: input.headers.clone(),
        }]))
    }
}

/// Messages per second carried end to end through four hops.
pub async fn measure(kafka: &KafkaConfig, messages: usize, size: usize) -> anyhow::Result<f64> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let names: Vec<String> = (0..=4).map(|i| format!("bench-passthrough-{id}-{i}")).collect();
    topics::ensure_topics(kafka, &names).await?;
    let shutdown = CancellationToken::new();
    let mut hops = Vec::new();
    for hop in 0..4 {
        let settings = RuntimeSettings {
            kafka: kafka.clone(),
            input_topic: names[hop].clone(),
            dlq_topic: names[4].clone(),
            group_id: format!("bench-passthrough-{id}-{hop}"),
            transactional_id: format!("bench-passthrough-{id}-{hop}"),
        };
        let (stage, token) = (Copy { output: names[hop + 1].clone() }, shutdown.clone());
        let metrics = Arc::new(Metrics::new("passthrough"));
        hops.push(std::thread::spawn(move || runtime::run(settings, stage, metrics, Readiness::default(), token)));
    }
    let reader: BaseConsumer = client::reader(kafka, "bench-reader", &format!("bench-passthrough-{id}-reader")).create()?;
    reader.subscribe(&[names[4].as_str()])?;
    // Let the four hops and the reader join their groups before the clock starts.
    let warm = Instant::now();
    while reader.assignment().map(|a| a.count()).unwrap_or(0) == 0 && warm.elapsed() < Duration::from_secs(30) {
        reader.poll(Duration::from_millis(100));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    let producer: FutureProducer = client::idempotent_producer(kafka, "bench-producer").create()?;
    let payload = vec![b'x'; size];
    let started = Instant::now();
    let mut pending = Vec::with_capacity(messages);
    for i in 0..messages {
        let key = format!("story-{i}");
        let record = FutureRecord::to(&names[0]).key(&key).payload(&payload);
        pending.push(producer.send_result(record).map_err(|(e, _)| e)?);
    }
    for delivery in pending {
        delivery.await?.map_err(|(e, _)| e)?;
    }
    let reading = tokio::task::spawn_blocking(move || {
        let mut seen = 0;
        let mut idle = Instant::now();
        while seen < messages && idle.elapsed() < Duration::from_secs(60) {
            if let Some(Ok(_)) = reader.poll(Duration::from_millis(50)) {
                seen += 1;
                idle = Instant::now();
            }
        }
        seen
    });
    let seen = reading.await?;
    let elapsed = started.elapsed().as_secs_f64();
    shutdown.cancel();
    for hop in hops {
        let _ = hop.join();
    }
    anyhow::ensure!(seen == messages, "pass-through delivered {seen} of {messages} messages");
    Ok(messages as f64 / elapsed)
}
