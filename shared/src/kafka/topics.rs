//! Creating newswire's topics: the project never relies on broker auto-creation.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, AlterConfig, ConfigSource, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::{KafkaConfig, TopicNames};
use crate::kafka::client;
use crate::kafka::connect_check::{check_connection, ConnectError};

/// How long start-up waits for the brokers to answer before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why topics could not be created.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    /// The brokers refused this client (TLS, SASL) or did not answer in time.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The admin client could not be built.
    #[error("cannot create Kafka admin client: {0}")]
    Client(#[source] rdkafka::error::KafkaError),
    /// The broker refused or did not answer.
    #[error("cannot create topic {topic}: {detail}")]
    Create {
        /// The topic.
        topic: String,
        /// What the broker said.
        detail: String,
    },
}

/// Every topic newswire's stages use, in order: raw, normalized, enriched, published, dlq.
pub fn pipeline_topics(names: &TopicNames) -> Vec<String> {
    vec![
        names.raw.clone(),
        names.normalized.clone(),
        names.enriched.clone(),
        names.published.clone(),
        names.dlq.clone(),
    ]
}

/// The topic setting that bounds a record's size.
const MAX_MESSAGE_BYTES: &str = "max.message.bytes";

/// Creates each topic that does not exist yet, taking records of up to
/// `kafka.max_message_bytes`; an existing topic keeps its partitions, and its
/// record size limit is raised to `kafka.max_message_bytes` when it is lower
/// (a topic made by an earlier version, or by hand with the broker's 1 MB default).
/// First checks that the brokers answer this client at all ([`check_connection`]),
/// so a refused certificate or password fails start-up with its reason.
pub async fn ensure_topics(kafka: &KafkaConfig, topics: &[String]) -> Result<(), TopicError> {
    ensure_topics_with(kafka, topics, &[]).await
}

/// [`ensure_topics`], creating a missing topic with these topic `settings` too
/// (e.g. `cleanup.policy=compact`); an existing topic's settings are left as
/// they are, but for its record size limit.
pub async fn ensure_topics_with(kafka: &KafkaConfig, topics: &[String], settings: &[(&str, &str)]) -> Result<(), TopicError> {
    let checked = kafka.clone();
    tokio::task::spawn_blocking(move || check_connection(&checked, CONNECT_TIMEOUT))
        .await
        .map_err(|e| TopicError::Create { topic: topics.join(","), detail: format!("connection check crashed: {e}") })??;
    ensure(kafka, topics, settings).await
}

/// Like [`ensure_topics`], for topics that keep a stage's state by key
/// (`cleanup.policy=compact`: the latest record of each key stays, a tombstone
/// removes it). A topic that exists keeps the policy it has. The connection is
/// not checked again: a stage calls [`ensure_topics`] first.
pub async fn ensure_compacted_topics(kafka: &KafkaConfig, topics: &[String]) -> Result<(), TopicError> {
    ensure(kafka, topics, &[("cleanup.policy", "compact")]).await
}

/// Like [`ensure_compacted_topics`], for state that expires: the latest value
/// of each key stays until it is `retention` old (`cleanup.policy=compact,delete`),
/// then Kafka removes it with its segment. A topic that exists keeps its settings.
pub async fn ensure_expiring_compacted_topics(kafka: &KafkaConfig, topics: &[String], retention: Duration) -> Result<(), TopicError> {
    let retention_ms = retention.as_millis().to_string();
    ensure(kafka, topics, &[("cleanup.policy", "compact,delete"), ("retention.ms", &retention_ms)]).await
}

/// Like [`ensure_topics`], for records that matter only for a while (claims):
/// Kafka deletes them with their segment once they are `retention` old
/// (`cleanup.policy=delete`). A topic that exists keeps its settings.
pub async fn ensure_expiring_topics(kafka: &KafkaConfig, topics: &[String], retention: Duration) -> Result<(), TopicError> {
    let retention_ms = retention.as_millis().to_string();
    ensure(kafka, topics, &[("cleanup.policy", "delete"), ("retention.ms", &retention_ms)]).await
}

/// Creates `topic` with a single partition when it does not exist: the topic
/// of an election ([`crate::kafka::leadership`]), which holds no records.
pub async fn ensure_single_partition_topic(kafka: &KafkaConfig, topic: &str) -> Result<(), TopicError> {
    let one = KafkaConfig { partitions: 1, ..kafka.clone() };
    ensure(&one, &[topic.to_owned()], &[]).await
}

async fn ensure(kafka: &KafkaConfig, topics: &[String], settings: &[(&str, &str)]) -> Result<(), TopicError> {
    if topics.is_empty() {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> =
        client::base(kafka, "newswire-admin").create().map_err(TopicError::Client)?;
    let max_bytes = kafka.max_message_bytes.to_string();
    let new_topics: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| {
            let topic = NewTopic::new(t, kafka.partitions, TopicReplication::Fixed(kafka.replication_factor)).set(MAX_MESSAGE_BYTES, &max_bytes);
            settings.iter().fold(topic, |topic, (key, value)| topic.set(key, value))
        })
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))).request_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics(new_topics.iter(), &options)
        .await
        .map_err(|e| TopicError::Create { topic: topics.join(","), detail: e.to_string() })?;
    let mut existing = Vec::new();
    for result in results {
        match result {
            Ok(topic) => tracing::info!(%topic, partitions = kafka.partitions, max_message_bytes = kafka.max_message_bytes, "topic created"),
            Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => existing.push(topic),
            Err((topic, code)) => return Err(TopicError::Create { topic, detail: code.to_string() }),
        }
    }
    for topic in existing {
        raise_record_limit(&admin, &options, &topic, kafka.max_message_bytes).await?;
    }
    Ok(())
}

/// Raises an existing topic's `max.message.bytes` to `wanted` when it is lower.
/// Kafka's (non-incremental) AlterConfigs resets what it is not given, so the
/// topic's other settings of its own are sent along unchanged.
async fn raise_record_limit(
    admin: &AdminClient<DefaultClientContext>,
    options: &AdminOptions,
    topic: &str,
    wanted: usize,
) -> Result<(), TopicError> {
    let failed = |detail: String| TopicError::Create { topic: topic.to_owned(), detail };
    let specifier = ResourceSpecifier::Topic(topic);
    let described = admin.describe_configs([&specifier], options).await.map_err(|e| failed(format!("describe configs: {e}")))?;
    let Some(resource) = described.into_iter().next() else { return Ok(()) };
    let resource = resource.map_err(|code| failed(format!("describe configs: {code}")))?;
    let current = resource.get(MAX_MESSAGE_BYTES).and_then(|e| e.value.as_deref()).and_then(|v| v.parse::<usize>().ok());
    if current.is_some_and(|c| c >= wanted) {
        return Ok(());
    }
    let wanted_text = wanted.to_string();
    let mut alter = AlterConfig::new(ResourceSpecifier::Topic(topic));
    for entry in resource.entries.iter().filter(|e| e.source == ConfigSource::DynamicTopic && e.name != MAX_MESSAGE_BYTES) {
        if let Some(value) = entry.value.as_deref() {
            alter = alter.set(&entry.name, value);
        }
    }
    alter = alter.set(MAX_MESSAGE_BYTES, &wanted_text);
    for result in admin.alter_configs([&alter], options).await.map_err(|e| failed(format!("alter configs: {e}")))? {
        result.map_err(|(_, code)| failed(format!("raising {MAX_MESSAGE_BYTES} to {wanted}: {code}")))?;
    }
    tracing::info!(%topic, from = ?current, to = wanted, "raised the topic's record size limit");
    Ok(())
}
