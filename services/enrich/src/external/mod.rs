//! The optional external enricher: an HTTP endpoint (`enrich.external_url`)
//! that receives each enriched article as JSON (POST) and answers with a JSON
//! object, stored as `newswire.enrichment.external`.
//!
//! The calls never run inside a Kafka transaction. Enrich asks for a whole
//! batch at once in [`newswire_shared::stage::Stage::prepare_batch`], before
//! the batch's transaction begins: [`ExternalEnricher::batch`] starts one async
//! call per story on the service's Tokio runtime (at most
//! `external_concurrency` in flight; each with its timeout, retries and
//! backoff, [`call`]), and [`BatchCalls::finish`] waits for them at most
//! `external_batch_budget_ms` from the batch's first call. A story whose call
//! has not finished by then goes on with local enrichment only, like one whose
//! call failed: a slow or dead endpoint holds a batch back by the budget at
//! most, and holds no transaction open at all. A [`breaker::CircuitBreaker`]
//! stops calling an endpoint that keeps failing (a call cut off by the budget
//! counts as a failure). Every story's outcome is counted in
//! `newswire_enrich_external_calls_total{outcome}`: `ok`, `failed` (after its
//! retries), `skipped` (circuit open) or `timed_out` (the batch's budget ran out).

pub mod breaker;
mod call;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use newswire_shared::article::Article;
use newswire_shared::metrics::{counter_vec, Metrics};
use prometheus::IntCounterVec;
use serde_json::Value;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

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
    /// Calls in flight at once (at least 1).
    pub concurrency: usize,
    /// How long a batch waits for its calls, from its first call.
    pub batch_budget: Duration,
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
    /// The enricher cannot run as configured.
    #[error("the external enricher cannot start: {0}")]
    Setup(String),
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

/// What became of one story's call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// The endpoint answered this object.
    Answered(Value),
    /// The call failed after its retries (or the article could not be sent).
    Failed,
    /// Not called: the circuit is open.
    Skipped,
    /// The batch's budget ran out before the call finished (or started).
    TimedOut,
}

impl CallOutcome {
    /// The `outcome` label it is counted under.
    pub fn label(&self) -> &'static str {
        match self {
            CallOutcome::Answered(_) => "ok",
            CallOutcome::Failed => "failed",
            CallOutcome::Skipped => "skipped",
            CallOutcome::TimedOut => "timed_out",
        }
    }

    /// Adds the answer, if there is one, to `article`'s enrichment; any other
    /// outcome leaves the article as local enrichment made it.
    pub fn apply(self, article: &mut Article) {
        if let CallOutcome::Answered(answer) = self {
            article.newswire.enrichment.get_or_insert_with(Default::default).external = Some(answer);
        }
    }
}

/// What the calls in flight share.
struct Shared {
    settings: ExternalSettings,
    client: reqwest::Client,
    breaker: Mutex<CircuitBreaker>,
    permits: Semaphore,
}

impl Shared {
    /// The breaker; a panic elsewhere while it was held leaves it usable.
    fn breaker(&self) -> MutexGuard<'_, CircuitBreaker> {
        self.breaker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One story's call, once a place among the calls in flight is free.
    async fn call(&self, body: Vec<u8>, uri: String, started: Arc<AtomicBool>) -> CallOutcome {
        let Ok(_permit) = self.permits.acquire().await else {
            return CallOutcome::Failed;
        };
        if !self.breaker().allow(Instant::now()) {
            return CallOutcome::Skipped;
        }
        started.store(true, Ordering::SeqCst);
        match call::call(&self.client, &self.settings, &body).await {
            Ok(answer) => {
                self.breaker().record_success();
                CallOutcome::Answered(answer)
            }
            Err(error) => {
                self.breaker().record_failure(Instant::now());
                tracing::warn!(error = %error, uri = uri.as_str(), "external enricher failed; the story goes on with local enrichment");
                CallOutcome::Failed
            }
        }
    }
}

/// Calls the external endpoint for the stories of each batch.
pub struct ExternalEnricher {
    shared: Arc<Shared>,
    runtime: Handle,
    calls: IntCounterVec,
}

impl ExternalEnricher {
    /// An enricher for `settings` whose calls run on `runtime` (the service's
    /// multi-threaded Tokio runtime: its workers make the calls while the
    /// stage's thread waits), counting them in `metrics`.
    pub fn new(settings: ExternalSettings, metrics: &Metrics, runtime: Handle) -> Result<Self, ExternalError> {
        if runtime.runtime_flavor() != RuntimeFlavor::MultiThread {
            return Err(ExternalError::Setup("its calls need a multi-threaded Tokio runtime".into()));
        }
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|e| ExternalError::Setup(format!("HTTP client: {e}")))?;
        let calls = counter_vec(
            "newswire_enrich_external_calls_total",
            "Stories sent to the external enricher, by outcome: ok, failed (after retries), skipped (circuit open), timed_out (the batch's budget ran out first).",
            &["outcome"],
        );
        metrics.register(Box::new(calls.clone()));
        let shared = Shared {
            breaker: Mutex::new(CircuitBreaker::new(settings.breaker_threshold, settings.breaker_cooldown)),
            permits: Semaphore::new(settings.concurrency.max(1)),
            client,
            settings,
        };
        Ok(ExternalEnricher { shared: Arc::new(shared), runtime, calls })
    }

    /// Starts a batch's calls; see [`BatchCalls`].
    pub fn batch(&self) -> BatchCalls<'_> {
        let (sender, receiver) = mpsc::channel();
        BatchCalls { enricher: self, calls: Vec::new(), sender, receiver, deadline: None }
    }

    /// Asks the endpoint about every article of `articles` at once, within
    /// the batch budget, and adds the answers that came in time.
    pub fn enrich_batch(&self, articles: &mut [Article]) {
        let mut batch = self.batch();
        for article in articles.iter() {
            batch.start(article);
        }
        for (article, outcome) in articles.iter_mut().zip(batch.finish()) {
            outcome.apply(article);
        }
    }
}

