//! Live configuration, end to end: the real broker and the real ingest and
//! publish binaries, reloading their feeds and subscriptions on a file change
//! and on SIGHUP without a restart.

use std::time::{Duration, Instant};

use newswire_e2e::{canonical_article, fixture, read_topic_on, Pipeline, Record, PA_TOKEN};
use newswire_shared::ids::sha256_hex;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;

const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);
const RELOAD_WAIT: Duration = Duration::from_secs(20);

/// `newswire_config_reloads_total{outcome}` as a service exports it now.
fn reloads(pipeline: &Pipeline, service: &str, outcome: &str) -> u64 {
    let label = format!("outcome=\"{outcome}\"");
    pipeline
        .metrics(service)
        .lines()
        .find(|l| l.starts_with("newswire_config_reloads_total{") && l.contains(&label))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

/// Waits until `service` counted one more reload with `outcome` than `before`.
fn wait_for_reload(pipeline: &Pipeline, service: &str, outcome: &str, before: u64) {
    let deadline = Instant::now() + RELOAD_WAIT;
    while reloads(pipeline, service, outcome) <= before {
        assert!(Instant::now() < deadline, "no {outcome} reload of {service} within {RELOAD_WAIT:?}; log:\n{}", pipeline.log(service));
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Replaces `path` the way editors and ConfigMaps do: a new file renamed over it.
fn replace_file(path: &std::path::Path, text: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, text).expect("write config");
    std::fs::rename(&next, path).expect("rename config");
}

fn sighup(pipeline: &Pipeline, service: &str) {
    let pid = pipeline.pid(service).expect("service running");
    // SAFETY: kill(2) on a child process id we own; no memory is touched.
    unsafe {
        libc::kill(pid as i32, libc::SIGHUP);
    }
}

fn feeds_config(pa_token: &str, extra: &str) -> String {
    format!(
        "[ingest]\nfeeds = [\n  {{ id = \"pa\", token_sha256 = \"{}\" }},\n  {{ id = \"ap\", token_sha256 = \"{}\" }},\n]\n{extra}",
        sha256_hex(pa_token.as_bytes()),
        sha256_hex(newswire_e2e::AP_TOKEN.as_bytes())
    )
}

fn story(n: u32) -> Vec<u8> {
    let mut body = fixture("ingest/scraped-text.txt");
    body.extend_from_slice(format!("\n\nLive configuration check {n}.\n").as_bytes());
    body
}

#[test]
fn a_feed_token_rotated_by_a_file_swap_is_refused_at_once_and_a_restart_only_change_is_refused_naming_the_field() {
    let pipeline = Pipeline::start_with(&[("NEWSWIRE_RELOAD_POLL_SECS", "1")]);
    let config = pipeline.dir().join("newswire.toml");
    assert_eq!(pipeline.push(PA_TOKEN, "text/plain", story(1)).0, 202);

    let rotated = feeds_config("rotated-pa-token", "");
    let applied = reloads(&pipeline, "ingest", "applied");
    replace_file(&config, &rotated);
    wait_for_reload(&pipeline, "ingest", "applied", applied);
    let (status, answer) = pipeline.push(PA_TOKEN, "text/plain", story(2));
    assert_eq!(status, 403, "the old token is refused without a restart: {answer}");
    pipeline.push_ok("rotated-pa-token", "text/plain", story(3));
    let info = format!("newswire_config_info{{sha256=\"{}\"", sha256_hex(rotated.as_bytes()));
    assert!(pipeline.metrics("ingest").lines().any(|l| l.starts_with(&info) && l.ends_with(" 1")), "{}", pipeline.metrics("ingest"));

    // Brokers' partitions are restart-only: the whole file is refused, the token change in it too.
    let refused = reloads(&pipeline, "ingest", "restart_required");
    replace_file(&config, &feeds_config(PA_TOKEN, "[kafka]\npartitions = 5\n"));
    wait_for_reload(&pipeline, "ingest", "restart_required", refused);
    assert!(pipeline.log("ingest").contains("kafka.partitions"), "the refusal names the field:\n{}", pipeline.log("ingest"));
    assert_eq!(pipeline.push(PA_TOKEN, "text/plain", story(4)).0, 403, "nothing of the refused file applies");
    pipeline.push_ok("rotated-pa-token", "text/plain", story(5));
    assert!(pipeline.metrics("ingest").contains(&info), "the applied version stays in force");
}

/// Produces a canonical article onto publish's input topic.
fn send(producer: &BaseProducer, pipeline: &Pipeline, uri: &str) {
    let article = canonical_article(uri, 1, "Live configuration", serde_json::json!({}));
    let payload = article.to_string();
    producer.send(BaseRecord::to(pipeline.topic("enriched")).key(uri).payload(&payload)).expect("enqueue");
    producer.flush(Duration::from_secs(10)).expect("flush");
}

fn uris(records: &[Record]) -> Vec<String> {
    let mut out: Vec<String> = records.iter().map(|r| r.json()["uri"].as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>();
    out.sort();
    out
}

#[test]
fn a_subscription_added_on_sighup_gets_the_next_story_the_old_one_gets_it_once_and_an_invalid_file_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let subs = dir.path().join("subscriptions.toml");
    std::fs::write(&subs, "[[subscriptions]]\nname = \"desk\"\ntopic = true\n").expect("write subscriptions");
    let prefix = format!("test-{}.news.", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let file = subs.display().to_string();
    let pipeline = Pipeline::start_with(&[
        ("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", file.as_str()),
        ("NEWSWIRE_PUBLISH_TOPIC_PREFIX", prefix.as_str()),
        ("NEWSWIRE_RELOAD_POLL_SECS", "0"),
    ]);
    let producer: BaseProducer =
        ClientConfig::new().set("bootstrap.servers", &pipeline.brokers).set("enable.idempotence", "true").create().expect("producer");
    let topic = |name: &str| format!("{prefix}{name}");
    send(&producer, &pipeline, "urn:live:1");
    assert_eq!(read_topic_on(&pipeline.brokers, &topic("desk"), 1, WAIT, Duration::ZERO).len(), 1);

    let invalid = reloads(&pipeline, "publish", "invalid");
    replace_file(&subs, "[[subscriptions]]\nname = \"desk\"\ntopic = true\n[[subscriptions]]\nname = \"nowhere\"\n");
    sighup(&pipeline, "publish");
    wait_for_reload(&pipeline, "publish", "invalid", invalid);
    assert!(pipeline.log("publish").contains("has no delivery"), "the log says why:\n{}", pipeline.log("publish"));
    send(&producer, &pipeline, "urn:live:2");
    assert_eq!(read_topic_on(&pipeline.brokers, &topic("desk"), 2, WAIT, Duration::ZERO).len(), 2, "the old set keeps working");

    let applied = reloads(&pipeline, "publish", "applied");
    replace_file(&subs, "[[subscriptions]]\nname = \"desk\"\ntopic = true\n[[subscriptions]]\nname = \"sport\"\ntopic = true\n");
    sighup(&pipeline, "publish");
    wait_for_reload(&pipeline, "publish", "applied", applied);
    send(&producer, &pipeline, "urn:live:3");
    let sport = read_topic_on(&pipeline.brokers, &topic("sport"), 1, WAIT, SETTLE);
    assert_eq!(uris(&sport), ["urn:live:3"], "the new subscriber gets stories read after the swap, not before");
    let desk = read_topic_on(&pipeline.brokers, &topic("desk"), 3, WAIT, SETTLE);
    assert_eq!(uris(&desk), ["urn:live:1", "urn:live:2", "urn:live:3"], "the old subscriber gets each story exactly once");
}
