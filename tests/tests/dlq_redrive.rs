//! `newswire dlq list|show|redrive` end to end: stories dead-lettered by real
//! stages on the real broker, read and redriven by the real command.
//!
//! Two dead letters: a pushed page with no content (normalize: `no_content`,
//! which a redrive cannot cure), and a story whose enriched record is larger than
//! enrich is allowed to write while it runs with `kafka.max_message_bytes` set
//! to 64 KiB (enrich: `output_too_large`). Once enrich runs with the default
//! limit again, the redrive puts the story back on the normalized topic and it
//! is published, once; a second redrive does nothing and says so.

use std::process::{Command, Output};
use std::time::Duration;

use newswire_e2e::{binary, canonical_article, free_port, read_topic_on, Pipeline, PA_TOKEN};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(45);
const SETTLE: Duration = Duration::from_secs(2);

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Runs `newswire` with the pipeline's settings and asserts it succeeded; its standard output.
fn ok(pipeline: &Pipeline, args: &[&str]) -> String {
    let output = pipeline.cli(args);
    let (out, err) = text(&output);
    assert!(output.status.success(), "newswire {args:?} failed ({}):\n{out}\n{err}", output.status);
    out
}

/// Runs `newswire` and asserts it failed; its standard error.
fn fails(pipeline: &Pipeline, args: &[&str]) -> String {
    let output = pipeline.cli(args);
    let (out, err) = text(&output);
    assert!(!output.status.success(), "newswire {args:?} should have failed:\n{out}\n{err}");
    err
}

/// The id (first column) of the `list` row that contains `needle`.
fn id_of(list: &str, needle: &str) -> String {
    let row = list.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no row with {needle}:\n{list}"));
    row.split_whitespace().next().unwrap_or_default().to_owned()
}

/// A canonical article of feed `ap`, as normalize writes it, whose body alone is about 70 KB.
fn large_article(uri: &str) -> String {
    let body = "The harbour board met again on Tuesday to discuss the repairs to the northern wall. ".repeat(840);
    let extra = json!({
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": body}],
        "newswire": {"feed": "ap", "story_id": uri},
    });
    canonical_article(uri, 1, "Harbour wall repairs discussed again", extra).to_string()
}

