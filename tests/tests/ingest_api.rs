//! Ingest's push API end to end: the real binary, the real broker.

use std::time::Duration;

use newswire_e2e::{fixture, free_port, metric, Pipeline, PA_TOKEN};

/// Pushes with extra request headers (the harness's `push` sends only auth and type).
fn push_with(pipeline: &Pipeline, content_type: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, serde_json::Value) {
    post(pipeline, "/v1/stories", content_type, headers, body)
}

/// Posts `body` to ingest's `path` as feed PA; answers the status and the JSON answer.
fn post(pipeline: &Pipeline, path: &str, content_type: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, serde_json::Value) {
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
    let mut request = client
        .post(format!("{}{path}", pipeline.ingest_url))
        .bearer_auth(PA_TOKEN)
        .header("content-type", content_type)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().expect("push request failed");
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

#[test]
fn a_multi_item_rss_push_writes_one_raw_record_per_item() {
    let pipeline = Pipeline::start();
    let body = fixture("ingest/rss-3-items-iso-8859-1.xml");
    let (status, answer) = pipeline.push(PA_TOKEN, "application/rss+xml", body.clone());
    assert_eq!(status, 202, "{answer}");
    let stories = answer["stories"].as_array().expect("stories listed");
    assert_eq!(stories.len(), 3, "{answer}");
    assert!(stories.iter().all(|s| s["status"] == "accepted"), "{answer}");
    assert_eq!(answer["id"], stories[0]["id"]);

    let raw = pipeline.read("raw", 3, Duration::from_secs(30), Duration::from_secs(2));
    assert_eq!(raw.len(), 3, "exactly one raw record per item");
    let mut keys: Vec<&str> = raw.iter().map(|r| r.key.as_str()).collect();
    let mut ids: Vec<&str> = stories.iter().filter_map(|s| s["id"].as_str()).collect();
    keys.sort();
    ids.sort();
    assert_eq!(keys, ids, "records are keyed by the ids the push answered");
    for record in &raw {
        assert_eq!(record.headers.get("newswire-format").map(String::as_str), Some("rss-item"));
        assert_eq!(record.headers.get("newswire-charset").map(String::as_str), Some("windows-1252"));
        assert_eq!(record.headers.get("newswire-feed").map(String::as_str), Some("pa"));
        assert!(record.payload.starts_with(b"<item>") && record.payload.ends_with(b"</item>"));
        assert!(
            body.windows(record.payload.len()).any(|w| w == record.payload.as_slice()),
            "payload is the original slice"
        );
    }
    let traces: std::collections::HashSet<_> = raw.iter().filter_map(|r| r.headers.get("newswire-trace-id")).collect();
    assert_eq!(traces.len(), 3, "each story has its own trace id");
}

#[test]
fn a_repush_is_answered_duplicate_across_an_ingest_restart_and_not_written_again() {
    let mut pipeline = Pipeline::start();
    let body = fixture("ingest/ninjs-1.6.json");
    let (status, first) = pipeline.push(PA_TOKEN, "application/ninjs+json", body.clone());
    assert_eq!((status, first["status"].as_str()), (202, Some("accepted")), "{first}");

    let exit = pipeline.stop("ingest");
    assert!(exit.success(), "ingest exits cleanly on SIGTERM: {exit}");
    pipeline.spawn("ingest");
    pipeline.wait_ready("ingest", Duration::from_secs(60));

    let (status, again) = pipeline.push(PA_TOKEN, "application/ninjs+json", body);
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")), "{again}");
    assert_eq!(again["id"], first["id"]);
    let metrics = pipeline.metrics("ingest");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("newswire_duplicates_total{") && l.contains("kind=\"repush\"") && l.ends_with(" 1")),
        "{metrics}"
    );
    let raw = pipeline.read("raw", 1, Duration::from_secs(30), Duration::from_secs(3));
    assert_eq!(raw.len(), 1, "the re-push wrote nothing");
}

