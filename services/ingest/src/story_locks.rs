//! Serialising concurrent deliveries of the same story.
//!
//! Two identical pushes arriving together must not both pass the re-push check
//! before either is remembered. Each delivery locks the stripes its stories'
//! re-push marks hash to (in ascending order, so two deliveries never wait on
//! each other crosswise); the second one then sees the first one's marks.
//! Unrelated stories rarely share a stripe, so they seldom wait for each other.

use std::hash::{DefaultHasher, Hash, Hasher};

use tokio::sync::{Mutex, MutexGuard};

/// Stripes in the default lock set.
const DEFAULT_STRIPES: usize = 256;

/// A fixed set of locks, one chosen per story mark by hash.
pub struct StoryLocks {
    stripes: Vec<Mutex<()>>,
}

impl Default for StoryLocks {
    fn default() -> Self {
        StoryLocks::new(DEFAULT_STRIPES)
    }
}

impl StoryLocks {
    /// A lock set of `stripes` locks (at least one).
    pub fn new(stripes: usize) -> Self {
        StoryLocks { stripes: (0..stripes.max(1)).map(|_| Mutex::new(())).collect() }
    }

    /// Waits for and holds the locks of every mark until the guards are dropped.
    pub async fn lock<'a>(&self, marks: impl IntoIterator<Item = &'a [u8]>) -> Vec<MutexGuard<'_, ()>> {
        let mut indices: Vec<usize> = marks.into_iter().map(|mark| self.stripe_of(mark)).collect();
        indices.sort_unstable();
        indices.dedup();
        let mut guards = Vec::with_capacity(indices.len());
        for index in indices {
            guards.push(self.stripes[index].lock().await);
        }
        guards
    }

    fn stripe_of(&self, mark: &[u8]) -> usize {
        let mut hasher = DefaultHasher::new();
        mark.hash(&mut hasher);
        (hasher.finish() % self.stripes.len() as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_second_delivery_of_the_same_story_waits_for_the_first() {
        let locks = Arc::new(StoryLocks::new(8));
        let held = locks.lock([&b"bytes/abc"[..]]).await;
        let waiting = {
            let locks = locks.clone();
            tokio::spawn(async move { locks.lock([&b"bytes/abc"[..]]).await.len() })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the same mark is held");
        drop(held);
        assert_eq!(tokio::time::timeout(Duration::from_secs(1), waiting).await.unwrap().unwrap(), 1);
    }

    #[tokio::test]
    async fn marks_sharing_a_stripe_are_locked_once() {
        let locks = StoryLocks::new(1);
        let guards = locks.lock([&b"a"[..], b"b", b"c"]).await;
        assert_eq!(guards.len(), 1, "locking a stripe twice would deadlock");
    }
}
