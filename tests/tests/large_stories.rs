//! Sizes that fit end to end: a story larger than Kafka's 1 MB broker default
//! travels through the real broker whole, and a story larger than the topics
//! take is refused with 413 naming the limit, never 503 (which a feed would
//! retry forever).

use std::time::Duration;

use newswire_e2e::{Pipeline, PA_TOKEN};

const WAIT: Duration = Duration::from_secs(120);

/// An article page of about `bytes` bytes: real-looking, varied paragraphs.
fn article_page(bytes: usize) -> String {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Harbour inquiry publishes its full report</title></head><body><article><h1>Harbour inquiry publishes its full report</h1>",
    );
    let mut n = 0;
    while html.len() < bytes {
        n += 1;
        html.push_str(&format!(
            "<p>Witness {n} told the inquiry that the harbour wall at berth {berth} had been inspected in week {week}, \
             and that the repairs ordered after storm number {storm} were finished {days} days later than planned, \
             according to the transcript of session {session}.</p>",
            berth = n % 97,
            week = n % 52,
            storm = n % 13,
            days = n % 31,
            session = n / 7
        ));
    }
    html.push_str("</article></body></html>");
    html
}

#[test]
fn a_page_larger_than_the_brokers_one_megabyte_default_is_published_whole() {
    let pipeline = Pipeline::start();
    let page = article_page(1_600_000);
    let id = pipeline.push_ok(PA_TOKEN, "text/html; charset=utf-8", page.clone());
    let published = pipeline.read("published", 1, WAIT, Duration::from_secs(1));
    assert_eq!(published.len(), 1, "the large page is published once; dead letters: {:?}", pipeline.read("dlq", 0, Duration::ZERO, Duration::from_secs(2)).iter().map(|r| r.headers.get("newswire-dlq-detail").cloned()).collect::<Vec<_>>());
    assert_eq!(published[0].key, id);
    let ninjs = published[0].json();
    let body = ninjs["bodies"][0]["value"].as_str().expect("a plain-text body");
    let paragraphs = page.matches("<p>").count();
    assert_eq!(body.split("\n\n").count(), paragraphs, "every paragraph of the page arrives");
    assert!(body.ends_with(&format!("according to the transcript of session {}.", paragraphs / 7)), "the body is whole to its last paragraph");
}

#[test]
fn a_story_larger_than_the_topics_take_is_refused_413_and_an_output_over_it_is_dead_lettered_whole() {
    let limit = 1024 * 1024;
    let pipeline = Pipeline::start_with(&[("NEWSWIRE_KAFKA_MAX_MESSAGE_BYTES", "1048576")]);

    let (status, answer) = pipeline.push(PA_TOKEN, "text/html; charset=utf-8", article_page(1_300_000));
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"], "story_too_large");
    let detail = answer["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(&format!("at most {limit} bytes")) && detail.contains("kafka.max_message_bytes"), "{detail}");

    // Under the limit at ingest, but normalized (plain and HTML bodies) over it:
    // dead-lettered with the reason and the original bytes, not retried forever.
    let page = article_page(700_000);
    pipeline.push_ok(PA_TOKEN, "text/html; charset=utf-8", page.clone());
    let dead = pipeline.read("dlq", 1, WAIT, Duration::from_secs(1));
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].headers.get("newswire-dlq-reason").map(String::as_str), Some("output_too_large"));
    assert_eq!(dead[0].payload, page.as_bytes(), "the dead letter holds the original bytes");
    assert!(pipeline.read("published", 0, Duration::ZERO, Duration::from_secs(2)).is_empty());
}
