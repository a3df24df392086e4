//! Kafka record headers newswire reads and writes, and a small owned header map.

use rdkafka::message::{Header, OwnedHeaders};

/// Trace id, minted by ingest and carried through every stage.
pub const TRACE_ID: &str = "newswire-trace-id";
/// The feed that pushed or served the story.
pub const FEED: &str = "newswire-feed";
/// The Content-Type the story arrived with.
pub const CONTENT_TYPE: &str = "content-type";
/// The charset the original bytes are in (declared or detected).
pub const CHARSET: &str = "newswire-charset";
/// When the bytes overruled the charset the story declared (`kind: what`, e.g.
/// `label_overruled: the XML declaration declares "iso-8859-1", but the bytes are UTF-8`).
pub const CHARSET_NOTE: &str = "newswire-charset-note";
/// The format ingest recognised, e.g. `ninjs`, `newsml-g2`, `scraped-text`.
pub const FORMAT: &str = "newswire-format";
/// The source's own id for the story, as ingest decided it once
/// ([`crate::story::identity`]); empty when the story has none (its uri is then
/// the digest of its bytes). Normalize makes the article's uri of it.
pub const SOURCE_ID: &str = "newswire-source-id";
/// The source's version of the story as stated (`3`), when it gave one;
/// normalize makes the article's version of it.
pub const SOURCE_VERSION: &str = "newswire-source-version";
/// When ingest accepted the story, milliseconds since the Unix epoch.
pub const INGESTED_AT_MS: &str = "newswire-ingested-at-ms";
/// Metadata problems normalize recorded for the story, as `field:kind` pairs
/// separated by commas (e.g. `versioncreated:unreadable`), on the article topics.
pub const FIELD_PROBLEMS: &str = "newswire-field-problems";
/// The story uri, on records of the article topics.
pub const STORY_URI: &str = "newswire-story-uri";
/// The story version, on records of the article topics.
pub const STORY_VERSION: &str = "newswire-story-version";
/// Dead letters: the stage that gave up.
pub const DLQ_STAGE: &str = "newswire-dlq-stage";
/// Dead letters: the low-cardinality reason.
pub const DLQ_REASON: &str = "newswire-dlq-reason";
/// Dead letters: the full human-readable explanation.
pub const DLQ_DETAIL: &str = "newswire-dlq-detail";
/// Dead letters: `topic/partition/offset` of the original record.
pub const DLQ_SOURCE: &str = "newswire-dlq-source";
/// What every dead-letter header's name starts with; a redriven record has none.
pub const DLQ_PREFIX: &str = "newswire-dlq-";
/// On a record `newswire dlq redrive` put back on its topic: the dead letter it
/// came from, as `<dlq topic>/<partition>/<offset>`.
pub const REDRIVEN_FROM: &str = "newswire-redriven-from";
/// On a subscriber topic record `newswire replay` sent again: the replay's id.
pub const REPLAY: &str = "newswire-replay";
/// On subscriber topic records and webhook dead letters: the subscriber's name.
pub const SUBSCRIBER: &str = "newswire-subscriber";
/// On subscriber topic records: why the subscriber got this story version,
/// `match`, `correction`, `kill`, `withhold` or `republish` (publish's `routing::Route`).
pub const ROUTE: &str = "newswire-route";
/// On publish's held (embargoed) records, which are keyed by uri: the story's own Kafka key.
pub const HELD_KEY: &str = "newswire-held-key";
/// On publish's held (embargoed) records: the partition of publish's input the
/// story came from, whose slice of publish's receipts its release reads and writes.
pub const HELD_SLICE: &str = "newswire-held-slice";

/// An ordered list of headers, owned, with string-keyed lookup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap(Vec<(String, Vec<u8>)>);

impl HeaderMap {
    /// An empty map.
    pub fn new() -> Self {
        HeaderMap(Vec::new())
    }

    /// Removes `key`, if it is there.
    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: impl Into<Vec<u8>>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    /// Builder form of [`HeaderMap::insert`].
    pub fn with(mut self, key: &str, value: impl Into<Vec<u8>>) -> Self {
        self.insert(key, value);
        self
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }

    /// The value of `key` as UTF-8 text, when it is.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The bytes the headers add to a record: every name and value.
    pub fn byte_len(&self) -> usize {
        self.0.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// Iterates over `(key, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The headers whose names do not start with `prefix`, in order, repeats kept.
    pub fn without_prefix(&self, prefix: &str) -> HeaderMap {
        HeaderMap(self.0.iter().filter(|(k, _)| !k.starts_with(prefix)).cloned().collect())
    }

    /// Copies the headers of a consumed record.
    pub fn from_kafka<H: rdkafka::message::Headers>(headers: Option<&H>) -> Self {
        let mut map = HeaderMap::new();
        if let Some(headers) = headers {
            for h in headers.iter() {
                map.0.push((h.key.to_owned(), h.value.map(<[u8]>::to_vec).unwrap_or_default()));
            }
        }
        map
    }

    /// The headers in rdkafka's form, for producing.
    pub fn to_kafka(&self) -> OwnedHeaders {
        self.0.iter().fold(OwnedHeaders::new_with_capacity(self.0.len()), |acc, (k, v)| {
            acc.insert(Header { key: k, value: Some(v.as_slice()) })
        })
    }

    /// The headers that follow a story from stage to stage (trace id, feed, times).
    pub fn carried(&self) -> HeaderMap {
        let mut out = HeaderMap::new();
        for key in [TRACE_ID, FEED, FORMAT, INGESTED_AT_MS] {
            if let Some(v) = self.get(key) {
                out.insert(key, v);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_through_rdkafka() {
        let map = HeaderMap::new().with(TRACE_ID, "t-1").with(FEED, "pa").with(TRACE_ID, "t-2");
        let back = HeaderMap::from_kafka(Some(&map.to_kafka()));
        assert_eq!(back.get_str(TRACE_ID), Some("t-2"));
        assert_eq!(back.get_str(FEED), Some("pa"));
        assert_eq!(back.iter().count(), 2);
    }

    #[test]
    fn headers_without_a_prefix_keep_the_others_in_order_with_repeats() {
        let map = HeaderMap(vec![
            ("a".into(), b"1".to_vec()),
            (DLQ_REASON.into(), b"no_content".to_vec()),
            ("a".into(), b"2".to_vec()),
            (DLQ_SOURCE.into(), b"t/0/1".to_vec()),
        ]);
        let kept = map.without_prefix(DLQ_PREFIX);
        assert_eq!(kept.iter().collect::<Vec<_>>(), [("a", &b"1"[..]), ("a", &b"2"[..])]);
        assert!([DLQ_STAGE, DLQ_REASON, DLQ_DETAIL, DLQ_SOURCE].iter().all(|k| k.starts_with(DLQ_PREFIX)));
    }

    #[test]
    fn only_story_headers_are_carried_to_the_next_stage() {
        let map = HeaderMap::new().with(TRACE_ID, "t").with(CONTENT_TYPE, "text/plain").with(INGESTED_AT_MS, "1");
        let carried = map.carried();
        assert_eq!(carried.get_str(TRACE_ID), Some("t"));
        assert_eq!(carried.get(CONTENT_TYPE), None);
        assert_eq!(carried.get_str(INGESTED_AT_MS), Some("1"));
    }
}
