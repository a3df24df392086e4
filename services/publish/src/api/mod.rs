//! The subscriber HTTP API, served by publish: a subscription with
//! `api = { token_sha256 = "…" }` reads its own topic over HTTP.
//!
//! - `GET /v1/stories?cursor=…&limit=…&wait_ms=…`: a page of the subscriber's
//!   stories from a cursor, long-polling up to `publish.api_long_poll_ms` when it
//!   is caught up ([`stories`]);
//! - `GET /v1/stream`: the same stories as Server-Sent Events, resumed from
//!   `Last-Event-ID` or `?cursor=` ([`stream`]);
//! - `GET /v1/openapi.yaml`: the OpenAPI 3 document (`services/publish/openapi.yaml`).
//!
//! The source is the subscription's Kafka topic, which publish writes in its
//! stage transaction: the API reads it `read_committed`, and the [`cursor`] is
//! the next offset of each partition. So a subscriber sees exactly what a Kafka
//! consumer of its topic sees (its filter, its output format, corrections and
//! kills with their route), and a cursor survives any publish restart with
//! nothing missed or repeated; the API keeps no state of its own.

pub mod access;
pub mod cursor;
pub mod error;
pub mod reader;
pub mod stories;
pub mod stream;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use newswire_shared::bearer::TokenTable;
use newswire_shared::config::KafkaConfig;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::live::LiveSubscribers;
use crate::metrics::PublishMetrics;
use crate::Subscriber;
use error::ApiError;
use reader::TopicReaders;

/// The OpenAPI document, as kept in the repository.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// Every route the API serves (the OpenAPI document lists the same: `tests/api_openapi.rs`).
pub const ROUTES: [&str; 3] = ["/v1/stories", "/v1/stream", "/v1/openapi.yaml"];

/// How many readers (pages being read and open streams) may hold a Kafka
/// consumer at once; more are answered `503` with `Retry-After`.
pub const MAX_READERS: usize = 64;

/// A subscriber that may read through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSubscriber {
    /// The subscription's name.
    pub name: String,
    /// Its topic, which the API reads.
    pub topic: String,
}

/// What every request handler shares.
#[derive(Clone)]
pub struct ApiState {
    subscribers: LiveSubscribers,
    readers: TopicReaders,
    permits: Arc<Semaphore>,
    long_poll: Duration,
    metrics: Arc<PublishMetrics>,
    shutdown: CancellationToken,
}

impl ApiState {
    /// The state for the subscriber set in force (those with `api` and a topic
    /// may read; a reload that swaps the set adds, removes or changes tokens at
    /// once), reading with `kafka`. `shutdown` ends open streams.
    pub fn new(
        subscribers: LiveSubscribers,
        kafka: KafkaConfig,
        long_poll: Duration,
        metrics: Arc<PublishMetrics>,
        shutdown: CancellationToken,
    ) -> Self {
        ApiState {
            subscribers,
            readers: TopicReaders::new(kafka),
            permits: Arc::new(Semaphore::new(MAX_READERS)),
            long_poll,
            metrics,
            shutdown,
        }
    }

    /// The subscriber whose token the request carries, in the set in force now.
    fn authenticate(&self, headers: &HeaderMap) -> Result<ApiSubscriber, ApiError> {
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let set = self.subscribers.load();
        Ok(token_table(&set.subscribers).authenticate(authorization)?.clone())
    }

    /// A permit to hold one Kafka reader, or 503 when all are taken.
    fn reader_permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        self.permits.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy", format!("all {MAX_READERS} readers are in use; retry shortly"))
        })
    }
}

/// The tokens of `subscribers` that read through the API (with `api` and a topic).
fn token_table(subscribers: &[Subscriber]) -> TokenTable<ApiSubscriber> {
    TokenTable::new(subscribers.iter().filter_map(|s| {
        let api = s.subscription.api.as_ref()?;
        let topic = s.topic.clone()?;
        Some((ApiSubscriber { name: s.subscription.name.clone(), topic }, api.token_sha256.clone()))
    }))
}

/// Whether any of `subscribers` reads through the API (else publish serves none).
pub fn wanted(subscribers: &[Subscriber]) -> bool {
    subscribers.iter().any(|s| s.subscription.api.is_some())
}

/// The API's routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route(ROUTES[0], get(stories::handler))
        .route(ROUTES[1], get(stream::handler))
        .route(ROUTES[2], get(openapi))
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .with_state(state)
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI_YAML)
}

/// Counts every request by route and status (`newswire_api_requests_total`).
async fn count_requests(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    let route = ROUTES.into_iter().find(|r| Some(*r) == matched).unwrap_or("unmatched");
    let response = next.run(request).await;
    let status = response.status();
    tracing::debug!(route, status = status.as_u16(), "subscriber API request");
    state.metrics.api_requests.with_label_values(&[route, status.as_str()]).inc();
    response
}

/// Serves the API on `listener` until `shutdown` is cancelled (open streams end then too).
pub async fn serve(listener: tokio::net::TcpListener, state: ApiState) -> std::io::Result<()> {
    let shutdown = state.shutdown.clone();
    axum::serve(listener, router(state)).with_graceful_shutdown(async move { shutdown.cancelled().await }).await
}

/// Binds `addr` at once (so a taken port stops start-up) and serves the API on
/// its own task until the state's shutdown token is cancelled. Must be called
/// inside a Tokio runtime.
pub fn spawn(addr: std::net::SocketAddr, state: ApiState) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tracing::info!(%addr, "subscriber API listening (/v1/stories, /v1/stream, /v1/openapi.yaml)");
    Ok(tokio::spawn(async move {
        if let Err(error) = serve(listener, state).await {
            tracing::error!(%error, "subscriber API failed");
        }
    }))
}
