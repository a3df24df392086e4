//! Fuzzes ingest's whole acceptance path (format detection, charset, XML and
//! feed splitting): the first byte picks the Content-Type, the rest is the body.
//! An accepted push holds 1..=max_stories records, each with a key, a known
//! format, its own trace id and the exact bytes of one story (the whole body, or
//! one `<item>`/`<entry>`/`<newsItem>` element). Each record is then handed to
//! normalize exactly as the normalize stage would receive it.
#![no_main]
use std::collections::HashSet;

use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;
use newswire_shared::kafka::headers;

const TYPES: &[&str] = &[
    "application/json",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/nitf+xml",
    "application/vnd.iptc.g2.newsitem+xml",
    "text/html; charset=windows-1252",
    "text/plain; charset=iso-8859-1",
    "text/plain",
    "application/vnd.iptc.7901",
];

const FORMATS: &[&str] = &["ninjs", "newsml-g2", "nitf", "rss-item", "atom-entry", "html", "anpa", "scraped-text"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let submission = Submission {
        feed: newswire_fuzz::FEED,
        content_type: Some(TYPES[pick as usize % TYPES.len()]),
        body,
        received_at_ms: 0,
        trace_id: "fuzz",
    };
    let limits = ShapeLimits::default();
    let Ok(records) = prepare(&submission, limits) else { return };
    assert!(!records.is_empty() && records.len() <= limits.max_stories, "{} records", records.len());
    let mut trace_ids = HashSet::new();
    for record in &records {
        assert!(!record.key.is_empty(), "a record without a key");
        assert_eq!(record.headers.get_str(headers::FEED), Some(newswire_fuzz::FEED));
        let format = record.headers.get_str(headers::FORMAT).expect("every record names its format");
        assert!(FORMATS.contains(&format), "unknown format {format:?}");
        let trace_id = record.headers.get_str(headers::TRACE_ID).expect("every record has a trace id");
        assert!(trace_ids.insert(trace_id.to_owned()), "trace id {trace_id} used twice");
        let payload = &record.payload[..];
        assert!(!payload.is_empty() && payload.len() <= body.len(), "payload of {} bytes from a body of {}", payload.len(), body.len());
        if payload.len() < body.len() {
            // A story cut from a feed or package is exactly one element.
            assert!(payload.starts_with(b"<") && payload.ends_with(b">"), "a cut story is not one element: {:?}", String::from_utf8_lossy(payload));
        } else {
            assert_eq!(payload, body, "a story that is not cut out is the whole body");
        }
        let charset = record.headers.get_str(headers::CHARSET);
        if let Ok(article) = newswire_normalize::normalize(format, payload, charset, newswire_fuzz::FEED, &record.key, &newswire_fuzz::config()) {
            newswire_fuzz::check_normalized(&article);
        }
    }
});
