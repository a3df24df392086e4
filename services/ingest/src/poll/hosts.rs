//! At most so many requests in flight to one host, across all feeds polled
//! from it (a site with many feeds is not hit by all of them at once).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Per-host concurrency limits, shared by every poller.
#[derive(Clone)]
pub struct HostLimits {
    per_host: usize,
    gates: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl HostLimits {
    /// At most `per_host` requests at once to each host (at least one).
    pub fn new(per_host: usize) -> Self {
        HostLimits { per_host: per_host.max(1), gates: Arc::default() }
    }

    /// Waits for a turn to request `host`; the turn ends when the permit is dropped.
    pub async fn acquire(&self, host: &str) -> Option<OwnedSemaphorePermit> {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            gates.entry(host.to_ascii_lowercase()).or_insert_with(|| Arc::new(Semaphore::new(self.per_host))).clone()
        };
        // The semaphores are never closed, so this always gives a permit.
        gate.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_host_gets_at_most_its_limit_at_once_and_other_hosts_are_not_held_up() {
        let limits = HostLimits::new(2);
        let first = limits.acquire("feeds.example").await;
        let _second = limits.acquire("FEEDS.example").await;
        let third = tokio::time::timeout(Duration::from_millis(50), limits.acquire("feeds.example")).await;
        assert!(third.is_err(), "a third request to the same host waits");
        assert!(limits.acquire("other.example").await.is_some(), "another host has its own limit");
        drop(first);
        let third = tokio::time::timeout(Duration::from_millis(500), limits.acquire("feeds.example")).await;
        assert!(third.is_ok_and(|p| p.is_some()), "a finished request frees its turn");
    }
}
