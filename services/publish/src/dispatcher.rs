//! The webhook dispatcher: one async worker per webhook subscriber, a task
//! registered with the service's [`Supervisor`], draining that subscriber's
//! jobs from the outbox ([`crate::outbox`]) in story order, slice by slice,
//! for the slices this instance owns. Dropping the dispatcher, or the
//! service's shutdown, stops the workers; the supervisor waits for them
//! (bounded) before the process exits, so a request in flight may finish but
//! never holds it up.
//!
//! The Kafka loop never waits for a webhook. A batch stages its jobs in the
//! outbox, which holds them once the transaction committed; then the stage
//! rings each subscriber's doorbell: a bounded channel of capacity one, so a
//! ring never blocks and a busy worker is simply told "there is more". The
//! worker reads committed jobs oldest first, delivers each with retries, marks
//! it finished on the local disk and in [`Progress`], and the stage removes it
//! from the outbox in a later transaction. A slow or failing subscriber only
//! delays its own queue; the outbox, not memory, holds the backlog. A job
//! whose slice moves to another instance is left to it, between attempts.
//!
//! Delivery is at least once towards the receiver: a crash after a receiver's
//! 2xx and before the job is marked finished re-sends it after the restart,
//! and an instance that takes over a slice re-sends the jobs finished by its
//! previous owner whose removal had not committed (a fraction of a second of
//! deliveries), each with the same `X-Newswire-Delivery` id, which receivers
//! use to deduplicate. Jobs queued by a version before the outbox changelog
//! ([`crate::store`], legacy) are delivered first.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use newswire_shared::supervise::Supervisor;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::dead_letter::DeadLetters;
use crate::metrics::PublishMetrics;
use crate::outbox::{OutboxEntry, OutboxReader, Progress};
use crate::retry::{AttemptVerdict, Backoff};
use crate::store::{DeliveryStore, JobEnd, WebhookJob};
use crate::subscription::{Subscription, WebhookTarget};
use crate::webhook::attempt;

/// How many jobs a worker takes from a slice at a time.
const READ_AHEAD: usize = 32;
/// How many outbox entries a worker scans per slice to find them: finished
/// jobs stay in the outbox until their removal commits.
const SCAN_AHEAD: usize = 512;
/// How long a worker waits before trying again after its store or the DLQ failed.
const TROUBLE_PAUSE: Duration = Duration::from_secs(1);
/// How often the queue-depth gauge is recounted while a queue is busy.
const DEPTH_REFRESH: Duration = Duration::from_secs(1);
/// How long an idle worker waits for its doorbell before it looks anyway
/// (a slice assigned, a removal committed).
const IDLE_LOOK: Duration = Duration::from_secs(1);

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

/// Where a worker's jobs come from and what it shares with the stage.
pub struct Queues {
    /// Local state: the legacy outbox and the finished markers.
    pub store: DeliveryStore,
    /// The committed outbox.
    pub outbox: OutboxReader,
    /// Owned slices and finished jobs, shared with the stage.
    pub progress: Arc<Progress>,
}

/// Running webhook workers.
pub struct Dispatcher {
    doorbells: HashMap<String, mpsc::Sender<()>>,
    cancel: CancellationToken,
}

impl Dispatcher {
    /// Starts one worker per subscription with a webhook, each registered with
    /// `tasks` as `webhook <subscriber>` and stopped by its shutdown.
    pub fn start(
        subscriptions: &[Subscription],
        queues: Queues,
        policy: RetryPolicy,
        dead_letters: Arc<dyn DeadLetters>,
        metrics: Arc<PublishMetrics>,
        tasks: &Supervisor,
    ) -> Result<Self, DispatchError> {
        let client = reqwest::Client::builder().timeout(policy.timeout).build().map_err(DispatchError::Client)?;
        let cancel = tasks.token().child_token();
        let mut doorbells = HashMap::new();
        for sub in subscriptions {
            let Some(target) = sub.webhook.clone() else { continue };
            let (ring, doorbell) = mpsc::channel(1);
            doorbells.insert(sub.name.clone(), ring);
            let worker = Worker {
                subscriber: sub.name.clone(),
                target,
                store: queues.store.clone(),
                outbox: queues.outbox.clone(),
                progress: queues.progress.clone(),
                client: client.clone(),
                policy,
                dead_letters: dead_letters.clone(),
                metrics: metrics.clone(),
                doorbell,
                cancel: cancel.clone(),
            };
            // The worker watches the dispatcher's token, itself cancelled by the shutdown.
            tasks.spawn(format!("webhook {}", sub.name), |_shutdown| worker.run());
        }
        Ok(Dispatcher { doorbells, cancel })
    }

    /// Wakes the workers of `subscribers`: jobs of theirs committed or were removed.
    pub fn ring<'a>(&self, subscribers: impl IntoIterator<Item = &'a str>) {
        for name in subscribers {
            if let Some(ring) = self.doorbells.get(name) {
                // Full means a ring is already pending: the worker will look anyway.
                let _ = ring.try_send(());
            }
        }
    }

    /// Wakes every worker (the slices this instance owns changed).
    pub fn ring_all(&self) {
        self.ring(self.doorbells.keys().map(String::as_str));
    }
}

