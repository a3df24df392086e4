//! One webhook attempt: the signed POST and what its answer means.

use std::time::{Duration, Instant, SystemTime};

use crate::retry::{classify, parse_retry_after, AttemptVerdict};
use crate::signature::{sign, DELIVERY_HEADER, SIGNATURE_HEADER, STORY_URI_HEADER, STORY_VERSION_HEADER};
use crate::store::WebhookJob;
use crate::subscription::WebhookTarget;

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptResult {
    /// What it means for the delivery.
    pub verdict: AttemptVerdict,
    /// A short description for logs and dead letters, e.g. `HTTP 500` or `timeout`.
    pub detail: String,
    /// How long the request took.
    pub elapsed: Duration,
}

/// POSTs `job`'s body to `target`, signed now, and classifies the answer.
/// Transport errors (refused, timeout, reset) are worth a retry.
pub async fn attempt(client: &reqwest::Client, target: &WebhookTarget, job: &WebhookJob) -> AttemptResult {
    attempt_with_headers(client, target, job, &[]).await
}

/// [`attempt`] with `extra` headers on the request (`newswire replay` marks its
/// re-sends with [`crate::signature::REPLAY_HEADER`]); the signature is the same,
/// over the timestamp and the body.
pub async fn attempt_with_headers(client: &reqwest::Client, target: &WebhookTarget, job: &WebhookJob, extra: &[(&str, &str)]) -> AttemptResult {
    let now = SystemTime::now();
    let timestamp = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let started = Instant::now();
    let request = client
        .post(&target.url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, sign(target.secret.as_bytes(), timestamp, job.body.as_bytes()))
        .header(DELIVERY_HEADER, &job.delivery_id)
        .header(STORY_URI_HEADER, &job.uri)
        .header(STORY_VERSION_HEADER, job.version.to_string());
    let sent = extra.iter().fold(request, |request, (name, value)| request.header(*name, *value)).body(job.body.clone()).send().await;
    let elapsed = started.elapsed();
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now));
            AttemptResult { verdict: classify(status, retry_after), detail: format!("HTTP {status}"), elapsed }
        }
        Err(error) => {
            let kind = if error.is_timeout() {
                "timeout"
            } else if error.is_connect() {
                "connection failed"
            } else {
                "request failed"
            };
            AttemptResult { verdict: AttemptVerdict::Retry { after: None }, detail: format!("{kind}: {error}"), elapsed }
        }
    }
}
