//! Publish, end to end: the real broker, the four service binaries, and local HTTP
//! servers as webhook subscribers.
//!
//! Stories are produced straight onto the pipeline's `enriched` topic (publish's
//! input), as canonical articles with explicit subjects, entities, places and
//! urgency, so routing depends neither on normalize's ninjs mapping nor on what
//! enrich finds. Subscriptions come from a separate TOML file
//! (`NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE`), and each test gets its own topic prefix.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswire_e2e::webhook::{hmac_sha256_hex, ok, Hook, Received, Reply};
use newswire_e2e::{canonical_article as article, fixture, metric, read_topic_on, send_article, Pipeline, Record, PA_TOKEN};
use rdkafka::producer::BaseProducer;
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);
const SECRET: &str = "e2e-shared-secret";
const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/iptc/ninjs-schema/ninjs-schema_2.1.json");

// ---------------------------------------------------------------- pipeline helpers

/// A pipeline with publish configured from a subscriptions file and its own topic prefix.
struct Setup {
    pipeline: Pipeline,
    prefix: String,
    producer: BaseProducer,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn start(subscriptions_toml: &str) -> Setup {
        Self::start_with(subscriptions_toml, &[])
    }

    /// Like [`Setup::start`], with settings that override the test defaults.
    fn start_with(subscriptions_toml: &str, overrides: &[(&str, &str)]) -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let file: PathBuf = dir.path().join("subscriptions.toml");
        std::fs::write(&file, subscriptions_toml).expect("write subscriptions");
        let prefix = format!("test-{}.news.", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let file = file.display().to_string();
        let mut env = vec![
            ("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", file.as_str()),
            ("NEWSWIRE_PUBLISH_TOPIC_PREFIX", prefix.as_str()),
            ("NEWSWIRE_PUBLISH_WEBHOOK_MAX_ATTEMPTS", "3"),
            ("NEWSWIRE_PUBLISH_WEBHOOK_BACKOFF_INITIAL_MS", "100"),
            ("NEWSWIRE_PUBLISH_WEBHOOK_BACKOFF_MAX_MS", "400"),
            ("NEWSWIRE_PUBLISH_WEBHOOK_TIMEOUT_MS", "10000"),
        ];
        // Later entries win when the harness sets the environment.
        env.extend_from_slice(overrides);
        let pipeline = Pipeline::start_with(&env);
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &pipeline.brokers)
            .set("enable.idempotence", "true")
            .create()
            .expect("producer");
        Setup { pipeline, prefix, producer, _dir: dir }
    }

    /// Produces an article onto publish's input topic, keyed by its uri.
    fn send(&self, article: &Value) {
        send_article(&self.producer, self.pipeline.topic("enriched"), article);
    }

    fn topic(&self, subscriber: &str) -> String {
        format!("{}{subscriber}", self.prefix)
    }

    fn read_sub(&self, subscriber: &str, expected: usize) -> Vec<Record> {
        read_topic_on(&self.pipeline.brokers, &self.topic(subscriber), expected, WAIT, SETTLE)
    }
}

fn medtop(code: &str) -> Value {
    json!([{"name": code, "uri": format!("http://cv.iptc.org/newscodes/mediatopic/{code}")}])
}

fn uris(records: &[Record]) -> Vec<String> {
    let mut out: Vec<String> = records.iter().map(|r| r.json()["uri"].as_str().unwrap_or_default().to_owned()).collect();
    out.sort();
    out
}

// ---------------------------------------------------------------- checks

/// The schemas name GeoJSON by its web address (place geometry); with no
/// network, an open schema stands in for it (the tests check the points they expect).
struct OfflineGeoJson;

impl jsonschema::Retrieve for OfflineGeoJson {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().starts_with("https://geojson.org/") {
            return Ok(json!({}));
        }
        Err(format!("no network: cannot fetch {}", uri.as_str()).into())
    }
}

/// Validates every payload against IPTC's ninjs 2.1 schema (formats checked too).
fn assert_valid_ninjs<'a>(payloads: impl IntoIterator<Item = &'a [u8]>) {
    assert_valid_against("2.1", payloads);
}

/// Validates every payload against IPTC's ninjs schema of `version` ("2.1" or
/// "3.1"), with the extended variants' `newswire:enrichment` object removed.
fn assert_valid_against<'a>(version: &str, payloads: impl IntoIterator<Item = &'a [u8]>) {
    let path = SCHEMA.replace("2.1", version);
    let Ok(text) = std::fs::read_to_string(&path) else {
        newswire_shared::dev_data::missing(format!("../shared/iptc/ninjs-schema/ninjs-schema_{version}.json"));
        return;
    };
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator =
        jsonschema::options().should_validate_formats(true).with_retriever(OfflineGeoJson).build(&schema).expect("schema compiles");
    let mut checked = 0;
    for payload in payloads {
        let mut doc: Value = serde_json::from_slice(payload).expect("payload is JSON");
        if let Some(object) = doc.as_object_mut() {
            object.remove("newswire:enrichment");
        }
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "not valid ninjs {version}: {errors:?}\n{doc:#}");
        checked += 1;
    }
    assert!(checked > 0, "nothing to validate");
}

fn webhook_sub(name: &str, url: &str, filter: &str) -> String {
    format!("[[subscriptions]]\nname = \"{name}\"\nfilter = {filter}\nwebhook = {{ url = \"{url}\", secret = \"{SECRET}\" }}\n\n")
}

fn topic_sub(name: &str, filter: &str, webhook: Option<&str>) -> String {
    let hook = webhook.map(|u| format!("webhook = {{ url = \"{u}\", secret = \"{SECRET}\" }}\n")).unwrap_or_default();
    format!("[[subscriptions]]\nname = \"{name}\"\nfilter = {filter}\ntopic = true\n{hook}\n")
}

// ---------------------------------------------------------------- tests

