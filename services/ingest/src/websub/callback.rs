//! The callback hubs call, `/v1/websub/{id}` on ingest's HTTP server:
//! `GET` is the hub's verification of intent (the challenge is echoed only for
//! a subscription we asked for, to that topic), `POST` a content distribution,
//! taken only with a valid `X-Hub-Signature` and then accepted as a poll's
//! document is (same feed, same acceptance path, same re-push check).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::decompress;
use crate::deliver::{Delivery, StoryStatus};
use crate::http::ApiLimits;
use crate::rejection::Rejection;
use crate::websub::signature;
use crate::websub::subscriptions::WebSub;

/// What the callback handlers share.
#[derive(Clone)]
pub struct CallbackState {
    /// The subscriptions.
    pub websub: WebSub,
    /// Where pushed stories go.
    pub delivery: Delivery,
    /// Request limits (as for a push).
    pub limits: ApiLimits,
}

/// The callback routes.
pub fn router(state: CallbackState) -> Router {
    let limit = state.limits.max_body_bytes;
    Router::new()
        .route("/v1/websub/{id}", get(verify).post(distribute))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

async fn verify(State(state): State<CallbackState>, Path(id): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    let param = |name: &str| query.get(name).map(String::as_str);
    let (Some(mode), Some(topic)) = (param("hub.mode"), param("hub.topic")) else {
        return Rejection::new(400, "bad_verification", "hub.mode and hub.topic are required").into_response();
    };
    if mode == "denied" {
        tracing::warn!(id, topic, reason = param("hub.reason"), "a hub denied a WebSub subscription");
        return StatusCode::OK.into_response();
    }
    let Some(challenge) = param("hub.challenge") else {
        return Rejection::new(400, "bad_verification", "hub.challenge is required").into_response();
    };
    let lease = param("hub.lease_seconds").and_then(|v| v.trim().parse().ok());
    match state.websub.verify_intent(&id, mode, topic, lease, now_ms()) {
        Ok(true) => ([(header::CONTENT_TYPE, "text/plain")], challenge.to_owned()).into_response(),
        Ok(false) => Rejection::new(404, "unknown_subscription", format!("no {mode} of {topic} was asked for at this callback"))
            .into_response(),
        Err(error) => Rejection::new(503, "unavailable", error.to_string()).into_response(),
    }
}

async fn distribute(State(state): State<CallbackState>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let sub = match state.websub.get(&id) {
        Ok(Some(sub)) => sub,
        Ok(None) => return Rejection::new(404, "unknown_subscription", "no subscription has this callback").into_response(),
        Err(error) => return Rejection::new(503, "unavailable", error.to_string()).into_response(),
    };
    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let outcome = async {
        signature::verify(sub.secret.as_bytes(), header_str(signature::HEADER), &body)?;
        let body = decompress::decode_body(header_str(header::CONTENT_ENCODING.as_str()), &body, state.limits.max_body_bytes)?;
        let content_type = header_str(header::CONTENT_TYPE.as_str());
        state.delivery.accept_document(&sub.feed, content_type, &body, now_ms(), state.limits.shape).await
    }
    .await;
    let status = match &outcome {
        Ok(stories) if stories.iter().all(|(_, s)| *s == StoryStatus::Duplicate) => 200,
        Ok(_) => 202,
        Err(rejection) => rejection.status,
    };
    state.delivery.metrics.requests.with_label_values(&[&status.to_string(), &sub.feed]).inc();
    match outcome {
        Ok(stories) => {
            let listed: Vec<_> = stories.iter().map(|(id, s)| json!({ "id": id, "status": s.as_str() })).collect();
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
            (code, Json(json!({ "stories": listed }))).into_response()
        }
        Err(rejection) => {
            tracing::info!(feed = %sub.feed, hub = %sub.hub, status = rejection.status, error = rejection.error, detail = %rejection.detail, "WebSub push refused");
            rejection.into_response()
        }
    }
}
