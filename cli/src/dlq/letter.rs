//! A dead letter as `newswire dlq` sees it: its id (`partition:offset` on the
//! dead-letter topic), what the stage said (the `newswire-dlq-*` headers), and
//! the record a redrive puts back where the stage read it.

use std::fmt;
use std::str::FromStr;

use newswire_shared::kafka::headers::{self, HeaderMap};

use crate::topic_reader::Fetched;

/// Where a dead letter sits on the dead-letter topic: `partition:offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DlqId {
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
}

/// Why a dead-letter id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a dead-letter id: expected <partition>:<offset> as `newswire dlq list` shows it, e.g. 2:41")]
pub struct IdError {
    /// What was given.
    pub given: String,
}

impl FromStr for DlqId {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || IdError { given: text.to_owned() };
        let (partition, offset) = text.trim().split_once(':').ok_or_else(fail)?;
        let partition: i32 = partition.parse().map_err(|_| fail())?;
        let offset: i64 = offset.parse().map_err(|_| fail())?;
        if partition < 0 || offset < 0 {
            return Err(fail());
        }
        Ok(DlqId { partition, offset })
    }
}

impl fmt::Display for DlqId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.partition, self.offset)
    }
}

impl DlqId {
    /// The dead letter's full name, `<dlq topic>/<partition>/<offset>`: the key of
    /// its entry in the redrive ledger and the value of `newswire-redriven-from`.
    pub fn qualified(&self, dlq_topic: &str) -> String {
        format!("{dlq_topic}/{}/{}", self.partition, self.offset)
    }

    /// Reads [`DlqId::qualified`] back, for dead letters of `dlq_topic` only.
    pub fn from_qualified(text: &str, dlq_topic: &str) -> Option<Self> {
        let rest = text.strip_prefix(dlq_topic)?.strip_prefix('/')?;
        let (partition, offset) = rest.split_once('/')?;
        Some(DlqId { partition: partition.parse().ok()?, offset: offset.parse().ok()? })
    }
}

/// Where the stage had read the record it gave up on (`newswire-dlq-source`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A record of a topic: a redrive puts the original back there.
    Topic {
        /// The topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
    },
    /// Anything else, e.g. `webhook/<subscriber>` for a webhook delivery publish gave up on.
    Other(String),
}

impl Source {
    /// Reads `topic/partition/offset` (topic names hold no `/`); anything else is [`Source::Other`].
    pub fn parse(text: &str) -> Source {
        let mut parts = text.rsplitn(3, '/');
        let (offset, partition, topic) = (parts.next(), parts.next(), parts.next());
        match (topic, partition.and_then(|p| p.parse().ok()), offset.and_then(|o| o.parse().ok())) {
            (Some(topic), Some(partition), Some(offset)) if !topic.is_empty() => {
                Source::Topic { topic: topic.to_owned(), partition, offset }
            }
            _ => Source::Other(text.to_owned()),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Topic { topic, partition, offset } => write!(f, "{topic}/{partition}/{offset}"),
            Source::Other(text) => f.write_str(text),
        }
    }
}

/// One dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Where it sits on the dead-letter topic.
    pub id: DlqId,
    /// When it was written (milliseconds since the epoch).
    pub timestamp_ms: Option<i64>,
    /// The original record's key.
    pub key: Option<Vec<u8>>,
    /// The original bytes.
    pub payload: Vec<u8>,
    /// The original headers plus the `newswire-dlq-*` ones.
    pub headers: HeaderMap,
}

impl From<Fetched> for DeadLetter {
    fn from(record: Fetched) -> Self {
        DeadLetter {
            id: DlqId { partition: record.partition, offset: record.offset },
            timestamp_ms: record.timestamp_ms,
            key: record.key,
            payload: record.payload,
            headers: record.headers,
        }
    }
}

/// What a redrive writes: the original record, back on its topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redriven {
    /// The topic the stage had read the original from.
    pub topic: String,
    /// The partition it had been on (kept when the topic still has it, so the
    /// story stays in order with the rest of its key).
    pub partition: Option<i32>,
    /// The original key.
    pub key: Option<Vec<u8>>,
    /// The original bytes.
    pub payload: Vec<u8>,
    /// The original headers, without `newswire-dlq-*`, with `newswire-redriven-from`.
    pub headers: HeaderMap,
}

impl DeadLetter {
    fn header(&self, key: &str) -> &str {
        self.headers.get_str(key).unwrap_or("")
    }

    /// The stage that gave up.
    pub fn stage(&self) -> &str {
        self.header(headers::DLQ_STAGE)
    }

    /// The short reason code.
    pub fn reason(&self) -> &str {
        self.header(headers::DLQ_REASON)
    }

    /// What exactly went wrong.
    pub fn detail(&self) -> &str {
        self.header(headers::DLQ_DETAIL)
    }

    /// The feed that sent the story (`newswire-feed`), or empty.
    pub fn feed(&self) -> &str {
        self.header(headers::FEED)
    }

    /// Where the stage had read the original.
    pub fn source(&self) -> Source {
        Source::parse(self.header(headers::DLQ_SOURCE))
    }