#[test]
fn every_filter_kind_routes_stories_to_its_subscription_topic_as_valid_ninjs() {
    let subs: String = [
        ("by-subject", r#"{ subject = "medtop:15000000" }"#),
        ("by-person", r#"{ person = "Jane Doe" }"#),
        ("by-organisation", r#"{ organisation = "Harbour Board" }"#),
        ("by-place", r#"{ place = "Dover" }"#),
        ("by-country", r#"{ country = "FR" }"#),
        ("by-language", r#"{ language = "de" }"#),
        ("by-urgency", r#"{ urgency_at_most = 2 }"#),
        ("by-feed", r#"{ feed = "ap" }"#),
        ("by-provider", r#"{ provider = "Example Wire" }"#),
        ("by-keyword", r#"{ keyword = "lighthouse" }"#),
        ("by-combination", r#"{ all = [ { any = [ { subject = "medtop:15000000" }, { urgency_at_most = 2 } ] }, { not = { feed = "ap" } } ] }"#),
    ]
    .iter()
    .map(|(name, filter)| topic_sub(name, filter, None))
    .collect();
    let setup = Setup::start(&subs);

    let sport = article("urn:t:sport", 1, "Cup final tonight", json!({"subjects": medtop("15000000"), "urgency": 4}));
    let people = article(
        "urn:t:people",
        1,
        "Board meets",
        json!({"people": [{"name": "Jane Doe"}], "organisations": [{"name": "Harbour Board"}], "urgency": 5}),
    );
    let places = article("urn:t:places", 1, "Ferries cancelled", json!({"places": [{"name": "Dover", "literal": "GB"}], "urgency": 5}));
    let mut french = article("urn:t:french", 1, "Grève à Calais", json!({"language": "fr", "urgency": 6}));
    french["newswire"]["enrichment"] = json!({"places": [{"name": "Calais", "country_code": "FR"}]});
    let german = article("urn:t:german", 1, "Hafen wieder offen", json!({"language": "de-DE", "urgency": 6}));
    let flash = article("urn:t:flash", 1, "Flash: harbour closed", json!({"urgency": 1}));
    let mut ap = article("urn:t:ap", 1, "Lighthouse relit", json!({"urgency": 1, "infosources": [{"name": "Example Wire", "role": "source"}]}));
    ap["newswire"]["feed"] = json!("ap");
    for a in [&sport, &people, &places, &french, &german, &flash, &ap] {
        setup.send(a);
    }

    let published = setup.pipeline.read("published", 7, WAIT, SETTLE);
    assert_eq!(published.len(), 7, "every story goes to newswire.published");
    assert_valid_ninjs(published.iter().map(|r| r.payload.as_slice()));

    let expect: BTreeMap<&str, Vec<&str>> = BTreeMap::from([
        ("by-subject", vec!["urn:t:sport"]),
        ("by-person", vec!["urn:t:people"]),
        ("by-organisation", vec!["urn:t:people"]),
        ("by-place", vec!["urn:t:places"]),
        ("by-country", vec!["urn:t:french"]),
        ("by-language", vec!["urn:t:german"]),
        ("by-urgency", vec!["urn:t:ap", "urn:t:flash"]),
        ("by-feed", vec!["urn:t:ap"]),
        ("by-provider", vec!["urn:t:ap"]),
        ("by-keyword", vec!["urn:t:ap"]),
        ("by-combination", vec!["urn:t:flash", "urn:t:sport"]),
    ]);
    for (sub, wanted) in &expect {
        let records = setup.read_sub(sub, wanted.len());
        assert_eq!(uris(&records), *wanted, "subscription {sub}");
        assert_valid_ninjs(records.iter().map(|r| r.payload.as_slice()));
        assert!(records.iter().all(|r| r.headers.get("newswire-route").map(String::as_str) == Some("match")), "{sub}");
    }

    // The tail CLI reads the same topic and filters the same way.
    let output = std::process::Command::new(newswire_e2e::binary("newswire"))
        .args(["tail", setup.pipeline.topic("published"), "--brokers", setup.pipeline.brokers.as_str(), "--from-beginning", "--json"])
        .args(["--filter", "urgency=1", "--filter", "!feed=zz", "--idle-exit", "5"])
        .output()
        .expect("run newswire tail");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).expect("one JSON story per line")).collect();
    let mut tailed: Vec<&str> = lines.iter().filter_map(|v| v["uri"].as_str()).collect();
    tailed.sort();
    assert_eq!(tailed, ["urn:t:ap", "urn:t:flash"], "--filter urgency=1 keeps the two flashes");
    let readable = std::process::Command::new(newswire_e2e::binary("newswire"))
        .args(["tail", setup.pipeline.topic("published"), "--brokers", setup.pipeline.brokers.as_str(), "--from-beginning", "--count", "7"])
        .args(["--filter", "person=jane doe"])
        .args(["--idle-exit", "5"])
        .output()
        .expect("run newswire tail");
    let text = String::from_utf8_lossy(&readable.stdout);
    assert!(text.contains("━━ Board meets") && text.contains("people: Jane Doe"), "{text}");
    assert!(!text.contains("Cup final"), "{text}");
}

#[test]
fn the_reference_story_pushed_through_every_stage_is_published_as_valid_ninjs() {
    let hook = Hook::start(|_, _| ok());
    let setup = Setup::start(&topic_sub("everything", "{ all = [] }", Some(&hook.url)));
    setup.pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", fixture("pa-truss-lavrov-2022-02-14.txt"));

    let published = setup.pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(published.len(), 1);
    let subscribed = setup.read_sub("everything", 1);
    assert_eq!(subscribed.len(), 1);
    let hooked = hook.wait_for(1, WAIT, SETTLE);
    assert_eq!(hooked.len(), 1);
    assert_eq!(published[0].payload, subscribed[0].payload, "one ninjs document for every channel");
    assert_eq!(published[0].payload, hooked[0].body);
    assert_valid_ninjs([published[0].payload.as_slice()]);
}

#[test]
fn subscribers_of_ninjs_3_1_and_of_the_extended_variants_receive_schema_valid_output_of_their_choice() {
    let hook = Hook::start(|_, _| ok());
    let subs = format!(
        "{}format = \"ninjs-3.1\"\n\n{}format = \"ninjs-3.1\"\nextended = true\n\n{}extended = true\n",
        topic_sub("v31", "{ all = [] }", None),
        topic_sub("v31x", "{ all = [] }", Some(&hook.url)),
        topic_sub("v21x", "{ all = [] }", None),
    );
    let setup = Setup::start(&subs);
    setup.pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", fixture("pa-truss-lavrov-2022-02-14.txt"));

    let published = setup.pipeline.read("published", 1, WAIT, SETTLE);
    let (v31, v31x, v21x) = (setup.read_sub("v31", 1), setup.read_sub("v31x", 1), setup.read_sub("v21x", 1));
    assert_eq!((published.len(), v31.len(), v31x.len(), v21x.len()), (1, 1, 1, 1));
    assert_valid_against("2.1", published.iter().chain(&v21x).map(|r| r.payload.as_slice()));
    assert_valid_against("3.1", v31.iter().chain(&v31x).map(|r| r.payload.as_slice()));
    let hooked = hook.wait_for(1, WAIT, SETTLE);
    assert_eq!(hooked.len(), 1);
    assert_eq!(hooked[0].body, v31x[0].payload, "the webhook gets the bytes of the subscriber's topic");

    let (strict, plain31, extended31, extended21) = (published[0].json(), v31[0].json(), v31x[0].json(), v21x[0].json());
    assert!(strict.get("newswire:enrichment").is_none() && strict.get("versioncreated").is_some(), "newswire.published stays strict 2.1");
    assert!(plain31.get("newswire:enrichment").is_none() && plain31.get("versionCreated").is_some(), "{plain31:#}");
    assert_eq!(plain31["standard"]["version"], "3.1");
    for doc in [&extended31, &extended21] {
        let quotes = doc["newswire:enrichment"]["quotes"].as_array().expect("the extension's quotes");
        for speaker in ["Liz Truss", "Sergei Lavrov"] {
            assert!(quotes.iter().any(|q| q["speaker"] == speaker), "{speaker}: {quotes:#?}");
        }
    }
    let moscow = |doc: &Value, key: &str| doc["places"].as_array().and_then(|p| p.iter().find(|p| p["name"] == "Moscow")).map(|p| p[key].clone());
    assert_eq!(moscow(&extended31, "geoJSON"), Some(json!({"type": "Point", "coordinates": [37.6178, 55.752]})));
    assert_eq!(moscow(&extended21, "geojson"), moscow(&extended31, "geoJSON"));
}

#[test]
fn webhook_deliveries_are_signed_and_carry_the_delivery_and_story_headers() {
    let hook = Hook::start(|_, _| ok());
    let setup = Setup::start(&webhook_sub("signed", &hook.url, "{ all = [] }"));
    setup.send(&article("urn:t:signed", 3, "Signed story", json!({"subjects": medtop("04000000")})));

    let got = hook.wait_for(1, WAIT, SETTLE);
    assert_eq!(got.len(), 1, "one delivery");
    let request = &got[0];
    let signature = request.header("x-newswire-signature");
    let (t, v1) = signature.split_once(',').expect("t=…,v1=…");
    let t = t.strip_prefix("t=").expect("t=");
    let v1 = v1.strip_prefix("v1=").expect("v1=");
    let signed = [t.as_bytes(), b".", request.body.as_slice()].concat();
    assert_eq!(v1, hmac_sha256_hex(SECRET.as_bytes(), &signed), "HMAC-SHA256(secret, t.body)");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    assert!((now - t.parse::<i64>().expect("t is a number")).abs() < 120, "t is the send time");
    assert_eq!(request.header("x-newswire-story-uri"), "urn:t:signed");
    assert_eq!(request.header("x-newswire-story-version"), "3");
    assert_eq!(request.header("x-newswire-delivery").len(), 32, "a delivery id");
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.json()["uri"], "urn:t:signed");
    assert!(request.json().get("newswire").is_none());
    assert_valid_ninjs([request.body.as_slice()]);
}

#[test]
fn an_invalid_subscriptions_file_is_refused_at_start_up_with_every_error_listed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("subscriptions.toml");
    let bad = topic_sub("ok", "{ all = [] }", None)
        + &topic_sub("ok", "{ urgency_at_most = 0 }", None)
        + "[[subscriptions]]\nname = \"no delivery\"\nwebhook = { url = \"not a url\", secret = \"\" }\n";
    std::fs::write(&file, bad).expect("write subscriptions");
    let output = std::process::Command::new(newswire_e2e::binary("newswire-publish"))
        .env("NEWSWIRE_CONFIG", "/nonexistent/newswire.toml")
        .env("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", &file)
        .output()
        .expect("run newswire-publish");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for problem in [
        "subscriptions[1].name: \"ok\" is declared twice",
        "subscriptions[1].filter.urgency_at_most",
        "subscriptions[2].name",
        "subscriptions[2].webhook.url",
        "subscriptions[2].webhook.secret",
    ] {
        assert!(stderr.contains(problem), "{problem:?} not reported in:\n{stderr}");
    }
}

#[test]
fn a_500_is_retried_until_it_succeeds_and_a_400_is_never_retried() {
    let flaky = Hook::start(|_, attempt| if attempt < 3 { Reply { status: 500, delay: Duration::ZERO } } else { ok() });
    let refusing = Hook::start(|_, _| Reply { status: 400, delay: Duration::ZERO });
    let setup = Setup::start(&(webhook_sub("flaky", &flaky.url, "{ all = [] }") + &webhook_sub("refusing", &refusing.url, "{ all = [] }")));
    setup.send(&article("urn:t:retry", 1, "Retried story", json!({})));

    let flaky_got = flaky.wait_for(3, WAIT, SETTLE);
    assert_eq!(flaky_got.len(), 3, "two 500s, then the 200: three attempts, no more");
    assert!(flaky_got.iter().all(|r| r.header("x-newswire-delivery") == flaky_got[0].header("x-newswire-delivery")), "one delivery id across retries");

    let refused = refusing.wait_for(1, WAIT, Duration::from_secs(3));
    assert_eq!(refused.len(), 1, "a 400 is not retried");
    let dead = setup.pipeline.read("dlq", 1, WAIT, SETTLE);
    assert_eq!(dead.len(), 1, "only the refused delivery is dead-lettered");
    assert_eq!(dead[0].headers["newswire-dlq-reason"], "webhook_rejected");
    assert_eq!(dead[0].headers["newswire-subscriber"], "refusing");
    assert!(dead[0].headers["newswire-dlq-detail"].contains("HTTP 400"), "{:?}", dead[0].headers);

    let metrics = setup.pipeline.metrics("publish");
    let has = |needle: &[&str]| metrics.lines().any(|l| l.starts_with("newswire_publish_deliveries_total") && needle.iter().all(|n| l.contains(n)));
    assert!(has(&[r#"subscriber="flaky""#, r#"outcome="retried""#, "} 2"]), "{metrics}");
    assert!(has(&[r#"subscriber="flaky""#, r#"outcome="delivered""#, "} 1"]), "{metrics}");
    assert!(has(&[r#"subscriber="refusing""#, r#"outcome="rejected""#, "} 1"]), "{metrics}");
    assert!(metrics.contains("newswire_webhook_request_seconds_bucket"), "{metrics}");
}

#[test]
fn a_delivery_is_dead_lettered_with_its_reason_after_the_last_attempt() {
    let down = Hook::start(|_, _| Reply { status: 503, delay: Duration::ZERO });
    let setup = Setup::start(&webhook_sub("down", &down.url, "{ all = [] }"));
    setup.send(&article("urn:t:dead", 2, "Undeliverable story", json!({})));

    let dead = setup.pipeline.read("dlq", 1, WAIT, SETTLE);
    assert_eq!(dead.len(), 1, "one dead letter");
    assert_eq!(dead[0].headers["newswire-dlq-stage"], "publish");
    assert_eq!(dead[0].headers["newswire-dlq-reason"], "webhook_retries_exhausted");
    assert!(dead[0].headers["newswire-dlq-detail"].contains("after 3 attempts"), "{:?}", dead[0].headers);
    assert_eq!(dead[0].headers["newswire-story-uri"], "urn:t:dead");
    assert_eq!(dead[0].headers["newswire-story-version"], "2");
    assert_eq!(dead[0].json()["uri"], "urn:t:dead", "the dead letter carries the ninjs body");
    assert_eq!(down.requests().len(), 3, "exactly max_attempts attempts");
}

#[test]
fn a_subscriber_that_is_down_for_a_while_gets_everything_in_order_once_it_is_back() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let delivered: Arc<Mutex<Vec<String>>> = Arc::default();
    let (hook_down, hook_delivered) = (down.clone(), delivered.clone());
    let hook = Hook::start(move |request, _| {
        if hook_down.load(std::sync::atomic::Ordering::SeqCst) {
            return Reply { status: 503, delay: Duration::ZERO };
        }
        hook_delivered.lock().expect("lock").push(request.header("x-newswire-story-version").to_owned());
        ok()
    });
    let setup = Setup::start_with(&webhook_sub("late", &hook.url, "{ all = [] }"), &[("NEWSWIRE_PUBLISH_WEBHOOK_MAX_ATTEMPTS", "50")]);
    for version in 1..=5 {
        setup.send(&article("urn:t:outage", version, &format!("Outage version {version}"), json!({})));
    }
    // The subscriber refuses everything for a while, then comes back.
    hook.wait_for(3, WAIT, Duration::from_secs(2));
    assert!(delivered.lock().expect("lock").is_empty());
    down.store(false, std::sync::atomic::Ordering::SeqCst);

    let deadline = Instant::now() + WAIT;
    while delivered.lock().expect("lock").len() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(SETTLE);
    assert_eq!(*delivered.lock().expect("lock"), ["1", "2", "3", "4", "5"], "everything, once, in story order");
    assert!(setup.pipeline.read("dlq", 0, Duration::ZERO, Duration::from_secs(2)).is_empty(), "nothing dead-lettered");
}

#[test]
fn a_slow_subscriber_does_not_delay_a_fast_one_and_each_gets_versions_in_order() {
    let slow = Hook::start(|_, _| Reply { status: 200, delay: Duration::from_millis(1500) });
    let fast = Hook::start(|_, _| ok());
    let setup = Setup::start(&(webhook_sub("slow", &slow.url, "{ all = [] }") + &webhook_sub("fast", &fast.url, "{ all = [] }")));
    for version in 1..=5 {
        setup.send(&article("urn:t:ordered", version, &format!("Version {version}"), json!({})));
    }

    let fast_got = fast.wait_for(5, WAIT, Duration::ZERO);
    let slow_so_far = slow.requests().len();
    assert_eq!(fast_got.len(), 5, "the fast subscriber got every version");
    assert!(slow_so_far < 5, "the fast one finished while the slow one ({slow_so_far} of 5) was still busy");
    let slow_got = slow.wait_for(5, WAIT, SETTLE);
    for (name, got) in [("fast", &fast_got), ("slow", &slow_got)] {
        let versions: Vec<String> = got.iter().map(|r| r.header("x-newswire-story-version").to_owned()).collect();
        assert_eq!(versions, ["1", "2", "3", "4", "5"], "{name} gets the versions in story order");
    }
}

#[test]
fn a_correction_reaches_a_former_recipient_and_a_kill_reaches_only_recipients() {
    let hook = Hook::start(|_, _| ok());
    let subs = topic_sub("sport", r#"{ subject = "medtop:15000000" }"#, Some(&hook.url))
        + &topic_sub("politics", r#"{ subject = "medtop:11000000" }"#, None)
        + &topic_sub("weather", r#"{ subject = "medtop:17000000" }"#, None);
    let setup = Setup::start(&subs);
    setup.send(&article("urn:t:story", 1, "Minister at the match", json!({"subjects": medtop("15000000")})));
    setup.send(&article("urn:t:story", 2, "Minister resigns", json!({"subjects": medtop("11000000")})));
    setup.send(&article("urn:t:story", 3, "Killed", json!({"subjects": medtop("17000000"), "pubstatus": "canceled"})));
    setup.send(&article("urn:t:unseen", 1, "Never delivered, then killed", json!({"subjects": medtop("04000000")})));
    setup.send(&article("urn:t:unseen", 2, "Killed", json!({"subjects": medtop("17000000"), "pubstatus": "canceled"})));

    let versions = |records: &[Record]| -> Vec<(String, String, String)> {
        records
            .iter()
            .map(|r| {
                let v = r.json();
                (v["uri"].as_str().unwrap_or("").to_owned(), v["version"].as_str().unwrap_or("").to_owned(), r.headers["newswire-route"].clone())
            })
            .collect()
    };
    let sport = setup.read_sub("sport", 3);
    assert_eq!(
        versions(&sport),
        [
            ("urn:t:story".into(), "1".into(), "match".into()),
            ("urn:t:story".into(), "2".into(), "correction".into()),
            ("urn:t:story".into(), "3".into(), "kill".into())
        ],
        "sport keeps getting the story it received although it became politics"
    );
    let politics = setup.read_sub("politics", 2);
    assert_eq!(
        versions(&politics),
        [("urn:t:story".into(), "2".into(), "match".into()), ("urn:t:story".into(), "3".into(), "kill".into())]
    );
    let weather = read_topic_on(&setup.pipeline.brokers, &setup.topic("weather"), 1, Duration::from_secs(5), Duration::ZERO);
    assert!(weather.is_empty(), "weather matches the kills but never received those stories");
    let killed = sport.last().expect("the kill").json();
    assert_eq!(killed["pubstatus"], "canceled");
    assert_valid_ninjs(sport.iter().chain(&politics).map(|r| r.payload.as_slice()));

    let hooked = hook.wait_for(3, WAIT, SETTLE);
    let versions: Vec<&str> = hooked.iter().map(|r| r.header("x-newswire-story-version")).collect();
    assert_eq!(versions, ["1", "2", "3"], "the webhook sees the story, its correction and its kill");
    assert_eq!(setup.pipeline.read("published", 5, WAIT, SETTLE).len(), 5, "every version goes to newswire.published");
}

/// What each webhook received, by name.
type HookRequests = Vec<(&'static str, Vec<Received>)>;

/// Feeds 30 stories to two subscribers (one topic + webhook, one webhook only),
/// interrupting publish with `signal` after the fifth webhook request; returns the
/// requests each webhook received and the subscription topic's records.
fn interrupt_publish_mid_stream(graceful: bool) -> (usize, HookRequests, Vec<Record>) {
    let a = Hook::start(|_, _| Reply { status: 200, delay: Duration::from_millis(30) });
    let b = Hook::start(|_, _| ok());
    let subs = topic_sub("all-a", "{ all = [] }", Some(&a.url)) + &webhook_sub("all-b", &b.url, "{ all = [] }");
    let mut setup = Setup::start(&subs);
    let total = 30;
    for n in 0..total / 2 {
        setup.send(&article(&format!("urn:t:crash-{n}"), 1, &format!("Story {n}"), json!({})));
    }
    a.wait_for(5, WAIT, Duration::ZERO);
    if graceful {
        let status = setup.pipeline.stop("publish");
        assert_eq!(status.code(), Some(0), "SIGTERM exits 0; log:\n{}", setup.pipeline.log("publish"));
    } else {
        setup.pipeline.kill("publish");
    }
    for n in total / 2..total {
        setup.send(&article(&format!("urn:t:crash-{n}"), 1, &format!("Story {n}"), json!({})));
    }
    setup.pipeline.spawn("publish");
    setup.pipeline.wait_ready("publish", WAIT);
    let hooks = vec![("all-a", a.wait_for(total, WAIT, Duration::from_secs(3))), ("all-b", b.wait_for(total, WAIT, Duration::from_secs(3)))];
    let topic = setup.read_sub("all-a", total);
    (total, hooks, topic)
}

fn per_story(requests: &[Received]) -> BTreeMap<String, Vec<String>> {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in requests {
        seen.entry(r.header("x-newswire-story-uri").to_owned()).or_default().push(r.header("x-newswire-delivery").to_owned());
    }
    seen
}

fn assert_topic_exactly_once(topic: &[Record], total: usize) {
    assert_eq!(topic.len(), total, "the subscription topic has every story once");
    let mut distinct = uris(topic);
    distinct.dedup();
    assert_eq!(distinct.len(), total);
}

#[test]
fn a_publish_restart_mid_stream_delivers_every_story_exactly_once_to_every_subscriber() {
    let (total, hooks, topic) = interrupt_publish_mid_stream(true);
    for (name, got) in hooks {
        let seen = per_story(&got);
        let twice: Vec<_> = seen.iter().filter(|(_, ids)| ids.len() > 1).collect();
        assert!(twice.is_empty(), "{name} got stories more than once: {twice:?}");
        assert_eq!(seen.len(), total, "{name} got every story");
    }
    assert_topic_exactly_once(&topic, total);
}

#[test]
fn a_publish_crash_mid_stream_loses_no_delivery_and_resends_only_the_request_in_flight_with_its_id() {
    let (total, hooks, topic) = interrupt_publish_mid_stream(false);
    for (name, got) in hooks {
        let seen = per_story(&got);
        assert_eq!(seen.len(), total, "{name} got every story");
        for (uri, ids) in &seen {
            assert!(ids.iter().all(|id| id == &ids[0]), "{name}: one delivery id per story, {uri} had {ids:?}");
        }
        // SIGKILL can land after the receiver got a request and before publish read
        // its answer: that one request is sent again, with the same delivery id, so a
        // receiver that deduplicates on it handles every story exactly once.
        let resent = got.len() - seen.len();
        assert!(resent <= 1, "{name}: {resent} re-sends; only the request in flight at the crash may be re-sent");
    }
    assert_topic_exactly_once(&topic, total);
}

// ---------------------------------------------------------------- kills and withholds

/// (version, route, pubstatus) of each record on a subscriber's topic, in order.
fn deliveries(records: &[Record]) -> Vec<(String, String, String)> {
    records
        .iter()
        .map(|r| {
            let v = r.json();
            let field = |name: &str| v[name].as_str().unwrap_or("").to_owned();
            (field("version"), r.headers.get("newswire-route").cloned().unwrap_or_default(), field("pubstatus"))
        })
        .collect()
}

/// (version, pubstatus) of each webhook request, in order, and how many distinct delivery ids they had.
fn hooked(requests: &[Received]) -> (Vec<(String, String)>, usize) {
    let seen: Vec<(String, String)> =
        requests.iter().map(|r| (r.header("x-newswire-story-version").to_owned(), r.json()["pubstatus"].as_str().unwrap_or("").to_owned())).collect();
    let mut ids: Vec<&str> = requests.iter().map(|r| r.header("x-newswire-delivery")).collect();
    ids.sort_unstable();
    ids.dedup();
    (seen, ids.len())
}

fn triple(version: &str, route: &str, status: &str) -> (String, String, String) {
    (version.into(), route.into(), status.into())
}

fn pair(version: &str, status: &str) -> (String, String) {
    (version.into(), status.into())
}

#[test]
fn a_kill_numbered_below_a_receipt_reaches_its_topic_and_webhook_exactly_once_across_a_publish_restart() {
    let hook = Hook::start(|_, _| ok());
    let subs = topic_sub("desk", r#"{ subject = "medtop:15000000" }"#, Some(&hook.url))
        + &topic_sub("weather", r#"{ subject = "medtop:17000000" }"#, None)
        + &topic_sub("politics", r#"{ subject = "medtop:11000000" }"#, None);
    let mut setup = Setup::start(&subs);
    let uri = "urn:t:low-kill";
    setup.send(&article(uri, 1, "Minister at the match", json!({"subjects": medtop("15000000")})));
    setup.send(&article(uri, 3, "Minister at the match, updated", json!({"subjects": medtop("15000000")})));
    assert_eq!(setup.read_sub("desk", 2).len(), 2, "both usable versions reach the desk first");
    hook.wait_for(2, WAIT, Duration::ZERO);

    // The receipts of versions 1 and 3 must now come from publish's durable store.
    let status = setup.pipeline.stop("publish");
    assert_eq!(status.code(), Some(0), "SIGTERM exits 0; log:\n{}", setup.pipeline.log("publish"));
    setup.pipeline.spawn("publish");
    setup.pipeline.wait_ready("publish", WAIT);

    let kill = |v| article(uri, v, "Killed", json!({"subjects": medtop("17000000"), "pubstatus": "canceled"}));
    setup.send(&kill(1));
    setup.send(&kill(2));
    setup.send(&article(uri, 3, "A stale copy of the killed version", json!({"subjects": medtop("11000000")})));
    // The same key keeps the story in order: once version 4 is there, everything before it was routed.
    setup.send(&article(uri, 4, "Minister at the match, republished", json!({"subjects": medtop("11000000")})));

    let desk = setup.read_sub("desk", 4);
    assert_eq!(
        deliveries(&desk),
        [
            triple("1", "match", "usable"),
            triple("3", "correction", "usable"),
            triple("1", "kill", "canceled"),
            triple("4", "republish", "usable")
        ],
        "the kill under version 1 reaches the desk that holds version 3, once; the stale version 3 goes nowhere"
    );
    assert_eq!(deliveries(&setup.read_sub("politics", 1)), [triple("4", "match", "usable")], "only the re-publication is new to politics");
    let weather = read_topic_on(&setup.pipeline.brokers, &setup.topic("weather"), 1, Duration::from_secs(3), Duration::ZERO);
    assert!(weather.is_empty(), "weather matches the kill but never had the story");
    assert_valid_ninjs(desk.iter().map(|r| r.payload.as_slice()));

    let (requests, ids) = hooked(&hook.wait_for(4, WAIT, SETTLE));
    assert_eq!(requests, [pair("1", "usable"), pair("3", "usable"), pair("1", "canceled"), pair("4", "usable")]);
    assert_eq!(ids, 4, "the kill has a delivery id of its own, apart from the usable version 1");
}

#[test]
fn a_withheld_version_reaches_only_the_former_recipient_on_its_topic_and_webhook_once() {
    let hook = Hook::start(|_, _| ok());
    let subs = topic_sub("desk", r#"{ subject = "medtop:15000000" }"#, Some(&hook.url)) + &topic_sub("weather", r#"{ subject = "medtop:17000000" }"#, None);
    let setup = Setup::start(&subs);
    let withheld = |uri, v| article(uri, v, "Withheld", json!({"subjects": medtop("17000000"), "pubstatus": "withheld"}));
    setup.send(&withheld("urn:t:never-had", 1));
    setup.send(&article("urn:t:held", 2, "Minister at the match", json!({"subjects": medtop("15000000")})));
    setup.send(&withheld("urn:t:held", 2));
    setup.send(&withheld("urn:t:held", 2));
    setup.send(&article("urn:t:held", 3, "Minister at the match, released", json!({"subjects": medtop("15000000")})));

    let desk = setup.read_sub("desk", 3);
    assert_eq!(deliveries(&desk), [triple("2", "match", "usable"), triple("2", "withhold", "withheld"), triple("3", "republish", "usable")]);
    let weather = read_topic_on(&setup.pipeline.brokers, &setup.topic("weather"), 1, Duration::from_secs(3), Duration::ZERO);
    assert!(weather.is_empty(), "a withheld story nobody received goes nowhere");
    let (requests, ids) = hooked(&hook.wait_for(3, WAIT, SETTLE));
    assert_eq!(requests, [pair("2", "usable"), pair("2", "withheld"), pair("3", "usable")]);
    assert_eq!(ids, 3);
}

/// Pushes `versions` of one story through ingest as `content_type`, waiting after
/// each for the subscriber `all`'s topic to hold `delivered[i]` records; returns them.
fn push_through_ingest(setup: &Setup, content_type: &str, versions: &[String], delivered: &[usize]) -> Vec<Record> {
    let mut records = Vec::new();
    for (body, expected) in versions.iter().zip(delivered) {
        setup.pipeline.push_ok(PA_TOKEN, content_type, body.clone().into_bytes());
        records = setup.read_sub("all", *expected);
        assert_eq!(records.len(), *expected, "after pushing:\n{body}");
    }
    records
}

#[test]
fn a_nitf_kill_under_the_original_version_pushed_through_ingest_reaches_the_former_recipient() {
    let hook = Hook::start(|_, _| ok());
    let setup = Setup::start(&topic_sub("all", "{ all = [] }", Some(&hook.url)));
    let story = String::from_utf8(fixture("normalize/nitf-story.xml")).expect("UTF-8 fixture");
    let numbered = |v: &str| story.replace(r#"version="3""#, &format!(r#"version="{v}""#));
    assert_ne!(numbered("1"), story, "the fixture has a du-key version");
    let killed = numbered("1").replacen("<docdata>", r#"<docdata management-status="canceled">"#, 1);
    let got = push_through_ingest(&setup, "application/nitf+xml", &[numbered("1"), numbered("2"), killed], &[1, 2, 3]);
    assert_eq!(deliveries(&got), [triple("1", "match", "usable"), triple("2", "correction", "usable"), triple("1", "kill", "canceled")]);
    let (requests, _) = hooked(&hook.wait_for(3, WAIT, SETTLE));
    assert_eq!(requests, [pair("1", "usable"), pair("2", "usable"), pair("1", "canceled")]);
}

#[test]
fn a_newsml_g2_kill_under_the_original_version_pushed_through_ingest_reaches_the_former_recipient() {
    let hook = Hook::start(|_, _| ok());
    let setup = Setup::start(&topic_sub("all", "{ all = [] }", Some(&hook.url)));
    let item = String::from_utf8(fixture("ingest/newsml-g2-newsitem.xml")).expect("UTF-8 fixture");
    let numbered = |v: &str| item.replacen(r#"version="3""#, &format!(r#"version="{v}""#), 1);
    assert_ne!(numbered("1"), item, "the fixture has a version");
    let killed = numbered("1").replace("stat:usable", "stat:canceled");
    let got = push_through_ingest(&setup, "application/vnd.iptc.g2.newsitem+xml", &[numbered("1"), numbered("2"), killed], &[1, 2, 3]);
    assert_eq!(deliveries(&got), [triple("1", "match", "usable"), triple("2", "correction", "usable"), triple("1", "kill", "canceled")]);
    let (requests, _) = hooked(&hook.wait_for(3, WAIT, SETTLE));
    assert_eq!(requests, [pair("1", "usable"), pair("2", "usable"), pair("1", "canceled")]);
}

// ---------------------------------------------------------------- receipts kept in Kafka
// Publish's receipts (who received which story) live in a changelog-backed
// store: they survive a lost data directory and follow their partition to
// another instance.

/// Two topic subscribers: `sport` (medtop 15000000) and `politics` (medtop 11000000).
fn two_desks() -> String {
    topic_sub("sport", r#"{ subject = "medtop:15000000" }"#, None) + &topic_sub("politics", r#"{ subject = "medtop:11000000" }"#, None)
}

/// Version `version` of story `uri` about the media topic `code`.
fn on_topic(uri: &str, version: u64, code: &str) -> Value {
    article(uri, version, &format!("{uri} v{version}"), json!({"subjects": medtop(code)}))
}

/// `(uri, version, route)` of each record, grouped by uri, in arrival order.
fn routes_by_uri(records: &[Record]) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in records {
        let v = r.json();
        let uri = v["uri"].as_str().unwrap_or_default().to_owned();
        out.entry(uri).or_default().push((v["version"].as_str().unwrap_or_default().to_owned(), r.headers["newswire-route"].clone()));
    }
    out
}

#[test]
fn a_publish_that_lost_its_data_directory_restores_its_receipts_before_it_routes_a_waiting_correction() {
    let mut setup = Setup::start(&two_desks());
    setup.send(&on_topic("urn:t:lost-disk", 1, "15000000"));
    assert_eq!(setup.read_sub("sport", 1).len(), 1, "sport receives version 1");

    setup.pipeline.kill("publish");
    let data_dir = setup.pipeline.dir().join("data").join("publish-1");
    std::fs::remove_dir_all(&data_dir).unwrap_or_else(|e| panic!("cannot delete {}: {e}", data_dir.display()));
    // The correction waits in publish's input while publish is down: the new
    // process meets it in its first batch, and must have restored first.
    setup.send(&on_topic("urn:t:lost-disk", 2, "11000000"));
    setup.send(&on_topic("urn:t:lost-disk", 3, "11000000"));
    setup.pipeline.spawn("publish");
    setup.pipeline.wait_ready("publish", WAIT);

    let sport = routes_by_uri(&setup.read_sub("sport", 3));
    assert_eq!(
        sport["urn:t:lost-disk"],
        [("1".into(), "match".into()), ("2".into(), "correction".into()), ("3".into(), "correction".into())],
        "sport received version 1 before the disk was lost, so it gets the corrections; publish log:\n{}",
        setup.pipeline.log("publish")
    );
    let politics = routes_by_uri(&setup.read_sub("politics", 2));
    assert_eq!(politics["urn:t:lost-disk"], [("2".into(), "match".into()), ("3".into(), "correction".into())]);
    let metrics = setup.pipeline.metrics("publish");
    assert!(
        metric(&metrics, "newswire_state_restored_records_total{store=\"receipts\",stage=\"publish\"}") >= 1.0,
        "the receipts came back from the changelog:\n{metrics}"
    );
    assert!(metrics.lines().any(|l| l == "newswire_state_restoring{store=\"receipts\",stage=\"publish\"} 0"), "and the restore is over:\n{metrics}");
}

#[test]
fn receipts_follow_their_partition_to_the_instance_that_takes_it_over() {
    let mut setup = Setup::start(&two_desks());
    let second = setup.pipeline.add_instance("publish");
    setup.pipeline.wait_for_series(&second, "newswire_state_restoring{store=\"receipts\",stage=\"publish\"}", WAIT);
    let stories: Vec<String> = (0..24).map(|n| format!("urn:t:moved-{n}")).collect();
    for uri in &stories {
        setup.send(&on_topic(uri, 1, "15000000"));
    }
    assert_eq!(setup.read_sub("sport", stories.len()).len(), stories.len(), "sport receives every version 1");
    let by_second = metric(&setup.pipeline.metrics(&second), "newswire_state_changes_total{store=\"receipts\",stage=\"publish\"}");
    assert!(by_second >= 1.0, "the second instance delivered some of the stories (it has partitions)");

    // The second instance goes for good: its partitions, and their receipts, move to the first.
    setup.pipeline.stop(&second);
    for uri in &stories {
        setup.send(&on_topic(uri, 2, "11000000"));
    }
    let sport = routes_by_uri(&setup.read_sub("sport", 2 * stories.len()));
    for uri in &stories {
        assert_eq!(
            sport.get(uri).map(Vec::as_slice),
            Some([("1".to_owned(), "match".to_owned()), ("2".to_owned(), "correction".to_owned())].as_slice()),
            "{uri}: the correction reaches sport whichever instance delivered version 1"
        );
    }
    let metrics = setup.pipeline.metrics("publish");
    assert!(
        metric(&metrics, "newswire_state_restored_records_total{store=\"receipts\",stage=\"publish\"}") >= 1.0,
        "the first instance restored the moved partitions' receipts:\n{metrics}"
    );
}

// ---------------------------------------------------------------- webhook outbox across instances

#[test]
fn webhook_jobs_pending_on_an_instance_killed_with_its_data_directory_are_sent_once_by_the_survivor() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let down = Arc::new(AtomicBool::new(true));
    let accepted: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let (hook_down, hook_accepted) = (down.clone(), accepted.clone());
    let hook = Hook::start(move |request, _| {
        if hook_down.load(Ordering::SeqCst) {
            return Reply { status: 503, delay: Duration::ZERO };
        }
        let delivery = (request.header("x-newswire-story-uri").to_owned(), request.header("x-newswire-delivery").to_owned());
        hook_accepted.lock().expect("lock").push(delivery);
        ok()
    });
    let overrides = [("NEWSWIRE_PUBLISH_WEBHOOK_MAX_ATTEMPTS", "1000"), ("NEWSWIRE_PUBLISH_WEBHOOK_BACKOFF_MAX_MS", "200")];
    let mut setup = Setup::start_with(&webhook_sub("desk", &hook.url, "{ all = [] }"), &overrides);
    let second = setup.pipeline.add_instance("publish");
    setup.pipeline.wait_for_series(&second, "newswire_state_restoring{store=\"outbox\",stage=\"publish\"}", WAIT);
    let stories: Vec<String> = (0..24).map(|n| format!("urn:t:outbox-{n}")).collect();
    for uri in &stories {
        setup.send(&article(uri, 1, &format!("Outbox story {uri}"), json!({})));
    }
    // Every job is committed with its story's batch, and waits: the desk answers 503.
    assert_eq!(setup.pipeline.read("published", stories.len(), WAIT, SETTLE).len(), stories.len());
    let queued = |name: &str| metric(&setup.pipeline.metrics(name), "newswire_state_changes_total{store=\"outbox\",stage=\"publish\"}");
    let (first_queued, second_queued) = (queued("publish"), queued(&second));
    assert!(first_queued >= 1.0 && second_queued >= 1.0, "both instances queued jobs: {first_queued} and {second_queued}");

    // One instance dies with its disk, then the desk comes back: the jobs it held are in Kafka.
    setup.pipeline.kill("publish");
    let data_dir = setup.pipeline.dir().join("data").join("publish-1");
    std::fs::remove_dir_all(&data_dir).unwrap_or_else(|e| panic!("cannot delete {}: {e}", data_dir.display()));
    down.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + WAIT;
    while accepted.lock().expect("lock").len() < stories.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let by_survivor = accepted.lock().expect("lock").len();
    assert_eq!(by_survivor, stories.len(), "the survivor sends every job, the dead instance's too; {second} log:\n{}", setup.pipeline.log(&second));
    // The survivor's outbox drains (its removals committed); then the killed instance
    // comes back with an empty disk, takes partitions back, and sends nothing again.
    let drained = "newswire_webhook_queue_depth{subscriber=\"desk\",stage=\"publish\"} 0";
    while !setup.pipeline.metrics(&second).lines().any(|l| l == drained) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    setup.pipeline.spawn("publish");
    setup.pipeline.wait_ready("publish", WAIT);
    setup.pipeline.wait_for_series("publish", "newswire_state_restoring{store=\"outbox\",stage=\"publish\"}", WAIT);
    std::thread::sleep(Duration::from_secs(5));

    let mut by_uri: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (uri, id) in accepted.lock().expect("lock").iter() {
        by_uri.entry(uri.clone()).or_default().push(id.clone());
    }
    let missing: Vec<&String> = stories.iter().filter(|uri| !by_uri.contains_key(*uri)).collect();
    assert!(missing.is_empty(), "never delivered: {missing:?}; {second} log:\n{}", setup.pipeline.log(&second));
    let twice: Vec<_> = by_uri.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    assert_eq!(by_uri.len(), stories.len());
}