#[test]
fn dead_letters_are_listed_shown_and_redriven_once_after_the_cause_is_fixed() {
    let mut pipeline = Pipeline::start();
    let dlq = pipeline.topic("dlq").to_owned();
    let normalized = pipeline.topic("normalized").to_owned();

    // Normalize: a page of chrome only, with neither headline nor body.
    let junk = b"Menu\nShare\nAdvertisement\n".to_vec();
    pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", junk.clone());
    // Enrich, limited to records of 64 KiB: a 70 KB story cannot go on.
    pipeline.restart_with("enrich", &[("NEWSWIRE_KAFKA_MAX_MESSAGE_BYTES", "65536")]);
    let big = large_article("urn:t:dlq:big");
    let producer: BaseProducer = ClientConfig::new().set("bootstrap.servers", &pipeline.brokers).create().expect("producer");
    let headers = OwnedHeaders::new()
        .insert(Header { key: "newswire-trace-id", value: Some("trace-big") })
        .insert(Header { key: "newswire-feed", value: Some("ap") });
    producer.send(BaseRecord::to(&normalized).key("urn:t:dlq:big").payload(&big).headers(headers)).expect("enqueue");
    producer.flush(Duration::from_secs(10)).expect("flush");
    let dead = pipeline.read("dlq", 2, WAIT, SETTLE);
    assert_eq!(dead.len(), 2, "two dead letters");

    // list: both, each filter, and a filter that matches nothing.
    let all = ok(&pipeline, &["dlq", "list"]);
    assert!(all.contains("2 dead letter(s) (no filter); 0 of them redriven already"), "{all}");
    let big_id = id_of(&all, "output_too_large");
    let junk_id = id_of(&all, "no_content");
    let by_stage = ok(&pipeline, &["dlq", "list", "--stage", "enrich"]);
    assert!(by_stage.contains("1 dead letter(s) (stage=enrich)"), "{by_stage}");
    let row = by_stage.lines().find(|l| l.starts_with(&big_id)).expect("the enrich row");
    for cell in ["enrich", "output_too_large", " ap ", &format!("{normalized}/"), "KiB", "the record for"] {
        assert!(row.contains(cell), "{cell:?} missing in {row}");
    }
    let by_reason = ok(&pipeline, &["dlq", "list", "--reason", "no_content", "--feed", "PA"]);
    assert!(by_reason.contains("1 dead letter(s)") && by_reason.contains(&junk_id), "{by_reason}");
    assert!(ok(&pipeline, &["dlq", "list", "--feed", "reuters"]).contains("0 dead letter(s)"));
    assert!(ok(&pipeline, &["dlq", "list", "--since", "2099-01-01"]).contains("0 dead letter(s)"));
    assert!(ok(&pipeline, &["dlq", "list", "--since", "1h", "--until", "now"]).contains("2 dead letter(s)"));

    // show: headers, the detail, the bytes as text; --raw gives the exact bytes.
    let shown = ok(&pipeline, &["dlq", "show", &big_id]);
    for part in ["stage     enrich", "reason    output_too_large", &format!("source    {normalized}/"), "redriven  -", "newswire-trace-id: trace-big", "newswire-dlq-detail: the record for", "bytes, text):\n{\"bodies\":", "more bytes; `--raw` writes them all"] {
        assert!(shown.contains(part), "{part:?} missing:\n{}", &shown[..shown.len().min(3000)]);
    }
    let raw = pipeline.cli(&["dlq", "show", "--raw", &junk_id]);
    assert!(raw.status.success());
    assert_eq!(raw.stdout, junk, "--raw writes the original bytes exactly");
    assert!(fails(&pipeline, &["dlq", "show", "0:999999"]).contains("no record at"));
    assert!(fails(&pipeline, &["dlq", "show", "two:1"]).contains("expected <partition>:<offset>"));
    assert!(fails(&pipeline, &["dlq", "redrive"]).contains("say which dead letters"));

    // A dry run changes nothing.
    let dry = ok(&pipeline, &["dlq", "redrive", "--stage", "enrich", "--dry-run"]);
    assert!(dry.contains("would redrive 1 dead letter(s)") && dry.contains(&big_id), "{dry}");

    // The cause fixed, the redrive puts the story back and it is published, once.
    pipeline.restart_with("enrich", &[]);
    assert!(pipeline.read("published", 1, Duration::from_secs(1), Duration::ZERO).is_empty(), "nothing published before the redrive");
    let redriven = ok(&pipeline, &["dlq", "redrive", "--stage", "enrich"]);
    assert!(redriven.starts_with(&format!("redriven 1 dead letter(s): 1 to {normalized}\n")), "{redriven}");
    let published = pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(published.len(), 1, "published once");
    assert_eq!(published[0].json()["uri"], "urn:t:dlq:big");

    // Again: nothing is redriven twice, and the command says so.
    let again = ok(&pipeline, &["dlq", "redrive", "--stage", "enrich"]);
    assert!(again.starts_with("redriven 0 dead letter(s)\n") && again.contains(&format!("{big_id} was redriven already")), "{again}");
    assert!(ok(&pipeline, &["dlq", "redrive", &big_id]).contains("was redriven already"));
    assert_eq!(pipeline.read("published", 2, Duration::from_secs(2), Duration::ZERO).len(), 1, "still published once");

    // What went back: the original bytes and headers, no dead-letter header, and where it came from.
    let qualified = format!("{dlq}/{}", big_id.replace(':', "/"));
    let back: Vec<_> = read_topic_on(&pipeline.brokers, &normalized, 2, WAIT, SETTLE)
        .into_iter()
        .filter(|r| r.headers.get("newswire-redriven-from") == Some(&qualified))
        .collect();
    assert_eq!(back.len(), 1, "one record put back on {normalized}");
    assert_eq!(back[0].payload, big.as_bytes());
    assert_eq!(back[0].headers.get("newswire-trace-id").map(String::as_str), Some("trace-big"));
    assert!(!back[0].headers.keys().any(|k| k.starts_with("newswire-dlq-")), "{:?}", back[0].headers);
    let ledger = read_topic_on(&pipeline.brokers, &format!("{dlq}.redrives"), 1, WAIT, SETTLE);
    assert_eq!(ledger.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), [qualified.as_str()], "one ledger entry, keyed by the dead letter");
    assert!(ok(&pipeline, &["dlq", "list", "--stage", "enrich"]).lines().any(|l| l.starts_with(&big_id) && l.contains("yes, ")));

    // A redrive that cannot cure: normalize dead-letters the page again, naming the redrive.
    let junk_again = ok(&pipeline, &["dlq", "redrive", &junk_id]);
    assert!(junk_again.starts_with("redriven 1 dead letter(s)"), "{junk_again}");
    let dead = pipeline.read("dlq", 3, WAIT, SETTLE);
    assert_eq!(dead.len(), 3);
    let junk_qualified = format!("{dlq}/{}", junk_id.replace(':', "/"));
    assert!(dead.iter().any(|d| d.headers.get("newswire-redriven-from") == Some(&junk_qualified) && d.payload == junk));

    // A broker that does not answer is a clear error, soon.
    let nobody = Command::new(binary("newswire"))
        .args(["dlq", "list", "--timeout", "2"])
        .env("NEWSWIRE_KAFKA_BROKERS", format!("127.0.0.1:{}", free_port()))
        .env("NEWSWIRE_TOPICS_DLQ", &dlq)
        .output()
        .expect("run newswire");
    let (_, err) = text(&nobody);
    assert!(!nobody.status.success() && err.contains("no answer from Kafka at 127.0.0.1:"), "{err}");
}
