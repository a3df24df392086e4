//! WebSub end to end: the real ingest binary and broker, a hub and a feed on
//! loopback. Ingest polls the feed, finds its hub, subscribes; the test plays
//! the hub (verification of intent, then a signed content push), and the
//! pushed item reaches `newswire.raw` once.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use newswire_e2e::{free_port, Pipeline};

/// A loopback server answering every request with `answer(method, path, body)`
/// (status, content type, body); returns its base URL.
fn serve(answer: impl Fn(&str, &str, &[u8]) -> (u16, String) + Send + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let (mut line, mut length) = (String::new(), 0usize);
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut parts = request_line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let (status, text) = answer(method, path, &body);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                text.len()
            );
            let mut stream = reader.into_inner();
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(text.as_bytes());
        }
    });
    base
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[test]
fn a_hubs_signed_push_reaches_raw_once_and_an_unsigned_one_is_refused() {
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = requests.clone();
    let hub = serve(move |_, _, body| {
        log.lock().expect("log").push(String::from_utf8_lossy(body).into_owned());
        (202, String::new())
    });
    let topic_holder: Arc<Mutex<String>> = Arc::default();
    let topic_for_feed = topic_holder.clone();
    let feed = serve(move |_, _, _| {
        let topic = topic_for_feed.lock().expect("topic").clone();
        (200, format!("<rss xmlns:atom='http://www.w3.org/2005/Atom'><channel><atom:link rel='hub' href='{hub}/hub'/><atom:link rel='self' href='{topic}'/><item><guid>polled-1</guid><title>Polled</title></item></channel></rss>"))
    });
    let topic = format!("{feed}/rss");
    *topic_holder.lock().expect("topic") = topic.clone();

    let port = free_port();
    let ingest = format!("http://127.0.0.1:{port}");
    let polls = format!("[{{feed=\"pa\", url=\"{topic}\", interval_secs=1, allow_private=true}}]");
    let pipeline = Pipeline::start_with(&[
        ("NEWSWIRE_INGEST_POLLS", polls.as_str()),
        ("NEWSWIRE_INGEST_ADDR", &format!("127.0.0.1:{port}")),
        ("NEWSWIRE_INGEST_WEBSUB_CALLBACK_URL", &ingest),
    ]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while requests.lock().expect("log").is_empty() {
        assert!(Instant::now() < deadline, "ingest never asked the hub; log:\n{}", pipeline.log("ingest"));
        std::thread::sleep(Duration::from_millis(100));
    }
    let form: Vec<(String, String)> = reqwest::Url::parse(&format!("http://x/?{}", requests.lock().expect("log")[0]))
        .expect("form")
        .query_pairs()
        .into_owned()
        .collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!((field("hub.mode").as_str(), field("hub.topic")), ("subscribe", topic.clone()));
    let (callback, secret) = (field("hub.callback"), field("hub.secret"));
    assert!(callback.starts_with(&format!("{ingest}/v1/websub/")), "{callback}");

    let http = reqwest::blocking::Client::new();
    let challenge = http
        .get(&callback)
        .query(&[("hub.mode", "subscribe"), ("hub.topic", topic.as_str()), ("hub.challenge", "c-1"), ("hub.lease_seconds", "3600")])
        .send()
        .expect("verify");
    assert_eq!(challenge.status().as_u16(), 200);
    assert_eq!(challenge.text().expect("text"), "c-1");

    let pushed = b"<rss><channel><item><guid>pushed-1</guid><title>Pushed by the hub</title></item></channel></rss>".to_vec();
    let push = |signature: Option<String>| {
        let mut request = http.post(&callback).header("content-type", "application/rss+xml").body(pushed.clone());
        if let Some(signature) = signature {
            request = request.header("x-hub-signature", signature);
        }
        let response = request.send().expect("push");
        (response.status().as_u16(), response.text().unwrap_or_default())
    };
    let (status, answer) = push(None);
    assert_eq!(status, 401, "{answer}");
    let (status, answer) = push(Some(sign("wrong secret", &pushed)));
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = push(Some(sign(&secret, &pushed)));
    assert_eq!(status, 202, "{answer}");
    let (status, answer) = push(Some(sign(&secret, &pushed)));
    assert_eq!(status, 200, "the same push again is a duplicate: {answer}");

    let raw = pipeline.read("raw", 2, Duration::from_secs(30), Duration::from_secs(3));
    assert_eq!(raw.len(), 2, "the polled item and the pushed one, each once");
    let pushed_records: Vec<_> = raw.iter().filter(|r| r.payload.windows(8).any(|w| w == b"pushed-1")).collect();
    assert_eq!(pushed_records.len(), 1);
    assert_eq!(pushed_records[0].headers.get("newswire-feed").map(String::as_str), Some("pa"));
    assert_eq!(pushed_records[0].headers.get("newswire-format").map(String::as_str), Some("rss-item"));
}
