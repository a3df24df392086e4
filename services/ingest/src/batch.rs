//! Batch pushes: `POST /v1/stories/batch`, many documents in one request, one
//! answer per document.
//!
//! The body is a MIME multipart message (`multipart/mixed`, or
//! `multipart/form-data` as `curl -F` sends it); each part is one document with
//! its own `Content-Type`, exactly as it would be pushed alone to
//! `/v1/stories`. Every part is validated on its own ([`accept::prepare`]): a
//! bad part is refused with its reason and the others go on. The stories of all
//! accepted parts are written to Kafka together and acknowledged together, so
//! a burst costs one round of acknowledgements instead of one per story.

use bytes::Bytes;
use futures_util::stream;

use crate::accept::{self, RawRecord, Submission};
use crate::deliver::StoryStatus;
use crate::rejection::Rejection;
use crate::stories::ShapeLimits;

/// Most documents one batch may hold.
pub const MAX_PARTS: usize = 1_000;

/// One document of a batch, as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The part's own `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// The part's body.
    pub body: Bytes,
}

/// How one document of a batch ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PartOutcome {
    /// Its stories, each accepted or recognised as a re-push.
    Taken(Vec<(String, StoryStatus)>),
    /// Refused, with the reason it would have been refused alone.
    Refused(Rejection),
}

impl PartOutcome {
    /// The HTTP status the document would have had if pushed alone.
    pub fn status(&self) -> u16 {
        match self {
            PartOutcome::Taken(stories) if stories.iter().all(|(_, s)| *s == StoryStatus::Duplicate) => 200,
            PartOutcome::Taken(_) => 202,
            PartOutcome::Refused(rejection) => rejection.status,
        }
    }
}

/// The batch's status: 207 when any document was refused, else 200 when every
/// story was a re-push, else 202.
pub fn batch_status(outcomes: &[PartOutcome]) -> u16 {
    if outcomes.iter().any(|o| matches!(o, PartOutcome::Refused(_))) {
        207
    } else if outcomes.iter().all(|o| o.status() == 200) {
        200
    } else {
        202
    }
}

/// The multipart boundary of a batch's `Content-Type`, or why it is not a batch.
pub fn boundary(content_type: Option<&str>) -> Result<String, Rejection> {
    let not_a_batch = |detail: String| Rejection::new(415, "unsupported_media_type", detail);
    let content_type = content_type.ok_or_else(|| not_a_batch("a batch needs Content-Type: multipart/mixed; boundary=…".into()))?;
    let parsed: mime::Mime =
        content_type.parse().map_err(|e| not_a_batch(format!("Content-Type {content_type:?} cannot be read: {e}")))?;
    if parsed.type_() != mime::MULTIPART {
        return Err(not_a_batch(format!("a batch is multipart/mixed (or multipart/form-data), not {content_type:?}")));
    }
    parsed
        .get_param(mime::BOUNDARY)
        .map(|b| b.as_str().to_owned())
        .ok_or_else(|| Rejection::new(400, "malformed_batch", format!("Content-Type {content_type:?} names no boundary")))
}

/// Builds a batch body (`multipart/mixed` with `boundary`, which no document
/// may contain), one part per (content type, document): what a client sends.
pub fn encode(boundary: &str, documents: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (content_type, document) in documents {
        out.extend_from_slice(format!("--{boundary}\r\nContent-Type: {content_type}\r\n\r\n").as_bytes());
        out.extend_from_slice(document);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// Cuts a batch body into its documents, in order.
pub async fn split(boundary: &str, body: Bytes) -> Result<Vec<Part>, Rejection> {
    let malformed = |e: multer::Error| Rejection::new(400, "malformed_batch", format!("the multipart body cannot be read: {e}"));
    let source = stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(source, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        if parts.len() == MAX_PARTS {
            return Err(Rejection::new(413, "too_many_parts", format!("a batch holds at most {MAX_PARTS} documents")));
        }
        let content_type = field.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = field.bytes().await.map_err(malformed)?;
        parts.push(Part { content_type, body });
    }
    if parts.is_empty() {
        return Err(Rejection::new(400, "empty_body", "the batch holds no document"));
    }
    Ok(parts)
}

/// Per document of a batch: how many records it made, or why it is refused.
pub type PartShape = Vec<Result<usize, Rejection>>;

/// Validates every document on its own and builds its records. Returns, per
/// part, how many records it made or the reason it is refused, and all the
/// records in part order. Every part's stories get trace ids derived from the
/// request's.
pub fn prepare_parts(parts: &[Part], feed: &str, received_at_ms: i64, trace_id: &str, shape: ShapeLimits) -> (PartShape, Vec<RawRecord>) {
    let mut records = Vec::new();
    let counts = parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            let part_trace = newswire_shared::ids::digest(&[trace_id.as_bytes(), b"part", &index.to_be_bytes()]);
            let submission = Submission {
                feed,
                content_type: part.content_type.as_deref(),
                body: &part.body,
                received_at_ms,
                trace_id: &part_trace,
            };
            let prepared = accept::prepare(&submission, shape)?;
            let count = prepared.len();
            records.extend(prepared);
            Ok(count)
        })
        .collect();
    (counts, records)
}

