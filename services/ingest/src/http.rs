//! The push API: `POST /v1/stories` (one document), `POST /v1/stories/batch`
//! (many, see [`crate::batch`]), and its OpenAPI document at `GET /v1/openapi.json`.
//!
//! A push goes: authenticate → rate limit → body size → signature → inflate →
//! validate and split ([`accept::prepare`]) → drop re-pushes → write to Kafka
//! and wait for every acknowledgement → remember the stories → answer.
//! Nothing is answered `accepted` before Kafka has it.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::batch::{self, PartOutcome};
use crate::decompress;
use crate::deliver::{Delivery, StoryStatus};
use crate::live::LiveFeeds;
use crate::rejection::Rejection;
use crate::signature;
use crate::stories::ShapeLimits;

/// The OpenAPI document of this API, kept beside the crate.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Request limits and timings of the push API.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    /// Largest body accepted, compressed or inflated.
    pub max_body_bytes: usize,
    /// Limits on the shape of a document.
    pub shape: ShapeLimits,
    /// Largest clock difference accepted on signed pushes.
    pub signature_tolerance_secs: i64,
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Configured feeds, their credentials and rate limits, as a reload left them.
    pub feeds: LiveFeeds,
    /// Where accepted stories go.
    pub delivery: Delivery,
    /// Request limits.
    pub limits: ApiLimits,
}

