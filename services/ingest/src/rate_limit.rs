//! Per-feed rate limits (GCRA, governor): a feed over its pushes-per-minute is
//! answered 429 with `Retry-After`.

use std::collections::HashMap;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::rejection::Rejection;

type Limiter<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// One limiter per feed that has a limit.
pub struct RateLimits<C: Clock = DefaultClock> {
    limiters: HashMap<String, Limiter<C>>,
}

impl RateLimits<DefaultClock> {
    /// Limits from `(feed, pushes per minute)` pairs, on the real clock.
    pub fn new<'a>(limits: impl IntoIterator<Item = (&'a str, NonZeroU32)>) -> Self {
        Self::with_clock(limits, &DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimits<C> {
    /// Limits on an explicit clock (tests use a fake one). Each feed may burst
    /// its whole minute's allowance, then one push per 1/n minute.
    pub fn with_clock<'a>(limits: impl IntoIterator<Item = (&'a str, NonZeroU32)>, clock: &C) -> Self {
        let limiters = limits
            .into_iter()
            .map(|(feed, per_minute)| {
                (feed.to_owned(), RateLimiter::direct_with_clock(Quota::per_minute(per_minute), clock.clone()))
            })
            .collect();
        RateLimits { limiters }
    }

    /// Takes one push from `feed`'s allowance, or says how long to wait.
    pub fn check(&self, feed: &str, clock: &C) -> Result<(), Rejection> {
        let Some(limiter) = self.limiters.get(feed) else { return Ok(()) };
        limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(clock.now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            Rejection::new(429, "rate_limited", format!("feed {feed} is over its rate limit; retry in {seconds}s"))
                .retry_after(seconds.max(1))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    #[test]
    fn a_feed_over_its_limit_gets_429_with_retry_after_until_it_refills() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock([("pa", NonZeroU32::new(2).unwrap())], &clock);
        assert!(limits.check("pa", &clock).is_ok());
        assert!(limits.check("pa", &clock).is_ok());
        let err = limits.check("pa", &clock).unwrap_err();
        assert_eq!((err.status, err.error, err.retry_after_secs), (429, "rate_limited", Some(30)));
        clock.advance(Duration::from_secs(30));
        assert!(limits.check("pa", &clock).is_ok());
    }

    #[test]
    fn feeds_without_a_limit_are_never_limited() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock([("pa", NonZeroU32::new(1).unwrap())], &clock);
        for _ in 0..100 {
            assert!(limits.check("ap", &clock).is_ok());
        }
    }
}
