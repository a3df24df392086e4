//! When a feed is polled next: the normal interval, never before the server
//! said (`Retry-After` on 429/503, `Cache-Control: max-age` on a fresh answer,
//! both held within the feed's configured minimum and maximum), exponential
//! backoff after failures, and jitter so that feeds with the same interval do
//! not all fire together.

use std::time::Duration;

use crate::poll::backoff::next_delay;

/// Share of a wait added at most as jitter after a normal poll.
const SCHEDULE_JITTER: f64 = 0.1;
/// Share of a wait added at most as jitter after a failure.
const BACKOFF_JITTER: f64 = 0.5;
/// Longest initial stagger before a feed's first poll.
const MAX_FIRST_STAGGER: Duration = Duration::from_secs(60);

/// A feed's timing settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The wait between polls when all is well.
    pub interval: Duration,
    /// The shortest wait a server's `Retry-After` or `max-age` can ask for.
    pub min: Duration,
    /// The longest wait a server's `Retry-After` or `max-age` can ask for.
    pub max: Duration,
    /// The longest wait after repeated failures.
    pub max_backoff: Duration,
}

/// What the last poll's answer means for the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 200 or 304: fresh for `max_age` when the server said so.
    Fresh {
        /// `Cache-Control: max-age`.
        max_age: Option<Duration>,
    },
    /// 429 or 503: come back after `retry_after` when the server said so.
    Throttled {
        /// `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Any other failure.
    Failed,
}

impl Timing {
    /// A server's wish held within `min..=max`.
    fn bound(&self, asked: Duration) -> Duration {
        asked.clamp(self.min, self.max.max(self.min))
    }

    /// The wait before the next poll, after `answer` and `failures` failed polls
    /// in a row (counting this one); `unit_random` in `[0, 1)` picks the jitter,
    /// which only ever lengthens the wait (so a server's wish is never cut short).
    pub fn next_wait(&self, answer: Answer, failures: u32, unit_random: f64) -> Duration {
        let jitter = unit_random.clamp(0.0, 1.0);
        match answer {
            Answer::Fresh { max_age } => {
                let base = max_age.map_or(self.interval, |age| self.interval.max(self.bound(age)));
                base + base.mul_f64(SCHEDULE_JITTER * jitter)
            }
            Answer::Throttled { retry_after } => {
                let backoff = next_delay(self.interval, failures, self.max_backoff);
                let backoff = backoff + backoff.mul_f64(BACKOFF_JITTER * jitter);
                retry_after.map_or(backoff, |asked| backoff.max(self.bound(asked)))
            }
            Answer::Failed => {
                let backoff = next_delay(self.interval, failures, self.max_backoff);
                backoff + backoff.mul_f64(BACKOFF_JITTER * jitter)
            }
        }
    }

    /// The stagger before a feed's first poll: a random point in the first
    /// interval (at most a minute), so feeds started together spread out.
    pub fn first_wait(&self, unit_random: f64) -> Duration {
        self.interval.min(MAX_FIRST_STAGGER).mul_f64(unit_random.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn timing() -> Timing {
        Timing { interval: s(300), min: s(60), max: s(3600), max_backoff: s(7200) }
    }

    #[test]
    fn a_fresh_answer_waits_the_interval_or_its_max_age_whichever_is_longer() {
        let t = timing();
        assert_eq!(t.next_wait(Answer::Fresh { max_age: None }, 0, 0.0), s(300));
        assert_eq!(t.next_wait(Answer::Fresh { max_age: Some(s(900)) }, 0, 0.0), s(900));
        assert_eq!(t.next_wait(Answer::Fresh { max_age: Some(s(10)) }, 0, 0.0), s(300), "a short max-age never polls sooner");
        assert_eq!(t.next_wait(Answer::Fresh { max_age: Some(s(86_400)) }, 0, 0.0), s(3600), "the maximum bounds max-age");
    }

    #[test]
    fn retry_after_is_honoured_within_the_bounds_and_never_shortens_the_backoff() {
        let t = timing();
        let throttled = |after| Answer::Throttled { retry_after: Some(after) };
        assert_eq!(t.next_wait(throttled(s(1800)), 1, 0.0), s(1800));
        assert_eq!(t.next_wait(throttled(s(86_400)), 1, 0.0), s(3600), "the maximum bounds Retry-After");
        assert_eq!(t.next_wait(throttled(s(0)), 1, 0.0), s(600), "the backoff still applies");
        let short = Timing { interval: s(10), ..t };
        assert_eq!(short.next_wait(throttled(s(0)), 1, 0.0), s(60), "the minimum bounds Retry-After");
        assert_eq!(t.next_wait(Answer::Throttled { retry_after: None }, 2, 0.0), s(1200), "no Retry-After: backoff");
    }

    #[test]
    fn repeated_failures_back_off_exponentially_with_jitter_up_to_the_cap() {
        let t = timing();
        assert_eq!(t.next_wait(Answer::Failed, 1, 0.0), s(600));
        assert_eq!(t.next_wait(Answer::Failed, 2, 0.0), s(1200));
        assert_eq!(t.next_wait(Answer::Failed, 2, 0.5), s(1500));
        assert_eq!(t.next_wait(Answer::Failed, 30, 0.0), s(7200));
        let waits: std::collections::HashSet<_> = [0.1, 0.4, 0.9].iter().map(|r| t.next_wait(Answer::Failed, 1, *r)).collect();
        assert_eq!(waits.len(), 3, "jitter spreads the retries apart");
    }

    #[test]
    fn jitter_only_lengthens_and_spreads_the_schedule() {
        let t = timing();
        let fresh = Answer::Fresh { max_age: Some(s(900)) };
        assert_eq!(t.next_wait(fresh, 0, 0.999).as_secs(), 989, "at most a tenth more than max-age");
        assert!(t.next_wait(fresh, 0, 0.3) > s(900));
        assert_eq!(t.first_wait(0.0), Duration::ZERO);
        assert_eq!(t.first_wait(0.5), s(30), "the first stagger is at most a minute");
        assert_eq!(Timing { interval: s(10), ..t }.first_wait(0.5), s(5));
    }
}
