//! The webhook dispatcher: one async worker per webhook subscriber, a task
//! registered with the service's [`Supervisor`], draining that subscriber's
//! durable outbox in story order. Dropping the dispatcher, or the service's
//! shutdown, stops the workers; the supervisor waits for them (bounded) before
//! the process exits, so a request in flight may finish but never holds it up.
//!
//! The Kafka loop never waits for a webhook. It writes jobs to the sled outbox
//! (in `before_commit`), and once the transaction committed it *releases* them
//! and rings each subscriber's doorbell: a bounded channel of capacity one, so a
//! ring never blocks and a busy worker is simply told "there is more". The worker
//! reads released jobs from the outbox oldest first, delivers each with retries,
//! and marks it done (or dead) in sled before taking the next. A slow or failing
//! subscriber only delays its own queue; the outbox, not memory, holds the backlog.
//!
//! Delivery is at least once towards the receiver: a crash after a receiver's 2xx
//! and before the job is marked done re-sends it after the restart with the same
//! `X-Newswire-Delivery` id, which receivers use to deduplicate.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use newswire_shared::supervise::Supervisor;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::dead_letter::DeadLetters;
use crate::metrics::PublishMetrics;
use crate::retry::{AttemptVerdict, Backoff};
use crate::store::{DeliveryStore, JobEnd, WebhookJob};
use crate::subscription::{Subscription, WebhookTarget};
use crate::webhook::attempt;

/// How many outbox entries a worker reads at a time.
const READ_AHEAD: usize = 32;
/// How long a worker waits before trying again after its store or the DLQ failed.
const TROUBLE_PAUSE: Duration = Duration::from_secs(1);
/// How often the queue-depth gauge is recounted while a queue is busy.
const DEPTH_REFRESH: Duration = Duration::from_secs(1);

/// Retry settings for every webhook.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per delivery, the first included.
    pub max_attempts: u32,
    /// Backoff between attempts.
    pub backoff: Backoff,
    /// Timeout of one request.
    pub timeout: Duration,
}

/// Why the dispatcher could not start.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The HTTP client could not be built.
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Running webhook workers.
pub struct Dispatcher {
    doorbells: HashMap<String, mpsc::Sender<()>>,
    released: Arc<AtomicU64>,
    cancel: CancellationToken,
}

impl Dispatcher {
    /// Starts one worker per subscription with a webhook, each registered with
    /// `tasks` as `webhook <subscriber>` and stopped by its shutdown. Jobs already
    /// in the outbox (left by an earlier run) are released at once.
    pub fn start(
        subscriptions: &[Subscription],
        store: DeliveryStore,
        policy: RetryPolicy,
        dead_letters: Arc<dyn DeadLetters>,
        metrics: Arc<PublishMetrics>,
        tasks: &Supervisor,
    ) -> Result<Self, DispatchError> {
        let client = reqwest::Client::builder().timeout(policy.timeout).build().map_err(DispatchError::Client)?;
        let released = Arc::new(AtomicU64::new(store.highest_seq()));
        let cancel = tasks.token().child_token();
        let mut doorbells = HashMap::new();
        for sub in subscriptions {
            let Some(target) = sub.webhook.clone() else { continue };
            let (ring, doorbell) = mpsc::channel(1);
            doorbells.insert(sub.name.clone(), ring);
            let worker = Worker {
                subscriber: sub.name.clone(),
                target,
                store: store.clone(),
                client: client.clone(),
                policy,
                dead_letters: dead_letters.clone(),
                metrics: metrics.clone(),
                released: released.clone(),
                doorbell,
                cancel: cancel.clone(),
            };
            // The worker watches the dispatcher's token, itself cancelled by the shutdown.
            tasks.spawn(format!("webhook {}", sub.name), |_shutdown| worker.run());
        }
        Ok(Dispatcher { doorbells, released, cancel })
    }

    /// Lets workers deliver every job with a sequence number up to `seq`, and
    /// wakes the workers of `subscribers`.
    pub fn release<'a>(&self, seq: u64, subscribers: impl IntoIterator<Item = &'a str>) {
        self.released.fetch_max(seq, Ordering::SeqCst);
        for name in subscribers {
            if let Some(ring) = self.doorbells.get(name) {
                // Full means a ring is already pending: the worker will look anyway.
                let _ = ring.try_send(());
            }
        }
    }
}

