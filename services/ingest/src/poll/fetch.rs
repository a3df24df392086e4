//! One conditional GET of a feed: `If-None-Match` / `If-Modified-Since` from
//! the last answer, a 304 means nothing changed, and the body is capped.

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;

/// The validators a server gave for the last version of a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag`.
    pub etag: Option<String>,
    /// The `Last-Modified` date.
    pub last_modified: Option<String>,
}

/// What one fetch brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: the feed has not changed since the validators were given.
    NotModified,
    /// 200: the feed's bytes.
    Document {
        /// The body.
        body: Vec<u8>,
        /// The response's Content-Type.
        content_type: Option<String>,
        /// The response's Content-Encoding, if the server compressed anyway.
        content_encoding: Option<String>,
        /// The validators to send next time.
        validators: Validators,
    },
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The request failed (connection, timeout, …).
    #[error("request failed: {0}")]
    Request(#[from] reqwest::Error),
    /// The server answered something other than 200 or 304.
    #[error("the server answered {0}")]
    Status(StatusCode),
    /// The body is larger than the limit.
    #[error("the feed is larger than {0} bytes")]
    TooLarge(usize),
}

/// GETs `url` with the validators of the last fetch.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    last: &Validators,
    max_bytes: usize,
) -> Result<Fetched, FetchError> {
    let mut request = client.get(url);
    if let Some(etag) = &last.etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    if let Some(date) = &last.last_modified {
        request = request.header(IF_MODIFIED_SINCE, date);
    }
    let mut response = request.send().await?;
    match response.status() {
        StatusCode::NOT_MODIFIED => return Ok(Fetched::NotModified),
        StatusCode::OK => {}
        other => return Err(FetchError::Status(other)),
    }
    let header = |name| {
        response.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_owned)
    };
    let validators = Validators { etag: header(ETAG), last_modified: header(LAST_MODIFIED) };
    let content_type = header(CONTENT_TYPE);
    let content_encoding = header(CONTENT_ENCODING);
    if response.content_length().is_some_and(|len| len > max_bytes as u64) {
        return Err(FetchError::TooLarge(max_bytes));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Document { body, content_type, content_encoding, validators })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use axum::http::{HeaderMap, StatusCode as Status};
    use axum::routing::get;

    /// A feed server that honours `If-None-Match` and records what it was sent.
    async fn feed_server(seen: Arc<Mutex<Vec<Option<String>>>>) -> String {
        let app = axum::Router::new().route(
            "/feed.xml",
            get(move |headers: HeaderMap| {
                let seen = seen.clone();
                async move {
                    let sent = headers.get("if-none-match").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    seen.lock().unwrap().push(sent.clone());
                    if sent.as_deref() == Some("\"v1\"") {
                        return (
                            Status::NOT_MODIFIED,
                            [("etag", "\"v1\""), ("content-type", "application/rss+xml")],
                            String::new(),
                        );
                    }
                    (Status::OK, [("etag", "\"v1\""), ("content-type", "application/rss+xml")], "<rss/>".to_owned())
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/feed.xml")
    }

    #[tokio::test]
    async fn a_second_fetch_sends_the_etag_and_a_304_means_not_modified() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let url = feed_server(seen.clone()).await;
        let client = reqwest::Client::new();
        let first = fetch(&client, &url, &Validators::default(), 1024).await.unwrap();
        let Fetched::Document { body, content_type, validators, .. } = first else { panic!("expected a document") };
        assert_eq!(body, b"<rss/>");
        assert_eq!(content_type.as_deref(), Some("application/rss+xml"));
        assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
        assert_eq!(fetch(&client, &url, &validators, 1024).await.unwrap(), Fetched::NotModified);
        assert_eq!(*seen.lock().unwrap(), vec![None, Some("\"v1\"".to_owned())]);
    }

    #[tokio::test]
    async fn oversized_feeds_and_error_statuses_are_failures() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let url = feed_server(seen).await;
        let client = reqwest::Client::new();
        assert!(matches!(fetch(&client, &url, &Validators::default(), 3).await, Err(FetchError::TooLarge(3))));
        let missing = url.replace("feed.xml", "nope");
        assert!(
            matches!(fetch(&client, &missing, &Validators::default(), 1024).await, Err(FetchError::Status(s)) if s == 404)
        );
    }
}
