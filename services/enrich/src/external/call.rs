//! One call to the external enricher: POST the article, read a JSON object
//! back, with a timeout per attempt and retries after a backoff that doubles.
//! Async, on the service's Tokio runtime: a wait here never blocks a thread.

use serde_json::Value;

use super::{ExternalError, ExternalSettings};

/// Calls the endpoint with `body` (the article as JSON), retrying what may
/// succeed on a second try.
pub(super) async fn call(client: &reqwest::Client, settings: &ExternalSettings, body: &[u8]) -> Result<Value, ExternalError> {
    let mut wait = settings.backoff;
    let mut attempt = 0;
    loop {
        match attempt_once(client, settings, body).await {
            Ok(value) => return Ok(value),
            Err(error) if attempt < settings.retries && error.retryable() => {
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

async fn attempt_once(client: &reqwest::Client, settings: &ExternalSettings, body: &[u8]) -> Result<Value, ExternalError> {
    let url = &settings.url;
    let request_error = |e: reqwest::Error| ExternalError::Request { url: url.clone(), message: e.to_string() };
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await
        .map_err(request_error)?;
    let status = response.status();
    if !status.is_success() {
        return Err(ExternalError::Status { url: url.clone(), status: status.as_u16() });
    }
    let answer: Value = response.json().await.map_err(|e| ExternalError::Body { url: url.clone(), message: e.to_string() })?;
    if !answer.is_object() {
        return Err(ExternalError::Body { url: url.clone(), message: "not an object".into() });
    }
    Ok(answer)
}
