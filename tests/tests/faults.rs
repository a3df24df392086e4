//! Faults: crashes, a broker outage and scale-out while stories flow. The promise
//! under test is "nothing lost, nothing doubled": every story ingest acknowledged
//! is published exactly once (counted by uri and version), and nothing lands in
//! the dead letters that should not.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswire_e2e::{dedicated_broker, kafka_script, Pipeline, Record, PA_TOKEN};

/// A distinct, realistic-length story.
fn story(n: usize) -> String {
    format!(
        "Harbour authority {n} reports record traffic\n\nBy Test Desk\n\n\
         The harbour authority said on Monday that traffic through berth {n} had reached a record level this year.\n\n\
         Officials credited new cranes and longer opening hours for the increase, which they expect to continue.\n"
    )
}

/// Pushes stories `0..total` from `threads` feed workers that retry like a real
/// feed (on connection errors and 503) until each story is acknowledged
/// (202 accepted or 200 duplicate). Returns when all are acknowledged.
fn push_all(ingest_url: String, total: usize, threads: usize, paused: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<u16>> {
    std::thread::spawn(move || {
        let next = Arc::new(AtomicUsize::new(0));
        let statuses = Arc::new(Mutex::new(Vec::new()));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (next, statuses, url, paused) = (next.clone(), statuses.clone(), ingest_url.clone(), paused.clone());
                std::thread::spawn(move || {
                    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
                    loop {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        if n >= total {
                            return;
                        }
                        loop {
                            while paused.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            let sent = http
                                .post(format!("{url}/v1/stories"))
                                .bearer_auth(PA_TOKEN)
                                .header("content-type", "text/plain")
                                .body(story(n))
                                .send();
                            match sent.map(|r| r.status().as_u16()) {
                                Ok(status @ (200 | 202)) => {
                                    statuses.lock().expect("lock").push(status);
                                    break;
                                }
                                Ok(status) if status >= 500 => std::thread::sleep(Duration::from_millis(100)),
                                Ok(status) => panic!("story {n} refused with {status}"),
                                Err(_) => std::thread::sleep(Duration::from_millis(100)),
                            }
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("push worker");
        }
        Arc::try_unwrap(statuses).map(|m| m.into_inner().expect("lock")).unwrap_or_default()
    })
}

/// Asserts each of `total` stories was published exactly once, by uri and version.
fn assert_exactly_once(published: &[Record], total: usize) {
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    let mut headlines = std::collections::HashSet::new();
    for record in published {
        let json = record.json();
        let key = (json["uri"].as_str().unwrap_or_default().to_owned(), json["version"].as_str().unwrap_or_default().to_owned());
        *counts.entry(key).or_default() += 1;
        headlines.insert(json["headlines"][0]["value"].as_str().unwrap_or_default().to_owned());
    }
    let doubled: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).take(5).collect();
    assert!(doubled.is_empty(), "published more than once: {doubled:?}");
    let missing: Vec<usize> =
        (0..total).filter(|n| !headlines.contains(&format!("Harbour authority {n} reports record traffic"))).take(10).collect();
    assert!(missing.is_empty(), "acknowledged but never published (first few): {missing:?}");
    assert_eq!(published.len(), total);
}

#[test]
fn every_acknowledged_story_is_published_exactly_once_when_each_service_is_killed_mid_stream() {
    let total: usize = std::env::var("NEWSWIRE_FAULT_STORIES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let mut pipeline = Pipeline::start();
    let paused = Arc::new(AtomicBool::new(false));
    let pusher = push_all(pipeline.ingest_url.clone(), total, 6, paused.clone());

    // Kill each service in turn with SIGKILL at a pseudo-random moment, then restart it.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ std::process::id() as u64;
    let mut random_ms = |lo: u64, hi: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        lo + seed % (hi - lo)
    };
    for stage in ["normalize", "enrich", "publish", "ingest"] {
        std::thread::sleep(Duration::from_millis(random_ms(500, 2500)));
        pipeline.kill(stage);
        std::thread::sleep(Duration::from_millis(random_ms(100, 1000)));
        pipeline.spawn(stage);
        pipeline.wait_ready(stage, Duration::from_secs(60));
    }
    let statuses = pusher.join().expect("pusher");
    assert_eq!(statuses.len(), total, "every story was eventually acknowledged");

    let published = pipeline.read("published", total, Duration::from_secs(600), Duration::from_secs(5));
    assert_exactly_once(&published, total);
    let dead = pipeline.read("dlq", 0, Duration::from_secs(1), Duration::from_secs(1));
    assert!(dead.is_empty(), "unexpected dead letters: {:?}", dead.iter().map(|d| &d.headers).take(3).collect::<Vec<_>>());
}

#[test]
fn a_broker_outage_gets_503s_loses_nothing_acknowledged_and_the_stages_resume_by_themselves() {
    let port = 19_192;
    let brokers = dedicated_broker(port);
    let mut pipeline = Pipeline::start_on(&brokers, &[]);
    let before = 50;
    for n in 0..before {
        pipeline.push_ok(PA_TOKEN, "text/plain", story(n));
    }
    assert_eq!(pipeline.read("published", before, Duration::from_secs(60), Duration::ZERO).len(), before);

    kafka_script(port, "stop");
    let (status, answer) = pipeline.push(PA_TOKEN, "text/plain", story(before));
    assert_eq!(status, 503, "ingest must refuse what it cannot store: {answer}");
    kafka_script(port, "start");

    // Once the broker is back, pushes are accepted again, within a bounded time.
    let deadline = Instant::now() + Duration::from_secs(90);
    let total = before + 50;
    let mut n = before;
    while n < total {
        let (status, answer) = pipeline.push(PA_TOKEN, "text/plain", story(n));
        match status {
            202 | 200 => n += 1,
            503 => {
                assert!(Instant::now() < deadline, "ingest still refuses 90 s after the broker returned: {answer}");
                std::thread::sleep(Duration::from_millis(500));
            }
            other => panic!("unexpected status {other}: {answer}"),
        }
    }
    let published = pipeline.read("published", total, Duration::from_secs(120), Duration::from_secs(3));
    assert_exactly_once(&published, total);
    for stage in ["normalize", "enrich", "publish"] {
        assert!(pipeline.pid(stage).is_some());
        assert_eq!(pipeline.stop(stage).code(), Some(0), "{stage} survived the outage; log:\n{}", pipeline.log(stage));
    }
    kafka_script(port, "stop");
}

#[test]
fn two_instances_per_stage_share_the_work_and_a_stopped_one_hands_over_without_loss_or_doubles() {
    let total = 2_000;
    let mut pipeline = Pipeline::start();
    let seconds: Vec<String> = ["normalize", "enrich", "publish"].into_iter().map(|s| pipeline.add_instance(s)).collect();
    let paused = Arc::new(AtomicBool::new(false));
    let pusher = push_all(pipeline.ingest_url.clone(), total, 4, paused);
    std::thread::sleep(Duration::from_millis(1500));
    for name in &seconds {
        assert_eq!(pipeline.stop(name).code(), Some(0), "{name} stops cleanly; log:\n{}", pipeline.log(name));
    }
    pusher.join().expect("pusher");
    let published = pipeline.read("published", total, Duration::from_secs(600), Duration::from_secs(5));
    assert_exactly_once(&published, total);
    for stage in ["normalize", "enrich", "publish"] {
        let consumed = |name: &str| -> f64 {
            pipeline
                .metrics(name)
                .lines()
                .find(|l| l.starts_with("newswire_messages_consumed_total"))
                .and_then(|l| l.split_whitespace().last())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        assert!(consumed(stage) > 0.0, "the remaining {stage} instance took over work");
    }
}
