//! One shutdown guard for every long-lived task of a service.
//!
//! A task is spawned through the [`Supervisor`] under a name and is handed a
//! token cancelled with the service's shutdown token. At shutdown the service
//! calls [`Supervisor::shutdown`]: it cancels the token, then waits for every
//! registered task, all together at most `grace`; a task still running then is
//! aborted and named in the log and in the returned [`ShutdownReport`], so a task
//! that ignores cancellation delays the exit by `grace` at most and never hides.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a service waits for its supervised tasks at shutdown, unless it says otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// The registered tasks, by name, not yet waited for.
type Registry = Arc<Mutex<Vec<(String, JoinHandle<()>)>>>;

/// The registry of a service's long-lived tasks and the token that stops them.
/// Cloning gives another handle on the same registry.
#[derive(Clone)]
pub struct Supervisor {
    token: CancellationToken,
    runtime: Handle,
    tasks: Registry,
}

/// What [`Supervisor::shutdown`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// How many tasks ended within the grace period (panicked ones included).
    pub finished: usize,
    /// Tasks that ended by panicking, by name.
    pub panicked: Vec<String>,
    /// Tasks still running when the grace period ran out, by name; they were aborted.
    pub late: Vec<String>,
}

impl Supervisor {
    /// A supervisor whose tasks stop when `token` is cancelled, spawning them on
    /// the current Tokio runtime (so it must be made inside one; it can then
    /// spawn from any thread, the Kafka loop's included).
    pub fn new(token: CancellationToken) -> Self {
        Supervisor { token, runtime: Handle::current(), tasks: Arc::default() }
    }

    /// The token every supervised task watches; cancelling it stops them all.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Spawns `task` under `name`, handing it a token cancelled at shutdown (a
    /// child of the supervisor's: `task` may cancel it alone to stop itself early).
    pub fn spawn<F, Fut>(&self, name: impl Into<String>, task: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handle = self.runtime.spawn(task(self.token.child_token()));
        self.register(name, handle);
    }

    /// Registers a task spawned elsewhere, so shutdown waits for it too.
    pub fn register(&self, name: impl Into<String>, handle: JoinHandle<()>) {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner).push((name.into(), handle));
    }

    /// How many tasks are registered and not yet waited for.
    pub fn len(&self) -> usize {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether no task is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cancels the token and waits for every registered task, at most `grace`
    /// for all of them together; those still running then are aborted. Each
    /// late or panicked task is logged by name.
    pub async fn shutdown(&self, grace: Duration) -> ShutdownReport {
        self.token.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        let deadline = tokio::time::Instant::now() + grace;
        let mut report = ShutdownReport::default();
        for (name, mut handle) in tasks {
            match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(Ok(())) => report.finished += 1,
                Ok(Err(error)) => {
                    tracing::error!(task = %name, %error, "supervised task panicked");
                    report.finished += 1;
                    report.panicked.push(name);
                }
                Err(_) => {
                    tracing::warn!(task = %name, grace_ms = grace.as_millis() as u64, "supervised task did not stop in time; aborted");
                    handle.abort();
                    report.late.push(name);
                }
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_that_honours_cancellation_is_counted_finished() {
        let supervisor = Supervisor::new(CancellationToken::new());
        supervisor.spawn("polite", |token| async move { token.cancelled().await });
        assert_eq!(supervisor.len(), 1);
        let report = supervisor.shutdown(Duration::from_secs(5)).await;
        assert_eq!(report, ShutdownReport { finished: 1, panicked: vec![], late: vec![] });
        assert!(supervisor.is_empty(), "shutdown waits for each task once");
    }

    #[tokio::test]
    async fn a_task_that_ignores_cancellation_is_reported_late_after_the_grace() {
        let supervisor = Supervisor::new(CancellationToken::new());
        supervisor.spawn("polite", |token| async move { token.cancelled().await });
        supervisor.spawn("stubborn", |_token| std::future::pending::<()>());
        let started = std::time::Instant::now();
        let report = supervisor.shutdown(Duration::from_millis(200)).await;
        let waited = started.elapsed();
        assert_eq!(report.finished, 1);
        assert_eq!(report.late, vec!["stubborn".to_owned()]);
        assert!(waited >= Duration::from_millis(200), "the grace is waited out: {waited:?}");
        assert!(waited < Duration::from_secs(3), "and no longer: {waited:?}");
    }

    #[tokio::test]
    async fn the_grace_bounds_all_tasks_together_not_each() {
        let supervisor = Supervisor::new(CancellationToken::new());
        for name in ["a", "b", "c"] {
            supervisor.spawn(name, |_token| std::future::pending::<()>());
        }
        let started = std::time::Instant::now();
        let report = supervisor.shutdown(Duration::from_millis(200)).await;
        assert_eq!(report.late.len(), 3);
        assert!(started.elapsed() < Duration::from_millis(550), "three late tasks cost one grace: {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_panicking_task_is_reported_by_name() {
        let supervisor = Supervisor::new(CancellationToken::new());
        supervisor.spawn("fragile", |_token| async { panic!("boom") });
        let report = supervisor.shutdown(Duration::from_secs(5)).await;
        assert_eq!(report.panicked, vec!["fragile".to_owned()]);
        assert!(report.late.is_empty());
    }

    #[tokio::test]
    async fn a_registered_handle_is_waited_for_and_a_task_stopping_itself_stops_no_other() {
        let supervisor = Supervisor::new(CancellationToken::new());
        let token = supervisor.token().clone();
        supervisor.register("outside", tokio::spawn(async move { token.cancelled().await }));
        let (stopped, stopped_rx) = tokio::sync::oneshot::channel();
        supervisor.spawn("quitter", |own| async move {
            own.cancel();
            let _ = stopped.send(());
        });
        let _ = stopped_rx.await;
        assert!(!supervisor.token().is_cancelled(), "the quitter cancelled only its own token");
        let report = supervisor.shutdown(Duration::from_secs(5)).await;
        assert_eq!(report.finished, 2);
    }
}
