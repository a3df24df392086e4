//! WebSub against a local hub on 127.0.0.1: a polled feed that advertises a
//! hub is subscribed to; the callback echoes the challenge only for what we
//! asked; a content push is taken only with a valid signature. (The producer
//! aims at a port where no broker listens, so a valid push reaches the
//! acceptance path and is answered 503; `tests/tests/websub.rs` takes one
//! through the real broker.)

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use newswire_ingest::config::PollConfig;
use newswire_ingest::http::ApiLimits;
use newswire_ingest::poll::memory::PollMemory;
use newswire_ingest::poll::poller::Poller;
use newswire_ingest::repush::RepushStore;
use newswire_ingest::stories::ShapeLimits;
use newswire_ingest::websub::callback::{self, CallbackState};
use newswire_ingest::websub::signature;
use newswire_ingest::websub::subscriptions::WebSub;

mod common;

type Forms = Arc<Mutex<Vec<Vec<(String, String)>>>>;

async fn serve(app: axum::Router, listener: tokio::net::TcpListener) {
    tokio::spawn(async move { axum::serve(listener, app).await });
}

async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

#[tokio::test]
async fn a_hub_a_feed_advertises_is_subscribed_verified_and_its_pushes_checked_by_signature() {
    // The hub records each subscription request.
    let forms = Forms::default();
    let (hub_listener, hub_base) = bind().await;
    let hub = axum::Router::new()
        .route(
            "/hub",
            post(|State(forms): State<Forms>, body: String| async move {
                forms.lock().unwrap().push(url::form_urlencoded::parse(body.as_bytes()).into_owned().collect());
                StatusCode::ACCEPTED
            }),
        )
        .with_state(forms.clone());
    serve(hub, hub_listener).await;
    // The feed advertises it.
    let (feed_listener, feed_base) = bind().await;
    let topic = format!("{feed_base}/rss");
    let rss = format!(
        "<rss xmlns:atom='http://www.w3.org/2005/Atom'><channel><atom:link rel='hub' href='{hub_base}/hub'/><atom:link rel='self' href='{topic}'/><item><guid>w-1</guid></item></channel></rss>"
    );
    let feed = axum::Router::new().route("/rss", get(move || async move { ([("content-type", "application/rss+xml")], rss) }));
    serve(feed, feed_listener).await;

    let dir = tempfile::tempdir().unwrap();
    let store = RepushStore::open(dir.path(), 3_600_000).unwrap();
    let (delivery, metrics) = common::offline_delivery(&store);
    let (callback_listener, callback_base) = bind().await;
    let websub = WebSub::open(&store, &callback_base, 3600).unwrap();
    let limits = ApiLimits { max_body_bytes: 1 << 20, shape: ShapeLimits::default(), signature_tolerance_secs: 300 };
    serve(callback::router(CallbackState { websub: websub.clone(), delivery: delivery.clone(), limits }), callback_listener).await;
    let poller = Poller {
        config: PollConfig { feed: "pa".into(), url: topic.clone(), allow_private: true, idle_alert_secs: 0, ..PollConfig::default() },
        delivery,
        shape: ShapeLimits::default(),
        fetcher: common::fetcher(),
        memory: PollMemory::open(&store).unwrap(),
        websub: Some(websub.clone()),
    };
    let mut state = poller.state();
    poller.poll_once(&mut state).await;

    let asked = forms.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    let field = |name: &str| asked[0].iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(field("hub.mode"), "subscribe");
    assert_eq!(field("hub.topic"), topic);
    assert_eq!(field("hub.lease_seconds"), "3600");
    let callback = field("hub.callback");
    assert!(callback.starts_with(&format!("{callback_base}/v1/websub/")), "{callback}");
    let secret = field("hub.secret");
    assert!(secret.len() >= 32, "a long random secret");

    let client = reqwest::Client::new();
    let verify = |topic: String, url: String| {
        let client = client.clone();
        async move {
            let query = [("hub.mode", "subscribe"), ("hub.topic", &topic), ("hub.challenge", "ch-42"), ("hub.lease_seconds", "600")];
            let response = client.get(url).query(&query).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(verify(topic.clone(), callback.clone()).await, (200, "ch-42".to_owned()), "the challenge is echoed");
    let (status, _) = verify(format!("{feed_base}/other"), callback.clone()).await;
    assert_eq!(status, 404, "a topic we did not ask for is not confirmed");
    let (status, _) = verify(topic.clone(), format!("{callback_base}/v1/websub/nobody")).await;
    assert_eq!(status, 404, "an unknown callback is not confirmed");

    poller.poll_once(&mut state).await;
    assert_eq!(forms.lock().unwrap().len(), 1, "a verified subscription is not asked for again");

    let push = |signature: Option<String>| {
        let (client, callback) = (client.clone(), callback.clone());
        async move {
            let body = "<rss><channel><item><guid>w-2</guid></item></channel></rss>";
            let mut request = client.post(callback).header("content-type", "application/rss+xml").body(body);
            if let Some(signature) = signature {
                request = request.header("x-hub-signature", signature);
            }
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let body = "<rss><channel><item><guid>w-2</guid></item></channel></rss>";
    let (status, answer) = push(None).await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("signature_required"), "{answer}");
    let (status, answer) = push(Some(signature::sign(b"not the secret", body.as_bytes()))).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("signature_mismatch"), "{answer}");
    let (status, answer) = push(Some(signature::sign(secret.as_bytes(), body.as_bytes()))).await;
    assert_eq!(status, 503, "a signed push reaches delivery (no broker here): {answer}");
    let rendered = metrics.render();
    assert!(rendered.contains("newswire_ingest_requests_total{feed=\"pa\",status=\"403\",stage=\"ingest\"} 1"), "{rendered}");
}