impl Drop for Dispatcher {
    /// Stops the workers; the supervisor they are registered with waits for them.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// One subscriber's worker.
struct Worker {
    subscriber: String,
    target: WebhookTarget,
    store: DeliveryStore,
    client: reqwest::Client,
    policy: RetryPolicy,
    dead_letters: Arc<dyn DeadLetters>,
    metrics: Arc<PublishMetrics>,
    released: Arc<AtomicU64>,
    doorbell: mpsc::Receiver<()>,
    cancel: CancellationToken,
}

impl Worker {
    async fn run(mut self) {
        let mut depth_checked: Option<std::time::Instant> = None;
        while !self.cancel.is_cancelled() {
            let released = self.released.load(Ordering::SeqCst);
            let batch = match self.store.pending(&self.subscriber, released, READ_AHEAD) {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot read the webhook outbox");
                    self.pause(TROUBLE_PAUSE).await;
                    continue;
                }
            };
            // Counting scans the subscriber's outbox: at most once a second, and when it drains.
            if batch.is_empty() || depth_checked.is_none_or(|t| t.elapsed() >= DEPTH_REFRESH) {
                self.metrics.queue_depth.with_label_values(&[&self.subscriber]).set(self.store.depth(&self.subscriber) as i64);
                depth_checked = Some(std::time::Instant::now());
            }
            if batch.is_empty() {
                tokio::select! {
                    _ = self.doorbell.recv() => {}
                    _ = self.cancel.cancelled() => return,
                }
                continue;
            }
            for (seq, job) in batch {
                let Some(end) = self.deliver(&job).await else { return };
                while let Err(error) = self.store.finish(seq, &job, end) {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot mark the webhook job finished");
                    if !self.pause(TROUBLE_PAUSE).await {
                        return;
                    }
                }
            }
        }
    }

    /// Sleeps unless cancelled; false when cancelled.
    async fn pause(&self, delay: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(delay) => true,
            _ = self.cancel.cancelled() => false,
        }
    }

    /// Delivers one job with retries; `None` when shutting down first.
    async fn deliver(&self, job: &WebhookJob) -> Option<JobEnd> {
        let mut attempt_no = 0;
        loop {
            attempt_no += 1;
            let result = attempt(&self.client, &self.target, job).await;
            self.metrics.webhook_seconds.with_label_values(&[&self.subscriber]).observe(result.elapsed.as_secs_f64());
            let span = (self.subscriber.as_str(), job.uri.as_str(), job.version, job.trace_id.as_str());
            match result.verdict {
                AttemptVerdict::Delivered => {
                    tracing::debug!(subscriber = span.0, uri = span.1, version = span.2, trace_id = span.3, "webhook delivered");
                    self.metrics.delivery(&self.subscriber, "webhook", "delivered");
                    return Some(JobEnd::Done);
                }
                AttemptVerdict::Permanent => {
                    self.metrics.delivery(&self.subscriber, "webhook", "rejected");
                    let detail = format!("{} refused by {} ({}); not retried", result.detail, self.target.url, job.delivery_id);
                    return self.dead_letter(job, "webhook_rejected", &detail).await;
                }
                AttemptVerdict::Retry { .. } if attempt_no >= self.policy.max_attempts => {
                    let detail =
                        format!("{} from {} after {attempt_no} attempts ({})", result.detail, self.target.url, job.delivery_id);
                    return self.dead_letter(job, "webhook_retries_exhausted", &detail).await;
                }
                AttemptVerdict::Retry { after } => {
                    self.metrics.delivery(&self.subscriber, "webhook", "retried");
                    let delay = self.policy.backoff.delay(attempt_no, after, fastrand::f64());
                    tracing::info!(
                        subscriber = span.0, uri = span.1, version = span.2, trace_id = span.3,
                        attempt = attempt_no, detail = %result.detail, delay_ms = delay.as_millis() as u64,
                        "webhook attempt failed; retrying"
                    );
                    if !self.pause(delay).await {
                        return None;
                    }
                }
            }
        }
    }

    /// Sends the job to the dead-letter topic, retrying until the broker takes it.
    async fn dead_letter(&self, job: &WebhookJob, reason: &str, detail: &str) -> Option<JobEnd> {
        tracing::warn!(subscriber = %self.subscriber, uri = %job.uri, version = job.version, reason, detail, "webhook delivery dead-lettered");
        loop {
            match self.dead_letters.dead_letter(job, reason, detail).await {
                Ok(()) => {
                    self.metrics.delivery(&self.subscriber, "webhook", "dead_lettered");
                    return Some(JobEnd::Dead);
                }
                Err(error) => {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot write the webhook dead letter; retrying");
                    if !self.pause(TROUBLE_PAUSE).await {
                        return None;
                    }
                }
            }
        }
    }
}
