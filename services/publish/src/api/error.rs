//! The subscriber API's refusals: an HTTP status and a JSON `{error, detail}`,
//! as ingest answers feeds.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use newswire_shared::bearer::BearerError;

use super::cursor::CursorError;
use super::reader::ReadError;

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short machine-readable code (`bad_cursor`, `forbidden`, …).
    pub error: &'static str,
    /// What exactly was wrong.
    pub detail: String,
}

impl ApiError {
    /// A refusal with `status`, `error` and `detail`.
    pub fn new(status: StatusCode, error: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, error, detail: detail.into() }
    }

    /// A 400 for a bad query parameter.
    pub fn bad_request(error: &'static str, detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, error, detail)
    }
}

impl From<BearerError> for ApiError {
    fn from(error: BearerError) -> Self {
        match error {
            BearerError::Missing | BearerError::Malformed => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", error.to_string()),
            BearerError::Unknown => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "the token does not belong to any subscription with API access")
            }
        }
    }
}

impl From<CursorError> for ApiError {
    fn from(error: CursorError) -> Self {
        ApiError::bad_request("bad_cursor", error.to_string())
    }
}

impl From<ReadError> for ApiError {
    fn from(error: ReadError) -> Self {
        let detail = error.to_string();
        match error {
            ReadError::UnknownPartition { .. } | ReadError::AheadOfEnd { .. } => ApiError::bad_request("bad_cursor", detail),
            ReadError::Expired { .. } => ApiError::new(StatusCode::GONE, "cursor_expired", detail),
            ReadError::NoTopic(_) | ReadError::Kafka { .. } => {
                tracing::warn!(error = detail, "subscriber API cannot read Kafka");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the stories cannot be read now; retry shortly")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.error, "detail": self.detail}).to_string();
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}
