//! A circuit breaker: after `threshold` failures in a row the circuit opens and
//! calls are skipped for `cooldown`; then one trial call is let through
//! (half-open), which closes the circuit on success or opens it again on failure.
//! Time is passed in, so the logic is tested without sleeping.

use std::time::{Duration, Instant};

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls go through; counts consecutive failures.
    Closed {
        /// Failures in a row so far.
        failures: u32,
    },
    /// Calls are skipped until `until`.
    Open {
        /// When a trial call may be made.
        until: Instant,
    },
    /// One trial call is in progress.
    HalfOpen,
}

/// A circuit breaker.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    state: State,
    threshold: u32,
    cooldown: Duration,
}

impl CircuitBreaker {
    /// Opens after `threshold` (at least 1) failures in a row, for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        CircuitBreaker { state: State::Closed { failures: 0 }, threshold: threshold.max(1), cooldown }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether a call may be made at `now` (an open circuit past its cooldown
    /// lets one trial call through).
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.state {
            State::Closed { .. } => true,
            State::HalfOpen => false,
            State::Open { until } if now >= until => {
                self.state = State::HalfOpen;
                true
            }
            State::Open { .. } => false,
        }
    }

    /// A call succeeded: the circuit closes.
    pub fn record_success(&mut self) {
        self.state = State::Closed { failures: 0 };
    }

    /// A call failed at `now`: counts towards opening, or reopens a half-open circuit.
    pub fn record_failure(&mut self, now: Instant) {
        self.state = match self.state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed { failures: failures + 1 },
            _ => State::Open { until: now + self.cooldown },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_the_threshold_and_skips_calls_until_the_cooldown_ends() {
        let t0 = Instant::now();
        let mut b = CircuitBreaker::new(3, Duration::from_secs(10));
        for _ in 0..2 {
            assert!(b.allow(t0));
            b.record_failure(t0);
        }
        assert_eq!(b.state(), State::Closed { failures: 2 });
        b.record_failure(t0);
        assert!(!b.allow(t0 + Duration::from_secs(9)));
        assert!(b.allow(t0 + Duration::from_secs(10)), "one trial after the cooldown");
        assert!(!b.allow(t0 + Duration::from_secs(10)), "only one trial at a time");
    }

    #[test]
    fn a_trial_success_closes_and_a_trial_failure_reopens() {
        let t0 = Instant::now();
        let mut b = CircuitBreaker::new(1, Duration::from_secs(5));
        b.record_failure(t0);
        assert!(b.allow(t0 + Duration::from_secs(5)));
        b.record_failure(t0 + Duration::from_secs(5));
        assert!(!b.allow(t0 + Duration::from_secs(9)));
        assert!(b.allow(t0 + Duration::from_secs(10)));
        b.record_success();
        assert_eq!(b.state(), State::Closed { failures: 0 });
        assert!(b.allow(t0 + Duration::from_secs(10)));
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let t0 = Instant::now();
        let mut b = CircuitBreaker::new(2, Duration::from_secs(5));
        b.record_failure(t0);
        b.record_success();
        b.record_failure(t0);
        assert!(b.allow(t0));
    }
}
