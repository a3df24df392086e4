//! The push API in process, over real HTTP on loopback, with a producer aimed
//! at a port where no broker listens: every refusal path, and the 503 a push
//! gets when Kafka cannot take the write.

use std::sync::Arc;
use std::time::Duration;

use newswire_ingest::auth::token_hash;
use newswire_ingest::config::{FeedConfig, Secret};
use newswire_ingest::deliver::Delivery;
use newswire_ingest::http::{router, ApiLimits, AppState};
use newswire_ingest::live::FeedSet;
use newswire_ingest::repush::RepushStore;
use newswire_ingest::signature;
use newswire_ingest::stories::ShapeLimits;
use newswire_ingest::IngestMetrics;
use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::acked::AckedProducer;
use newswire_shared::metrics::Metrics;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SIGNING_SECRET: &str = "a-long-signing-secret";
const MAX_BODY: usize = 64 * 1024;

struct Api {
    addr: std::net::SocketAddr,
    _dir: tempfile::TempDir,
}

/// Feeds: `pa` (token `pa-token`), `ap` (`ap-token`, must sign), `slow`
/// (`slow-token`, one push a minute).
async fn start_api() -> Api {
    let dir = tempfile::tempdir().unwrap();
    let feeds = [
        FeedConfig { id: "pa".into(), token_sha256: token_hash("pa-token"), ..FeedConfig::default() },
        FeedConfig {
            id: "ap".into(),
            token_sha256: token_hash("ap-token"),
            signing_secret: Some(Secret(SIGNING_SECRET.into())),
            ..FeedConfig::default()
        },
        FeedConfig {
            id: "slow".into(),
            token_sha256: token_hash("slow-token"),
            rate_limit_per_minute: Some(1),
            ..FeedConfig::default()
        },
    ];
    let kafka = KafkaConfig { brokers: "127.0.0.1:1".into(), statistics_interval_ms: 0, ..KafkaConfig::default() };
    let metrics = Arc::new(Metrics::new("ingest"));
    let state = AppState {
        feeds: FeedSet::live(&feeds),
        delivery: Delivery {
            producer: AckedProducer::new(&kafka, "newswire-ingest", "nowhere.raw", Duration::from_millis(300)).unwrap(),
            repush: RepushStore::open(&dir.path().join("ingest"), 7 * 24 * 3600 * 1000).unwrap(),
            metrics: Arc::new(IngestMetrics::register(&metrics)),
            stage_metrics: metrics,
            unavailable_retry_after_secs: 7,
            locks: Arc::default(),
        },
        limits: ApiLimits { max_body_bytes: MAX_BODY, shape: ShapeLimits::default(), signature_tolerance_secs: 300 },
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    Api { addr, _dir: dir }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    json: serde_json::Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn error(&self) -> &str {
        self.json["error"].as_str().unwrap_or_default()
    }
}

/// A minimal HTTP/1.1 exchange (`Connection: close`), enough for these tests.
async fn send(api: &Api, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(api.addr).await.unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    // A refused body may be answered before it is all read; ignore a reset then.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let json = serde_json::from_str(rest).unwrap_or(serde_json::Value::String(rest.to_owned()));
    Answer { status, headers, json }
}

async fn push(api: &Api, token: &str, content_type: &str, extra: &[(&str, &str)], body: &[u8]) -> Answer {
    let auth = format!("Bearer {token}");
    let mut headers = vec![("Authorization", auth.as_str()), ("Content-Type", content_type)];
    headers.extend_from_slice(extra);
    send(api, "POST", "/v1/stories", &headers, body).await
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn missing_or_unknown_credentials_are_refused_before_anything_else() {
    let api = start_api().await;
    let answer = send(&api, "POST", "/v1/stories", &[("Content-Type", "text/plain")], b"story").await;
    assert_eq!((answer.status, answer.error()), (401, "unauthorized"));
    let answer = push(&api, "not-a-token", "text/plain", &[], b"story").await;
    assert_eq!((answer.status, answer.error()), (403, "forbidden"));
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_with_a_json_reason() {
    let api = start_api().await;
    for size in [MAX_BODY + 1, MAX_BODY * 4] {
        let answer = push(&api, "pa-token", "text/plain", &[], &vec![b'a'; size]).await;
        assert_eq!((answer.status, answer.error()), (413, "payload_too_large"), "size {size}: {}", answer.json);
    }
}

#[tokio::test]
async fn a_gzip_bomb_gets_413_and_unknown_encodings_415() {
    let api = start_api().await;
    let bomb =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ingest/gzip-bomb-64MiB-zeros.gz"))
            .unwrap();
    assert!(bomb.len() < MAX_BODY, "the compressed bomb itself is under the limit");
    let answer = push(&api, "pa-token", "text/plain", &[("Content-Encoding", "gzip")], &bomb).await;
    assert_eq!((answer.status, answer.error()), (413, "payload_too_large"), "{}", answer.json);
    let answer = push(&api, "pa-token", "text/plain", &[("Content-Encoding", "br")], b"x").await;
    assert_eq!((answer.status, answer.error()), (415, "unsupported_content_encoding"));
}

#[tokio::test]
async fn content_refusals_carry_their_code_and_position() {
    let api = start_api().await;
    let answer = push(&api, "pa-token", "application/json", &[], b"{\n\"uri\": }").await;
    assert_eq!((answer.status, answer.error()), (400, "malformed_json"));
    assert!(answer.json["detail"].as_str().unwrap().starts_with("line 2"), "{}", answer.json);
    let answer = push(&api, "pa-token", "image/png", &[], b"\x89PNG").await;
    assert_eq!(answer.status, 415);
    let answer = push(
        &api,
        "pa-token",
        "application/xml",
        &[],
        b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
    )
    .await;
    assert_eq!((answer.status, answer.error()), (400, "xml_entities_refused"));
}

#[tokio::test]
async fn a_signing_feed_must_send_a_fresh_valid_signature() {
    let api = start_api().await;
    let body = b"Signed story";
    let answer = push(&api, "ap-token", "text/plain", &[], body).await;
    assert_eq!((answer.status, answer.error()), (401, "signature_required"));
    let stale = now_secs() - 3600;
    let sig = signature::sign(SIGNING_SECRET.as_bytes(), stale, body);
    let stale_ts = stale.to_string();
    let answer = push(
        &api,
        "ap-token",
        "text/plain",
        &[("X-Newswire-Timestamp", &stale_ts), ("X-Newswire-Signature", &sig)],
        body,
    )
    .await;
    assert_eq!((answer.status, answer.error()), (401, "stale_timestamp"));
    let ts = now_secs().to_string();
    let forged = signature::sign(b"wrong-secret-wrong-secret", now_secs(), body);
    let answer =
        push(&api, "ap-token", "text/plain", &[("X-Newswire-Timestamp", &ts), ("X-Newswire-Signature", &forged)], body)
            .await;
    assert_eq!((answer.status, answer.error()), (403, "bad_signature"));
}

#[tokio::test]
async fn when_kafka_cannot_take_the_write_the_push_gets_503_with_retry_after_and_is_not_remembered() {
    let api = start_api().await;
    // A correctly signed push passes every check and reaches the (absent) broker.
    let body = b"Story that cannot be stored";
    let now = now_secs();
    let (ts, sig) = (now.to_string(), signature::sign(SIGNING_SECRET.as_bytes(), now, body));
    for _ in 0..2 {
        let answer = push(
            &api,
            "ap-token",
            "text/plain",
            &[("X-Newswire-Timestamp", &ts), ("X-Newswire-Signature", &sig)],
            body,
        )
        .await;
        assert_eq!((answer.status, answer.error()), (503, "unavailable"), "{}", answer.json);
        assert_eq!(answer.header("retry-after"), Some("7"));
    }
}

#[tokio::test]
async fn a_feed_over_its_rate_limit_gets_429_with_retry_after() {
    let api = start_api().await;
    let first = push(&api, "slow-token", "text/plain", &[], b"").await;
    assert_eq!(first.error(), "empty_body", "the first push is let through to validation");
    let second = push(&api, "slow-token", "text/plain", &[], b"").await;
    assert_eq!((second.status, second.error()), (429, "rate_limited"));
    let wait: u64 = second.header("retry-after").and_then(|v| v.parse().ok()).unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another feed is not affected.
    assert_eq!(push(&api, "pa-token", "text/plain", &[], b"").await.error(), "empty_body");
}

#[tokio::test]
async fn the_openapi_document_is_served_and_describes_the_push_endpoint() {
    let api = start_api().await;
    let answer = send(&api, "GET", "/v1/openapi.json", &[], b"").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json["openapi"], "3.1.0");
    let responses = &answer.json["paths"]["/v1/stories"]["post"]["responses"];
    for status in ["200", "202", "400", "401", "403", "413", "415", "429", "503"] {
        assert!(responses.get(status).is_some(), "status {status} is documented");
    }
    assert!(answer.json["paths"]["/v1/stories/batch"]["post"]["responses"]["207"].is_object(), "the batch endpoint is documented");
}


async fn push_batch(api: &Api, token: &str, content_type: &str, body: &[u8]) -> Answer {
    let auth = format!("Bearer {token}");
    send(api, "POST", "/v1/stories/batch", &[("Authorization", auth.as_str()), ("Content-Type", content_type)], body).await
}

#[tokio::test]
async fn a_batch_answers_each_document_on_its_own_and_writes_nothing_refused() {
    let api = start_api().await;
    let body = newswire_ingest::batch::encode("XB", &[("application/json", b"{not json"), ("text/plain", b"   "), ("application/x-unknown", b"\x00\x01")]);
    let answer = push_batch(&api, "pa-token", "multipart/mixed; boundary=XB", &body).await;
    assert_eq!(answer.status, 207, "{}", answer.json);
    assert_eq!(answer.json["documents"], 3);
    assert_eq!(answer.json["refused"], 3);
    let parts = answer.json["parts"].as_array().unwrap();
    assert_eq!((parts[0]["status"].as_u64(), parts[0]["error"].as_str()), (Some(400), Some("malformed_json")), "{}", answer.json);
    assert_eq!(parts[1]["error"], "empty_body");
    assert!(parts[2]["status"].as_u64().is_some_and(|s| (400..500).contains(&s)), "{}", answer.json);
}

#[tokio::test]
async fn a_batch_whose_stories_kafka_cannot_take_gets_503_for_the_whole_batch() {
    let api = start_api().await;
    let ninjs = br#"{"uri":"urn:test:batch-1","headline":"One","body_text":"Body one."}"#;
    let body = newswire_ingest::batch::encode("XB", &[("application/json", ninjs), ("application/json", b"{not json")]);
    let answer = push_batch(&api, "pa-token", "multipart/mixed; boundary=XB", &body).await;
    assert_eq!((answer.status, answer.error()), (503, "unavailable"), "{}", answer.json);
    assert!(answer.header("retry-after").is_some());
}

#[tokio::test]
async fn a_batch_that_is_not_multipart_or_is_broken_is_refused_with_a_reason() {
    let api = start_api().await;
    let answer = push_batch(&api, "pa-token", "application/json", b"{}").await;
    assert_eq!((answer.status, answer.error()), (415, "unsupported_media_type"), "{}", answer.json);
    let answer = push_batch(&api, "pa-token", "multipart/mixed; boundary=XB", b"--XB\r\nContent-Type: text/plain\r\n\r\nno closing boundary").await;
    assert_eq!((answer.status, answer.error()), (400, "malformed_batch"), "{}", answer.json);
    let answer = push_batch(&api, "not-a-token", "multipart/mixed; boundary=XB", &newswire_ingest::batch::encode("XB", &[("text/plain", b"x")])).await;
    assert_eq!(answer.status, 403);
}

#[tokio::test]
async fn every_document_of_a_batch_counts_against_the_feeds_rate_limit() {
    let api = start_api().await;
    // `slow` may push once a minute: a batch of two could never pass.
    let answer = push_batch(&api, "slow-token", "multipart/mixed; boundary=XB", &newswire_ingest::batch::encode("XB", &[("text/plain", b"a"), ("text/plain", b"b")])).await;
    assert_eq!((answer.status, answer.error()), (413, "batch_over_rate_limit"), "{}", answer.json);
}
