//! Ingest's pure core: from one authenticated push to the record for `newswire.raw`.

use newswire_shared::ids;
use newswire_shared::kafka::headers::{self, HeaderMap};

use newswire_shared::story::charset;
use crate::format;
use crate::rejection::Rejection;
use crate::stories::{self, ShapeLimits};

/// One push, as received.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    /// The authenticated feed.
    pub feed: &'a str,
    /// The request's Content-Type, if any.
    pub content_type: Option<&'a str>,
    /// The body, already size-checked.
    pub body: &'a [u8],
    /// When ingest received it, in milliseconds since the Unix epoch.
    pub received_at_ms: i64,
    /// The trace id minted for it.
    pub trace_id: &'a str,
}

/// A story ready to be written to `newswire.raw`: the original bytes untouched,
/// keyed by the story's stable key, with the envelope in headers.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRecord {
    /// Stable key: the same story (and its later versions) always gets the same one.
    pub key: String,
    /// The original bytes (for a feed entry, the exact slice of its element).
    pub payload: Vec<u8>,
    /// Feed, content type, charset, format, source id and version, received-at time, trace id.
    pub headers: HeaderMap,
    /// What makes this version of the story this version, when its format
    /// can say ([`newswire_shared::story::identity::Identity::repush_mark`]): used to recognise re-pushes.
    pub version: Option<String>,
}

impl RawRecord {
    /// The record's size as Kafka counts it against `max.message.bytes`, near
    /// enough: key, value, and every header's name and value.
    pub fn size(&self) -> usize {
        self.key.len() + self.payload.len() + self.headers.byte_len()
    }
}

/// Validates a push and builds one raw record per story it holds, in document order.
pub fn prepare(submission: &Submission<'_>, limits: ShapeLimits) -> Result<Vec<RawRecord>, Rejection> {
    let body = submission.body;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Rejection::new(400, "empty_body", "the request body is empty"));
    }
    let detected = format::detect(submission.content_type, body)?;
    let charset = charset::decide(submission.content_type, body)?;
    let stories = stories::split(detected.format, detected.declared, body, &charset, limits)?;
    let records: Vec<RawRecord> = stories
        .into_iter()
        .enumerate()
        .map(|(index, story)| {
            let payload = body[story.range.clone()].to_vec();
            let key = match &story.identity.guid {
                Some(guid) => ids::story_key(submission.feed, guid),
                None => ids::story_key(submission.feed, &ids::digest(&[&payload])),
            };
            let mut envelope = HeaderMap::new()
                .with(headers::TRACE_ID, story_trace_id(submission.trace_id, index))
                .with(headers::FEED, submission.feed)
                .with(headers::FORMAT, story.format.as_str())
                .with(headers::INGESTED_AT_MS, submission.received_at_ms.to_string());
            if let Some(ct) = submission.content_type {
                envelope.insert(headers::CONTENT_TYPE, ct);
            }
            story.identity.write_headers(&mut envelope);
            envelope.insert(headers::CHARSET, charset.header_value());
            if let Some(note) = &charset.note {
                envelope.insert(headers::CHARSET_NOTE, format!("{}: {note}", note.kind()));
            }
            RawRecord { key, payload, headers: envelope, version: story.identity.repush_mark }
        })
        .collect();
    if let Some(record) = records.iter().find(|r| r.size() > limits.max_record_bytes) {
        return Err(Rejection::new(
            413,
            "story_too_large",
            format!(
                "a story of this push makes a Kafka record of {} bytes; this pipeline's topics take records of at most {} bytes (kafka.max_message_bytes)",
                record.size(),
                limits.max_record_bytes
            ),
        ));
    }
    Ok(records)
}

