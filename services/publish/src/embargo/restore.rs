//! Reading the held stories back from the embargo topic when an instance is
//! given partitions it did not have: every
//! partition from its beginning to its end, committed records only (see
//! [`newswire_shared::kafka::read_to_end`], which says why the end is reached).

use std::time::Duration;

use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::headers::HeaderMap;
use newswire_shared::kafka::read_to_end::{self, end_reader, partitions_of, ReadError};
use rdkafka::message::Message;
use rdkafka::Offset;

use crate::embargo::held::Held;

/// How long reading the topic to its end may take before publish gives up
/// (and exits, to be restarted).
pub const RESTORE_TIMEOUT: Duration = Duration::from_secs(120);

/// Why the held stories could not be read back.
pub type RestoreError = ReadError;

/// Every record of the embargo `topic` in order per partition: the held story
/// under each uri, or `None` for a tombstone (released or cancelled).
pub fn read_all(kafka: &KafkaConfig, topic: &str, timeout: Duration) -> Result<Vec<(String, Option<Held>)>, RestoreError> {
    let consumer = end_reader(kafka, "newswire-publish-embargo-restore").map_err(|source| ReadError::Kafka { topic: topic.to_owned(), source })?;
    let partitions = partitions_of(&consumer, topic, read_to_end::PARTITIONS_WAIT.min(timeout))?;
    let starts: Vec<(i32, Offset)> = partitions.into_iter().map(|p| (p, Offset::Beginning)).collect();
    let mut records = Vec::new();
    read_to_end::read_to_end(&consumer, topic, &starts, timeout, |message| {
        let uri = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
        let held = message
            .payload()
            .map(|payload| Held::from_record(&uri, payload, &HeaderMap::from_kafka(message.headers()), message.partition(), message.offset()));
        records.push((uri, held));
    })?;
    Ok(records)
}
