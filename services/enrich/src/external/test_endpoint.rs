//! A stand-in external enricher for tests: an HTTP server on 127.0.0.1 with one
//! route per behaviour, on its own multi-threaded Tokio runtime (whose handle
//! the enricher under test also makes its calls on).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// How long `/slow` takes to answer.
pub const SLOW: Duration = Duration::from_millis(200);

/// The running server.
pub struct Endpoint {
    /// Runs the server, and the calls of an enricher given [`Endpoint::handle`].
    pub runtime: tokio::runtime::Runtime,
    /// `http://127.0.0.1:<port>`; the routes are `/ok` (an object at once),
    /// `/slow` (an object after [`SLOW`]), `/hang` (never answers), `/fail`
    /// (HTTP 500), `/bad` (HTTP 400).
    pub base: String,
    hits: Arc<AtomicUsize>,
}

impl Endpoint {
    /// Starts the server on a free port.
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let answer = || Json(json!({"sentiment": "negative"}));
        let app = Router::new()
            .route("/ok", post(move || async move { answer() }))
            .route(
                "/slow",
                post(move || async move {
                    tokio::time::sleep(SLOW).await;
                    answer()
                }),
            )
            .route("/hang", post(std::future::pending::<Json<Value>>))
            .route("/fail", post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "{}") }))
            .route("/bad", post(|| async { (StatusCode::BAD_REQUEST, "{}") }))
            .layer(axum::middleware::from_fn_with_state(hits.clone(), count))
            .with_state(());
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await });
        Endpoint { runtime, base, hits }
    }

    /// The URL of `route`.
    pub fn url(&self, route: &str) -> String {
        format!("{}{route}", self.base)
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The runtime's handle, for the enricher's calls.
    pub fn handle(&self) -> tokio::runtime::Handle {
        self.runtime.handle().clone()
    }
}

async fn count(State(hits): State<Arc<AtomicUsize>>, request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    hits.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}
