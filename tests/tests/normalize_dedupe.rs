//! Normalize's dedupe and version handling over the real broker: copies from two
//! feeds, updates, stale versions, kills, and a crash (SIGKILL) of normalize in
//! the middle of a stream with its sled state surviving the restart.

use std::collections::HashMap;
use std::time::Duration;

use newswire_e2e::{metric, Pipeline, Record, AP_TOKEN, PA_TOKEN};

const NINJS: &str = "application/ninjs+json";
const WAIT: Duration = Duration::from_secs(90);
const SETTLE: Duration = Duration::from_secs(3);

/// A ninjs story whose body is long enough to fingerprint like a real one.
fn story(uri: &str, version: u64, pubstatus: &str, n: usize) -> String {
    let body = format!(
        "The harbour at site {n} reopened on Monday after a week of storm repairs. Ferries and freight services resumed at noon \
         and queues on the coast road eased by the evening. The harbour master at site {n} said the port was open for business \
         and thanked the crews who worked through the weekend. Shipping companies said timetables would be back to normal by \
         Wednesday, and that bookings for site {n} had already recovered."
    );
    serde_json::json!({
        "uri": uri,
        "version": version.to_string(),
        "pubstatus": pubstatus,
        "headlines": [{"role": "main", "value": format!("Harbour at site {n} reopens after storm repairs")}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": body}],
    })
    .to_string()
}

/// `(uri, version)` → how many times it was published.
fn counts(records: &[Record]) -> HashMap<(String, String), usize> {
    let mut counts = HashMap::new();
    for r in records {
        let json = r.json();
        let key = (json["uri"].as_str().unwrap_or_default().to_owned(), json["version"].as_str().unwrap_or_default().to_owned());
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// The value of `newswire_messages_dropped_total` for `reason` in a `/metrics` answer.
fn dropped(metrics: &str, reason: &str) -> Option<f64> {
    let label = format!("reason=\"{reason}\"");
    metrics
        .lines()
        .find(|l| l.starts_with("newswire_messages_dropped_total{") && l.contains(&label))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn key(uri: &str, version: &str) -> (String, String) {
    (uri.to_owned(), version.to_owned())
}

#[test]
fn a_story_from_two_feeds_is_published_once_updates_pass_stale_versions_drop_and_kills_pass() {
    let pipeline = Pipeline::start();
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:harbour-1", 1, "usable", 1));
    assert_eq!(pipeline.read("published", 1, WAIT, Duration::ZERO).len(), 1, "the first copy is published");

    // The same content from the second feed under its own uri: dropped as an exact duplicate.
    pipeline.push_ok(AP_TOKEN, NINJS, story("urn:ap:harbour-1", 1, "usable", 1));
    // An update (version 3) passes; version 2 arriving after it is stale (ingest
    // has never seen it, so only normalize can drop it); then a kill passes.
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:harbour-1", 3, "usable", 1).replace("by Wednesday", "by Thursday"));
    assert_eq!(pipeline.read("published", 2, WAIT, Duration::ZERO).len(), 2, "the update is published");
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:harbour-1", 2, "usable", 1).replace("Monday", "Sunday"));
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:harbour-1", 4, "canceled", 1));

    let published = pipeline.read("published", 3, WAIT, SETTLE);
    let counts = counts(&published);
    for version in ["1", "3", "4"] {
        assert_eq!(counts.get(&key("urn:pa:harbour-1", version)), Some(&1), "version {version}: {counts:?}");
    }
    assert_eq!(published.len(), 3, "nothing else is published (no copy from ap, no stale version 2): {counts:?}");
    let kill = published.iter().map(Record::json).find(|j| j["version"] == "4").expect("the kill");
    assert_eq!(kill["pubstatus"], "canceled");

    let metrics = pipeline.metrics("normalize");
    assert_eq!(dropped(&metrics, "duplicate_exact"), Some(1.0), "{metrics}");
    assert_eq!(dropped(&metrics, "stale_version"), Some(1.0), "{metrics}");
    assert!(metrics.contains("newswire_dedupe_records{"), "dedupe state is reported: {metrics}");
}

#[test]
fn a_near_duplicate_from_another_feed_passes_linked_to_the_first_story() {
    let pipeline = Pipeline::start();
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:harbour-7", 1, "usable", 7));
    assert_eq!(pipeline.read("normalized", 1, WAIT, Duration::ZERO).len(), 1);
    pipeline.push_ok(AP_TOKEN, NINJS, story("urn:ap:harbour-7", 1, "usable", 7).replace("by Wednesday", "by Thursday"));
    let normalized = pipeline.read("normalized", 2, WAIT, SETTLE);
    assert_eq!(normalized.len(), 2, "a near-duplicate is passed on, not dropped");
    let first = normalized.iter().map(Record::json).find(|j| j["uri"] == "urn:pa:harbour-7").expect("first copy");
    let near = normalized.iter().map(Record::json).find(|j| j["uri"] == "urn:ap:harbour-7").expect("near copy");
    assert_eq!(near["newswire"]["story_id"], first["newswire"]["story_id"]);
    assert_eq!(near["newswire"]["near_duplicate_of"], "urn:pa:harbour-7");
}

#[test]
fn normalize_killed_mid_stream_and_restarted_loses_nothing_and_doubles_nothing() {
    let mut pipeline = Pipeline::start();
    const STORIES: usize = 40;
    // A second client pushes while normalize is killed with SIGKILL under it.
    let url = format!("{}/v1/stories", pipeline.ingest_url);
    let pusher = std::thread::spawn(move || {
        let http = reqwest::blocking::Client::new();
        for n in 0..STORIES {
            let response = http
                .post(&url)
                .bearer_auth(PA_TOKEN)
                .header("content-type", NINJS)
                .body(story(&format!("urn:pa:s{n}"), 1, "usable", 100 + n))
                .send()
                .expect("push");
            assert_eq!(response.status().as_u16(), 202, "push {n}");
            std::thread::sleep(Duration::from_millis(40));
        }
    });
    std::thread::sleep(Duration::from_millis(700));
    pipeline.kill("normalize");
    std::thread::sleep(Duration::from_millis(300));
    pipeline.spawn("normalize");
    pipeline.wait_ready("normalize", WAIT);
    pusher.join().expect("the pusher thread");
    let first = pipeline.read("published", STORIES, WAIT, Duration::ZERO);
    assert_eq!(first.len(), STORIES, "every story once; normalize log:\n{}", pipeline.log("normalize"));

    // The dedupe state written before the second crash survives it: copies from ap are dropped.
    pipeline.kill("normalize");
    for n in 0..STORIES / 2 {
        pipeline.push_ok(AP_TOKEN, NINJS, story(&format!("urn:ap:s{n}"), 1, "usable", 100 + n));
    }
    pipeline.spawn("normalize");
    pipeline.wait_ready("normalize", WAIT);
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:last", 1, "usable", 999));

    let published = pipeline.read("published", STORIES + 1, WAIT, SETTLE);
    let counts = counts(&published);
    let doubled: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(doubled.is_empty(), "published more than once: {doubled:?}");
    for n in 0..STORIES {
        assert_eq!(counts.get(&key(&format!("urn:pa:s{n}"), "1")), Some(&1), "story {n} lost: {counts:?}");
    }
    assert_eq!(counts.get(&key("urn:pa:last", "1")), Some(&1));
    assert_eq!(published.len(), STORIES + 1, "no copy from ap got through: {counts:?}");
}

#[test]
fn every_wire_format_pushed_to_ingest_is_published_as_one_clean_article_per_story() {
    let pipeline = Pipeline::start();
    let rss = format!(
        r#"<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Feed</title>{}{}</channel></rss>"#,
        r#"<item><guid>urn:rss:1</guid><title>River ferry returns to service</title><dc:creator>Jo Bloggs</dc:creator><description>&lt;p&gt;The ferry sailed again on Monday.&lt;/p&gt;</description></item>"#,
        r#"<item><guid>urn:rss:2</guid><title>Library opens new reading room</title><description>&lt;p&gt;Readers queued from dawn.&lt;/p&gt;</description></item>"#
    );
    pipeline.push_ok(PA_TOKEN, "application/rss+xml", rss);
    let latin1_nitf: Vec<u8> = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><nitf><head><docdata><doc-id id-string=\"urn:nitf:caf\xe9\"/></docdata></head><body><body.head><hedline><hl1>Caf\xe9 owners cheer the new square</hl1></hedline></body.head><body.content><p>The caf\xe9 terraces were full.</p></body.content></body></nitf>".to_vec();
    pipeline.push_ok(PA_TOKEN, "application/nitf+xml; charset=iso-8859-1", latin1_nitf);
    let anpa = "\u{1}a0001 u a BC-Bridge 0030\r\n\u{2}   ^Old bridge reopens to walkers<\r\n   LONDON (PA) — The old bridge reopened to walkers on Tuesday.\r\n\u{3}";
    pipeline.push_ok(PA_TOKEN, "application/vnd.iptc.7901", anpa);

    let published = pipeline.read("published", 4, WAIT, SETTLE);
    let mut headlines: Vec<String> =
        published.iter().map(|r| r.json()["headlines"][0]["value"].as_str().unwrap_or_default().to_owned()).collect();
    headlines.sort();
    assert_eq!(
        headlines,
        ["Café owners cheer the new square", "Library opens new reading room", "Old bridge reopens to walkers", "River ferry returns to service"],
        "dead letters: {:?}",
        pipeline.read("dlq", 0, Duration::from_secs(1), Duration::ZERO).iter().map(|r| r.headers.clone()).collect::<Vec<_>>()
    );
    let ferry = published.iter().map(Record::json).find(|j| j["uri"] == "urn:rss:1").expect("the first RSS item");
    assert_eq!(ferry["by"], "Jo Bloggs");
    assert_eq!(ferry["bodies"][0]["value"], "The ferry sailed again on Monday.");
}

// ---------------------------------------------------------------- state kept in Kafka
// Normalize's dedupe and version records live in changelog-backed stores,
// replicated to every normalize instance: a lost data directory is restored
// before the first record is processed, and a copy is recognised whichever
// instance it reaches.

/// `newswire_state_restored_records_total` of normalize's `store`, as rendered.
/// Copies both instances passed on (the same content, or one uri's version),
/// as counted: near-duplicate races are not copies (these tests' stories are
/// near-duplicates of one another, and may meet inside the window).
fn copy_races(pipeline: &Pipeline, second: &str) -> f64 {
    ["normalize", second]
        .iter()
        .flat_map(|name| {
            let metrics = pipeline.metrics(name);
            ["content", "version"].map(|kind| metric(&metrics, &format!("newswire_dedupe_races_total{{kind=\"{kind}\",stage=\"normalize\"}}")))
        })
        .sum()
}

fn restored(store: &str) -> String {
    format!("newswire_state_restored_records_total{{store=\"{store}\",stage=\"normalize\"}}")
}

#[test]
fn a_normalize_that_lost_its_data_directory_restores_its_dedupe_state_before_it_meets_waiting_copies() {
    let mut pipeline = Pipeline::start();
    const STORIES: usize = 6;
    for n in 0..STORIES {
        pipeline.push_ok(PA_TOKEN, NINJS, story(&format!("urn:pa:disk-{n}"), 2, "usable", 300 + n));
    }
    assert_eq!(pipeline.read("published", STORIES, WAIT, Duration::ZERO).len(), STORIES);

    pipeline.kill("normalize");
    let data_dir = pipeline.dir().join("data").join("normalize-1");
    std::fs::remove_dir_all(&data_dir).unwrap_or_else(|e| panic!("cannot delete {}: {e}", data_dir.display()));
    // Copies from the second feed and older versions from the first (which
    // ingest never saw, so only normalize can drop them) wait in normalize's
    // input: the new process meets them in its first batch, and must have restored first.
    for n in 0..STORIES {
        pipeline.push_ok(AP_TOKEN, NINJS, story(&format!("urn:ap:disk-{n}"), 1, "usable", 300 + n));
        pipeline.push_ok(PA_TOKEN, NINJS, story(&format!("urn:pa:disk-{n}"), 1, "usable", 300 + n).replace("Monday", "Sunday"));
    }
    pipeline.spawn("normalize");
    pipeline.wait_ready("normalize", WAIT);
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:disk-last", 1, "usable", 399));

    let published = pipeline.read("published", STORIES + 1, WAIT, SETTLE);
    let counts = counts(&published);
    assert_eq!(published.len(), STORIES + 1, "no copy and no older version got through after the restore: {counts:?}\nnormalize log:\n{}", pipeline.log("normalize"));
    assert_eq!(counts.get(&key("urn:pa:disk-last", "1")), Some(&1));
    let metrics = pipeline.metrics("normalize");
    for store in ["versions", "exact", "near"] {
        assert!(metric(&metrics, &restored(store)) >= 1.0, "the {store} store came back from its changelog:\n{metrics}");
    }
    assert_eq!(dropped(&metrics, "duplicate_exact"), Some(STORIES as f64), "the copies were dropped as duplicates:\n{metrics}");
    assert_eq!(dropped(&metrics, "stale_version"), Some(STORIES as f64), "the older versions were dropped as stale:\n{metrics}");
}

#[test]
fn copies_from_two_feeds_are_published_once_whichever_of_two_normalize_instances_they_reach() {
    let mut pipeline = Pipeline::start();
    let second = pipeline.add_instance("normalize");
    pipeline.wait_for_series(&second, &restored("exact"), WAIT);
    const STORIES: usize = 24;
    for n in 0..STORIES {
        pipeline.push_ok(PA_TOKEN, NINJS, story(&format!("urn:pa:two-{n}"), 1, "usable", 500 + n));
    }
    assert_eq!(pipeline.read("published", STORIES, WAIT, Duration::ZERO).len(), STORIES, "every first copy is published");
    let changes = |name: &str| metric(&pipeline.metrics(name), "newswire_state_changes_total{store=\"exact\",stage=\"normalize\"}");
    assert!(changes("normalize") >= 1.0 && changes(&second) >= 1.0, "both instances passed first copies (each has partitions)");

    // The second feed's copies have other keys, so other partitions: many reach
    // the instance that did not see the first copy (well after the replication window).
    for n in 0..STORIES {
        pipeline.push_ok(AP_TOKEN, NINJS, story(&format!("urn:ap:two-{n}"), 1, "usable", 500 + n));
    }
    pipeline.push_ok(PA_TOKEN, NINJS, story("urn:pa:two-last", 1, "usable", 599));
    let published = pipeline.read("published", STORIES + 1, WAIT, SETTLE);
    let counts = counts(&published);
    assert_eq!(published.len(), STORIES + 1, "no copy from ap got through on either instance: {counts:?}");
    let followed = |name: &str| metric(&pipeline.metrics(name), "newswire_state_followed_records_total{store=\"exact\",stage=\"normalize\"}");
    assert!(followed("normalize") >= 1.0 && followed(&second) >= 1.0, "each instance read the other's first copies");
    let drops: f64 = ["normalize", second.as_str()].iter().map(|name| dropped(&pipeline.metrics(name), "duplicate_exact").unwrap_or(0.0)).sum();
    assert_eq!(drops, STORIES as f64, "every copy was dropped as an exact duplicate");
    assert_eq!(copy_races(&pipeline, &second), 0.0, "no race: the copies came long after the first copies");
}

#[test]
fn copies_pushed_by_two_feeds_at_the_same_moment_to_two_normalize_instances_are_published_once() {
    let mut pipeline = Pipeline::start();
    let second = pipeline.add_instance("normalize");
    pipeline.wait_for_series(&second, &restored("exact"), WAIT);
    const STORIES: usize = 150;
    // Each story from both feeds at once, as a stream: different keys, so
    // mostly different partitions and instances, whose batches run at the same
    // time, inside the dedupe stores' replication window, where only the claims
    // tell the copies apart (without them, about half of the pairs were
    // published twice here). Half are one page URL sent by both feeds (a
    // version race), half the same content under each feed's own uri.
    // Whether two batches overlap is up to the machine's timing: a round in
    // which none did proves nothing about the claims, so up to three rounds
    // of new stories are pushed until one has copies the claims decided.
    let uri = |feed: &str, round: usize, n: usize| {
        if n.is_multiple_of(2) {
            format!("https://example.com/news/race-{round}-{n}")
        } else {
            format!("urn:{feed}:race-{round}-{n}")
        }
    };
    // Long bodies make each batch take a while, so the two instances' batches overlap.
    let long_story = |feed: &str, round: usize, n: usize| {
        let mut json: serde_json::Value = serde_json::from_str(&story(&uri(feed, round, n), 1, "usable", 1000 + round * STORIES + n)).unwrap();
        let paragraph = json["bodies"][0]["value"].as_str().unwrap().to_owned();
        json["bodies"][0]["value"] = serde_json::Value::String(vec![paragraph; 60].join("\n\n"));
        json.to_string()
    };
    let claimed = |kind: &str| -> f64 {
        ["normalize", second.as_str()].iter().map(|name| metric(&pipeline.metrics(name), &format!("newswire_dedupe_claimed_total{{kind=\"{kind}\",stage=\"normalize\"}}"))).sum()
    };
    for round in 0..3 {
        std::thread::scope(|scope| {
            for (feed, token) in [("pa", PA_TOKEN), ("ap", AP_TOKEN)] {
                let (pipeline, long_story) = (&pipeline, &long_story);
                scope.spawn(move || {
                    for n in 0..STORIES {
                        pipeline.push_ok(token, NINJS, long_story(feed, round, n));
                    }
                });
            }
        });
        pipeline.push_ok(PA_TOKEN, NINJS, story(&format!("urn:pa:race-last-{round}"), 1, "usable", 1999 + round));
        let expected = (round + 1) * (STORIES + 1);
        let published = pipeline.read("published", expected, WAIT, SETTLE);
        let counts = counts(&published);
        let missing: Vec<usize> =
            (0..STORIES).filter(|n| !counts.contains_key(&key(&uri("pa", round, *n), "1")) && !counts.contains_key(&key(&uri("ap", round, *n), "1"))).collect();
        assert_eq!(published.len(), expected, "each story once, whichever feed's copy was first; round {round} missing {missing:?}: {counts:?}");
        let drops: f64 = ["normalize", second.as_str()]
            .iter()
            .map(|name| {
                let metrics = pipeline.metrics(name);
                dropped(&metrics, "duplicate_exact").unwrap_or(0.0) + dropped(&metrics, "stale_version").unwrap_or(0.0)
            })
            .sum();
        assert_eq!(drops, ((round + 1) * STORIES) as f64, "every second copy was dropped");
        assert_eq!(copy_races(&pipeline, &second), 0.0, "no copy passed by both instances");
        if claimed("content") + claimed("version") >= 1.0 {
            eprintln!("round {round}: dropped on a claim: content {}, version {}", claimed("content"), claimed("version"));
            return;
        }
        eprintln!("round {round}: no two batches overlapped; pushing another round");
    }
    panic!("in three rounds no copies met inside the replication window, where only the claims tell: the test proved nothing about them");
}
