//! Fuzzes ingest's whole acceptance path (format detection, charset, XML and
//! feed splitting): the first byte picks the Content-Type, the rest is the body.
#![no_main]
use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;

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

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let submission = Submission {
        feed: "fuzz",
        content_type: Some(TYPES[pick as usize % TYPES.len()]),
        body,
        received_at_ms: 0,
        trace_id: "fuzz",
    };
    let _ = prepare(&submission, ShapeLimits::default());
});
