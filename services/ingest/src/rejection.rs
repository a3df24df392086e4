//! Why ingest refused a request: an HTTP status, a short code and a detail for the sender.

use serde::Serialize;

/// A refusal, answered as JSON `{error, detail}` with `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{status} {error}: {detail}")]
pub struct Rejection {
    /// HTTP status (4xx, or 503 when Kafka cannot take the write).
    #[serde(skip)]
    pub status: u16,
    /// Short machine-readable code, e.g. `unsupported_media_type`.
    pub error: &'static str,
    /// What exactly is wrong: which field, which line.
    pub detail: String,
    /// Seconds the sender should wait before retrying (`Retry-After`), for 429 and 503.
    #[serde(skip)]
    pub retry_after_secs: Option<u64>,
}

impl From<newswire_shared::story::charset::CharsetError> for Rejection {
    /// A body that cannot be read as text: 400 `bad_encoding`, saying why and where.
    fn from(error: newswire_shared::story::charset::CharsetError) -> Self {
        Rejection::new(400, "bad_encoding", error.to_string())
    }
}

impl Rejection {
    /// A rejection with a status, code and detail.
    pub fn new(status: u16, error: &'static str, detail: impl Into<String>) -> Self {
        Rejection { status, error, detail: detail.into(), retry_after_secs: None }
    }

    /// The same refusal, telling the sender to retry after `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_secs = Some(seconds);
        self
    }
}
