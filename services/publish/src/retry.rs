//! When to retry a webhook delivery, and how long to wait before the next attempt.

use std::time::Duration;

/// What one attempt's result means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptVerdict {
    /// 2xx: delivered.
    Delivered,
    /// Worth another attempt; `after` is the server's `Retry-After`, when it sent one.
    Retry {
        /// A delay the server asked for.
        after: Option<Duration>,
    },
    /// A client error other than 408 and 429: retrying the same request cannot help.
    Permanent,
}

/// Classifies an HTTP status: 2xx delivered; 408, 429 and 5xx (and 1xx/3xx, which a
/// webhook should not answer) retried; any other 4xx permanent.
pub fn classify(status: u16, retry_after: Option<Duration>) -> AttemptVerdict {
    match status {
        200..=299 => AttemptVerdict::Delivered,
        408 | 429 => AttemptVerdict::Retry { after: retry_after },
        400..=499 => AttemptVerdict::Permanent,
        503 => AttemptVerdict::Retry { after: retry_after },
        _ => AttemptVerdict::Retry { after: None },
    }
}

pub use newswire_shared::http_hints::parse_retry_after;

/// Capped exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the delay before the first retry.
    pub initial: Duration,
    /// The largest delay ever waited.
    pub max: Duration,
}

impl Backoff {
    /// The ceiling of the delay after failed attempt number `attempt` (1-based):
    /// `initial * 2^(attempt-1)`, at most `max`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The delay after failed attempt `attempt`: a uniformly random point in the
    /// upper half of [`Backoff::ceiling`] (jitter spreads retries of many
    /// deliveries apart), or the server's `Retry-After` when it asked, capped at `max`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, unit_random: f64) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max);
        }
        let ceiling = self.ceiling(attempt);
        let jitter = unit_random.clamp(0.0, 1.0);
        ceiling.mul_f64(0.5 + 0.5 * jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_initial_delay_up_to_the_cap() {
        let b = Backoff { initial: Duration::from_millis(500), max: Duration::from_secs(5) };
        let ceilings: Vec<u128> = (1..=7).map(|a| b.ceiling(a).as_millis()).collect();
        assert_eq!(ceilings, [500, 1000, 2000, 4000, 5000, 5000, 5000]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(5), "huge attempt numbers do not overflow");
    }

    #[test]
    fn jitter_stays_within_the_upper_half_of_the_ceiling() {
        let b = Backoff { initial: Duration::from_millis(1000), max: Duration::from_secs(60) };
        assert_eq!(b.delay(2, None, 0.0), Duration::from_millis(1000));
        assert_eq!(b.delay(2, None, 1.0), Duration::from_millis(2000));
        assert_eq!(b.delay(2, None, 0.5), Duration::from_millis(1500));
        assert_eq!(b.delay(2, None, 7.0), Duration::from_millis(2000), "out-of-range randomness is clamped");
    }

    #[test]
    fn retry_after_replaces_the_backoff_but_not_the_cap() {
        let b = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(30) };
        assert_eq!(b.delay(1, Some(Duration::from_secs(7)), 0.0), Duration::from_secs(7));
        assert_eq!(b.delay(1, Some(Duration::from_secs(3600)), 0.0), Duration::from_secs(30));
    }

    #[test]
    fn only_408_429_and_server_errors_are_retried() {
        assert_eq!(classify(200, None), AttemptVerdict::Delivered);
        assert_eq!(classify(204, None), AttemptVerdict::Delivered);
        assert_eq!(classify(500, None), AttemptVerdict::Retry { after: None });
        assert_eq!(classify(502, None), AttemptVerdict::Retry { after: None });
        assert_eq!(classify(408, None), AttemptVerdict::Retry { after: None });
        let asked = Some(Duration::from_secs(2));
        assert_eq!(classify(429, asked), AttemptVerdict::Retry { after: asked });
        assert_eq!(classify(503, asked), AttemptVerdict::Retry { after: asked });
        for status in [400, 401, 403, 404, 410, 413, 422] {
            assert_eq!(classify(status, None), AttemptVerdict::Permanent, "{status}");
        }
    }
}
