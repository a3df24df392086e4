//! Per-feed rate limits (GCRA, governor): a feed over its pushes-per-minute is
//! answered 429 with `Retry-After`.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::rejection::Rejection;

type Limiter<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// One limiter per feed that has a limit.
pub struct RateLimits<C: Clock = DefaultClock> {
    /// Feed → its pushes per minute and its limiter (shared with the set a
    /// reload replaced, when the limit stayed the same).
    limiters: HashMap<String, (NonZeroU32, Arc<Limiter<C>>)>,
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
        Self::carried_over(limits, None, clock)
    }

    /// Limits that take over `previous`'s allowance of each feed whose limit is
    /// unchanged (a reload neither refills nor empties it); a new feed, or one
    /// whose limit changed, starts with a full allowance.
    pub fn carried_over<'a>(limits: impl IntoIterator<Item = (&'a str, NonZeroU32)>, previous: Option<&Self>, clock: &C) -> Self {
        let limiters = limits
            .into_iter()
            .map(|(feed, per_minute)| {
                let kept = previous.and_then(|p| p.limiters.get(feed)).filter(|(n, _)| *n == per_minute).map(|(_, l)| l.clone());
                let limiter = kept.unwrap_or_else(|| Arc::new(RateLimiter::direct_with_clock(Quota::per_minute(per_minute), clock.clone())));
                (feed.to_owned(), (per_minute, limiter))
            })
            .collect();
        RateLimits { limiters }
    }

    /// Takes one push from `feed`'s allowance, or says how long to wait.
    pub fn check(&self, feed: &str, clock: &C) -> Result<(), Rejection> {
        self.check_n(feed, 1, clock)
    }

    /// Takes `pushes` pushes (a batch's documents) from `feed`'s allowance all
    /// at once, or none of them and says how long to wait; a batch larger than
    /// the whole minute's allowance could never pass, and is answered 413.
    pub fn check_n(&self, feed: &str, pushes: usize, clock: &C) -> Result<(), Rejection> {
        let Some((per_minute, limiter)) = self.limiters.get(feed) else { return Ok(()) };
        let Some(n) = u32::try_from(pushes).ok().and_then(NonZeroU32::new) else { return Ok(()) };
        let too_many = || {
            Rejection::new(413, "batch_over_rate_limit", format!("a batch of {pushes} documents is more than feed {feed}'s whole allowance of {per_minute} a minute; send smaller batches"))
        };
        limiter.check_n(n).map_err(|_| too_many())?.map_err(|not_until| {
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
    fn a_reload_keeps_the_allowance_of_an_unchanged_limit_and_resets_a_changed_one() {
        let clock = FakeRelativeClock::default();
        let two = NonZeroU32::new(2).unwrap();
        let limits = RateLimits::with_clock([("pa", two), ("ap", two)], &clock);
        for feed in ["pa", "pa", "ap", "ap"] {
            assert!(limits.check(feed, &clock).is_ok());
        }
        let reloaded = RateLimits::carried_over([("pa", two), ("ap", NonZeroU32::new(3).unwrap())], Some(&limits), &clock);
        assert_eq!(reloaded.check("pa", &clock).unwrap_err().status, 429, "pa's spent allowance survives the reload");
        assert!(reloaded.check("ap", &clock).is_ok(), "ap's new limit starts full");
    }

    #[test]
    fn a_batch_takes_its_documents_from_the_allowance_all_or_none() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock([("pa", NonZeroU32::new(4).unwrap())], &clock);
        assert!(limits.check_n("pa", 3, &clock).is_ok());
        assert_eq!(limits.check_n("pa", 2, &clock).unwrap_err().status, 429, "only one push is left");
        assert!(limits.check("pa", &clock).is_ok(), "the refused batch took nothing");
        assert_eq!(limits.check_n("pa", 5, &clock).unwrap_err().error, "batch_over_rate_limit", "more than a minute's allowance");
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
