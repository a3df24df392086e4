//! What starts a reload: SIGHUP, and a changed file found by looking at its
//! hash every `reload.poll_secs` (see [`super`] for why polling, not `notify`).

use std::future::Future;
use std::time::Duration;

use super::{LiveConfig, Reloader};

/// Starts listening for SIGHUP at once (so a SIGHUP sent after this returns
/// reloads instead of ending the process) and spawns the task that reloads on
/// it and, every `poll` when given, on a change of the file(s); the task ends
/// with `shutdown`.
pub fn spawn<L: LiveConfig>(
    mut reloader: Reloader<L>,
    poll: Option<Duration>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let mut hangup = hangup()?;
    Ok(tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut ticks = poll.map(|every| {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks
        });
        tracing::info!(sha256 = reloader.sha256(), poll_secs = poll.map(|p| p.as_secs()), "live configuration: reloading on SIGHUP and on file change");
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                signal = hangup.recv() => {
                    if signal.is_none() {
                        return;
                    }
                    reloader.attempt("sighup").await;
                }
                () = tick(&mut ticks) => {
                    if reloader.changed_on_disk() {
                        reloader.attempt("file_change").await;
                    }
                }
            }
        }
    }))
}

/// The next poll, or never when polling is off.
async fn tick(ticks: &mut Option<tokio::time::Interval>) {
    match ticks {
        Some(ticks) => {
            ticks.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// SIGHUP as a stream.
#[cfg(unix)]
fn hangup() -> std::io::Result<Hangup> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).map(Hangup)
}

#[cfg(unix)]
struct Hangup(tokio::signal::unix::Signal);

#[cfg(unix)]
impl Hangup {
    async fn recv(&mut self) -> Option<()> {
        self.0.recv().await
    }
}

#[cfg(not(unix))]
fn hangup() -> std::io::Result<Hangup> {
    Ok(Hangup)
}

#[cfg(not(unix))]
struct Hangup;

#[cfg(not(unix))]
impl Hangup {
    async fn recv(&mut self) -> Option<()> {
        std::future::pending().await
    }
}

/// The poll interval `reload.poll_secs` asks for; `None` when it is 0 (off).
pub fn poll_interval(poll_secs: u64) -> Option<Duration> {
    (poll_secs > 0).then(|| Duration::from_secs(poll_secs))
}