/// The API routes.
pub fn router(state: AppState) -> Router {
    // axum's own limit is set well above ours: a body somewhat over the limit is
    // still read, so that the sender gets our 413 with its reason instead of a
    // connection closed mid-upload (most clients, unlike curl, do not wait for
    // `100 Continue`). Only a body over four times the limit is cut off unread.
    let limit = state.limits.max_body_bytes.saturating_mul(4);
    Router::new()
        .route("/v1/stories", post(push_story))
        .route("/v1/stories/batch", post(push_batch))
        .route("/v1/openapi.json", get(openapi))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, Json(json!({ "error": self.error, "detail": self.detail }))).into_response();
        if let Some(seconds) = self.retry_after_secs {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

async fn push_story(
    State(state): State<AppState>,
    request_headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let outcome = accept_push(&state, &request_headers, body).await;
    let (status, feed) = match &outcome {
        Ok((stories, feed)) if stories.iter().all(|(_, s)| *s == StoryStatus::Duplicate) => (200, feed.clone()),
        Ok((_, feed)) => (202, feed.clone()),
        Err((rejection, feed)) => (rejection.status, feed.clone().unwrap_or_else(|| "unknown".into())),
    };
    state.delivery.metrics.requests.with_label_values(&[&status.to_string(), &feed]).inc();
    match outcome {
        Ok((stories, _)) => {
            let first = stories.first().map(|(id, s)| (id.clone(), s.as_str())).unwrap_or_default();
            let status_word = if status == 200 { "duplicate" } else { "accepted" };
            let listed: Vec<_> = stories.iter().map(|(id, s)| json!({ "id": id, "status": s.as_str() })).collect();
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
            (code, Json(json!({ "id": first.0, "status": status_word, "stories": listed }))).into_response()
        }
        Err((rejection, _)) => {
            tracing::info!(status = rejection.status, error = rejection.error, detail = %rejection.detail, "push refused");
            rejection.into_response()
        }
    }
}

type PushResult = Result<(Vec<(String, StoryStatus)>, String), (Rejection, Option<String>)>;

/// A request that passed every check a push has before its content is read.
struct Received {
    /// The authenticated feed.
    feed: String,
    /// The body, inflated.
    body: Bytes,
    /// When it was received.
    now: std::time::Duration,
}

/// What both push routes check first: authenticate, take one push from the
/// feed's rate limit (unless `batch`: a batch is charged once its documents
/// are counted), size, signature, inflate.
fn receive(
    state: &AppState,
    request_headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    batch: bool,
) -> Result<Received, (Rejection, Option<String>)> {
    let header_str = |name: &str| request_headers.get(name).and_then(|v| v.to_str().ok());
    // One version of the feeds for the whole push, whatever a reload does meanwhile.
    let feeds = state.feeds.load_full();
    let feed = feeds.feeds.authenticate(header_str(header::AUTHORIZATION.as_str())).map_err(|r| (r, None))?.to_owned();
    let fail = |r: Rejection| (r, Some(feed.clone()));
    if !batch {
        feeds.rate_limits.check(&feed, &governor::clock::DefaultClock::default()).map_err(&fail)?;
    }
    let max = state.limits.max_body_bytes;
    let body = body.map_err(|e| {
        fail(match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => too_large(None, max),
            _ => Rejection::new(400, "unreadable_body", format!("the request body could not be read: {e}")),
        })
    })?;
    if body.len() > max {
        return Err(fail(too_large(Some(body.len()), max)));
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    if let Some(secret) = feeds.feeds.signing_secret(&feed) {
        let timestamp = header_str(signature::TIMESTAMP_HEADER);
        let signed = header_str(signature::SIGNATURE_HEADER);
        signature::verify(secret, timestamp, signed, &body, now.as_secs() as i64, state.limits.signature_tolerance_secs).map_err(&fail)?;
    }
    let inflated = match decompress::decode_body(header_str(header::CONTENT_ENCODING.as_str()), &body, max).map_err(&fail)? {
        std::borrow::Cow::Borrowed(_) => body,
        std::borrow::Cow::Owned(inflated) => Bytes::from(inflated),
    };
    Ok(Received { feed, body: inflated, now })
}

async fn accept_push(state: &AppState, request_headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> PushResult {
    let Received { feed, body, now } = receive(state, request_headers, body, false)?;
    let content_type = request_headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let stories = state
        .delivery
        .accept_document(&feed, content_type, &body, now.as_millis() as i64, state.limits.shape)
        .await
        .map_err(|r| (r, Some(feed.clone())))?;
    Ok((stories, feed))
}

async fn push_batch(State(state): State<AppState>, request_headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let outcome = accept_batch(&state, &request_headers, body).await;
    let (status, feed) = match &outcome {
        Ok((outcomes, feed)) => (batch::batch_status(outcomes), feed.clone()),
        Err((rejection, feed)) => (rejection.status, feed.clone().unwrap_or_else(|| "unknown".into())),
    };
    state.delivery.metrics.requests.with_label_values(&[&status.to_string(), &feed]).inc();
    match outcome {
        Ok((outcomes, _)) => {
            let count = |wanted: &dyn Fn(&PartOutcome) -> bool| outcomes.iter().filter(|o| wanted(o)).count();
            let refused = count(&|o| matches!(o, PartOutcome::Refused(_)));
            let parts: Vec<_> = outcomes
                .iter()
                .map(|outcome| match outcome {
                    PartOutcome::Taken(stories) => {
                        let listed: Vec<_> = stories.iter().map(|(id, s)| json!({ "id": id, "status": s.as_str() })).collect();
                        json!({ "status": outcome.status(), "stories": listed })
                    }
                    PartOutcome::Refused(rejection) => json!({ "status": rejection.status, "error": rejection.error, "detail": rejection.detail }),
                })
                .collect();
            if refused > 0 {
                tracing::info!(refused, documents = outcomes.len(), "batch partly refused");
            }
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::MULTI_STATUS);
            (code, Json(json!({ "documents": outcomes.len(), "refused": refused, "parts": parts }))).into_response()
        }
        Err((rejection, _)) => {
            tracing::info!(status = rejection.status, error = rejection.error, detail = %rejection.detail, "batch refused");
            rejection.into_response()
        }
    }
}

type BatchResult = Result<(Vec<PartOutcome>, String), (Rejection, Option<String>)>;

async fn accept_batch(state: &AppState, request_headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> BatchResult {
    let Received { feed, body, now } = receive(state, request_headers, body, true)?;
    let fail = |r: Rejection| (r, Some(feed.clone()));
    let content_type = request_headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let boundary = batch::boundary(content_type).map_err(&fail)?;
    let parts = batch::split(&boundary, body).await.map_err(&fail)?;
    // Every document counts against the feed's rate limit, as if pushed alone.
    let feeds = state.feeds.load_full();
    feeds.rate_limits.check_n(&feed, parts.len(), &governor::clock::DefaultClock::default()).map_err(&fail)?;
    let received_at_ms = now.as_millis() as i64;
    let trace_id = newswire_shared::ids::new_trace_id();
    let (shape, records) = batch::prepare_parts(&parts, &feed, received_at_ms, &trace_id, state.limits.shape);
    let delivered = if records.is_empty() { Vec::new() } else { state.delivery.deliver(&feed, &records, received_at_ms).await.map_err(&fail)? };
    Ok((batch::outcomes(shape, delivered), feed))
}

fn too_large(size: Option<usize>, max: usize) -> Rejection {
    let detail = match size {
        Some(size) => format!("the body is {size} bytes; the limit is {max}"),
        None => format!("the body is larger than the {max}-byte limit"),
    };
    Rejection::new(413, "payload_too_large", detail)
}
