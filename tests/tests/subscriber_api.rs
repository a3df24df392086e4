//! The subscriber HTTP API, end to end: the real broker, the real publish binary
//! (in a whole pipeline), and real HTTP clients.
//!
//! Stories are produced straight onto the pipeline's `enriched` topic (publish's
//! input), as in `publish_delivery.rs`; subscriptions come from a file and each
//! test has its own topic prefix, so its subscribers' topics are fresh.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use newswire_e2e::{canonical_article as article, free_port, send_article, Pipeline};
use newswire_shared::bearer::token_hash;
use rdkafka::producer::BaseProducer;
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);
const SPORT: &str = r#"{ subject = "medtop:15000000" }"#;
const POLITICS: &str = r#"{ subject = "medtop:11000000" }"#;

/// A pipeline whose publish serves the subscriber API.
struct Api {
    pipeline: Pipeline,
    base: String,
    producer: BaseProducer,
    http: reqwest::blocking::Client,
    _dir: tempfile::TempDir,
}

/// A subscription with API access for `token`.
fn api_sub(name: &str, filter: &str, format: &str, token: &str) -> String {
    format!(
        "[[subscriptions]]\nname = \"{name}\"\nfilter = {filter}\ntopic = true\nformat = \"{format}\"\napi = {{ token_sha256 = \"{}\" }}\n\n",
        token_hash(token)
    )
}

