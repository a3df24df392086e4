//! How long a poller waits before its next poll.

use std::time::Duration;

/// The wait after `consecutive_failures` failed polls in a row: the normal
/// interval when there are none, then doubling per failure, capped at `max`.
pub fn next_delay(interval: Duration, consecutive_failures: u32, max: Duration) -> Duration {
    let factor = 2u32.saturating_pow(consecutive_failures.min(16));
    interval.saturating_mul(factor).min(max.max(interval))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_double_the_wait_up_to_the_cap_and_success_resets_it() {
        let s = Duration::from_secs;
        assert_eq!(next_delay(s(10), 0, s(300)), s(10));
        assert_eq!(next_delay(s(10), 1, s(300)), s(20));
        assert_eq!(next_delay(s(10), 3, s(300)), s(80));
        assert_eq!(next_delay(s(10), 10, s(300)), s(300));
        assert_eq!(next_delay(s(10), u32::MAX, s(300)), s(300));
        // A cap below the interval never shortens the normal wait.
        assert_eq!(next_delay(s(600), 2, s(300)), s(600));
    }
}
