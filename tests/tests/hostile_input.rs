//! Bad input, end to end: every hostile body gets a 4xx with a reason at ingest
//! or a dead letter with a reason later (or, for a page that is merely nasty, a
//! clean article with the nastiness removed; for a story whose metadata is
//! unusable, the story with the problem recorded); no service crashes, hangs or
//! grows without bound.

use std::io::Write;
use std::time::{Duration, Instant};

use newswire_e2e::{fixture, Pipeline, PA_TOKEN};

struct Case {
    name: &'static str,
    content_type: &'static str,
    content_encoding: Option<&'static str>,
    body: Vec<u8>,
    /// May a sanitized article be published for it (an ugly but real page)?
    may_publish: bool,
    /// The `newswire-field-problems` header its normalized record must carry:
    /// a story whose metadata is unusable is kept, with the problem recorded.
    problems: Option<&'static str>,
}

fn case(name: &'static str, content_type: &'static str, body: impl Into<Vec<u8>>) -> Case {
    Case { name, content_type, content_encoding: None, body: body.into(), may_publish: false, problems: None }
}

/// A story that must be published with these metadata problems recorded.
fn kept_with(problems: &'static str, name: &'static str, content_type: &'static str, body: impl Into<Vec<u8>>) -> Case {
    Case { may_publish: true, problems: Some(problems), ..case(name, content_type, body) }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn cases() -> Vec<Case> {
    let billion_laughs = {
        let mut doc = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
        for i in 1..=9 {
            let prev = if i == 1 { "lol".to_owned() } else { format!("lol{}", i - 1) };
            doc.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
        }
        doc.push_str("]>\n<newsItem guid=\"urn:x\"><contentSet><inlineXML>&lol9;</inlineXML></contentSet></newsItem>");
        doc
    };
    let nested_tags = format!("<html><body><article><h1>Deep page</h1>{}<p>Text.</p>{}</article></body></html>", "<div>".repeat(50_000), "</div>".repeat(50_000));
    let scripts = "<html><head><title>Page with scripts</title><script>alert('x')</script></head><body><article><h1>Harbour reopens after repairs</h1><script>document.write('evil')</script><p>The harbour reopened on Monday after a week of repairs to the quay, officials said.</p><p onclick=\"alert(1)\">Ships returned in the afternoon.</p></article></body></html>";
    let mut bomb = case("gzip bomb (64 MiB of zeros)", "text/plain", gzip(&vec![0u8; 64 * 1024 * 1024]));
    bomb.content_encoding = Some("gzip");
    let mut scripted = case("HTML with scripts", "text/html", scripts);
    scripted.may_publish = true;
    let mut deep_html = case("HTML with 50,000 nested tags", "text/html", nested_tags);
    deep_html.may_publish = true;
    let ninjs_with_date = |date: &str| {
        // Each its own text, so that dedupe does not take one for a copy of another.
        format!(r#"{{"uri":"urn:hostile:{date}","version":"1","versioncreated":"{date}","headlines":[{{"value":"A story dated {date}"}}],"bodies":[{{"value":"The body of the story dated {date}."}}]}}"#)
    };
    vec![
        case("empty body", "text/plain", ""),
        case("malformed XML", "application/xml", "<?xml version=\"1.0\"?><newsItem guid=\"urn:x\"><itemMeta></newsItem>"),
        case("truncated XML", "application/xml", String::from_utf8_lossy(&fixture("pa-truss-lavrov-2022-02-14.txt")[..10]).replace(' ', "<")),
        case("malformed JSON", "application/json", "{\"uri\": \"urn:x\", \"headlines\": [ }"),
        case("truncated JSON", "application/json", "{\"uri\": \"urn:x\", \"headlines\": [{\"value\": \"Trunc"),
        case("XXE", "application/xml", "<?xml version=\"1.0\"?><!DOCTYPE n [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><newsItem guid=\"urn:x\">&xxe;</newsItem>"),
        case("billion laughs", "application/xml", billion_laughs),
        bomb,
        case("invalid UTF-8", "text/plain; charset=utf-8", b"Headline\n\nBody \xff\xfe\xfd here.".to_vec()),
        case("Latin-1 bytes declared as UTF-8", "text/plain; charset=utf-8", b"Caf\xe9 society reopens\n\nBy Desk\n\nThe caf\xe9 reopened.".to_vec()),
        case("10 MB single line", "text/plain", vec![b'a'; 10 * 1024 * 1024]),
        case("deeply nested JSON", "application/json", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
        scripted,
        deep_html,
        kept_with("versioncreated:out_of_range", "year 0 date", "application/json", ninjs_with_date("0000-01-01T00:00:00Z")),
        kept_with("versioncreated:unreadable", "year 99999 date", "application/json", ninjs_with_date("99999-01-01T00:00:00Z")),
        kept_with("versioncreated:placeholder", "CMS placeholder date", "application/json", ninjs_with_date("0001-01-01T00:00:00Z")),
    ]
}

#[test]
fn every_hostile_input_gets_a_reason_and_no_service_falls_over() {
    let pipeline = Pipeline::start();
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
    let mut accepted = Vec::new();
    for case in cases() {
        let mut request = http
            .post(format!("{}/v1/stories", pipeline.ingest_url))
            .bearer_auth(PA_TOKEN)
            .header("content-type", case.content_type)
            .body(case.body.clone());
        if let Some(encoding) = case.content_encoding {
            request = request.header("content-encoding", encoding);
        }
        let started = Instant::now();
        let response = request.send().unwrap_or_else(|e| panic!("{}: no answer from ingest: {e}", case.name));
        assert!(started.elapsed() < Duration::from_secs(30), "{}: ingest took {:?}", case.name, started.elapsed());
        let status = response.status().as_u16();
        let answer: serde_json::Value = response.json().unwrap_or(serde_json::Value::Null);
        match status {
            400..=499 => {
                assert!(case.problems.is_none(), "{}: a story with unusable metadata was refused: {status} {answer}", case.name);
                let (error, detail) = (answer["error"].as_str().unwrap_or(""), answer["detail"].as_str().unwrap_or(""));
                assert!(!error.is_empty() && !detail.is_empty(), "{}: {status} without a reason: {answer}", case.name);
            }
            202 => accepted.push((case.name, case.may_publish, case.problems, answer["id"].as_str().unwrap_or_default().to_owned())),
            other => panic!("{}: unexpected status {other}: {answer}", case.name),
        }
    }

    // What ingest accepted must end as a dead letter with a reason, or (for a nasty
    // but real page) as a published article with the nastiness removed.
    // Each accepted input ends in one of the two topics; read until all are accounted for.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (dead, published) = loop {
        let dead = pipeline.read("dlq", 0, Duration::ZERO, Duration::from_secs(5));
        let published = pipeline.read("published", 0, Duration::ZERO, Duration::from_secs(5));
        let settled = accepted.iter().all(|(_, _, _, id)| dead.iter().chain(&published).any(|r| &r.key == id));
        if settled || Instant::now() > deadline {
            break (dead, published);
        }
    };
    let normalized = pipeline.read("normalized", 0, Duration::ZERO, Duration::from_secs(5));
    for (name, may_publish, problems, id) in &accepted {
        let dead_letter = dead.iter().find(|d| &d.key == id);
        let article = published.iter().find(|p| &p.key == id);
        if let Some(expected) = problems {
            assert!(dead_letter.is_none(), "{name}: unusable metadata lost the story: {:?}", dead_letter.map(|d| &d.headers));
            let record = normalized.iter().find(|r| &r.key == id).unwrap_or_else(|| panic!("{name}: not normalized"));
            assert_eq!(record.headers.get("newswire-field-problems").map(String::as_str), Some(*expected), "{name}");
            assert_eq!(record.json()["newswire"]["problems"][0]["kind"], expected.split(':').nth(1).unwrap_or_default(), "{name}");
        }
        match (dead_letter, article) {
            (Some(d), _) => assert!(!d.headers.get("newswire-dlq-reason").map(String::as_str).unwrap_or("").is_empty(), "{name}: dead letter without reason"),
            (None, Some(a)) if *may_publish => {
                let text = String::from_utf8_lossy(&a.payload);
                assert!(!text.contains("<script") && !text.contains("alert(") && !text.contains("onclick"), "{name}: script content published: {text}");
            }
            _ => panic!("{name}: accepted (id {id}) but neither dead-lettered nor published"),
        }
    }

    for service in newswire_e2e::SERVICES {
        assert!(pipeline.pid(service).is_some(), "{service} is gone");
        let health = reqwest::blocking::get(format!("http://127.0.0.1:{}/health", pipeline.admin_port(service)));
        assert!(health.is_ok_and(|r| r.status().is_success()), "{service} stopped answering; log:\n{}", pipeline.log(service));
        let rss = std::fs::read_to_string(format!("/proc/{}/status", pipeline.pid(service).unwrap_or(0))).unwrap_or_default();
        let peak_kb: u64 = rss.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0);
        assert!(peak_kb < 512 * 1024, "{service} peaked at {} MiB on hostile input", peak_kb / 1024);
    }
}