impl Api {
    fn start(subscriptions_toml: &str) -> Api {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("subscriptions.toml");
        std::fs::write(&file, subscriptions_toml).expect("write subscriptions");
        let prefix = format!("test-{}.news.", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let addr = format!("127.0.0.1:{}", free_port());
        let file = file.display().to_string();
        let env = [
            ("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", file.as_str()),
            ("NEWSWIRE_PUBLISH_TOPIC_PREFIX", prefix.as_str()),
            ("NEWSWIRE_PUBLISH_API_ADDR", addr.as_str()),
            ("NEWSWIRE_PUBLISH_API_LONG_POLL_MS", "20000"),
        ];
        let pipeline = Pipeline::start_with(&env);
        let producer: BaseProducer =
            ClientConfig::new().set("bootstrap.servers", &pipeline.brokers).set("enable.idempotence", "true").create().expect("producer");
        let http = reqwest::blocking::Client::builder().timeout(WAIT).build().expect("http client");
        Api { pipeline, base: format!("http://{addr}"), producer, http, _dir: dir }
    }

    /// Produces an article onto publish's input topic, keyed by its uri.
    fn send(&self, article: &Value) {
        send_article(&self.producer, self.pipeline.topic("enriched"), article);
    }

    /// `GET /v1/stories` with `query`: the status and the JSON answer.
    fn stories(&self, token: Option<&str>, query: &str) -> (u16, Value) {
        let mut request = self.http.get(format!("{}/v1/stories?{query}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().expect("stories request");
        let status = response.status().as_u16();
        (status, response.json().expect("a JSON answer"))
    }

    /// Pages through the subscriber's stories from `cursor` (with `limit`) until
    /// `expected` arrived and a page said it was caught up; returns the stories and the last cursor.
    fn read_pages(&self, token: &str, mut cursor: String, limit: usize, expected: usize) -> (Vec<Value>, String) {
        let mut got = Vec::new();
        let deadline = Instant::now() + WAIT;
        loop {
            let (status, page) = self.stories(Some(token), &format!("limit={limit}&wait_ms=2000&cursor={cursor}"));
            assert_eq!(status, 200, "{page}");
            let stories = page["stories"].as_array().expect("stories").clone();
            assert!(stories.len() <= limit, "a page holds at most `limit` stories");
            cursor = page["next_cursor"].as_str().expect("next_cursor").to_owned();
            if let Some(last) = stories.last() {
                assert_eq!(last["cursor"].as_str(), Some(cursor.as_str()), "next_cursor is the last story's cursor");
            }
            got.extend(stories);
            if (got.len() >= expected && page["caught_up"] == true) || Instant::now() > deadline {
                return (got, cursor);
            }
        }
    }
}

/// `(uri, version, route)` of page items.
fn items(stories: &[Value]) -> Vec<(String, String, String)> {
    stories.iter().map(|s| (text(&s["story"]["uri"]), text(&s["story"]["version"]), text(&s["route"]))).collect()
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn medtop(code: &str) -> Value {
    json!([{"name": code, "uri": format!("http://cv.iptc.org/newscodes/mediatopic/{code}")}])
}

fn sport_story(n: usize) -> Value {
    article(&format!("urn:t:sport-{n}"), 1, &format!("Match {n}"), json!({"subjects": medtop("15000000")}))
}

/// One Server-Sent Event.
#[derive(Debug, Clone, Default)]
struct Event {
    event: String,
    id: String,
    data: String,
}

impl Event {
    fn uri(&self) -> String {
        let story: Value = serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("event data is not JSON ({e}): {}", self.data));
        text(&story["uri"])
    }
}

/// Opens `GET /v1/stream` and reads its events on a thread, until the connection ends.
fn open_stream(base: &str, token: &str, last_event_id: Option<&str>) -> mpsc::Receiver<Event> {
    let client = reqwest::blocking::Client::builder().timeout(None).build().expect("http client");
    let mut request = client.get(format!("{base}/v1/stream")).bearer_auth(token);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = request.send().expect("stream request");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/event-stream"));
    let (events, received) = mpsc::channel();
    std::thread::spawn(move || {
        let mut event = Event::default();
        for line in BufReader::new(response).lines() {
            let Ok(line) = line else { return };
            if line.is_empty() {
                if !event.data.is_empty() && events.send(std::mem::take(&mut event)).is_err() {
                    return;
                }
                event = Event::default();
            } else if let Some(value) = line.strip_prefix("event:") {
                event.event = value.trim_start().to_owned();
            } else if let Some(value) = line.strip_prefix("id:") {
                event.id = value.trim_start().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                event.data.push_str(value.strip_prefix(' ').unwrap_or(value));
            }
        }
    });
    received
}

/// Takes `n` events, failing after [`WAIT`].
fn take(events: &mpsc::Receiver<Event>, n: usize) -> Vec<Event> {
    let deadline = Instant::now() + WAIT;
    (0..n)
        .map(|i| {
            let left = deadline.saturating_duration_since(Instant::now());
            events.recv_timeout(left).unwrap_or_else(|e| panic!("event {} of {n} did not come: {e}", i + 1))
        })
        .collect()
}

// ---------------------------------------------------------------- tests

#[test]
fn two_subscribers_page_through_only_their_own_stories_in_their_own_format_and_bad_requests_say_why() {
    let api = Api::start(&(api_sub("sport", SPORT, "ninjs-2.1", "sport-token") + &api_sub("politics", POLITICS, "ninjs-3.1", "politics-token")));
    for n in 0..5 {
        api.send(&sport_story(n));
        if n < 3 {
            api.send(&article(&format!("urn:t:politics-{n}"), 1, &format!("Vote {n}"), json!({"subjects": medtop("11000000")})));
        }
    }
    api.send(&article("urn:t:weather", 1, "Rain", json!({"subjects": medtop("17000000")})));

    // Different stories may be on different partitions, which publish (like any
    // Kafka consumer) reads in no particular order between them: each story's
    // versions keep their order (the stream test checks a correction and a kill).
    let (sport, sport_cursor) = api.read_pages("sport-token", String::new(), 2, 5);
    let expected: Vec<(String, String, String)> = (0..5).map(|n| (format!("urn:t:sport-{n}"), "1".into(), "match".into())).collect();
    assert_eq!(sorted(items(&sport)), expected, "sport gets its five stories, each once, over pages of two");
    assert!(sport.iter().all(|s| s["story"]["versioncreated"].is_string()), "sport reads ninjs 2.1");

    let (politics, _) = api.read_pages("politics-token", String::new(), 100, 3);
    let uris: Vec<String> = sorted(items(&politics)).into_iter().map(|(uri, _, _)| uri).collect();
    assert_eq!(uris, ["urn:t:politics-0", "urn:t:politics-1", "urn:t:politics-2"]);
    assert!(politics.iter().all(|s| s["story"]["versionCreated"].is_string() && s["story"]["standard"]["version"] == "3.1"), "politics reads ninjs 3.1");

    // A cursor from the middle resumes right after its story.
    let (rest, _) = api.read_pages("sport-token", text(&sport[2]["cursor"]), 10, 2);
    assert_eq!(sorted(items(&rest)), sorted(items(&sport[3..])), "resumes after the third story");

    // Refusals, each with its status and reason.
    let (status, answer) = api.stories(None, "limit=1");
    assert_eq!((status, text(&answer["error"])), (401, "unauthorized".into()), "no token: {answer}");
    let (status, answer) = api.stories(Some("not-a-subscriber"), "limit=1");
    assert_eq!((status, text(&answer["error"])), (403, "forbidden".into()), "unknown token: {answer}");
    let (status, answer) = api.stories(Some("sport-token"), "cursor=rubbish");
    assert_eq!((status, text(&answer["error"])), (400, "bad_cursor".into()), "{answer}");
    assert!(text(&answer["detail"]).contains("rubbish"), "the reason names the cursor: {answer}");
    let (status, answer) = api.stories(Some("politics-token"), &format!("cursor={sport_cursor}"));
    assert_eq!(status, 400, "another subscriber's cursor: {answer}");
    assert!(text(&answer["detail"]).contains("another subscription"), "{answer}");
    let (status, answer) = api.stories(Some("sport-token"), "limit=0");
    assert_eq!((status, text(&answer["error"])), (400, "bad_limit".into()), "{answer}");

    let metrics = api.pipeline.metrics("publish");
    assert!(metrics.contains("newswire_api_requests_total{route=\"/v1/stories\",status=\"403\",stage=\"publish\"} 1"), "{metrics}");
}

#[test]
fn a_caught_up_long_poll_answers_as_soon_as_a_story_arrives_and_an_empty_page_keeps_the_cursor() {
    let api = Api::start(&api_sub("sport", SPORT, "ninjs-2.1", "sport-token"));
    api.send(&sport_story(0));
    let (first, cursor) = api.read_pages("sport-token", String::new(), 10, 1);
    assert_eq!(first.len(), 1);

    let started = Instant::now();
    let (status, empty) = api.stories(Some("sport-token"), &format!("cursor={cursor}&wait_ms=1500"));
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(1400), "waited for a story before answering empty");
    assert_eq!(empty["stories"], json!([]));
    assert_eq!(empty["next_cursor"], cursor.as_str(), "an empty page gives the same cursor back");
    assert_eq!(empty["caught_up"], true);

    let base = api.base.clone();
    let poll_cursor = cursor.clone();
    let poll = std::thread::spawn(move || {
        let started = Instant::now();
        let client = reqwest::blocking::Client::builder().timeout(WAIT).build().expect("client");
        let page: Value = client
            .get(format!("{base}/v1/stories?cursor={poll_cursor}"))
            .bearer_auth("sport-token")
            .send()
            .and_then(|r| r.json())
            .expect("long-poll answer");
        (page, started.elapsed())
    });
    std::thread::sleep(Duration::from_secs(2));
    let sent = Instant::now();
    api.send(&sport_story(1));
    let (page, waited) = poll.join().expect("long-poll thread");
    assert_eq!(items(page["stories"].as_array().expect("stories")), [("urn:t:sport-1".into(), "1".into(), "match".into())]);
    assert!(waited >= Duration::from_secs(2), "the poll was waiting when the story came");
    assert!(sent.elapsed() < Duration::from_secs(10), "answered when the story arrived, not at the 20 s long-poll end ({:?})", sent.elapsed());
}

#[test]
fn the_stream_carries_stories_corrections_and_kills_and_resumes_after_a_publish_sigkill_with_nothing_missed_or_repeated() {
    let sub = api_sub("sport", SPORT, "ninjs-2.1", "sport-token");
    let mut api = Api::start(&sub);
    let events = open_stream(&api.base, "sport-token", None);

    // A story, its correction (it became politics, sport had it) and its kill.
    api.send(&article("urn:t:story", 1, "Minister at the match", json!({"subjects": medtop("15000000")})));
    api.send(&article("urn:t:story", 2, "Minister resigns", json!({"subjects": medtop("11000000")})));
    api.send(&article("urn:t:story", 3, "Killed", json!({"subjects": medtop("17000000"), "pubstatus": "canceled"})));
    let first = take(&events, 3);
    let routes: Vec<&str> = first.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(routes, ["match", "correction", "kill"], "{first:?}");
    let killed: Value = serde_json::from_str(&first[2].data).expect("JSON");
    assert_eq!((killed["version"].as_str(), killed["pubstatus"].as_str()), (Some("3"), Some("canceled")));

    // Stories keep coming while publish is SIGKILLed and started again.
    let (_, page_cursor) = api.read_pages("sport-token", String::new(), 100, 3);
    let total = 24;
    for n in 0..total / 2 {
        api.send(&sport_story(n));
    }
    let before = take(&events, 4);
    api.pipeline.kill("publish");
    for n in total / 2..total {
        api.send(&sport_story(n));
    }
    api.pipeline.spawn("publish");
    api.pipeline.wait_ready("publish", WAIT);

    // The stream, resumed from the last event it gave, and pages from a cursor taken before.
    let last_id = before.last().map(|e| e.id.clone()).expect("an event");
    let resumed = open_stream(&api.base, "sport-token", Some(&last_id));
    let after = take(&resumed, total - before.len());
    std::thread::sleep(Duration::from_secs(2));
    let extra: Vec<Event> = resumed.try_iter().collect();
    assert!(extra.is_empty(), "nothing after the last story: {extra:?}");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for event in before.iter().chain(&after) {
        assert_eq!(event.event, "match");
        *seen.entry(event.uri()).or_default() += 1;
    }
    assert_eq!(seen.len(), total, "every story once: {seen:?}");
    assert!(seen.values().all(|n| *n == 1), "nothing repeated: {seen:?}");

    let (paged, _) = api.read_pages("sport-token", page_cursor, 7, total);
    let mut uris: Vec<String> = items(&paged).into_iter().map(|(uri, _, _)| uri).collect();
    assert_eq!(uris.len(), total, "the pages from before the restart have every story once: {uris:?}");
    uris.sort();
    uris.dedup();
    assert_eq!(uris.len(), total, "nothing repeated");
    let metrics = api.pipeline.metrics("publish");
    assert!(metrics.contains("newswire_api_open_streams{stage=\"publish\"} 1"), "the resumed stream is open: {metrics}");

    // SIGTERM ends the open stream and publish exits 0.
    let status = api.pipeline.stop("publish");
    assert_eq!(status.code(), Some(0), "log:\n{}", api.pipeline.log("publish"));
    assert_eq!(resumed.recv_timeout(Duration::from_secs(10)).map(|e| e.id), Err(mpsc::RecvTimeoutError::Disconnected), "the stream ended");
}
