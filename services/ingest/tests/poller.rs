//! Feed pollers against a local HTTP server on 127.0.0.1, with a producer
//! aimed at a port where no broker listens (the full poll-and-deliver path
//! with Kafka is in `tests/tests/ingest_api.rs`): address checks on every
//! hop, redirects remembered or not, throttling, the per-host limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use newswire_ingest::config::PollConfig;
use newswire_ingest::deliver::Delivery;
use newswire_ingest::poll::fetch::Fetcher;
use newswire_ingest::poll::memory::PollMemory;
use newswire_ingest::poll::poller::{PollOutcome, Poller};
use newswire_ingest::repush::RepushStore;
use newswire_ingest::stories::ShapeLimits;
use newswire_shared::metrics::Metrics;

mod common;

const RSS: &str =
    "<rss version='2.0'><channel><item><guid>p-1</guid></item><item><guid>p-2</guid></item></channel></rss>";

/// What the test server got: each request's path and If-None-Match.
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A server on 127.0.0.1 answering each path as `answer` says; returns its base URL.
async fn server(answer: fn(&str, &HeaderMap, &str) -> Response, log: Log) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move |State(base): State<String>, request: Request| {
        let log = log.clone();
        async move {
            let path = request.uri().path().to_owned();
            let etag = request.headers().get("if-none-match").and_then(|v| v.to_str().ok()).map(str::to_owned);
            log.lock().unwrap().push((path.clone(), etag));
            answer(&path, request.headers(), &base)
        }
    });
    let app = app.with_state(base.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn redirect(status: u16, to: String) -> Response {
    (StatusCode::from_u16(status).unwrap(), [("location", to)]).into_response()
}

fn rss(headers: &HeaderMap) -> Response {
    if headers.get("if-none-match").is_some_and(|v| v == "\"e1\"") {
        return (StatusCode::NOT_MODIFIED, [("etag", "\"e1\"")]).into_response();
    }
    (StatusCode::OK, [("etag", "\"e1\""), ("content-type", "application/rss+xml")], RSS).into_response()
}

/// The routes every test uses.
fn routes(path: &str, headers: &HeaderMap, base: &str) -> Response {
    match path {
        "/rss" => rss(headers),
        "/old" => redirect(301, format!("{base}/mid")),
        "/mid" => redirect(308, "/new".into()),
        "/new" => rss(headers),
        "/away" => redirect(302, format!("{base}/new")),
        "/loop" => redirect(307, "/loop".into()),
        "/metadata" => redirect(302, "http://169.254.169.254/latest/meta-data/".into()),
        "/other-loopback" => redirect(301, base.replace("127.0.0.1", "127.0.0.2") + "/rss"),
        "/busy" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "600")]).into_response(),
        "/busy-date" => {
            let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(7200));
            (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", later)]).into_response()
        }
        "/busy-bare" => StatusCode::TOO_MANY_REQUESTS.into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

struct Setup {
    metrics: Arc<Metrics>,
    store: RepushStore,
    fetcher: Fetcher,
    delivery: Delivery,
}

fn setup(dir: &std::path::Path) -> Setup {
    let store = RepushStore::open(dir, 3_600_000).unwrap();
    let (delivery, metrics) = common::offline_delivery(&store);
    Setup { metrics, store, fetcher: common::fetcher(), delivery }
}

