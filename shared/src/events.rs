//! Internal events: one small type per thing that can happen to a message.
//!
//! Each event's `emit` writes its log line *and* bumps its metric, so the two
//! never drift apart. Reasons are short, fixed, low-cardinality words
//! (`malformed_xml`, `stale_version`); the human detail goes only to the log and
//! the dead-letter record.

use crate::metrics::Metrics;

/// A message could not be processed and was sent to the dead-letter topic.
pub struct DeadLettered<'a> {
    /// Low-cardinality reason, also the metric label.
    pub reason: &'a str,
    /// What exactly was wrong, for people.
    pub detail: &'a str,
    /// Where the message came from.
    pub source: &'a str,
}

impl DeadLettered<'_> {
    /// Logs at WARN and counts `newswire_dead_letters_total{reason}`.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(reason = self.reason, detail = self.detail, source = self.source, "message dead-lettered");
        metrics.dead_letters.with_label_values(&[self.reason]).inc();
    }
}

/// A message was deliberately not passed on (an older version, say).
pub struct Dropped<'a> {
    /// Low-cardinality reason, also the metric label.
    pub reason: &'a str,
}

impl Dropped<'_> {
    /// Logs at DEBUG and counts `newswire_messages_dropped_total{reason}`.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::debug!(reason = self.reason, "message dropped");
        metrics.dropped.with_label_values(&[self.reason]).inc();
    }
}

/// A duplicate was recognised.
pub struct DuplicateFound<'a> {
    /// `exact`, `near`, `repush`, …
    pub kind: &'a str,
}

impl DuplicateFound<'_> {
    /// Logs at INFO and counts `newswire_duplicates_total{kind}`.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::info!(kind = self.kind, "duplicate recognised");
        metrics.duplicates.with_label_values(&[self.kind]).inc();
    }
}

/// A story's source metadata could not be used as sent; it was recorded on
/// the story (`Article.newswire.problems`) and the story went on.
pub struct FieldProblemRecorded<'a> {
    /// The field, from a fixed set (`versioncreated`, `urgency`, …): a metric label.
    pub field: &'a str,
    /// What was wrong, from a fixed set (`unreadable`, `placeholder`, …): a metric label.
    pub kind: &'a str,
    /// The source element and the value as sent, for people.
    pub detail: &'a str,
    /// The story's uri.
    pub uri: &'a str,
}

impl FieldProblemRecorded<'_> {
    /// Logs at WARN and counts `newswire_field_problems_total{field,kind}`.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(field = self.field, kind = self.kind, detail = self.detail, uri = self.uri, "source metadata recorded as unusable");
        metrics.field_problems.with_label_values(&[self.field, self.kind]).inc();
    }
}

/// Something a stage found about a story, carried in its [`crate::stage::Outcome`]
/// and emitted by the runtime only when the batch commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoryEvent {
    /// See [`FieldProblemRecorded`].
    FieldProblem {
        /// The field (a metric label).
        field: String,
        /// What was wrong with it (a metric label).
        kind: String,
        /// The source element and the value as sent.
        detail: String,
        /// The story's uri.
        uri: String,
    },
}

impl StoryEvent {
    /// Logs the event and counts its metric.
    pub fn emit(&self, metrics: &Metrics) {
        match self {
            StoryEvent::FieldProblem { field, kind, detail, uri } => FieldProblemRecorded { field, kind, detail, uri }.emit(metrics),
        }
    }
}

/// What happened to a batch's records, held until the batch's transaction
/// commits: an aborted batch is read again, and counting its events then and
/// now would count them twice.
#[derive(Debug, Default)]
pub struct PendingEvents {
    events: Vec<Pending>,
}