#[test]
fn a_gzip_bomb_is_refused_with_413_and_nothing_is_written() {
    let pipeline = Pipeline::start();
    let bomb = fixture("ingest/gzip-bomb-64MiB-zeros.gz");
    let (status, answer) = push_with(&pipeline, "text/plain", &[("content-encoding", "gzip")], bomb);
    assert_eq!((status, answer["error"].as_str()), (413, Some("payload_too_large")), "{answer}");
    // A compressed story within the limits is inflated and accepted.
    let gzip = std::process::Command::new("gzip")
        .arg("-c")
        .arg(newswire_e2e::repo_root().join("tests/fixtures/ingest/scraped-text.txt"))
        .output()
        .expect("gzip");
    let (status, answer) =
        push_with(&pipeline, "text/plain; charset=utf-8", &[("content-encoding", "gzip")], gzip.stdout);
    assert_eq!(status, 202, "{answer}");
    let raw = pipeline.read("raw", 1, Duration::from_secs(30), Duration::from_secs(2));
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0].payload, fixture("ingest/scraped-text.txt"), "the inflated bytes are what is stored");
}

/// A one-route HTTP server on loopback serving `body` with ETag "\"rss-1\""
/// (304 when that ETag is sent back); returns its URL and the If-None-Match
/// value of every request it got.
fn serve_feed(body: Vec<u8>) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind feed server");
    let url = format!("http://{}/feed.rss", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut if_none_match = None;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("if-none-match") {
                        if_none_match = Some(value.trim().to_owned());
                    }
                }
                line.clear();
            }
            let not_modified = if_none_match.as_deref() == Some("\"rss-1\"");
            log.lock().expect("log").push(if_none_match);
            let mut stream = reader.into_inner();
            let head = if not_modified {
                "HTTP/1.1 304 Not Modified\r\nETag: \"rss-1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_owned()
            } else {
                format!(
                    "HTTP/1.1 200 OK\r\nETag: \"rss-1\"\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
            };
            let _ = stream.write_all(head.as_bytes());
            if !not_modified {
                let _ = stream.write_all(&body);
            }
        }
    });
    (url, seen)
}

#[test]
fn a_polled_feed_is_ingested_once_and_then_fetched_conditionally() {
    let (url, seen) = serve_feed(fixture("ingest/rss-3-items-iso-8859-1.xml"));
    let polls = format!("[{{feed=\"pa\", url=\"{url}\", interval_secs=1, allow_private=true}}]");
    let pipeline = Pipeline::start_with(&[("NEWSWIRE_INGEST_POLLS", polls.as_str())]);
    let raw = pipeline.read("raw", 3, Duration::from_secs(30), Duration::from_secs(4));
    assert_eq!(raw.len(), 3, "one record per item, written once however often the feed is polled");
    assert!(raw.iter().all(|r| r.headers.get("newswire-format").map(String::as_str) == Some("rss-item")));
    let requests = seen.lock().expect("log").clone();
    assert!(requests.len() >= 3, "polled every second: {requests:?}");
    assert_eq!(requests[0], None, "the first poll is unconditional");
    assert!(requests[1..].iter().all(|r| r.as_deref() == Some("\"rss-1\"")), "later polls send the ETag: {requests:?}");
    let metrics = pipeline.metrics("ingest");
    assert!(metrics.contains("newswire_ingest_polls_total{feed=\"pa\",outcome=\"not_modified\""), "{metrics}");
}

