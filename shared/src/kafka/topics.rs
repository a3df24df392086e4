//! Creating newswire's topics: the project never relies on broker auto-creation.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::{KafkaConfig, TopicNames};
use crate::kafka::client;

/// Why topics could not be created.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
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

/// Creates each topic that does not exist yet (existing ones are left as they are).
pub async fn ensure_topics(kafka: &KafkaConfig, topics: &[String]) -> Result<(), TopicError> {
    let admin: AdminClient<DefaultClientContext> =
        client::base(kafka, "newswire-admin").create().map_err(TopicError::Client)?;
    let new_topics: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| NewTopic::new(t, kafka.partitions, TopicReplication::Fixed(kafka.replication_factor)))
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))).request_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics(new_topics.iter(), &options)
        .await
        .map_err(|e| TopicError::Create { topic: topics.join(","), detail: e.to_string() })?;
    for result in results {
        match result {
            Ok(topic) => tracing::info!(%topic, partitions = kafka.partitions, "topic created"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => return Err(TopicError::Create { topic, detail: code.to_string() }),
        }
    }
    Ok(())
}
