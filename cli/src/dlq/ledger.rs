//! The redrive ledger: a compacted topic, `<dlq topic>.redrives`, with one
//! record per dead letter that was redriven, keyed by its qualified id
//! (`<dlq topic>/<partition>/<offset>`). Each entry is written in the same Kafka
//! transaction as the record it stands for, so "redriven" and "recorded" cannot
//! disagree; compaction keeps one entry per key forever.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::letter::DlqId;
use crate::topic_reader::{ReadError, TopicReader};
use crate::when::Window;

/// The ledger topic of a dead-letter topic.
pub fn ledger_topic(dlq_topic: &str) -> String {
    format!("{dlq_topic}.redrives")
}

/// The topic settings the ledger is created with.
pub const LEDGER_SETTINGS: &[(&str, &str)] = &[("cleanup.policy", "compact")];

/// One ledger entry's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was redriven (RFC 3339).
    pub redriven_at: String,
    /// The topic it was put back on.
    pub to: String,
    /// The stage that had dead-lettered it.
    #[serde(default)]
    pub stage: String,
    /// Why it had.
    #[serde(default)]
    pub reason: String,
}

impl Entry {
    /// The entry as the ledger stores it.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Every dead letter of `dlq_topic` the ledger says was redriven (an entry whose
/// value cannot be read still counts: its key is what records the redrive).
/// A ledger that does not exist yet is empty.
pub fn read(reader: &TopicReader, dlq_topic: &str) -> Result<HashMap<DlqId, Option<Entry>>, ReadError> {
    let topic = ledger_topic(dlq_topic);
    let mut done = HashMap::new();
    if reader.partitions(&topic)?.is_none() {
        return Ok(done);
    }
    reader.read_window(&topic, Window::default(), "ledger entries", |record| {
        let key = String::from_utf8_lossy(record.key.as_deref().unwrap_or_default()).into_owned();
        if let Some(id) = DlqId::from_qualified(&key, dlq_topic) {
            done.insert(id, serde_json::from_slice(&record.payload).ok());
        }
    })?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_the_ledger_is_named_after_its_dlq() {
        let entry = Entry { redriven_at: "2026-12-03T10:00:00Z".into(), to: "newswire.raw".into(), stage: "normalize".into(), reason: "x".into() };
        assert_eq!(serde_json::from_slice::<Entry>(&entry.to_json()).unwrap(), entry);
        assert_eq!(ledger_topic("newswire.dlq"), "newswire.dlq.redrives");
    }
}