#[test]
fn with_two_ingest_instances_one_polls_and_the_other_takes_over_when_it_dies() {
    let (url, seen) = serve_feed(fixture("ingest/rss-3-items-iso-8859-1.xml"));
    let polls = format!("[{{feed=\"pa\", url=\"{url}\", interval_secs=1, allow_private=true}}]");
    let mut pipeline = Pipeline::start_with(&[("NEWSWIRE_INGEST_POLLS", polls.as_str())]);
    let second_addr = format!("127.0.0.1:{}", free_port());
    let second = pipeline.add_instance_with("ingest", &[("NEWSWIRE_INGEST_ADDR", second_addr.as_str())]);
    let leading = |pipeline: &Pipeline, name: &str| metric(&pipeline.metrics(name), "newswire_ingest_poll_leader{stage=\"ingest\"}") == 1.0;
    let wait_for_one_leader = |pipeline: &Pipeline, among: &[&str]| -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(40);
        loop {
            let leaders: Vec<&str> = among.iter().copied().filter(|name| leading(pipeline, name)).collect();
            if leaders.len() == 1 {
                return leaders[0].to_owned();
            }
            assert!(std::time::Instant::now() < deadline, "leaders among {among:?}: {leaders:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let leader = wait_for_one_leader(&pipeline, &["ingest", second.as_str()]);
    let published = pipeline.read("published", 3, Duration::from_secs(60), Duration::from_secs(3));
    assert_eq!(published.len(), 3, "each item once, though two instances run");
    // Both instances stay up for a while: still exactly one polls.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(wait_for_one_leader(&pipeline, &["ingest", second.as_str()]), leader);
    let polls_by = |pipeline: &Pipeline, name: &str| metric(&pipeline.metrics(name), "newswire_ingest_polls_total{feed=\"pa\",outcome=\"not_modified\",stage=\"ingest\"}");
    let follower = if leader == "ingest" { second.clone() } else { "ingest".to_owned() };
    assert_eq!(polls_by(&pipeline, &follower), 0.0, "the instance that does not lead does not poll");

    pipeline.kill(&leader);
    assert_eq!(wait_for_one_leader(&pipeline, &[follower.as_str()]), follower, "the survivor leads once the group notices");
    let before = seen.lock().expect("log").len();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while seen.lock().expect("log").len() < before + 2 {
        assert!(std::time::Instant::now() < deadline, "the survivor never polled");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Its own poll memory never saw the items: they reach raw again, and normalize drops them.
    let published = pipeline.read("published", 3, Duration::from_secs(30), Duration::from_secs(4));
    assert_eq!(published.len(), 3, "nothing published twice after the leader changed");
}

#[test]
fn a_polled_item_reaches_raw_once_across_an_ingest_restart_because_the_etag_is_kept() {
    let (url, seen) = serve_feed(fixture("ingest/rss-3-items-iso-8859-1.xml"));
    let polls = format!("[{{feed=\"pa\", url=\"{url}\", interval_secs=1, allow_private=true}}]");
    let mut pipeline = Pipeline::start_with(&[("NEWSWIRE_INGEST_POLLS", polls.as_str())]);
    let raw = pipeline.read("raw", 3, Duration::from_secs(30), Duration::from_secs(1));
    assert_eq!(raw.len(), 3, "the first poll delivered the feed's three items");

    let exit = pipeline.stop("ingest");
    assert!(exit.success(), "ingest exits cleanly on SIGTERM: {exit}");
    let before_restart = seen.lock().expect("log").len();
    pipeline.spawn("ingest");
    pipeline.wait_ready("ingest", Duration::from_secs(60));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while seen.lock().expect("log").len() < before_restart + 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let requests = seen.lock().expect("log").clone();
    assert!(requests.len() >= before_restart + 2, "polled again after the restart: {requests:?}");
    assert!(
        requests[before_restart..].iter().all(|r| r.as_deref() == Some("\"rss-1\"")),
        "the restarted ingest's first poll already sends the ETag it kept: {requests:?}"
    );
    let raw = pipeline.read("raw", 3, Duration::from_secs(30), Duration::from_secs(3));
    assert_eq!(raw.len(), 3, "nothing was written again");
    let metrics = pipeline.metrics("ingest");
    assert!(metrics.contains("newswire_poll_requests_total{feed=\"pa\",outcome=\"not_modified\""), "{metrics}");
    assert!(!metrics.contains("newswire_poll_requests_total{feed=\"pa\",outcome=\"ok\""), "no full fetch after the restart: {metrics}");
}

#[test]
fn pushing_a_folder_backfills_it_and_reports_each_rejection() {
    let pipeline = Pipeline::start();
    let archive = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(archive.path().join("2024")).expect("subfolder");
    for (name, into) in [
        ("rss-3-items-iso-8859-1.xml", ""),
        ("ninjs-1.6.json", ""),
        ("malformed.xml", ""),
        ("atom-2-entries.xml", "2024"),
    ] {
        std::fs::write(archive.path().join(into).join(name), fixture(&format!("ingest/{name}"))).expect("copy fixture");
    }
    let run = || {
        std::process::Command::new(newswire_e2e::binary("newswire"))
            .args(["push", "--concurrency", "2", "--url", &pipeline.ingest_url])
            .arg(archive.path())
            .env("NEWSWIRE_TOKEN", PA_TOKEN)
            .output()
            .expect("run newswire push")
    };
    let first = run();
    let report = String::from_utf8_lossy(&first.stdout).into_owned();
    let errors = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "a rejected file makes the exit non-zero: {report}{errors}");
    assert!(report.starts_with("4 files: 6 stories accepted, 0 duplicate, 1 files rejected"), "{report}");
    assert!(report.contains("malformed.xml: malformed_xml: line 6"), "{report}");
    let raw = pipeline.read("raw", 6, Duration::from_secs(30), Duration::from_secs(2));
    assert_eq!(raw.len(), 6);

    let again = run();
    let report = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(report.starts_with("4 files: 0 stories accepted, 6 duplicate, 1 files rejected"), "{report}");
}

#[test]
fn identical_pushes_arriving_together_are_written_once() {
    let pipeline = Pipeline::start();
    let body = fixture("ingest/newsml-g2-newsitem.xml");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let pushes: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| pipeline.push(PA_TOKEN, "application/vnd.iptc.g2.newsitem+xml", body.clone()).0))
            .collect();
        pushes.into_iter().map(|p| p.join().expect("push thread")).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, vec![200, 200, 200, 202], "one accepted, the others duplicates: {statuses:?}");
    let raw = pipeline.read("raw", 1, Duration::from_secs(30), Duration::from_secs(3));
    assert_eq!(raw.len(), 1);
}