    /// The record a redrive writes, or why this dead letter cannot be redriven.
    pub fn redriven(&self, dlq_topic: &str) -> Result<Redriven, String> {
        match self.source() {
            Source::Topic { topic, partition, .. } => Ok(Redriven {
                topic,
                partition: Some(partition),
                key: self.key.clone(),
                payload: self.payload.clone(),
                headers: redrive_headers(&self.headers, &self.id.qualified(dlq_topic)),
            }),
            Source::Other(source) if source.starts_with("webhook/") => Err(format!(
                "a webhook delivery ({source}), not a record of a topic: `newswire replay --subscriber {}` sends a subscriber's stories again",
                source.trim_start_matches("webhook/")
            )),
            Source::Other(source) if source.is_empty() => Err("it has no newswire-dlq-source header".into()),
            Source::Other(source) => Err(format!("its source {source:?} is not topic/partition/offset")),
        }
    }
}

/// The original headers of a dead letter (without `newswire-dlq-*`), plus
/// `newswire-redriven-from: <from>` (replacing an earlier redrive's).
pub fn redrive_headers(dead_letter: &HeaderMap, from: &str) -> HeaderMap {
    dead_letter.without_prefix(headers::DLQ_PREFIX).without_prefix(headers::REDRIVEN_FROM).with(headers::REDRIVEN_FROM, from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_partition_colon_offset_and_refuse_anything_else() {
        assert_eq!("2:41".parse::<DlqId>().unwrap(), DlqId { partition: 2, offset: 41 });
        assert_eq!(" 0:0 ".parse::<DlqId>().unwrap().to_string(), "0:0");
        for bad in ["", "2", "2:", ":41", "a:1", "1:b", "-1:3", "1:-3", "2/41", "1:2:3"] {
            let error = bad.parse::<DlqId>().unwrap_err();
            assert!(error.to_string().contains("<partition>:<offset>"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_qualified_id_names_the_topic_and_reads_back_only_for_it() {
        let id = DlqId { partition: 1, offset: 7 };
        assert_eq!(id.qualified("newswire.dlq"), "newswire.dlq/1/7");
        assert_eq!(DlqId::from_qualified("newswire.dlq/1/7", "newswire.dlq"), Some(id));
        assert_eq!(DlqId::from_qualified("other.dlq/1/7", "newswire.dlq"), None);
        assert_eq!(DlqId::from_qualified("newswire.dlq.x/1/7", "newswire.dlq"), None);
        assert_eq!(DlqId::from_qualified("newswire.dlq/1", "newswire.dlq"), None);
    }

    #[test]
    fn sources_are_topic_partition_offset_or_something_else() {
        assert_eq!(Source::parse("newswire.raw/2/41"), Source::Topic { topic: "newswire.raw".into(), partition: 2, offset: 41 });
        assert_eq!(Source::parse("webhook/sport"), Source::Other("webhook/sport".into()));
        assert_eq!(Source::parse("newswire.raw/x/1"), Source::Other("newswire.raw/x/1".into()));
        assert_eq!(Source::parse(""), Source::Other(String::new()));
        assert_eq!(Source::parse("newswire.raw/2/41").to_string(), "newswire.raw/2/41");
    }

    fn letter(source: &str) -> DeadLetter {
        let headers = HeaderMap::new()
            .with(headers::TRACE_ID, "t-1")
            .with(headers::FEED, "pa")
            .with(headers::REDRIVEN_FROM, "newswire.dlq/0/1")
            .with(headers::DLQ_STAGE, "enrich")
            .with(headers::DLQ_REASON, "output_too_large")
            .with(headers::DLQ_DETAIL, "too big")
            .with(headers::DLQ_SOURCE, source);
        DeadLetter { id: DlqId { partition: 2, offset: 9 }, timestamp_ms: Some(1), key: Some(b"k".to_vec()), payload: b"\xffbytes".to_vec(), headers }
    }

    #[test]
    fn a_redrive_puts_the_original_back_with_its_headers_and_where_it_came_from() {
        let redriven = letter("newswire.normalized/1/5").redriven("newswire.dlq").unwrap();
        assert_eq!((redriven.topic.as_str(), redriven.partition), ("newswire.normalized", Some(1)));
        assert_eq!((redriven.key.as_deref(), redriven.payload.as_slice()), (Some(&b"k"[..]), &b"\xffbytes"[..]));
        let names: Vec<&str> = redriven.headers.iter().map(|(k, _)| k).collect();
        assert_eq!(names, [headers::TRACE_ID, headers::FEED, headers::REDRIVEN_FROM], "no newswire-dlq-* header, one redriven-from");
        assert_eq!(redriven.headers.get_str(headers::REDRIVEN_FROM), Some("newswire.dlq/2/9"), "the latest dead letter, not an earlier one");
    }

    #[test]
    fn a_webhook_dead_letter_is_not_redriven_and_says_what_to_use() {
        let why = letter("webhook/sport").redriven("newswire.dlq").unwrap_err();
        assert!(why.contains("newswire replay --subscriber sport"), "{why}");
        assert!(letter("").redriven("newswire.dlq").unwrap_err().contains("no newswire-dlq-source"));
    }

    #[test]
    fn the_stage_headers_read_as_text() {
        let l = letter("newswire.normalized/1/5");
        assert_eq!((l.stage(), l.reason(), l.detail(), l.feed()), ("enrich", "output_too_large", "too big", "pa"));
    }
}
