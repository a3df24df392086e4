//! `newswire replay` end to end: the real broker, the four services, and local
//! webhook receivers on loopback.
//!
//! Two subscribers of feed `pa` stories: `desk` (its topic and a webhook) and
//! `solo` (a webhook only). Four story versions reach publish, on its input
//! topic: one before the window, three in it (a new `pa` story, a correction of
//! the first story by feed `ap`, which goes to its former recipients although it
//! no longer matches, and an `ap` story nobody gets), and one after it. A replay
//! of the window sends each subscriber the two it received in it again, marked
//! as a replay, signed as publish signs, under the original delivery ids.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use newswire_e2e::webhook::{ok, Hook, Received};
use newswire_e2e::{canonical_article, read_topic_on, Pipeline, Record};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(45);
const SETTLE: Duration = Duration::from_millis(1500);
const SECRET: &str = "e2e-replay-secret";

/// A story version of `feed` as enrich writes it.
fn article(uri: &str, version: u64, feed: &str) -> String {
    canonical_article(uri, version, &format!("{uri} version {version}"), json!({"newswire": {"feed": feed, "story_id": uri}})).to_string()
}

fn run(pipeline: &Pipeline, args: &[&str]) -> (Output, String, String) {
    let output = pipeline.cli(args);
    let (out, err) = (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned());
    (output, out, err)
}

fn replay(pipeline: &Pipeline, args: &[&str]) -> String {
    let (output, out, err) = run(pipeline, &[&["replay"], args].concat());
    assert!(output.status.success(), "newswire replay {args:?} failed:\n{out}\n{err}");
    out
}

fn uri_version(body: &[u8]) -> (String, String) {
    let story: Value = serde_json::from_slice(body).expect("ninjs");
    (story["uri"].as_str().unwrap_or_default().to_owned(), story["version"].to_string())
}

fn waited(hook: &Hook, n: usize) -> Vec<Received> {
    let got = hook.wait_for(n, WAIT, SETTLE);
    assert_eq!(got.len(), n, "{} requests", got.len());
    got
}

fn wait_topic(pipeline: &Pipeline, topic: &str, n: usize) -> Vec<Record> {
    let got = read_topic_on(&pipeline.brokers, topic, n, WAIT, SETTLE);
    assert_eq!(got.len(), n, "{topic}");
    got
}

