//! Dead letters: the original bytes and headers, plus why and where (every
//! dead letter newswire writes carries the same four `newswire-dlq-*` headers,
//! built here: [`dead_letter_headers`]).

use crate::kafka::headers::{self, HeaderMap};
use crate::stage::{InputMessage, OutputRecord, StageError};

/// Builds the record for `newswire.dlq` from a failed input: the value is the
/// original bytes untouched; the headers are the original headers plus the stage,
/// the reason, the detail and the source `topic/partition/offset`.
pub fn dead_letter_record(dlq_topic: &str, stage: &str, input: &InputMessage<'_>, error: &StageError) -> OutputRecord {
    let source = format!("{}/{}/{}", input.topic, input.partition, input.offset);
    let headers = dead_letter_headers(input.headers.clone(), stage, error.reason, &error.detail, &source);
    OutputRecord {
        topic: dlq_topic.to_owned(),
        key: input.key.map(<[u8]>::to_vec).unwrap_or_default(),
        payload: input.payload.to_vec(),
        headers,
    }
}

/// `headers` with why and where a dead letter comes from: the `stage` that
/// gave up, its short `reason`, the `detail` (cut to 4 KiB on a character
/// boundary) and the `source` (`topic/partition/offset`, or what stands for it).
pub fn dead_letter_headers(mut headers: HeaderMap, stage: &str, reason: &str, detail: &str, source: &str) -> HeaderMap {
    headers.insert(headers::DLQ_STAGE, stage);
    headers.insert(headers::DLQ_REASON, reason);
    headers.insert(headers::DLQ_DETAIL, truncate(detail, 4096));
    headers.insert(headers::DLQ_SOURCE, source);
    headers
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letter_keeps_original_bytes_and_says_why_and_where() {
        let original = HeaderMap::new().with(headers::TRACE_ID, "t-9");
        let input = InputMessage {
            topic: "newswire.raw",
            partition: 2,
            offset: 41,
            key: Some(b"k"),
            payload: b"\xff\xfe not utf8",
            headers: &original,
        };
        let record = dead_letter_record("newswire.dlq", "normalize", &input, &StageError::new("bad_encoding", "byte 0xff at 0"));
        assert_eq!(record.topic, "newswire.dlq");
        assert_eq!(record.payload, b"\xff\xfe not utf8");
        assert_eq!(record.key, b"k");
        assert_eq!(record.headers.get_str(headers::DLQ_REASON), Some("bad_encoding"));
        assert_eq!(record.headers.get_str(headers::DLQ_STAGE), Some("normalize"));
        assert_eq!(record.headers.get_str(headers::DLQ_SOURCE), Some("newswire.raw/2/41"));
        assert_eq!(record.headers.get_str(headers::DLQ_DETAIL), Some("byte 0xff at 0"));
        assert_eq!(record.headers.get_str(headers::TRACE_ID), Some("t-9"));
    }

    #[test]
    fn long_details_are_cut_on_a_character_boundary() {
        let long = "é".repeat(5000);
        let cut = truncate(&long, 4095);
        assert!(cut.ends_with('…'));
        assert!(cut.len() <= 4095 + '…'.len_utf8());
    }
}
