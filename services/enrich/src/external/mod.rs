//! The optional external enricher: an HTTP endpoint (`enrich.external_url`)
//! that receives each enriched article as JSON (POST) and answers with a JSON
//! object, stored as `newswire.enrichment.external`. Each call has a timeout and
//! is retried with exponential backoff; a [`breaker::CircuitBreaker`] stops
//! calling an endpoint that keeps failing. When the endpoint is down the story
//! goes on with local enrichment only, and
//! `newswire_enrich_external_calls_total{outcome="failed"|"skipped"}` says so.

pub mod breaker;

use std::time::{Duration, Instant};

use newswire_shared::article::Article;
use newswire_shared::metrics::{counter_vec, Metrics};
use prometheus::IntCounterVec;
use serde_json::Value;

use breaker::CircuitBreaker;

/// How to reach and treat the endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalSettings {
    /// The endpoint's URL.
    pub url: String,
    /// Timeout of one attempt.
    pub timeout: Duration,
    /// Retries after a failed attempt.
    pub retries: u32,
    /// Wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// Failed calls in a row that open the circuit.
    pub breaker_threshold: u32,
    /// How long an open circuit skips calls.
    pub breaker_cooldown: Duration,
}

/// Why a call to the endpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// The request could not be made or timed out.
    #[error("request to {url} failed: {message}")]
    Request {
        /// The endpoint.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The endpoint answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The endpoint.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer was not a JSON object.
    #[error("{url} answered something other than a JSON object: {message}")]
    Body {
        /// The endpoint.
        url: String,
        /// What was wrong with it.
        message: String,
    },
}

impl ExternalError {
    /// Whether trying again may help (not for client errors other than 429).
    fn retryable(&self) -> bool {
        match self {
            ExternalError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => true,
        }
    }
}

/// Calls the external endpoint for each article.
pub struct ExternalEnricher {
    settings: ExternalSettings,
    client: Option<reqwest::blocking::Client>,
    breaker: CircuitBreaker,
    calls: IntCounterVec,
}

impl ExternalEnricher {
    /// An enricher for `settings`, counting its calls in `metrics`.
    pub fn new(settings: ExternalSettings, metrics: &Metrics) -> Self {
        let calls = counter_vec(
            "newswire_enrich_external_calls_total",
            "Calls to the external enricher by outcome: ok, failed (after retries), skipped (circuit open).",
            &["outcome"],
        );
        metrics.register(Box::new(calls.clone()));
        let breaker = CircuitBreaker::new(settings.breaker_threshold, settings.breaker_cooldown);
        ExternalEnricher { settings, client: None, breaker, calls }
    }

    /// Adds the endpoint's answer to `article`'s enrichment; on failure or an
    /// open circuit leaves the article as it is (and counts it).
    pub fn apply(&mut self, article: &mut Article) {
        if !self.breaker.allow(Instant::now()) {
            self.calls.with_label_values(&["skipped"]).inc();
            return;
        }
        match self.call(article) {
            Ok(answer) => {
                self.breaker.record_success();
                self.calls.with_label_values(&["ok"]).inc();
                article.newswire.enrichment.get_or_insert_with(Default::default).external = Some(answer);
            }
            Err(error) => {
                self.breaker.record_failure(Instant::now());
                self.calls.with_label_values(&["failed"]).inc();
                tracing::warn!(error = %error, uri = article.uri.as_str(), "external enricher failed; the story goes on with local enrichment");
            }
        }
    }