/// The test server started, and a poller setup in a fresh directory.
async fn started() -> (Log, String, tempfile::TempDir, Setup) {
    let log = Log::default();
    let base = server(routes, log.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let setup = setup(dir.path());
    (log, base, dir, setup)
}

impl Setup {
    fn poller(&self, config: PollConfig) -> Poller {
        Poller {
            config: PollConfig { feed: "pa".into(), idle_alert_secs: 0, ..config },
            delivery: self.delivery.clone(),
            shape: ShapeLimits::default(),
            fetcher: self.fetcher.clone(),
            memory: PollMemory::open(&self.store).unwrap(),
            websub: None,
        }
    }

    fn metric(&self, line: &str) -> bool {
        self.metrics.render().lines().any(|l| l == line)
    }
}

fn loopback(url: String) -> PollConfig {
    PollConfig { url, allow_private: true, ..PollConfig::default() }
}

fn paths(log: &Log) -> Vec<String> {
    log.lock().unwrap().iter().map(|(path, _)| path.clone()).collect()
}

#[tokio::test]
async fn a_loopback_feed_is_not_fetched_unless_the_feed_allows_private_addresses() {
    let (log, base, _dir, setup) = started().await;
    let poller = setup.poller(PollConfig { url: format!("{base}/rss"), ..PollConfig::default() });
    let mut state = poller.state();
    let outcome = poller.poll_once(&mut state).await;
    assert!(
        matches!(&outcome, PollOutcome::Failed { reason: "address", detail } if detail.contains("127.0.0.1")),
        "{outcome:?}"
    );
    assert!(log.lock().unwrap().is_empty(), "the server was never contacted");
    assert_eq!(state.failures, 1, "a failure counts toward the backoff");
    assert!(setup.metric("newswire_ingest_polls_total{feed=\"pa\",outcome=\"address\",stage=\"ingest\"} 1"));
    assert!(setup.metric("newswire_poll_requests_total{feed=\"pa\",outcome=\"error\",stage=\"ingest\"} 1"));
}

#[tokio::test]
async fn a_document_kafka_did_not_take_is_fetched_again_in_full_next_time() {
    let (log, base, _dir, setup) = started().await;
    let poller = setup.poller(loopback(format!("{base}/rss")));
    let mut state = poller.state();
    for round in 1..=2 {
        let outcome = poller.poll_once(&mut state).await;
        assert!(matches!(outcome, PollOutcome::Failed { reason: "unavailable", .. }), "{outcome:?}");
        assert_eq!(state.failures, round);
    }
    let sent: Vec<_> = log.lock().unwrap().iter().map(|(_, etag)| etag.clone()).collect();
    assert_eq!(sent, vec![None, None], "no ETag is sent for a document that was not delivered");
    assert!(setup.metric("newswire_poll_requests_total{feed=\"pa\",outcome=\"ok\",stage=\"ingest\"} 2"));
}

#[tokio::test]
async fn a_permanent_redirect_chain_is_remembered_across_restarts_and_logged_once() {
    let log = Log::default();
    let base = server(routes, log.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    {
        let setup = setup(dir.path());
        let poller = setup.poller(loopback(format!("{base}/old")));
        let mut state = poller.state();
        poller.poll_once(&mut state).await;
        assert_eq!(state.remembered.moved_to, Some(format!("{base}/new")));
        assert_eq!(poller.url(&state), format!("{base}/new"));
        poller.poll_once(&mut state).await;
        assert!(setup.metric("newswire_poll_requests_total{feed=\"pa\",outcome=\"redirected\",stage=\"ingest\"} 2"));
        assert!(setup.metric("newswire_poll_moves_total{feed=\"pa\",stage=\"ingest\"} 1"), "{}", setup.metrics.render());
        setup.store.flush().await.unwrap();
    }
    assert_eq!(paths(&log), ["/old", "/mid", "/new", "/new"], "after the move the new URL is polled directly");
    let setup = setup(dir.path());
    let poller = setup.poller(loopback(format!("{base}/old")));
    let mut state = poller.state();
    assert_eq!(poller.url(&state), format!("{base}/new"), "the move survives a restart");
    poller.poll_once(&mut state).await;
    assert_eq!(paths(&log).last().map(String::as_str), Some("/new"));
    assert!(!setup.metrics.render().contains("newswire_poll_moves_total{"), "a known move is not announced again");
    let moved = setup.poller(loopback(format!("{base}/rss")));
    assert_eq!(moved.url(&moved.state()), format!("{base}/rss"), "a feed configured at another URL starts afresh");
}

#[tokio::test]
async fn a_temporary_redirect_is_followed_for_one_poll_only() {
    let (log, base, _dir, setup) = started().await;
    let poller = setup.poller(loopback(format!("{base}/away")));
    let mut state = poller.state();
    poller.poll_once(&mut state).await;
    poller.poll_once(&mut state).await;
    assert_eq!(state.remembered.moved_to, None);
    assert_eq!(paths(&log), ["/away", "/new", "/away", "/new"]);
}

#[tokio::test]
async fn a_redirect_loop_stops_after_the_allowed_hops() {
    let (log, base, _dir, setup) = started().await;
    let poller = setup.poller(loopback(format!("{base}/loop")));
    let mut state = poller.state();
    let outcome = poller.poll_once(&mut state).await;
    assert!(matches!(&outcome, PollOutcome::Failed { reason: "redirect", detail } if detail.contains("more than 3")), "{outcome:?}");
    assert_eq!(paths(&log).len(), 4, "the first request and three hops");
}

#[tokio::test]
async fn a_redirect_into_a_forbidden_range_is_refused_before_connecting() {
    let (log, base, _dir, setup) = started().await;
    // The feed may reach this one loopback address, as a test server needs; nothing else that is not public.
    let only_here = |path: &str| PollConfig {
        url: format!("{base}{path}"),
        allow_addresses: vec!["127.0.0.1".parse().unwrap()],
        ..PollConfig::default()
    };
    let poller = setup.poller(only_here("/rss"));
    let outcome = poller.poll_once(&mut poller.state()).await;
    assert!(matches!(outcome, PollOutcome::Failed { reason: "unavailable", .. }), "the allowed address is fetched: {outcome:?}");
    for (path, refused) in [("/metadata", "169.254.169.254"), ("/other-loopback", "127.0.0.2")] {
        let poller = setup.poller(only_here(path));
        let mut state = poller.state();
        let outcome = poller.poll_once(&mut state).await;
        assert!(
            matches!(&outcome, PollOutcome::Failed { reason: "address", detail } if detail.contains(refused)),
            "{path}: {outcome:?}"
        );
        assert_eq!(state.remembered.moved_to, None, "a refused move is not remembered");
    }
    assert_eq!(paths(&log), ["/rss", "/metadata", "/other-loopback"], "the forbidden hops were never requested");
    assert!(setup.metric("newswire_poll_requests_total{feed=\"pa\",outcome=\"redirected\",stage=\"ingest\"} 2"));
    assert!(setup.metric("newswire_poll_requests_total{feed=\"pa\",outcome=\"error\",stage=\"ingest\"} 2"));
}

#[tokio::test]
async fn throttling_answers_are_honoured_with_their_retry_after_within_the_bounds() {
    let (log, base, _dir, setup) = started().await;
    let config = |path: &str| PollConfig { interval_secs: 10, min_interval_secs: 5, max_interval_secs: 3600, ..loopback(format!("{base}{path}")) };

    let poller = setup.poller(config("/busy"));
    let mut state = poller.state();
    let outcome = poller.poll_once(&mut state).await;
    assert_eq!(outcome, PollOutcome::Throttled { status: 429, retry_after: Some(Duration::from_secs(600)) });
    assert_eq!((state.failures, state.wait.as_secs()), (1, 600), "Retry-After: 600 is waited out");

    let poller = setup.poller(config("/busy-date"));
    let mut state = poller.state();
    let outcome = poller.poll_once(&mut state).await;
    assert!(matches!(outcome, PollOutcome::Throttled { status: 503, retry_after: Some(after) } if after.as_secs() > 7000), "{outcome:?}");
    assert_eq!(state.wait, Duration::from_secs(3600), "an HTTP-date two hours away is held to the maximum");

    let poller = setup.poller(config("/busy-bare"));
    let mut state = poller.state();
    let waits: Vec<u64> = futures_waits(&poller, &mut state, 3).await;
    assert!(waits[0] >= 20 && waits[0] < 30 && waits[1] >= 40 && waits[2] >= 80, "backoff doubles, with jitter: {waits:?}");
    assert_eq!(log.lock().unwrap().len(), 5, "one request per poll");
    assert!(setup.metric("newswire_poll_requests_total{feed=\"pa\",outcome=\"throttled\",stage=\"ingest\"} 5"));
    assert!(setup.metric("newswire_ingest_polls_total{feed=\"pa\",outcome=\"throttled\",stage=\"ingest\"} 5"));
}

async fn futures_waits(poller: &Poller, state: &mut newswire_ingest::poll::poller::PollState, n: usize) -> Vec<u64> {
    let mut waits = Vec::new();
    for _ in 0..n {
        poller.poll_once(state).await;
        waits.push(state.wait.as_secs());
    }
    waits
}

#[tokio::test]
async fn no_more_than_the_per_host_limit_of_requests_are_in_flight_at_once() {
    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/feed", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(|| async {
        let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
        MOST.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        StatusCode::NOT_MODIFIED
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let setup = setup(dir.path());
    let polls = (0..6).map(|_| {
        let poller = setup.poller(loopback(url.clone()));
        tokio::spawn(async move { poller.poll_once(&mut poller.state()).await })
    });
    for poll in polls.collect::<Vec<_>>() {
        assert_eq!(poll.await.unwrap(), PollOutcome::NotModified);
    }
    assert_eq!(MOST.load(Ordering::SeqCst), 2, "six feeds on one host, two requests at a time");
}