#[derive(Debug)]
enum Pending {
    Duplicate(&'static str),
    Dropped(&'static str),
    DeadLettered { reason: &'static str, detail: String, source: String },
    Story(StoryEvent),
}

impl PendingEvents {
    /// A recognised duplicate of this kind.
    pub fn duplicate(&mut self, kind: &'static str) {
        self.events.push(Pending::Duplicate(kind));
    }

    /// A record deliberately not passed on, for this reason.
    pub fn dropped(&mut self, reason: &'static str) {
        self.events.push(Pending::Dropped(reason));
    }

    /// A record dead-lettered with this reason.
    pub fn dead_lettered(&mut self, reason: &'static str, detail: String, source: String) {
        self.events.push(Pending::DeadLettered { reason, detail, source });
    }

    /// A stage's own events about a story.
    pub fn story(&mut self, events: impl IntoIterator<Item = StoryEvent>) {
        self.events.extend(events.into_iter().map(Pending::Story));
    }

    /// Logs and counts every event: the batch committed.
    pub fn emit(self, metrics: &Metrics) {
        for event in self.events {
            match event {
                Pending::Duplicate(kind) => DuplicateFound { kind }.emit(metrics),
                Pending::Dropped(reason) => Dropped { reason }.emit(metrics),
                Pending::DeadLettered { reason, detail, source } => DeadLettered { reason, detail: &detail, source: &source }.emit(metrics),
                Pending::Story(event) => event.emit(metrics),
            }
        }
    }
}

/// A Kafka transaction committed a batch.
pub struct BatchCommitted {
    /// Messages in the batch.
    pub messages: usize,
}

impl BatchCommitted {
    /// Logs at DEBUG and counts the transaction and batch size.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::debug!(messages = self.messages, "batch committed");
        metrics.transactions.with_label_values(&["committed"]).inc();
        if self.messages > 0 {
            // A batch of state changes alone (see `Stage::before_batch`) is no batch of stories.
            metrics.batch_size.observe(self.messages as f64);
        }
    }
}

/// A Kafka transaction failed and was aborted; its batch will be read again.
pub struct BatchAborted<'a> {
    /// Messages in the batch.
    pub messages: usize,
    /// Why.
    pub error: &'a str,
}

impl BatchAborted<'_> {
    /// Logs at WARN and counts the abort and the commit failure.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(messages = self.messages, error = self.error, "transaction aborted; batch will be re-read");
        metrics.transactions.with_label_values(&["aborted"]).inc();
        metrics.commit_failures.inc();
    }
}

/// The transactional producer was replaced in process after an abort
/// (`shared/src/kafka/transaction.rs` logs why, with the details, at WARN).
pub struct ProducerReplaced {
    /// `abort_failed` or `transaction_timed_out`.
    pub reason: &'static str,
}

impl ProducerReplaced {
    /// Logs at DEBUG and counts the replacement by reason.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::debug!(reason = self.reason, "transactional producer replaced");
        metrics.producer_replacements.with_label_values(&[self.reason]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_events_are_counted_only_when_emitted() {
        let m = Metrics::new("normalize");
        let mut pending = PendingEvents::default();
        pending.dropped("stale_version");
        pending.duplicate("exact");
        pending.dead_lettered("bad_xml", "line 1".into(), "t/0/1".into());
        pending.story([StoryEvent::FieldProblem { field: "urgency".into(), kind: "out_of_range".into(), detail: "12".into(), uri: "u".into() }]);
        assert!(!m.render().contains("stale_version"), "nothing is counted before the commit");
        pending.emit(&m);
        let text = m.render();
        for series in [
            "newswire_messages_dropped_total{reason=\"stale_version\",stage=\"normalize\"} 1",
            "newswire_duplicates_total{kind=\"exact\",stage=\"normalize\"} 1",
            "newswire_dead_letters_total{reason=\"bad_xml\",stage=\"normalize\"} 1",
            "newswire_field_problems_total{field=\"urgency\",kind=\"out_of_range\",stage=\"normalize\"} 1",
        ] {
            assert!(text.contains(series), "{series} in {text}");
        }
    }

    #[test]
    fn a_recorded_field_problem_is_counted_by_stage_field_and_kind() {
        let m = Metrics::new("normalize");
        let event = FieldProblemRecorded { field: "versioncreated", kind: "placeholder", detail: "d: \"0001-01-01\"", uri: "urn:x" };
        event.emit(&m);
        event.emit(&m);
        let text = m.render();
        let series = "newswire_field_problems_total{field=\"versioncreated\",kind=\"placeholder\",stage=\"normalize\"} 2";
        assert!(text.contains(series), "{text}");
    }
}
