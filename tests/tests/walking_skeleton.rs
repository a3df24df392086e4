//! The walking skeleton, end to end: a real broker, the four service binaries as
//! real processes, a story pushed to ingest and read back from `newswire.published`.

use std::time::Duration;

use newswire_e2e::{fixture, Pipeline, AP_TOKEN, PA_TOKEN};

const PA_SEED: &str = "pa-truss-lavrov-2022-02-14.txt";
const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);

fn story(n: usize) -> String {
    format!("Harbour story number {n} reopens today\n\nBy Test Desk\n\nThe harbour reopened on day {n} after repairs.\n")
}

#[test]
fn pa_seed_pushed_as_text_is_published_as_clean_ninjs() {
    let pipeline = Pipeline::start();
    let id = pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", fixture(PA_SEED));
    assert!(!id.is_empty());

    let published = pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(published.len(), 1, "exactly one article is published");
    let ninjs = published[0].json();
    assert_eq!(ninjs["headlines"][0]["value"], "Truss: ‘Russians didn’t like what I had to say’ in Lavrov meeting");
    assert_eq!(ninjs["by"], "Press Association");
    assert_eq!(ninjs["versioncreated"], "2022-02-14T16:23:00Z");
    let body = ninjs["bodies"][0]["value"].as_str().expect("a plain-text body");
    assert!(body.starts_with("Liz Truss defended her decision"), "{body}");
    assert!(!ninjs.to_string().contains("An icon of"), "icon texts leaked: {ninjs}");
    assert!(ninjs.get("newswire").is_none(), "the internal extension is not published");
    assert_eq!(published[0].key, id, "the record is keyed by the story id ingest answered");
    assert!(published[0].headers.contains_key("newswire-trace-id"), "the trace id travels to publish");
}

#[test]
fn sigterm_drains_exits_zero_and_a_restart_resumes_from_the_committed_offset() {
    let mut pipeline = Pipeline::start();
    for n in 0..5 {
        pipeline.push_ok(PA_TOKEN, "text/plain", story(n));
    }
    assert_eq!(pipeline.read("published", 5, WAIT, Duration::ZERO).len(), 5);

    let status = pipeline.stop("normalize");
    assert_eq!(status.code(), Some(0), "graceful stop exits 0; log:\n{}", pipeline.log("normalize"));
    for n in 5..10 {
        pipeline.push_ok(PA_TOKEN, "text/plain", story(n));
    }
    pipeline.spawn("normalize");
    pipeline.wait_ready("normalize", WAIT);

    let published = pipeline.read("published", 10, WAIT, SETTLE);
    let mut headlines: Vec<String> =
        published.iter().map(|r| r.json()["headlines"][0]["value"].as_str().unwrap_or_default().to_owned()).collect();
    headlines.sort();
    let mut expected: Vec<String> = (0..10).map(|n| format!("Harbour story number {n} reopens today")).collect();
    expected.sort();
    assert_eq!(headlines, expected, "every story exactly once across the restart");

    for name in ["ingest", "enrich", "publish", "normalize"] {
        assert_eq!(pipeline.stop(name).code(), Some(0), "{name} exits 0 on SIGTERM; log:\n{}", pipeline.log(name));
    }
}

#[test]
fn a_failing_message_is_dead_lettered_with_its_reason_and_the_stage_goes_on() {
    let pipeline = Pipeline::start();
    let junk = "Menu\nShare\nAdvertisement\n";
    pipeline.push_ok(AP_TOKEN, "text/plain", junk);
    pipeline.push_ok(AP_TOKEN, "text/plain", story(1));

    let dead = pipeline.read("dlq", 1, WAIT, SETTLE);
    assert_eq!(dead.len(), 1, "one dead letter");
    assert_eq!(dead[0].payload, junk.as_bytes(), "the original bytes are kept");
    assert_eq!(dead[0].headers["newswire-dlq-stage"], "normalize");
    assert_eq!(dead[0].headers["newswire-dlq-reason"], "no_content");
    assert!(dead[0].headers["newswire-dlq-source"].starts_with(pipeline.topic("raw")));
    assert_eq!(dead[0].headers["newswire-feed"], "ap");

    let published = pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(published.len(), 1, "the good story after the bad one is still published");
    assert!(pipeline.metrics("normalize").contains("newswire_dead_letters_total{reason=\"no_content\",stage=\"normalize\"} 1"));
}

#[test]
fn pushes_without_valid_credentials_are_refused_and_nothing_is_written() {
    let pipeline = Pipeline::start();
    let (status, answer) = pipeline.push("wrong-token", "text/plain", story(1));
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"], "forbidden");
    assert!(pipeline.read("raw", 1, Duration::from_secs(3), Duration::ZERO).is_empty());
}

#[test]
fn invalid_settings_are_all_reported_at_start_up_with_a_non_zero_exit() {
    let output = std::process::Command::new(newswire_e2e::binary("newswire-normalize"))
        .env("NEWSWIRE_CONFIG", "/nonexistent/newswire.toml")
        .env("NEWSWIRE_KAFKA_BROKERS", "no-port-here")
        .env("NEWSWIRE_KAFKA_PARTITIONS", "0")
        .env("NEWSWIRE_NORMALIZE_DEFAULT_ZONE", "Mars/Olympus")
        .output()
        .expect("run newswire-normalize");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for setting in ["kafka.brokers", "kafka.partitions", "normalize.default_zone"] {
        assert!(stderr.contains(setting), "{setting} not reported in:\n{stderr}");
    }
}
