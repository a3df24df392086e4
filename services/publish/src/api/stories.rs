//! `GET /v1/stories`: a page of the subscriber's stories from a cursor.
//!
//! `limit` (1–1000, default 100) stories at most; without a cursor, from the
//! oldest story the topic keeps. When the cursor is at the end, the request waits
//! up to `wait_ms` (default and most `publish.api_long_poll_ms`) for a story and
//! answers as soon as one arrives, or with an empty page and the same cursor.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::cursor::Cursor;
use super::error::ApiError;
use super::reader::Delivered;
use super::ApiState;

/// The default page size.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page size.
pub const MAX_LIMIT: usize = 1000;

/// The query parameters, as text so that a bad one gets its own reason.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    cursor: Option<String>,
    limit: Option<String>,
    wait_ms: Option<String>,
}

/// One story in a page.
#[derive(Serialize)]
struct Item<'a> {
    cursor: &'a str,
    route: &'a str,
    story: &'a RawValue,
}

/// A page.
#[derive(Serialize)]
struct Body<'a> {
    stories: Vec<Item<'a>>,
    next_cursor: String,
    caught_up: bool,
}

/// Reads `limit` and `wait_ms`, refusing values out of range with a reason.
fn page_size_and_wait(params: &Params, long_poll: Duration) -> Result<(usize, Duration), ApiError> {
    let limit = match params.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::bad_request("bad_limit", format!("limit {text:?} must be a whole number from 1 to {MAX_LIMIT}")))?,
    };
    let most = long_poll.as_millis() as u64;
    let wait = match params.wait_ms.as_deref() {
        None => long_poll,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= most)
            .map(Duration::from_millis)
            .ok_or_else(|| ApiError::bad_request("bad_wait", format!("wait_ms {text:?} must be a whole number from 0 to {most}")))?,
    };
    Ok((limit, wait))
}

/// The handler.
pub async fn handler(State(state): State<ApiState>, headers: HeaderMap, Query(params): Query<Params>) -> Result<Response, ApiError> {
    let subscriber = state.authenticate(&headers)?;
    let (limit, wait) = page_size_and_wait(&params, state.long_poll)?;
    let cursor = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(text) => Cursor::parse(text, &subscriber.topic)?,
        None => Cursor::start(&subscriber.topic),
    };
    let _permit = state.reader_permit()?;
    let reader = state.readers.open(&subscriber.topic, cursor).await?;
    let wait = tokio::select! {
        page = reader.page(limit, wait) => Some(page),
        _ = state.shutdown.cancelled() => None,
    };
    let page = wait.ok_or_else(|| {
        ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "shutting_down", "publish is stopping; retry with the same cursor")
    })?;
    let stories: Vec<Item<'_>> = page.stories.iter().filter_map(|d| item(&subscriber.name, d)).collect();
    state.metrics.api_stories.with_label_values(&[&subscriber.name]).inc_by(stories.len() as u64);
    let body = Body { stories, next_cursor: page.next.to_string(), caught_up: page.caught_up };
    let json = serde_json::to_string(&body).map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// A story as a page item; a record that is not JSON (publish writes none) is
/// logged and passed over, its cursor still moving past it.
fn item<'a>(subscriber: &str, delivered: &'a Delivered) -> Option<Item<'a>> {
    match serde_json::from_slice::<&RawValue>(&delivered.payload) {
        Ok(story) => Some(Item { cursor: &delivered.cursor, route: &delivered.route, story }),
        Err(error) => {
            tracing::error!(%error, subscriber, cursor = delivered.cursor, "a subscription topic record is not JSON; passed over");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: Option<&str>, wait: Option<&str>) -> Params {
        Params { cursor: None, limit: limit.map(Into::into), wait_ms: wait.map(Into::into) }
    }

    #[test]
    fn limit_and_wait_default_and_are_refused_out_of_range_with_a_reason() {
        let poll = Duration::from_secs(5);
        assert_eq!(page_size_and_wait(&params(None, None), poll).unwrap(), (DEFAULT_LIMIT, poll));
        assert_eq!(page_size_and_wait(&params(Some("10"), Some("0")), poll).unwrap(), (10, Duration::ZERO));
        for (limit, wait, code) in [(Some("0"), None, "bad_limit"), (Some("1001"), None, "bad_limit"), (Some("ten"), None, "bad_limit"), (None, Some("5001"), "bad_wait"), (None, Some("-1"), "bad_wait")] {
            let err = page_size_and_wait(&params(limit, wait), poll).unwrap_err();
            assert_eq!((err.status.as_u16(), err.error), (400, code), "{limit:?} {wait:?}");
        }
    }
}
