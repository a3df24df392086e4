//! The webhook workers against a local HTTP server, without Kafka: retries,
//! `Retry-After`, refusals, dead letters, and the done mark surviving a restart.

use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswire_publish::dead_letter::DeadLetters;
use newswire_publish::dispatcher::{Dispatcher, RetryPolicy};
use newswire_publish::filter::Filter;
use newswire_publish::metrics::PublishMetrics;
use newswire_publish::retry::Backoff;
use newswire_publish::signature::verify;
use newswire_publish::store::{DeliveryStore, WebhookJob};
use newswire_publish::subscription::{Subscription, WebhookTarget};
use newswire_shared::supervise::Supervisor;
use tokio_util::sync::CancellationToken;

/// Dead letters kept in memory: (uri, reason, detail).
#[derive(Default)]
struct Recorder(Mutex<Vec<(String, String, String)>>);

impl DeadLetters for Recorder {
    fn dead_letter<'a>(
        &'a self,
        job: &'a WebhookJob,
        reason: &'a str,
        detail: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        self.0.lock().unwrap().push((job.uri.clone(), reason.to_owned(), detail.to_owned()));
        Box::pin(async { Ok(()) })
    }
}

/// Requests a server saw: when, the signature header, the body.
type Seen = Arc<Mutex<Vec<(Instant, String, Vec<u8>)>>>;

/// A server answering the n-th request (0-based) with `answers[min(n, last)]`,
/// recording when each request came and its signature header and body.
struct Server {
    url: String,
    seen: Seen,
}

fn server(answers: Vec<&'static str>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let mut length = 0;
            let mut signature = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let h = line.trim_end().to_owned();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap(),
                    "x-newswire-signature" => signature = v.trim().to_owned(),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let n = {
                let mut log = log.lock().unwrap();
                log.push((Instant::now(), signature, body));
                log.len() - 1
            };
            let answer = answers[n.min(answers.len() - 1)];
            let mut stream = stream;
            let _ = write!(stream, "HTTP/1.1 {answer}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    Server { url, seen }
}

fn job(uri: &str) -> WebhookJob {
    WebhookJob {
        delivery_id: format!("id-{uri}"),
        subscriber: "sub".into(),
        uri: uri.into(),
        version: 1,
        kill: false,
        withheld: false,
        body: format!("{{\"uri\":\"{uri}\"}}"),
        trace_id: String::new(),
    }
}

/// A dispatcher and the runtime its workers run on; dropping both stops them.
fn start(url: &str, store: &DeliveryStore, max_attempts: u32, dlq: Arc<Recorder>) -> (Dispatcher, tokio::runtime::Runtime) {
    let sub = Subscription {
        name: "sub".into(),
        filter: Filter::default(),
        topic: false,
        webhook: Some(WebhookTarget { url: url.into(), secret: "secret".into() }),
        embargo: Default::default(),
        format: Default::default(),
        extended: false,
        api: None,
    };
    let policy = RetryPolicy {
        max_attempts,
        backoff: Backoff { initial: Duration::from_millis(20), max: Duration::from_secs(5) },
        timeout: Duration::from_secs(5),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let tasks = {
        let _inside = runtime.enter();
        Supervisor::new(CancellationToken::new())
    };
    let metrics = Arc::new(PublishMetrics::default());
    let dispatcher = Dispatcher::start(&[sub], store.clone(), policy, dlq, metrics, &tasks).unwrap();
    dispatcher.release(u64::MAX, ["sub"]);
    (dispatcher, runtime)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_429_with_retry_after_waits_that_long_then_delivers_signed() {
    let srv = server(vec!["429 Too Many\r\nretry-after: 1", "200 OK"]);
    let dir = tempfile::tempdir().unwrap();
    let store = DeliveryStore::open(dir.path()).unwrap();
    store.enqueue(&[job("urn:a")]).unwrap();
    let dlq = Arc::new(Recorder::default());
    let _d = start(&srv.url, &store, 5, dlq.clone());
    wait_until("delivered", || store.job_state(&job("urn:a")).unwrap().as_deref() == Some("done"));
    let seen = srv.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].0 - seen[0].0;
    assert!(gap >= Duration::from_millis(950), "Retry-After: 1 honoured, waited {gap:?}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert_eq!(verify(&seen[1].1, b"secret", &seen[1].2, now, 60), Ok(()));
    assert!(dlq.0.lock().unwrap().is_empty());
}

#[test]
fn a_404_is_dead_lettered_at_once_and_marked_dead() {
    let srv = server(vec!["404 Not Found"]);
    let dir = tempfile::tempdir().unwrap();
    let store = DeliveryStore::open(dir.path()).unwrap();
    store.enqueue(&[job("urn:b")]).unwrap();
    let dlq = Arc::new(Recorder::default());
    let _d = start(&srv.url, &store, 5, dlq.clone());
    wait_until("dead", || store.job_state(&job("urn:b")).unwrap().as_deref() == Some("dead"));
    assert_eq!(srv.seen.lock().unwrap().len(), 1, "no retry on 404");
    let dead = dlq.0.lock().unwrap().clone();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].1, "webhook_rejected");
    assert!(dead[0].2.contains("HTTP 404"), "{}", dead[0].2);
}

#[test]
fn an_unreachable_subscriber_is_retried_up_to_max_attempts_then_dead_lettered() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let store = DeliveryStore::open(dir.path()).unwrap();
    store.enqueue(&[job("urn:c")]).unwrap();
    let dlq = Arc::new(Recorder::default());
    let _d = start(&url, &store, 3, dlq.clone());
    wait_until("dead", || store.job_state(&job("urn:c")).unwrap().as_deref() == Some("dead"));
    let dead = dlq.0.lock().unwrap().clone();
    assert_eq!(dead[0].1, "webhook_retries_exhausted");
    assert!(dead[0].2.contains("after 3 attempts") && dead[0].2.contains("connection"), "{}", dead[0].2);
}

#[test]
fn a_delivered_job_is_not_sent_again_after_a_restart_and_order_is_kept() {
    let srv = server(vec!["200 OK"]);
    let dir = tempfile::tempdir().unwrap();
    let store = DeliveryStore::open(dir.path()).unwrap();
    store.enqueue(&[job("urn:1"), job("urn:2"), job("urn:3")]).unwrap();
    let dlq = Arc::new(Recorder::default());
    {
        let _d = start(&srv.url, &store, 3, dlq.clone());
        wait_until("all three delivered", || store.depth("sub") == 0);
    }
    let _again = start(&srv.url, &store, 3, dlq.clone());
    store.enqueue(&[job("urn:2")]).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let bodies: Vec<String> = srv.seen.lock().unwrap().iter().map(|(_, _, b)| String::from_utf8_lossy(b).into_owned()).collect();
    assert_eq!(bodies, [r#"{"uri":"urn:1"}"#, r#"{"uri":"urn:2"}"#, r#"{"uri":"urn:3"}"#]);
}
