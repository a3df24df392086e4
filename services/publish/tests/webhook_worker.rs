//! The webhook workers against a local HTTP server, without Kafka: retries,
//! `Retry-After`, refusals, dead letters, the finished mark surviving a
//! restart, and a slice that moves away between attempts. Jobs are committed
//! to the outbox as the runtime would after a batch.

use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswire_publish::dead_letter::DeadLetters;
use newswire_publish::dispatcher::{Dispatcher, Queues, RetryPolicy};
use newswire_publish::filter::Filter;
use newswire_publish::metrics::PublishMetrics;
use newswire_publish::outbox::{Outbox, Progress};
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

/// Publish's local store and its outbox, in one database, as the service opens them.
struct State {
    store: DeliveryStore,
    outbox: Outbox,
    _dir: tempfile::TempDir,
}

impl State {
    fn open() -> State {
        let dir = tempfile::tempdir().unwrap();
        let store = DeliveryStore::open(dir.path()).unwrap();
        let outbox = Outbox::open(store.db(), "newswire").unwrap();
        State { store, outbox, _dir: dir }
    }

    /// Queues `jobs` in slice 0 and commits them, as a batch would.
    fn commit(&mut self, jobs: &[WebhookJob]) {
        for job in jobs {
            self.outbox.push(0, job).unwrap();
        }
        self.outbox.store_mut().commit_staged().unwrap();
    }
}

/// A dispatcher and the runtime its workers run on, delivering the jobs of
/// the slices `progress` owns; dropping both stops them.
fn start(url: &str, state: &State, progress: &Arc<Progress>, max_attempts: u32, dlq: Arc<Recorder>) -> (Dispatcher, tokio::runtime::Runtime) {
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
    let queues = Queues { store: state.store.clone(), outbox: state.outbox.reader(), progress: progress.clone() };
    let dispatcher = Dispatcher::start(&[sub], queues, policy, dlq, metrics, &tasks).unwrap();
    dispatcher.ring_all();
    (dispatcher, runtime)
}

/// A progress owning slice 0.
fn owning_slice_0() -> Arc<Progress> {
    let progress = Arc::new(Progress::default());
    progress.set_owned(&[0]);
    progress
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn bodies(srv: &Server) -> Vec<String> {
    srv.seen.lock().unwrap().iter().map(|(_, _, b)| String::from_utf8_lossy(b).into_owned()).collect()
}

#[test]
fn a_429_with_retry_after_waits_that_long_then_delivers_signed() {
    let srv = server(vec!["429 Too Many\r\nretry-after: 1", "200 OK"]);
    let mut state = State::open();
    state.commit(&[job("urn:a")]);
    let dlq = Arc::new(Recorder::default());
    let progress = owning_slice_0();
    let _d = start(&srv.url, &state, &progress, 5, dlq.clone());
    wait_until("delivered", || state.store.finished_here(&job("urn:a")).unwrap());
    assert_eq!(progress.finished().len(), 1, "handed to the stage for removal");
    let seen = srv.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].0 - seen[0].0;
    assert!(gap >= Duration::from_millis(950), "Retry-After: 1 honoured, waited {gap:?}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert_eq!(verify(&seen[1].1, b"secret", &seen[1].2, now, 60), Ok(()));
    assert!(dlq.0.lock().unwrap().is_empty());
}

#[test]
fn a_404_is_dead_lettered_at_once_and_marked_finished() {
    let srv = server(vec!["404 Not Found"]);
    let mut state = State::open();
    state.commit(&[job("urn:b")]);
    let dlq = Arc::new(Recorder::default());
    let _d = start(&srv.url, &state, &owning_slice_0(), 5, dlq.clone());
    wait_until("dead", || state.store.finished_here(&job("urn:b")).unwrap());
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
    let mut state = State::open();
    state.commit(&[job("urn:c")]);
    let dlq = Arc::new(Recorder::default());
    let _d = start(&url, &state, &owning_slice_0(), 3, dlq.clone());
    wait_until("dead", || state.store.finished_here(&job("urn:c")).unwrap());
    let dead = dlq.0.lock().unwrap().clone();
    assert_eq!(dead[0].1, "webhook_retries_exhausted");
    assert!(dead[0].2.contains("after 3 attempts") && dead[0].2.contains("connection"), "{}", dead[0].2);
}

#[test]
fn a_delivered_job_is_not_sent_again_after_a_restart_before_its_removal_and_order_is_kept() {
    let srv = server(vec!["200 OK"]);
    let mut state = State::open();
    state.commit(&[job("urn:1"), job("urn:2"), job("urn:3")]);
    let dlq = Arc::new(Recorder::default());
    {
        let progress = owning_slice_0();
        let _d = start(&srv.url, &state, &progress, 3, dlq.clone());
        wait_until("all three delivered", || progress.finished().len() == 3);
    }
    // A restart on the same disk: the removals never committed, the local marks say finished.
    let progress = owning_slice_0();
    let _again = start(&srv.url, &state, &progress, 3, dlq.clone());
    state.commit(&[job("urn:4")]);
    _again.0.ring_all();
    wait_until("the fourth delivered", || bodies(&srv).len() == 4);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(bodies(&srv), [r#"{"uri":"urn:1"}"#, r#"{"uri":"urn:2"}"#, r#"{"uri":"urn:3"}"#, r#"{"uri":"urn:4"}"#]);
    assert_eq!(progress.finished().len(), 4, "the three found marked are handed to the stage for removal too");
}

#[test]
fn a_job_whose_slice_moves_to_another_instance_between_attempts_is_left_to_it() {
    let srv = server(vec!["503 Busy"]);
    let mut state = State::open();
    state.commit(&[job("urn:moving")]);
    let dlq = Arc::new(Recorder::default());
    let progress = owning_slice_0();
    let _d = start(&srv.url, &state, &progress, 1000, dlq.clone());
    wait_until("a first attempt", || !bodies(&srv).is_empty());
    progress.set_owned(&[1]);
    std::thread::sleep(Duration::from_millis(300));
    let attempts = bodies(&srv).len();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(bodies(&srv).len(), attempts, "no attempt after the slice moved away");
    assert!(!state.store.finished_here(&job("urn:moving")).unwrap() && progress.finished().is_empty(), "not finished here: the new owner sends it");
    assert!(dlq.0.lock().unwrap().is_empty());
}