impl Drop for Dispatcher {
    /// Stops the workers; the supervisor they are registered with waits for them.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// How delivering a job ended, for the worker.
enum Delivery {
    /// Delivered or dead-lettered.
    Finished(JobEnd),
    /// Its slice moved to another instance between attempts: left to it.
    MovedAway,
    /// Shutting down.
    Stopped,
}

/// One subscriber's worker.
struct Worker {
    subscriber: String,
    target: WebhookTarget,
    store: DeliveryStore,
    outbox: OutboxReader,
    progress: Arc<Progress>,
    client: reqwest::Client,
    policy: RetryPolicy,
    dead_letters: Arc<dyn DeadLetters>,
    metrics: Arc<PublishMetrics>,
    doorbell: mpsc::Receiver<()>,
    cancel: CancellationToken,
}

impl Worker {
    async fn run(mut self) {
        if !self.drain_legacy().await {
            return;
        }
        let mut depth_checked: Option<Instant> = None;
        while !self.cancel.is_cancelled() {
            let batch = match self.next_jobs() {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot read the webhook outbox");
                    self.pause(TROUBLE_PAUSE).await;
                    continue;
                }
            };
            // Counting scans the subscriber's outbox: at most once a second, and when it drains.
            if batch.is_empty() || depth_checked.is_none_or(|t| t.elapsed() >= DEPTH_REFRESH) {
                let depth: usize = self.progress.owned().into_iter().map(|slice| self.outbox.depth(slice, &self.subscriber)).sum();
                self.metrics.queue_depth.with_label_values(&[&self.subscriber]).set(depth as i64);
                depth_checked = Some(Instant::now());
            }
            if batch.is_empty() {
                tokio::select! {
                    _ = self.doorbell.recv() => {}
                    _ = tokio::time::sleep(IDLE_LOOK) => {}
                    _ = self.cancel.cancelled() => return,
                }
                continue;
            }
            for entry in batch {
                let end = match self.deliver(&entry.job, Some(entry.slot.slice)).await {
                    Delivery::Finished(end) => end,
                    Delivery::MovedAway => break,
                    Delivery::Stopped => return,
                };
                while let Err(error) = self.store.mark_finished(&entry.job, end) {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot mark the webhook job finished");
                    if !self.pause(TROUBLE_PAUSE).await {
                        return;
                    }
                }
                self.progress.finish(entry.slot, entry.job.key());
            }
        }
    }

    /// The next jobs to deliver: the oldest unfinished ones of each owned
    /// slice. A job finished on this disk before a restart is handed to the
    /// stage for removal instead.
    fn next_jobs(&self) -> Result<Vec<OutboxEntry>, crate::store::StateError> {
        let mut jobs = Vec::new();
        for slice in self.progress.owned() {
            let mut taken = 0;
            for entry in self.outbox.pending(slice, &self.subscriber, SCAN_AHEAD)? {
                if self.progress.is_finished(&entry.slot) {
                    continue;
                }
                if self.store.finished_here(&entry.job)? {
                    self.progress.finish(entry.slot, entry.job.key());
                    continue;
                }
                jobs.push(entry);
                taken += 1;
                if taken == READ_AHEAD {
                    break;
                }
            }
        }
        Ok(jobs)
    }

    /// Delivers what a version before the outbox changelog left in the local
    /// outbox; false when shutting down first.
    async fn drain_legacy(&self) -> bool {
        loop {
            let batch = match self.store.legacy_pending(&self.subscriber, READ_AHEAD) {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot read the legacy webhook outbox");
                    if !self.pause(TROUBLE_PAUSE).await {
                        return false;
                    }
                    continue;
                }
            };
            if batch.is_empty() {
                return true;
            }
            for (seq, job) in batch {
                if !matches!(self.deliver(&job, None).await, Delivery::Finished(_)) {
                    return false;
                }
                while let Err(error) = self.store.finish_legacy(seq, &job) {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot mark the webhook job finished");
                    if !self.pause(TROUBLE_PAUSE).await {
                        return false;
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

    /// Delivers one job with retries, as long as its `slice` (none for a
    /// legacy job) is this instance's.
    async fn deliver(&self, job: &WebhookJob, slice: Option<i32>) -> Delivery {
        let mut attempt_no = 0;
        loop {
            if slice.is_some_and(|slice| !self.progress.owns(slice)) {
                return Delivery::MovedAway;
            }
            attempt_no += 1;
            let result = attempt(&self.client, &self.target, job).await;
            self.metrics.webhook_seconds.with_label_values(&[&self.subscriber]).observe(result.elapsed.as_secs_f64());
            let span = (self.subscriber.as_str(), job.uri.as_str(), job.version, job.trace_id.as_str());
            match result.verdict {
                AttemptVerdict::Delivered => {
                    tracing::debug!(subscriber = span.0, uri = span.1, version = span.2, trace_id = span.3, "webhook delivered");
                    self.metrics.delivery(&self.subscriber, "webhook", "delivered");
                    return Delivery::Finished(JobEnd::Done);
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
                        return Delivery::Stopped;
                    }
                }
            }
        }
    }

    /// Sends the job to the dead-letter topic, retrying until the broker takes it.
    async fn dead_letter(&self, job: &WebhookJob, reason: &str, detail: &str) -> Delivery {
        tracing::warn!(subscriber = %self.subscriber, uri = %job.uri, version = job.version, reason, detail, "webhook delivery dead-lettered");
        loop {
            match self.dead_letters.dead_letter(job, reason, detail).await {
                Ok(()) => {
                    self.metrics.delivery(&self.subscriber, "webhook", "dead_lettered");
                    return Delivery::Finished(JobEnd::Dead);
                }
                Err(error) => {
                    tracing::error!(subscriber = %self.subscriber, %error, "cannot write the webhook dead letter; retrying");
                    if !self.pause(TROUBLE_PAUSE).await {
                        return Delivery::Stopped;
                    }
                }
            }
        }
    }
}
