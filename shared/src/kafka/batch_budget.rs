//! How many records a stage's next batch may take, and how long its
//! transaction may stay open, so that a slow stretch (a busy machine, a costly
//! run of stories) shrinks the batches instead of stalling the partition.
//!
//! The broker rolls back a transaction still open after
//! `kafka.transaction_timeout_ms` and fences its producer. Were a batch of the
//! configured size to take longer than that to process, it would be rolled
//! back, read again at the same size, and rolled back again, for ever: the
//! stage would spin without committing anything. So the runtime stops taking
//! records into the open transaction once it has been open for half the
//! timeout, commits what it processed, and reads the rest again in the next
//! batch; and the next batches are no larger than what fitted. After each
//! batch that committed whole the limit doubles again, up to the configured
//! size. A transaction the broker rolled back anyway (one record that alone
//! took longer) halves the limit.

use std::time::Duration;

/// The running limits of one stage's batches.
#[derive(Debug, Clone)]
pub struct BatchBudget {
    /// `kafka.batch_max_messages`: the limit never grows past it.
    configured_max: usize,
    /// The most records the next batch may take.
    limit: usize,
    /// How long a transaction may stay open before no more records are taken into it.
    open_for: Duration,
}

impl BatchBudget {
    /// A budget of `max_messages` a batch, taking records into a transaction
    /// for at most half of `transaction_timeout`.
    pub fn new(max_messages: usize, transaction_timeout: Duration) -> Self {
        let max = max_messages.max(1);
        BatchBudget { configured_max: max, limit: max, open_for: transaction_timeout / 2 }
    }

    /// The most records the next batch may take.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether a transaction open for `elapsed`, which already holds
    /// `processed` records, must take no more: never before its first record,
    /// so every batch makes progress.
    pub fn is_spent(&self, elapsed: Duration, processed: usize) -> bool {
        processed > 0 && elapsed >= self.open_for
    }

    /// The batch was cut after `processed` records: the next ones take no more.
    pub fn cut_at(&mut self, processed: usize) {
        self.limit = processed.clamp(1, self.configured_max);
    }

    /// A batch committed whole: the limit doubles back towards the configured size.
    pub fn committed_whole(&mut self) {
        self.limit = self.limit.saturating_mul(2).min(self.configured_max);
    }

    /// The broker rolled a transaction back at its timeout: the limit halves.
    pub fn timed_out(&mut self) {
        self.limit = (self.limit / 2).max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(10);

    #[test]
    fn a_transaction_takes_records_for_half_the_timeout_and_always_its_first() {
        let budget = BatchBudget::new(500, TIMEOUT);
        assert!(!budget.is_spent(Duration::from_millis(4_999), 10));
        assert!(budget.is_spent(Duration::from_secs(5), 10));
        assert!(!budget.is_spent(Duration::from_secs(60), 0), "a batch with nothing processed yet takes its first record");
    }

    #[test]
    fn a_cut_batch_sets_the_limit_and_whole_commits_double_it_back_to_the_configured_size() {
        let mut budget = BatchBudget::new(500, TIMEOUT);
        assert_eq!(budget.limit(), 500);
        budget.cut_at(120);
        assert_eq!(budget.limit(), 120);
        budget.committed_whole();
        assert_eq!(budget.limit(), 240);
        budget.committed_whole();
        budget.committed_whole();
        assert_eq!(budget.limit(), 500, "never past the configured size");
        budget.cut_at(0);
        assert_eq!(budget.limit(), 1, "never below one record");
    }

    #[test]
    fn a_transaction_rolled_back_at_its_timeout_halves_the_limit_down_to_one() {
        let mut budget = BatchBudget::new(5, TIMEOUT);
        budget.timed_out();
        assert_eq!(budget.limit(), 2);
        budget.timed_out();
        budget.timed_out();
        assert_eq!(budget.limit(), 1);
        assert_eq!(BatchBudget::new(0, TIMEOUT).limit(), 1, "a zero size is read as one");
    }
}
