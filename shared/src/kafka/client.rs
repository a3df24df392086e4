//! Kafka client settings, in one place, for every producer, consumer and admin
//! client newswire makes: the brokers, `[kafka.security]` (TLS, SASL), each role's
//! own settings, and last the `[kafka.librdkafka]` pass-through table (which may
//! not set what a role owns: `security::OWNED_PROPERTIES`).

use rdkafka::config::ClientConfig;

use crate::config::KafkaConfig;

/// Settings for a client of no particular role (the admin client): [`common`]
/// and the pass-through table.
pub fn base(kafka: &KafkaConfig, client_id: &str) -> ClientConfig {
    passed_through(kafka, common(kafka, client_id))
}

/// Settings shared by every client: brokers, security, and statistics for the lag metrics.
fn common(kafka: &KafkaConfig, client_id: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &kafka.brokers)
        .set("client.id", client_id)
        .set("broker.address.family", "v4")
        // Requests must fit the largest record the topics take, with room for framing.
        .set("message.max.bytes", request_max_bytes(kafka).to_string());
    if kafka.statistics_interval_ms > 0 {
        config.set("statistics.interval.ms", kafka.statistics_interval_ms.to_string());
    }
    match kafka.security.properties() {
        Ok(properties) => {
            for (name, value) in properties {
                config.set(name, value);
            }
        }
        // Checked at start-up (config validation); a secret's variable or file that
        // went away since leaves it out, and the broker's refusal is then the error.
        Err(error) => tracing::error!(%error, "kafka.security: a secret could not be read"),
    }
    config
}

/// Adds `[kafka.librdkafka]` to a client's settings, last.
fn passed_through(kafka: &KafkaConfig, mut config: ClientConfig) -> ClientConfig {
    for (name, value) in &kafka.librdkafka {
        config.set(name, value);
    }
    config
}

/// The largest protocol request a client sends: one record of
/// `kafka.max_message_bytes` and its framing.
fn request_max_bytes(kafka: &KafkaConfig) -> usize {
    kafka.max_message_bytes + 64 * 1024
}

/// Sets a consumer's fetch sizes so that one record of `kafka.max_message_bytes`
/// is always fetched whole (librdkafka requires `receive.message.max.bytes` to
/// exceed `fetch.max.bytes` by at least 512 bytes).
fn fetch_sizes(config: &mut ClientConfig, kafka: &KafkaConfig) {
    let fetch_max = request_max_bytes(kafka).max(50 * 1024 * 1024);
    config.set("fetch.max.bytes", fetch_max.to_string()).set("receive.message.max.bytes", (fetch_max + 1024 * 1024).to_string());
}

/// An idempotent producer (`enable.idempotence=true`, so `acks=all`) for writes
/// outside a transaction ([`crate::kafka::acked`]):
/// a write is acknowledged only once every in-sync replica has it, and retries
/// never duplicate or reorder records.
pub fn idempotent_producer(kafka: &KafkaConfig, client_id: &str) -> ClientConfig {
    passed_through(kafka, idempotent(kafka, client_id))
}

fn idempotent(kafka: &KafkaConfig, client_id: &str) -> ClientConfig {
    let mut config = common(kafka, client_id);
    config
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "2")
        .set("compression.type", "lz4")
        .set("message.timeout.ms", "10000")
        .set("request.timeout.ms", "5000");
    config
}

/// A transactional producer for a stage: output records and the input offsets
/// they came from commit atomically. `transactional_id` must be stable for one
/// instance across restarts (so a restart fences its own unfinished transaction)
/// and unique between instances.
pub fn transactional_producer(kafka: &KafkaConfig, client_id: &str, transactional_id: &str) -> ClientConfig {
    let mut config = idempotent(kafka, client_id);
    config
        .set("transactional.id", transactional_id)
        // A batch's first AddPartitionsToTxn often meets the previous commit's
        // markers still being written (CONCURRENT_TRANSACTIONS) and is retried after
        // retry.backoff.ms: librdkafka's 100 ms default then caps every stage at about
        // ten transactions a second. Retry fast, backing off exponentially to 1 s.
        .set("retry.backoff.ms", "5")
        .set("retry.backoff.max.ms", "1000")
        .set("transaction.timeout.ms", kafka.transaction_timeout_ms.to_string())
        .set("message.timeout.ms", kafka.transaction_timeout_ms.to_string());
    passed_through(kafka, config)
}

/// A consumer for a stage: reads only committed records (`read_committed`),
/// never commits on its own (offsets are committed inside the producer's
/// transaction), and starts from the beginning of a topic it has never read.
pub fn transactional_consumer(kafka: &KafkaConfig, client_id: &str, group_id: &str) -> ClientConfig {
    let mut config = common(kafka, client_id);
    config
        .set("group.id", group_id)
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", kafka.session_timeout_ms.to_string())
        .set("heartbeat.interval.ms", (kafka.session_timeout_ms / 4).max(250).to_string())
        .set("enable.partition.eof", "false")
        // How long an idle fetch waits at the broker. The broker (Kafka 4.x)
        // answers a read_committed fetch as soon as a commit marker makes
        // records visible, so this bounds idle traffic, not latency: measured
        // 2026-12-05 at 50 stories/s, p50 27-37 ms with either 10 or 500 ms
        // (noise on a busy machine), while idle broker CPU fell 15-17% -> 5-6%
        // and each stage's 0.6-0.8% -> 0.1-0.2% of a core with 500.
        .set("fetch.wait.max.ms", kafka.fetch_wait_max_ms.to_string())
        // librdkafka prefetches up to 64 MiB by default; a stage only ever needs
        // its next batch (500 records of a few KB). A lagging stage then holds a
        // small prefetch instead of filling its memory with records it cannot yet
        // process: the backlog stays in Kafka, where it belongs. A full prefetch
        // makes librdkafka wait `fetch.queue.backoff.ms` (1 s) before fetching
        // again; that halves the bench's raw pass-through (about 4,500 instead of
        // 9,000 msgs/s), but 10 ms made the CPU-bound pipeline about 12% slower
        // (more, smaller fetches), so the default stays.
        .set("queued.max.messages.kbytes", "8192")
        .set("queued.min.messages", "1000");
    fetch_sizes(&mut config, kafka);
    passed_through(kafka, config)
}

/// A plain consumer for readers outside the pipeline (the CLI, tests): committed
/// records only, no offset commits.
pub fn reader(kafka: &KafkaConfig, client_id: &str, group_id: &str) -> ClientConfig {
    let mut config = common(kafka, client_id);
    config
        .set("group.id", group_id)
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "6000")
        // Statistics feed the stages' lag metrics; a reader has none, and
        // librdkafka's default context would log them at INFO every interval.
        .set("statistics.interval.ms", "0");
    fetch_sizes(&mut config, kafka);
    passed_through(kafka, config)
}