    /// One call with its retries.
    fn call(&mut self, article: &Article) -> Result<Value, ExternalError> {
        let mut wait = self.settings.backoff;
        let mut attempt = 0;
        loop {
            match self.attempt(article) {
                Ok(value) => return Ok(value),
                Err(error) if attempt < self.settings.retries && error.retryable() => {
                    std::thread::sleep(wait);
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn attempt(&mut self, article: &Article) -> Result<Value, ExternalError> {
        let url = self.settings.url.clone();
        let request_error = |e: reqwest::Error| ExternalError::Request { url: url.clone(), message: e.to_string() };
        if self.client.is_none() {
            // Built on first use: the blocking client must not be created on the async runtime.
            self.client = Some(reqwest::blocking::Client::builder().timeout(self.settings.timeout).build().map_err(request_error)?);
        }
        let Some(client) = self.client.as_ref() else {
            return Err(ExternalError::Request { url, message: "no HTTP client".into() });
        };
        let response = client.post(&self.settings.url).json(article).send().map_err(request_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(ExternalError::Status { url, status: status.as_u16() });
        }
        let body: Value = response.json().map_err(|e| ExternalError::Body { url: url.clone(), message: e.to_string() })?;
        if !body.is_object() {
            return Err(ExternalError::Body { url, message: "not an object".into() });
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A one-route HTTP server answering every request with `status` and `body`; counts requests.
    fn serve(status: u16, body: &'static str) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/enrich", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buffer = vec![0u8; 65536];
                let mut read = 0;
                while let Ok(n) = stream.read(&mut buffer[read..]) {
                    read += n;
                    let text = String::from_utf8_lossy(&buffer[..read]);
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0))).unwrap_or(0);
                        if read >= head_end + 4 + length {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let _ = write!(stream, "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            }
        });
        (url, hits)
    }

    fn settings(url: &str) -> ExternalSettings {
        ExternalSettings {
            url: url.to_owned(),
            timeout: Duration::from_millis(500),
            retries: 2,
            backoff: Duration::from_millis(1),
            breaker_threshold: 2,
            breaker_cooldown: Duration::from_secs(60),
        }
    }

    fn article() -> Article {
        Article { uri: "urn:x".into(), newswire: newswire_shared::article::Extension { enrichment: Some(newswire_shared::enrichment::Enrichment { version: 1, ..Default::default() }), ..Default::default() }, ..Default::default() }
    }

    fn count(metrics: &Metrics, outcome: &str) -> u64 {
        let text = metrics.render();
        text.lines()
            .find(|l| l.starts_with("newswire_enrich_external_calls_total") && l.contains(&format!("outcome=\"{outcome}\"")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    #[test]
    fn an_answer_is_added_under_external_and_counted() {
        let (url, hits) = serve(200, r#"{"sentiment": "negative"}"#);
        let metrics = Metrics::new("enrich");
        let mut external = ExternalEnricher::new(settings(&url), &metrics);
        let mut a = article();
        external.apply(&mut a);
        let enrichment = a.newswire.enrichment.unwrap();
        assert_eq!(enrichment.external.as_ref().unwrap()["sentiment"], "negative");
        assert_eq!(enrichment.version, 1, "local enrichment kept");
        assert_eq!((hits.load(Ordering::SeqCst), count(&metrics, "ok")), (1, 1));
    }

    #[test]
    fn server_errors_are_retried_then_the_story_goes_on_and_the_circuit_opens() {
        let (url, hits) = serve(503, "{}");
        let metrics = Metrics::new("enrich");
        let mut external = ExternalEnricher::new(settings(&url), &metrics);
        let mut a = article();
        external.apply(&mut a);
        assert_eq!(hits.load(Ordering::SeqCst), 3, "one attempt and two retries");
        assert!(a.newswire.enrichment.as_ref().unwrap().external.is_none());
        external.apply(&mut a);
        assert_eq!(count(&metrics, "failed"), 2);
        external.apply(&mut a);
        assert_eq!(hits.load(Ordering::SeqCst), 6, "no call while the circuit is open");
        assert_eq!(count(&metrics, "skipped"), 1);
    }

    #[test]
    fn client_errors_are_not_retried_and_a_dead_endpoint_fails_fast() {
        let (url, hits) = serve(400, "{}");
        let metrics = Metrics::new("enrich");
        ExternalEnricher::new(settings(&url), &metrics).apply(&mut article());
        assert_eq!(hits.load(Ordering::SeqCst), 1);

        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut dead = ExternalEnricher::new(settings(&format!("http://127.0.0.1:{port}/")), &metrics);
        let started = Instant::now();
        let mut a = article();
        dead.apply(&mut a);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(a, article(), "the story is unchanged");
    }
}
