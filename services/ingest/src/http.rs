//! The push API: `POST /v1/stories`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use newswire_shared::ids;
use serde_json::json;

use crate::accept::{self, Submission};
use crate::auth::Feeds;
use crate::producer::RawProducer;
use crate::rejection::Rejection;
use crate::IngestMetrics;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Configured feeds and their credentials.
    pub feeds: Arc<Feeds>,
    /// The producer to `newswire.raw`.
    pub producer: RawProducer,
    /// Largest body accepted.
    pub max_body_bytes: usize,
    /// Ingest's metrics.
    pub metrics: Arc<IngestMetrics>,
}

/// The API routes.
pub fn router(state: AppState) -> Router {
    // axum's own limit is set above ours so that our handler answers 413 with a reason.
    let limit = state.max_body_bytes.saturating_add(1);
    Router::new()
        .route("/v1/stories", post(push_story))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, Json(json!({ "error": self.error, "detail": self.detail }))).into_response();
        if self.status == 503 || self.status == 429 {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}

async fn push_story(State(state): State<AppState>, request_headers: HeaderMap, body: Bytes) -> Response {
    let outcome = accept_push(&state, &request_headers, &body).await;
    let (status, feed) = match &outcome {
        Ok((_, feed)) => (202, feed.clone()),
        Err((rejection, feed)) => (rejection.status, feed.clone().unwrap_or_else(|| "unknown".into())),
    };
    state.metrics.requests.with_label_values(&[&status.to_string(), &feed]).inc();
    match outcome {
        Ok((id, _)) => (StatusCode::ACCEPTED, Json(json!({ "id": id, "status": "accepted" }))).into_response(),
        Err((rejection, _)) => {
            tracing::info!(status = rejection.status, error = rejection.error, detail = %rejection.detail, "push refused");
            rejection.into_response()
        }
    }
}

type PushResult = Result<(String, String), (Rejection, Option<String>)>;

async fn accept_push(state: &AppState, request_headers: &HeaderMap, body: &[u8]) -> PushResult {
    let authorization = request_headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let feed = state.feeds.authenticate(authorization).map_err(|r| (r, None))?.to_owned();
    let fail = |r: Rejection| (r, Some(feed.clone()));
    if body.len() > state.max_body_bytes {
        return Err(fail(Rejection::new(
            413,
            "payload_too_large",
            format!("the body is {} bytes; the limit is {}", body.len(), state.max_body_bytes),
        )));
    }
    let content_type = request_headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let trace_id = ids::new_trace_id();
    let received_at_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let submission = Submission { feed: &feed, content_type, body, received_at_ms, trace_id: &trace_id };
    let record = accept::prepare(&submission).map_err(&fail)?;
    match state.producer.write(&record).await {
        Ok((partition, offset)) => {
            tracing::info!(feed = %feed, key = %record.key, trace_id = %trace_id, partition, offset, "story accepted");
            state.metrics.bytes_accepted.with_label_values(&[&feed]).inc_by(body.len() as u64);
            Ok((record.key, feed))
        }
        Err(error) => {
            tracing::warn!(%error, feed = %feed, "Kafka did not acknowledge the write");
            Err(fail(Rejection::new(503, "unavailable", "the story could not be stored; nothing was accepted, retry later")))
        }
    }
}