/// Pushes a multipart batch (boundary `XB`) to `POST /v1/stories/batch`.
fn push_batch(pipeline: &Pipeline, body: Vec<u8>) -> (u16, serde_json::Value) {
    post(pipeline, "/v1/stories/batch", "multipart/mixed; boundary=XB", &[], body)
}

#[test]
fn a_batch_push_writes_every_good_documents_stories_and_refuses_the_bad_one_alone() {
    let pipeline = Pipeline::start();
    let ninjs = fixture("ingest/ninjs-1.6.json");
    let rss = fixture("ingest/rss-3-items-iso-8859-1.xml");
    let body = newswire_ingest::batch::encode("XB", &[
        ("application/ninjs+json", &ninjs),
        ("application/json", b"{\"headline\": "),
        ("application/rss+xml; charset=ISO-8859-1", &rss),
    ]);
    let (status, answer) = push_batch(&pipeline, body.clone());
    assert_eq!(status, 207, "{answer}");
    let parts = answer["parts"].as_array().expect("parts listed");
    let statuses: Vec<u64> = parts.iter().filter_map(|p| p["status"].as_u64()).collect();
    assert_eq!(statuses, vec![202, 400, 202], "{answer}");
    assert_eq!(parts[1]["error"], "malformed_json", "{answer}");
    let mut ids: Vec<&str> = [&parts[0], &parts[2]].iter().flat_map(|p| p["stories"].as_array().into_iter().flatten()).filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids.len(), 4, "one ninjs story and three RSS items: {answer}");

    let raw = pipeline.read("raw", 4, Duration::from_secs(30), Duration::from_secs(2));
    let mut keys: Vec<&str> = raw.iter().map(|r| r.key.as_str()).collect();
    keys.sort();
    ids.sort();
    assert_eq!(keys, ids, "exactly the answered stories are in Kafka, once each");
    let rss_items: Vec<_> = raw.iter().filter(|r| r.headers.get("newswire-format").map(String::as_str) == Some("rss-item")).collect();
    assert_eq!(rss_items.len(), 3);
    assert!(rss_items.iter().all(|r| r.headers.get("newswire-charset").map(String::as_str) == Some("windows-1252")), "each part keeps its own charset");

    // The same batch again: every story is a re-push, the bad part is still refused.
    let (status, again) = push_batch(&pipeline, body);
    assert_eq!(status, 207, "{again}");
    let statuses: Vec<u64> = again["parts"].as_array().into_iter().flatten().filter_map(|p| p["status"].as_u64()).collect();
    assert_eq!(statuses, vec![200, 400, 200], "{again}");
    let published = pipeline.read("published", 4, Duration::from_secs(90), Duration::from_secs(3));
    assert_eq!(published.len(), 4, "every accepted story is published once");
}
