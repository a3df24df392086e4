//! Event clustering through the real broker (issue 18): stories about two
//! events, from three feeds, over two days, end up in exactly two event
//! clusters, and a crash (SIGKILL) of enrich in the middle of the stream
//! changes no assignment, even with its disk lost: the restarted stage
//! rebuilds its clusters from its changelog in Kafka and the later stories
//! join them, with sizes that go on counting.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use newswire_e2e::{metric, Pipeline, AP_TOKEN, PA_TOKEN, REUTERS_TOKEN};

const NINJS: &str = "application/ninjs+json";
const WAIT: Duration = Duration::from_secs(90);
const SETTLE: Duration = Duration::from_secs(3);

const OHIO: [&str; 8] = [
    "Supreme Court strikes down Ohio voting law",
    "Ohio voting law struck down by Supreme Court justices",
    "Ohio officials react to Supreme Court voting ruling",
    "What the Supreme Court ruling on Ohio's voting law means",
    "Ohio governor vows new voting law after court defeat",
    "Voting rights groups hail Supreme Court Ohio decision",
    "Ohio lawmakers draft replacement voting law",
    "Supreme Court Ohio voting ruling: what happens next",
];

const SNOW: [&str; 8] = [
    "Heavy snow closes Alpine passes in Switzerland",
    "Swiss Alpine passes shut as heavy snow falls",
    "Snow strands drivers on Alpine passes",
    "Alpine snow: Gotthard pass remains closed",
    "Avalanche warning as heavy snow hits Swiss Alps",
    "Swiss army helps clear snow from Alpine passes",
    "Alpine passes reopen slowly after heavy snow",
    "Heavy snow in Switzerland: Gotthard and Simplon passes closed",
];

/// One story as a feed sends it, published `hours` into the stream: `n`
/// makes its body its own (normalize would link look-alike bodies as
/// near-duplicates, which share a cluster by definition: another test's matter).
fn story(uri: &str, headline: &str, n: usize, hours: usize) -> String {
    let words: Vec<String> = (0..60).map(|k| format!("w{n}x{k}")).collect();
    let body = format!("{headline}. {}.", words.join(" "));
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T06:00:00Z").unwrap() + chrono::Duration::hours(hours as i64);
    serde_json::json!({
        "uri": uri,
        "version": "1",
        "firstcreated": at.to_rfc3339(),
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": body}],
    })
    .to_string()
}

/// The stories `range` of both events, every five hours over two days, from
/// the three feeds in turn. Each round waits until enrich has it: stories go
/// to several partitions, and the test is about a stream in time order.
fn push(pipeline: &Pipeline, range: std::ops::Range<usize>) {
    let feeds = [PA_TOKEN, AP_TOKEN, REUTERS_TOKEN];
    for i in range {
        pipeline.push_ok(feeds[i % 3], NINJS, story(&format!("urn:test:ohio-{i}"), OHIO[i], i, i * 5));
        pipeline.push_ok(feeds[(i + 1) % 3], NINJS, story(&format!("urn:test:snow-{i}"), SNOW[i], 100 + i, i * 5 + 1));
        let enriched = pipeline.read("enriched", 2 * (i + 1), WAIT, Duration::from_millis(200)).len();
        assert_eq!(enriched, 2 * (i + 1), "round {i}; enrich log:\n{}", pipeline.log("enrich"));
    }
}

