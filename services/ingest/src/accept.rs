//! Ingest's pure core: from one authenticated push to the record for `newswire.raw`.

use newswire_shared::ids;
use newswire_shared::kafka::headers::{self, HeaderMap};

use crate::format::{self, Format};
use crate::rejection::Rejection;

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
    /// The original bytes.
    pub payload: Vec<u8>,
    /// Feed, content type, charset, format, received-at time, trace id.
    pub headers: HeaderMap,
}

/// Validates a push and builds its raw record.
pub fn prepare(submission: &Submission<'_>) -> Result<RawRecord, Rejection> {
    if submission.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Rejection::new(400, "empty_body", "the request body is empty"));
    }
    let format = format::detect(submission.content_type, submission.body)?;
    let charset = charset_of(submission.content_type);
    if charset.as_deref().is_none_or(|c| c == "utf-8") && matches!(format, Format::Ninjs | Format::ScrapedText) {
        if let Err(e) = std::str::from_utf8(submission.body) {
            return Err(Rejection::new(
                400,
                "bad_encoding",
                format!("the body is not valid UTF-8 (invalid byte at offset {}); declare its charset in Content-Type", e.valid_up_to()),
            ));
        }
    }
    let guid = source_id(format, submission.body);
    let key = ids::story_key(submission.feed, &guid);
    let mut envelope = HeaderMap::new()
        .with(headers::TRACE_ID, submission.trace_id)
        .with(headers::FEED, submission.feed)
        .with(headers::FORMAT, format.as_str())
        .with(headers::INGESTED_AT_MS, submission.received_at_ms.to_string());
    if let Some(ct) = submission.content_type {
        envelope.insert(headers::CONTENT_TYPE, ct);
    }
    if let Some(cs) = charset {
        envelope.insert(headers::CHARSET, cs);
    }
    Ok(RawRecord { key, payload: submission.body.to_vec(), headers: envelope })
}

/// The `charset` parameter of a Content-Type, lower-cased.
pub fn charset_of(content_type: Option<&str>) -> Option<String> {
    content_type?.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("charset")).then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    })
}

/// The source's own identifier for the story when the format has one (ninjs
/// `uri`), else a digest of the bytes, so a re-push of the same bytes keys alike.
fn source_id(format: Format, body: &[u8]) -> String {
    if format == Format::Ninjs {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
            if let Some(uri) = map.get("uri").and_then(|u| u.as_str()) {
                return uri.to_owned();
            }
        }
    }
    ids::digest(&[body])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submit(content_type: &str, body: &[u8]) -> Result<RawRecord, Rejection> {
        prepare(&Submission { feed: "pa", content_type: Some(content_type), body, received_at_ms: 1_000, trace_id: "t" })
    }

    #[test]
    fn a_text_story_keeps_its_bytes_and_gets_an_envelope() {
        let record = submit("text/plain; charset=utf-8", "Héadline\n\nBody.".as_bytes()).unwrap();
        assert_eq!(record.payload, "Héadline\n\nBody.".as_bytes());
        assert_eq!(record.headers.get_str(headers::FEED), Some("pa"));
        assert_eq!(record.headers.get_str(headers::FORMAT), Some("scraped-text"));
        assert_eq!(record.headers.get_str(headers::CHARSET), Some("utf-8"));
        assert_eq!(record.headers.get_str(headers::INGESTED_AT_MS), Some("1000"));
        assert_eq!(record.headers.get_str(headers::TRACE_ID), Some("t"));
    }

    #[test]
    fn versions_of_one_ninjs_story_share_a_key() {
        let v1 = submit("application/json", br#"{"uri":"urn:x:1","version":"1"}"#).unwrap();
        let v2 = submit("application/json", br#"{"uri":"urn:x:1","version":"2"}"#).unwrap();
        assert_eq!(v1.key, v2.key);
    }

    #[test]
    fn empty_and_non_utf8_bodies_are_refused_with_a_reason() {
        assert_eq!(submit("text/plain", b"  \n").unwrap_err().error, "empty_body");
        let err = submit("text/plain", b"abc\xff").unwrap_err();
        assert_eq!((err.status, err.error), (400, "bad_encoding"));
        assert!(err.detail.contains("offset 3"), "{}", err.detail);
    }
}
