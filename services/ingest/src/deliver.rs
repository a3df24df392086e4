//! Delivering a push's stories: drop re-pushes, write the rest to Kafka and
//! wait for every acknowledgement, then remember them. Shared by the push API
//! the feed pollers and WebSub hubs' pushes.

use std::collections::HashSet;
use std::sync::Arc;

use newswire_shared::events::DuplicateFound;
use newswire_shared::ids;
use newswire_shared::kafka::acked::{AckedProducer, AckedRecord};
use newswire_shared::kafka::headers::TRACE_ID;
use newswire_shared::metrics::Metrics;

use crate::accept::{self, RawRecord, Submission};
use crate::rejection::Rejection;
use crate::repush::{self, RepushStore};
use crate::stories::ShapeLimits;
use crate::story_locks::StoryLocks;
use crate::IngestMetrics;

/// What delivering stories needs.
#[derive(Clone)]
pub struct Delivery {
    /// The producer to `newswire.raw`.
    pub producer: AckedProducer,
    /// Stories accepted recently, to answer re-pushes.
    pub repush: RepushStore,
    /// Ingest's own metrics.
    pub metrics: Arc<IngestMetrics>,
    /// The shared stage metrics (duplicates, produced).
    pub stage_metrics: Arc<Metrics>,
    /// `Retry-After` for 503.
    pub unavailable_retry_after_secs: u64,
    /// Keeps two deliveries of the same story from overlapping.
    pub locks: Arc<StoryLocks>,
}

/// How one story of a push ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryStatus {
    /// Written to Kafka and acknowledged.
    Accepted,
    /// Already accepted within the re-push window; not written again.
    Duplicate,
}

impl StoryStatus {
    /// `accepted` or `duplicate`.
    pub fn as_str(self) -> &'static str {
        match self {
            StoryStatus::Accepted => "accepted",
            StoryStatus::Duplicate => "duplicate",
        }
    }
}

/// Whether Kafka refused a write for its size (which no retry can fix).
fn is_too_large(error: &rdkafka::error::KafkaError) -> bool {
    use rdkafka::types::RDKafkaErrorCode::{MessageBatchTooLarge, MessageSizeTooLarge};
    matches!(error.rdkafka_error_code(), Some(MessageSizeTooLarge | MessageBatchTooLarge))
}

impl Delivery {
    /// Takes in a whole document from `feed` as a push of it is taken: cut into
    /// stories ([`accept::prepare`], under a new trace id) and delivered. The
    /// one acceptance path of the push API, the pollers and WebSub hubs' pushes.
    pub async fn accept_document(
        &self,
        feed: &str,
        content_type: Option<&str>,
        body: &[u8],
        received_at_ms: i64,
        shape: ShapeLimits,
    ) -> Result<Vec<(String, StoryStatus)>, Rejection> {
        let trace_id = ids::new_trace_id();
        let submission = Submission { feed, content_type, body, received_at_ms, trace_id: &trace_id };
        let records = accept::prepare(&submission, shape)?;
        self.deliver(feed, &records, received_at_ms).await
    }

    /// Writes the stories of `records` that are not re-pushes and returns each
    /// record's key and status, in order. Answers 503 (nothing of the failed
    /// stories accepted) when Kafka does not acknowledge every write; the
    /// stories it did acknowledge are remembered, so a retry skips them.
    pub async fn deliver(
        &self,
        feed: &str,
        records: &[RawRecord],
        now_ms: i64,
    ) -> Result<Vec<(String, StoryStatus)>, Rejection> {
        let marks: Vec<Vec<u8>> = records.iter().flat_map(|r| repush::marks_of(feed, r)).collect();
        let _held = self.locks.lock(marks.iter().map(Vec::as_slice)).await;
        let statuses = self.repush_statuses(feed, records, now_ms);
        let fresh: Vec<&RawRecord> =
            records.iter().zip(&statuses).filter(|(_, s)| **s == StoryStatus::Accepted).map(|(r, _)| r).collect();
        let writes: Vec<AckedRecord<'_>> = fresh.iter().map(|r| AckedRecord { key: r.key.as_bytes(), payload: &r.payload, headers: &r.headers }).collect();
        let outcomes = self.producer.write_all(&writes).await;
        let mut failure = None;
        for (record, outcome) in fresh.iter().zip(outcomes) {
            match outcome {
                Ok((partition, offset)) => {
                    let trace = record.headers.get_str(TRACE_ID).unwrap_or_default();
                    tracing::info!(feed = %feed, key = %record.key, trace_id = %trace, partition, offset, "story accepted");
                    self.metrics.bytes_accepted.with_label_values(&[feed]).inc_by(record.payload.len() as u64);
                    self.metrics.story_accepted(feed, now_ms as f64 / 1000.0);
                    self.stage_metrics.produced.with_label_values(&[self.producer.topic()]).inc();
                    if let Err(error) = self.repush.remember(feed, record, now_ms) {
                        tracing::warn!(%error, key = %record.key, "story is in Kafka but could not be remembered; a re-push would be written again");
                    }
                }
                Err(error) => failure = Some(error),
            }
        }
        if let Some(error) = failure {
            tracing::warn!(%error, feed = %feed, "Kafka did not acknowledge the write");
            if is_too_large(&error) {
                // The broker will refuse this record on every retry: say so, never 503.
                return Err(Rejection::new(
                    413,
                    "story_too_large",
                    format!("Kafka refused the story's record as too large ({error}); the topics' max.message.bytes is below kafka.max_message_bytes"),
                ));
            }
            return Err(Rejection::new(
                503,
                "unavailable",
                "the story could not be stored in Kafka; it is not accepted, retry later",
            )
            .retry_after(self.unavailable_retry_after_secs));
        }
        Ok(records.iter().map(|r| r.key.clone()).zip(statuses).collect())
    }

    /// Marks each record `Duplicate` when the store has seen it, or when an
    /// earlier record of the same push is the same story; others `Accepted`.
    fn repush_statuses(&self, feed: &str, records: &[RawRecord], now_ms: i64) -> Vec<StoryStatus> {
        let mut seen_in_push = HashSet::new();
        records
            .iter()
            .map(|record| {
                let first_in_push = seen_in_push.insert(ids::digest(&[&record.payload]))
                    & record
                        .version
                        .as_ref()
                        .is_none_or(|v| seen_in_push.insert(ids::digest(&[record.key.as_bytes(), v.as_bytes()])));
                let known = self.repush.is_repush(feed, record, now_ms).unwrap_or_else(|error| {
                    // Fail open: writing a story twice is safe downstream; refusing it is not.
                    tracing::warn!(%error, "re-push store unreadable; treating the story as new");
                    false
                });
                if known || !first_in_push {
                    DuplicateFound { kind: "repush" }.emit(&self.stage_metrics);
                    StoryStatus::Duplicate
                } else {
                    StoryStatus::Accepted
                }
            })
            .collect()
    }
}
