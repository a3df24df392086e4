//! Polling on one instance only: with several ingest instances, the one that
//! leads the pollers' election ([`Leadership`]) runs every poller; the others
//! run none, and take over when the leader stops or dies.
//!
//! Each instance keeps its own poll memory (validators, items seen), so a new
//! leader's first poll of a feed is unconditional and pushes its items again:
//! normalize drops those as the same uri and version, nothing reaches
//! subscribers twice.

use newswire_shared::kafka::leadership::Leadership;
use prometheus::IntGauge;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::poller::Poller;

/// Runs `pollers` whenever this instance leads, until `stop`; `leader` is set
/// to 1 while they run.
pub async fn poll_while_leading(pollers: Vec<Poller>, leadership: Leadership, leader: IntGauge, stop: CancellationToken) {
    let mut leading = leadership.watch();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            became = leading.wait_for(|now| *now) => if became.is_err() { return },
        }
        tracing::info!(feeds = pollers.len(), "this ingest instance leads the pollers: it polls the feeds");
        leader.set(1);
        let term = stop.child_token();
        let mut running = JoinSet::new();
        for poller in &pollers {
            running.spawn(poller.clone().run(term.clone()));
        }
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = leading.wait_for(|now| !*now) => tracing::info!("this ingest instance no longer leads the pollers: it stops polling"),
        }
        term.cancel();
        while running.join_next().await.is_some() {}
        leader.set(0);
        if stop.is_cancelled() {
            return;
        }
    }
}