/// One story's call in a batch.
struct PendingCall {
    /// Its task, while it may still be running.
    task: Option<JoinHandle<()>>,
    /// Set once the call was made (it had a place and the circuit let it through).
    started: Arc<AtomicBool>,
    outcome: Option<CallOutcome>,
}

/// The calls of one batch, started one story at a time ([`BatchCalls::start`],
/// so the endpoint works on the first stories while the next are enriched)
/// and collected together ([`BatchCalls::finish`]).
pub struct BatchCalls<'a> {
    enricher: &'a ExternalEnricher,
    calls: Vec<PendingCall>,
    sender: mpsc::Sender<(usize, CallOutcome)>,
    receiver: mpsc::Receiver<(usize, CallOutcome)>,
    /// The batch's first call plus its budget.
    deadline: Option<Instant>,
}

impl BatchCalls<'_> {
    /// Starts the call for `article` (the next story of the batch).
    pub fn start(&mut self, article: &Article) {
        let index = self.calls.len();
        let started = Arc::new(AtomicBool::new(false));
        let body = match serde_json::to_vec(article) {
            Ok(body) => body,
            Err(error) => {
                tracing::warn!(%error, uri = article.uri.as_str(), "the article could not be sent to the external enricher");
                self.calls.push(PendingCall { task: None, started, outcome: Some(CallOutcome::Failed) });
                return;
            }
        };
        let budget = self.enricher.shared.settings.batch_budget;
        self.deadline.get_or_insert_with(|| Instant::now() + budget);
        let (shared, sender, flag, uri) = (self.enricher.shared.clone(), self.sender.clone(), started.clone(), article.uri.clone());
        let task = self.enricher.runtime.spawn(async move {
            let outcome = shared.call(body, uri, flag).await;
            // The batch stopped waiting (its budget ran out) when nobody listens; nothing is lost.
            let _ = sender.send((index, outcome));
        });
        self.calls.push(PendingCall { task: Some(task), started, outcome: None });
    }

    /// Waits for the calls until the budget runs out, then cuts off those
    /// still running; returns one outcome per started story, in order, and
    /// counts them.
    pub fn finish(mut self) -> Vec<CallOutcome> {
        let mut waiting = self.calls.iter().filter(|c| c.outcome.is_none()).count();
        if let Some(deadline) = self.deadline {
            while waiting > 0 {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.receiver.recv_timeout(left) {
                    Ok((index, outcome)) => {
                        self.record(index, outcome);
                        waiting -= 1;
                    }
                    Err(_) => break,
                }
            }
        }
        if waiting > 0 {
            self.cut_off();
        }
        let outcomes: Vec<CallOutcome> =
            std::mem::take(&mut self.calls).into_iter().map(|c| c.outcome.unwrap_or(CallOutcome::TimedOut)).collect();
        for outcome in &outcomes {
            self.enricher.calls.with_label_values(&[outcome.label()]).inc();
        }
        outcomes
    }

    fn record(&mut self, index: usize, outcome: CallOutcome) {
        if let Some(call) = self.calls.get_mut(index) {
            call.task = None;
            call.outcome = Some(outcome);
        }
    }

    /// Stops the calls still running when the budget ran out: their stories
    /// go on without an answer, and a call that was made counts against the
    /// endpoint in the circuit breaker (it did not answer in time).
    fn cut_off(&mut self) {
        // Latest first: a call still waiting for a place is stopped before an
        // earlier one's stop frees a place it could take.
        for call in self.calls.iter().rev() {
            if let Some(task) = &call.task {
                task.abort();
            }
        }
        // A call may have finished between the deadline and its abort.
        while let Ok((index, outcome)) = self.receiver.try_recv() {
            self.record(index, outcome);
        }
        let now = Instant::now();
        let mut timed_out = 0;
        for call in self.calls.iter().filter(|c| c.outcome.is_none()) {
            timed_out += 1;
            if call.started.load(Ordering::SeqCst) {
                self.enricher.shared.breaker().record_failure(now);
            }
        }
        if timed_out == 0 {
            return;
        }
        tracing::warn!(
            timed_out,
            stories = self.calls.len(),
            budget_ms = self.enricher.shared.settings.batch_budget.as_millis() as u64,
            "external enricher calls did not finish within the batch's budget; those stories go on with local enrichment"
        );
    }
}

impl Drop for BatchCalls<'_> {
    /// A batch dropped unfinished (its preparation panicked) leaves no call running.
    fn drop(&mut self) {
        for call in &self.calls {
            if let Some(task) = &call.task {
                task.abort();
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod test_endpoint;
#[cfg(test)]
mod tests;