/// The originals (no replay header) of the stories `replayed` names, by uri and version.
fn originals<'a>(all: &'a [Received], replayed: &[&'a Received]) -> Vec<&'a Received> {
    replayed
        .iter()
        .map(|r| {
            all.iter()
                .find(|o| o.header("x-newswire-replay").is_empty() && uri_version(&o.body) == uri_version(&r.body))
                .expect("the original delivery")
        })
        .collect()
}

#[test]
fn replay_sends_a_subscribers_stories_of_a_window_again_marked_to_its_topic_and_webhooks() {
    let desk_hook = Hook::start(|_, _| ok());
    let solo_hook = Hook::start(|_, _| ok());
    let dir = tempfile::tempdir().expect("temp dir");
    let file: PathBuf = dir.path().join("subscriptions.toml");
    let subscriptions = format!(
        "[[subscriptions]]\nname = \"desk\"\nfilter = {{ feed = \"pa\" }}\ntopic = true\nwebhook = {{ url = \"{}\", secret = \"{SECRET}\" }}\n\n\
         [[subscriptions]]\nname = \"solo\"\nfilter = {{ feed = \"pa\" }}\nwebhook = {{ url = \"{}\", secret = \"{SECRET}\" }}\n",
        desk_hook.url, solo_hook.url
    );
    std::fs::write(&file, subscriptions).expect("write subscriptions");
    let prefix = format!("test-{}.news.", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let file = file.display().to_string();
    let pipeline = Pipeline::start_with(&[("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", &file), ("NEWSWIRE_PUBLISH_TOPIC_PREFIX", &prefix)]);
    let desk_topic = format!("{prefix}desk");
    let producer: BaseProducer = ClientConfig::new().set("bootstrap.servers", &pipeline.brokers).create().expect("producer");
    let send = |uri: &str, version: u64, feed: &str| {
        let topic = pipeline.topic("enriched").to_owned();
        producer.send(BaseRecord::to(&topic).key(uri).payload(&article(uri, version, feed))).expect("enqueue");
        producer.flush(Duration::from_secs(10)).expect("flush");
    };
    let now = || Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);

    send("urn:r:one", 1, "pa");
    wait_topic(&pipeline, &desk_topic, 1);
    waited(&solo_hook, 1);
    std::thread::sleep(Duration::from_millis(50));
    let since = now();
    std::thread::sleep(Duration::from_millis(50));
    send("urn:r:two", 1, "pa");
    send("urn:r:one", 2, "ap");
    send("urn:r:three", 1, "ap");
    wait_topic(&pipeline, &desk_topic, 3);
    waited(&desk_hook, 3);
    waited(&solo_hook, 3);
    std::thread::sleep(Duration::from_millis(50));
    let until = now();
    std::thread::sleep(Duration::from_millis(50));
    send("urn:r:four", 1, "pa");
    let before = wait_topic(&pipeline, &desk_topic, 4);
    waited(&desk_hook, 4);
    waited(&solo_hook, 4);

    // A dry run lists the two and sends nothing.
    let dry = replay(&pipeline, &["--subscriber", "solo", "--since", &since, "--until", &until, "--dry-run"]);
    assert!(dry.contains("urn:r:two") && dry.contains("correction") && !dry.contains("urn:r:three") && !dry.contains("urn:r:four"), "{dry}");
    assert!(dry.contains("2 stories solo received"), "{dry}");

    // desk: from its own topic, to its topic and its webhook.
    let out = replay(&pipeline, &["--subscriber", "desk", "--since", &since, "--until", &until]);
    assert!(out.contains("2 stories desk received") && out.contains(&format!("topic {desk_topic}: 2 written, 0 failed")), "{out}");
    assert!(out.contains("2 delivered, 0 failed"), "{out}");
    let after = wait_topic(&pipeline, &desk_topic, 6);
    let replayed: Vec<&Record> = after.iter().filter(|r| r.headers.contains_key("newswire-replay")).collect();
    assert_eq!(replayed.len(), 2);
    let replay_id = replayed[0].headers["newswire-replay"].clone();
    assert!(replay_id.starts_with("replay-") && out.contains(&replay_id), "{out}");
    let by_uri: HashMap<(String, String), &Record> = before.iter().map(|r| (uri_version(&r.payload), r)).collect();
    let mut routes = Vec::new();
    for copy in &replayed {
        let original = by_uri[&uri_version(&copy.payload)];
        assert_eq!(copy.payload, original.payload, "the same ninjs document");
        assert_eq!(copy.key, original.key);
        assert_eq!(copy.headers["newswire-route"], original.headers["newswire-route"]);
        routes.push((uri_version(&copy.payload).0, copy.headers["newswire-route"].clone()));
    }
    routes.sort();
    assert_eq!(routes, [("urn:r:one".to_owned(), "correction".to_owned()), ("urn:r:two".to_owned(), "match".to_owned())]);

    for (hook, name) in [(&desk_hook, "desk"), (&solo_hook, "solo")] {
        if name == "solo" {
            // solo has no topic: its deliveries are re-derived from publish's input by publish's rules.
            let out = replay(&pipeline, &["--subscriber", "solo", "--since", &since, "--until", &until]);
            assert!(out.contains("2 stories solo received") && out.contains("routed by publish's rules") && out.contains("2 delivered, 0 failed"), "{out}");
        }
        let all = waited(hook, 6);
        let copies: Vec<&Received> = all.iter().filter(|r| !r.header("x-newswire-replay").is_empty()).collect();
        assert_eq!(copies.len(), 2, "{name}: two replayed");
        let mut got: Vec<(String, String)> = copies.iter().map(|r| uri_version(&r.body)).collect();
        got.sort();
        assert_eq!(got, [("urn:r:one".to_owned(), "\"2\"".to_owned()), ("urn:r:two".to_owned(), "\"1\"".to_owned())], "{name}");
        for (copy, original) in copies.iter().zip(originals(&all, &copies)) {
            assert!(copy.signed_with(SECRET), "{name}: signed as publish signs");
            assert_eq!(copy.body, original.body, "{name}: the same body");
            assert_eq!(copy.header("x-newswire-delivery"), original.header("x-newswire-delivery"), "{name}: the original delivery id");
            assert!(copy.header("x-newswire-replay").starts_with("replay-"));
        }
    }

    // A second replay of desk sends the two again, not the first replay's copies too.
    replay(&pipeline, &["--subscriber", "desk", "--since", &since, "--until", &until, "--only", "topic"]);
    assert_eq!(wait_topic(&pipeline, &desk_topic, 8).len(), 8);
    assert_eq!(desk_hook.requests().len(), 6, "--only topic leaves the webhook alone");

    let (output, _, err) = run(&pipeline, &["replay", "--subscriber", "nobody", "--since", "1h"]);
    assert!(!output.status.success() && err.contains("no subscriber named \"nobody\"") && err.contains("configured: desk, solo"), "{err}");
    let (output, _, err) = run(&pipeline, &["replay", "--subscriber", "solo", "--since", "1h", "--only", "topic"]);
    assert!(!output.status.success() && err.contains("has no topic"), "{err}");
    let (output, _, err) = run(&pipeline, &["replay", "--subscriber", "desk", "--since", "yesterday"]);
    assert!(!output.status.success() && err.contains("is not a time"), "{err}");
}
