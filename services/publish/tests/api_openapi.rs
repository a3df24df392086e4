//! The subscriber API and its OpenAPI document agree: the document parses, lists
//! exactly the routes the API serves, and every one of them answers (over real
//! HTTP) with a status the document lists for it. Reading stories needs Kafka and
//! is tested end to end in `tests/tests/subscriber_api.rs`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use newswire_publish::api::{self, ApiState};
use newswire_publish::live::{LiveSubscribers, SubscriberSet};
use newswire_publish::metrics::PublishMetrics;
use newswire_publish::subscription::Subscription;
use newswire_publish::Subscriber;
use newswire_shared::bearer::token_hash;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn document() -> Value {
    serde_yaml::from_str(api::OPENAPI_YAML).expect("openapi.yaml parses as YAML")
}

/// A subscriber `name` reading through the API with `token`.
fn api_subscriber(name: &str, token: &str) -> Subscriber {
    let toml = format!("name = \"{name}\"\ntopic = true\napi = {{ token_sha256 = \"{}\" }}\n", token_hash(token));
    Subscriber { subscription: toml_subscription(&toml), topic: Some(format!("news.{name}")) }
}

async fn serve() -> (String, Arc<PublishMetrics>, CancellationToken) {
    let (base, metrics, shutdown, _) = serve_live().await;
    (base, metrics, shutdown)
}

async fn serve_live() -> (String, Arc<PublishMetrics>, CancellationToken, LiveSubscribers) {
    let live: LiveSubscribers = Arc::new(arc_swap::ArcSwap::from_pointee(SubscriberSet::new(vec![api_subscriber("desk", "desk-token")])));
    let metrics = Arc::new(PublishMetrics::default());
    let shutdown = CancellationToken::new();
    let kafka = newswire_shared::config::KafkaConfig::default();
    let state = ApiState::new(live.clone(), kafka, Duration::from_millis(100), metrics.clone(), shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(api::serve(listener, state));
    (base, metrics, shutdown, live)
}

fn toml_subscription(text: &str) -> Subscription {
    use figment::providers::{Format, Toml};
    figment::Figment::new().merge(Toml::string(text)).extract().expect("subscription")
}

/// The statuses the document lists for `GET path`.
fn documented_statuses(doc: &Value, path: &str) -> BTreeSet<u16> {
    doc["paths"][path]["get"]["responses"].as_object().map(|r| r.keys().filter_map(|k| k.parse().ok()).collect()).unwrap_or_default()
}

#[test]
fn the_document_is_openapi_3_and_lists_exactly_the_served_routes() {
    let doc = document();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "an OpenAPI 3 document");
    let paths: BTreeSet<&str> = doc["paths"].as_object().expect("paths").keys().map(String::as_str).collect();
    assert_eq!(paths, api::ROUTES.into_iter().collect::<BTreeSet<_>>());
    for path in api::ROUTES {
        assert!(doc["paths"][path]["get"]["responses"]["200"].is_object(), "{path} documents its 200");
    }
    // Every $ref points at something the document defines.
    let text = api::OPENAPI_YAML;
    for reference in text.split("$ref: \"#/").skip(1).filter_map(|r| r.split('"').next()) {
        let pointer = format!("/{reference}");
        assert!(doc.pointer(&pointer).is_some(), "$ref #/{reference} is defined");
    }
}

#[tokio::test]
async fn every_documented_route_answers_with_a_documented_status() {
    let doc = document();
    let (base, metrics, shutdown) = serve().await;
    let http = reqwest::Client::new();
    for path in api::ROUTES {
        let documented = documented_statuses(&doc, path);
        let anonymous = http.get(format!("{base}{path}")).send().await.expect("request");
        let status = anonymous.status().as_u16();
        assert_ne!(status, 404, "{path} is served");
        assert!(documented.contains(&status), "{path} answered {status}, documented {documented:?}");
        if path == "/v1/openapi.yaml" {
            assert_eq!(status, 200);
            assert_eq!(anonymous.text().await.expect("body"), api::OPENAPI_YAML, "the served document is the repository's");
            continue;
        }
        assert_eq!(status, 401, "{path} without a token");
        let body: Value = anonymous.json().await.expect("JSON error");
        assert_eq!(body["error"], "unauthorized");
        let wrong = http.get(format!("{base}{path}")).bearer_auth("nope").send().await.expect("request");
        assert_eq!(wrong.status().as_u16(), 403, "{path} with an unknown token");
        let bad = http.get(format!("{base}{path}?cursor=garbage")).bearer_auth("desk-token").send().await.expect("request");
        assert_eq!(bad.status().as_u16(), 400, "{path} with a bad cursor");
        let body: Value = bad.json().await.expect("JSON error");
        assert_eq!(body["error"], "bad_cursor");
        assert!(body["detail"].as_str().is_some_and(|d| d.contains("garbage")), "{body}");
        assert!(documented.is_superset(&[401, 403, 400].into()), "{path}: {documented:?}");
    }
    let unknown = http.get(format!("{base}/v1/nothing")).send().await.expect("request");
    assert_eq!(unknown.status().as_u16(), 404, "what the document does not list is not served");
    let counted = metrics.api_requests.with_label_values(&["/v1/stories", "403"]).get();
    assert_eq!(counted, 1, "requests are counted by route and status");
    shutdown.cancel();
}

#[tokio::test]
async fn a_reloaded_subscriber_set_changes_the_tokens_at_once() {
    let (base, _metrics, shutdown, live) = serve_live().await;
    let http = reqwest::Client::new();
    // A bad cursor is refused 400 only after the token was accepted, so the
    // status tells whether the token is known without needing Kafka.
    let status = |token: &'static str| {
        let request = http.get(format!("{base}/v1/stories?cursor=garbage")).bearer_auth(token);
        async move { request.send().await.expect("request").status().as_u16() }
    };
    assert_eq!(status("desk-token").await, 400, "desk's token is known");
    assert_eq!(status("wire-token").await, 403, "wire is not yet a subscriber");

    live.store(Arc::new(SubscriberSet::new(vec![api_subscriber("wire", "wire-token")])));
    assert_eq!(status("wire-token").await, 400, "an added subscriber reads at once");
    assert_eq!(status("desk-token").await, 403, "a removed subscriber is refused at once");
    shutdown.cancel();
}