/// Each story of a push gets its own trace id: the first the request's, the
/// others derived from it, so all can be found from the request's log line.
fn story_trace_id(request_trace_id: &str, index: usize) -> String {
    if index == 0 {
        request_trace_id.to_owned()
    } else {
        ids::digest(&[request_trace_id.as_bytes(), &index.to_be_bytes()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submit(content_type: &str, body: &[u8]) -> Result<Vec<RawRecord>, Rejection> {
        let submission =
            Submission { feed: "pa", content_type: Some(content_type), body, received_at_ms: 1_000, trace_id: "t" };
        prepare(&submission, ShapeLimits::default())
    }

    fn one(content_type: &str, body: &[u8]) -> RawRecord {
        let mut records = submit(content_type, body).unwrap();
        assert_eq!(records.len(), 1);
        records.remove(0)
    }

    #[test]
    fn a_text_story_keeps_its_bytes_and_gets_an_envelope() {
        let record = one("text/plain; charset=utf-8", "Héadline\n\nBody.".as_bytes());
        assert_eq!(record.payload, "Héadline\n\nBody.".as_bytes());
        assert_eq!(record.headers.get_str(headers::FEED), Some("pa"));
        assert_eq!(record.headers.get_str(headers::FORMAT), Some("scraped-text"));
        assert_eq!(record.headers.get_str(headers::CHARSET), Some("utf-8"));
        assert_eq!(record.headers.get_str(headers::CONTENT_TYPE), Some("text/plain; charset=utf-8"));
        assert_eq!(record.headers.get_str(headers::INGESTED_AT_MS), Some("1000"));
        assert_eq!(record.headers.get_str(headers::TRACE_ID), Some("t"));
    }

    #[test]
    fn versions_of_one_ninjs_story_share_a_key_and_carry_their_version() {
        let v1 = one("application/json", br#"{"uri":"urn:x:1","version":"1"}"#);
        let v2 = one("application/json", br#"{"uri":"urn:x:1","version":"2"}"#);
        assert_eq!(v1.key, v2.key);
        assert_eq!((v1.version.as_deref(), v2.version.as_deref()), (Some("1"), Some("2")));
        assert_eq!(v1.key, ids::story_key("pa", "urn:x:1"));
    }

    #[test]
    fn stories_without_an_id_are_keyed_by_their_bytes() {
        let a = one("text/plain", b"Story A");
        assert_eq!(a.key, one("text/plain", b"Story A").key);
        assert_ne!(a.key, one("text/plain", b"Story B").key);
    }

    #[test]
    fn each_entry_of_a_feed_gets_its_own_record_key_and_trace_id() {
        let doc = b"<rss><channel><item><guid>1</guid></item><item><guid>2</guid></item></channel></rss>";
        let records = submit("application/rss+xml", doc).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].payload, b"<item><guid>2</guid></item>");
        assert_eq!(records[1].key, ids::story_key("pa", "2"));
        assert_eq!(records[0].headers.get_str(headers::FORMAT), Some("rss-item"));
        assert_eq!(records[0].headers.get_str(headers::TRACE_ID), Some("t"));
        let second = records[1].headers.get_str(headers::TRACE_ID).unwrap();
        assert!(second != "t" && second.len() == 32, "{second}");
    }

    #[test]
    fn a_story_larger_than_the_topics_take_is_413_naming_the_limit() {
        let body = vec![b'a'; 4096];
        let submission = Submission { feed: "pa", content_type: Some("text/plain"), body: &body, received_at_ms: 1, trace_id: "t" };
        let limits = ShapeLimits { max_record_bytes: 4000, ..ShapeLimits::default() };
        let err = prepare(&submission, limits).unwrap_err();
        assert_eq!((err.status, err.error), (413, "story_too_large"));
        assert!(err.detail.contains("at most 4000 bytes (kafka.max_message_bytes)"), "{}", err.detail);
        assert!(prepare(&submission, ShapeLimits { max_record_bytes: 8192, ..ShapeLimits::default() }).is_ok());
    }

    #[test]
    fn empty_and_non_utf8_bodies_are_refused_with_a_reason() {
        assert_eq!(submit("text/plain", b"  \n").unwrap_err().error, "empty_body");
        let err = submit("text/plain", b"abc\xff").unwrap_err();
        assert_eq!((err.status, err.error), (400, "bad_encoding"));
        assert!(err.detail.contains("offset 3"), "{}", err.detail);
    }
}