/// Puts the statuses of the delivered records (in the order
/// [`prepare_parts`] returned them) back with the parts they came from.
pub fn outcomes(shape: PartShape, delivered: Vec<(String, StoryStatus)>) -> Vec<PartOutcome> {
    let mut delivered = delivered.into_iter();
    shape
        .into_iter()
        .map(|part| match part {
            Ok(count) => PartOutcome::Taken(delivered.by_ref().take(count).collect()),
            Err(rejection) => PartOutcome::Refused(rejection),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NINJS: &str = r#"{"uri":"urn:test:1","headline":"One","body_text":"Body one."}"#;

    fn body(parts: &[(&str, &str)]) -> Bytes {
        let documents: Vec<(&str, &[u8])> = parts.iter().map(|(t, d)| (*t, d.as_bytes())).collect();
        Bytes::from(encode("XB", &documents))
    }

    #[test]
    fn the_boundary_comes_from_a_multipart_content_type_only() {
        assert_eq!(boundary(Some("multipart/mixed; boundary=XB")).unwrap(), "XB");
        assert_eq!(boundary(Some("multipart/form-data; boundary=\"a b\"")).unwrap(), "a b");
        assert_eq!(boundary(Some("application/json")).unwrap_err().status, 415);
        assert_eq!(boundary(None).unwrap_err().status, 415);
        assert_eq!(boundary(Some("multipart/mixed")).unwrap_err().error, "malformed_batch");
    }

    #[tokio::test]
    async fn parts_keep_their_own_content_type_and_exact_bytes() {
        let parts = split("XB", body(&[("application/json", NINJS), ("text/plain; charset=iso-8859-1", "Zeile\nzwei")])).await.unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content_type.as_deref(), Some("application/json"));
        assert_eq!(parts[0].body, NINJS.as_bytes());
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain; charset=iso-8859-1"));
        assert_eq!(parts[1].body, "Zeile\nzwei".as_bytes());
    }

    #[tokio::test]
    async fn a_broken_or_empty_multipart_body_is_refused_with_a_reason() {
        let broken = split("XB", Bytes::from_static(b"--XB\r\nContent-Type: text/plain\r\n\r\nno end")).await.unwrap_err();
        assert_eq!((broken.status, broken.error), (400, "malformed_batch"), "{broken:?}");
        let empty = split("XB", Bytes::from_static(b"--XB--\r\n")).await.unwrap_err();
        assert_eq!(empty.status, 400, "{empty:?}");
    }

    #[tokio::test]
    async fn a_batch_over_the_part_limit_is_refused() {
        let many: Vec<(&str, &str)> = (0..=MAX_PARTS).map(|_| ("text/plain", "x")).collect();
        let refused = split("XB", body(&many)).await.unwrap_err();
        assert_eq!((refused.status, refused.error), (413, "too_many_parts"));
    }

    #[tokio::test]
    async fn each_part_is_judged_alone_and_the_statuses_go_back_to_their_parts() {
        let parts = split("XB", body(&[("application/json", NINJS), ("application/json", "{not json"), ("text/plain", "A wire story.\nSecond line.")]))
            .await
            .unwrap();
        let (shape, records) = prepare_parts(&parts, "pa", 1_000, "trace", ShapeLimits::default());
        assert_eq!(shape[0], Ok(1));
        assert_eq!(shape[2], Ok(1));
        assert_eq!(shape[1].as_ref().unwrap_err().status, 400);
        let keys: Vec<String> = records.iter().map(|r| r.key.clone()).collect();
        assert_eq!(keys.len(), 2);
        let traces: Vec<&str> = records.iter().filter_map(|r| r.headers.get_str(newswire_shared::kafka::headers::TRACE_ID)).collect();
        assert_ne!(traces[0], traces[1], "each part's story has its own trace id");
        let delivered = vec![(keys[0].clone(), StoryStatus::Accepted), (keys[1].clone(), StoryStatus::Duplicate)];
        let outcomes = outcomes(shape, delivered);
        assert_eq!(outcomes.iter().map(PartOutcome::status).collect::<Vec<_>>(), vec![202, 400, 200]);
        assert_eq!(outcomes[2], PartOutcome::Taken(vec![(keys[1].clone(), StoryStatus::Duplicate)]));
        assert_eq!(batch_status(&outcomes), 207);
        assert_eq!(batch_status(&outcomes[..1]), 202);
        assert_eq!(batch_status(&outcomes[2..]), 200);
    }
}