#[test]
fn two_events_from_three_feeds_over_two_days_make_two_clusters_and_a_crash_of_enrich_changes_no_assignment() {
    let mut pipeline = Pipeline::start();
    push(&pipeline, 0..4);

    pipeline.kill("enrich");
    // Its disk goes too, as with a pod rescheduled without its volume: the clusters come back from the changelog.
    let data = pipeline.dir().join("data").join("enrich-1");
    assert!(data.join("enrich").exists(), "enrich kept its event state in {}", data.display());
    std::fs::remove_dir_all(&data).unwrap();
    pipeline.spawn("enrich");
    pipeline.wait_ready("enrich", Duration::from_secs(60));
    push(&pipeline, 4..8);
    // A near-duplicate of a story from before the crash, from another feed: it takes its original's cluster.
    let copy = story("urn:test:ohio-copy", OHIO[1], 1, 36).replace("w1x59", "w1x59 too");
    pipeline.push_ok(REUTERS_TOKEN, NINJS, copy);

    let enriched = pipeline.read("enriched", 17, WAIT, SETTLE);
    assert_eq!(enriched.len(), 17, "enrich log:\n{}", pipeline.log("enrich"));
    // uri → (event id from altids, event note).
    let mut events: BTreeMap<String, (String, serde_json::Value)> = BTreeMap::new();
    for record in &enriched {
        let article = record.json();
        let uri = article["uri"].as_str().unwrap().to_owned();
        let altid = article["altids"].as_array().into_iter().flatten().find(|a| a["role"] == "newswire:event");
        let id = altid.and_then(|a| a["value"].as_str()).unwrap_or_else(|| panic!("{uri} has no event altid: {article}")).to_owned();
        let note = article["newswire"]["enrichment"]["event"].clone();
        assert_eq!(note["id"], id.as_str(), "{uri}: the note and the altid agree");
        events.insert(uri, (id, note));
    }
    for (event, n) in [("ohio", OHIO.len()), ("snow", SNOW.len())] {
        let ids: BTreeSet<&String> = (0..n).map(|i| &events[&format!("urn:test:{event}-{i}")].0).collect();
        assert_eq!(ids.len(), 1, "every {event} story, before and after the crash, is in one cluster: {events:#?}");
        let sizes: Vec<u64> = (0..n).map(|i| events[&format!("urn:test:{event}-{i}")].1["size"].as_u64().unwrap()).collect();
        assert_eq!(sizes, (1..=n as u64).collect::<Vec<_>>(), "{event}: the cluster grows by one with each story, across the crash");
        let first_seen: BTreeSet<&str> = (0..n).map(|i| events[&format!("urn:test:{event}-{i}")].1["first_seen"].as_str().unwrap()).collect();
        assert_eq!(first_seen.len(), 1, "{event}: one first-seen time");
    }
    let copy = &events["urn:test:ohio-copy"];
    assert_eq!((&copy.0, &copy.1["size"]), (&events["urn:test:ohio-0"].0, &serde_json::json!(OHIO.len())), "the copy is in the cluster and adds nothing to it");
    let all: BTreeSet<&String> = events.values().map(|(id, _)| id).collect();
    assert_eq!(all.len(), 2, "exactly two clusters: {all:?}");

    let published = pipeline.read("published", 17, WAIT, SETTLE);
    let with_event = published.iter().filter(|r| r.json()["altids"].as_array().into_iter().flatten().any(|a| a["role"] == "newswire:event")).count();
    assert_eq!(with_event, 17, "subscribers get the event id in altids");
    let published_topic = pipeline.topic("published").to_owned();
    let tail = pipeline.cli(&["tail", &published_topic, "--events", "--from-beginning", "--count", "17", "--idle-exit", "30"]);
    let text = String::from_utf8_lossy(&tail.stdout);
    assert!(tail.status.success(), "newswire tail --events: {}", String::from_utf8_lossy(&tail.stderr));
    let opened: Vec<&str> = text.lines().filter(|l| l.contains("  new   ")).collect();
    assert_eq!(opened.len(), 2, "tail --events shows two clusters opening:\n{text}");
    assert!(text.lines().any(|l| l.contains("  +9    ")), "the Ohio event grows to nine stories with the copy:\n{text}");

    let metrics = pipeline.metrics("enrich");
    assert_eq!(metric(&metrics, r#"newswire_event_assignments_total{kind="new",stage="enrich"}"#), 0.0, "the restarted enrich opened no cluster");
    assert_eq!(metric(&metrics, r#"newswire_event_assignments_total{kind="joined",stage="enrich"}"#), 8.0, "{metrics}");
    assert_eq!(metric(&metrics, r#"newswire_event_assignments_total{kind="repeat",stage="enrich"}"#), 1.0, "{metrics}");
    assert!(metrics.contains("newswire_event_clusters_open"), "{metrics}");
}
