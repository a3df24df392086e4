//! Which redirects a poll follows, and which it remembers: 301 and 308 move
//! the feed for good (the new URL is used from then on), 302, 303 and 307 for
//! this poll only; a chain is at most `max_hops` long, and only to http(s).
//! Where each hop may connect is checked by the fetch, as for the first URL.

use reqwest::Url;

/// How a redirect asks to be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// 301 or 308: the feed has moved.
    Permanent(Url),
    /// 302, 303 or 307: fetch it there this time.
    Temporary(Url),
}

/// Why a redirect is not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    /// A 3xx without a usable `Location`.
    #[error("{status} from {from} without a usable Location")]
    NoLocation {
        /// The status.
        status: u16,
        /// The URL that answered it.
        from: String,
    },
    /// A `Location` that is not an http(s) URL.
    #[error("redirect from {from} to {to}, which is not an http(s) URL")]
    Scheme {
        /// The URL that answered it.
        from: String,
        /// Where it pointed.
        to: String,
    },
    /// More hops than allowed.
    #[error("more than {0} redirects in a row")]
    TooMany(usize),
}

/// Reads a response's status and `Location` as a redirect from `from`, or none
/// when the status is not one that is followed.
pub fn classify(status: u16, location: Option<&str>, from: &Url) -> Result<Option<Redirect>, RedirectError> {
    let permanent = match status {
        301 | 308 => true,
        302 | 303 | 307 => false,
        _ => return Ok(None),
    };
    let no_location = || RedirectError::NoLocation { status, from: from.to_string() };
    let target = from.join(location.ok_or_else(no_location)?.trim()).map_err(|_| no_location())?;
    if !matches!(target.scheme(), "http" | "https") || target.host_str().is_none() {
        return Err(RedirectError::Scheme { from: from.to_string(), to: target.to_string() });
    }
    Ok(Some(if permanent { Redirect::Permanent(target) } else { Redirect::Temporary(target) }))
}

/// The redirects followed in one poll.
#[derive(Debug, Clone)]
pub struct Chain {
    max_hops: usize,
    hops: usize,
    all_permanent: bool,
    moved_to: Option<Url>,
}

impl Chain {
    /// A chain of at most `max_hops` redirects.
    pub fn new(max_hops: usize) -> Self {
        Chain { max_hops, hops: 0, all_permanent: true, moved_to: None }
    }

    /// Follows `redirect`: the URL to request next.
    pub fn follow(&mut self, redirect: Redirect) -> Result<Url, RedirectError> {
        if self.hops >= self.max_hops {
            return Err(RedirectError::TooMany(self.max_hops));
        }
        self.hops += 1;
        match redirect {
            Redirect::Permanent(url) => {
                if self.all_permanent {
                    self.moved_to = Some(url.clone());
                }
                Ok(url)
            }
            Redirect::Temporary(url) => {
                self.all_permanent = false;
                Ok(url)
            }
        }
    }

    /// Where the feed has moved for good: the end of the unbroken run of
    /// permanent redirects from the requested URL (a 301 met after a 302 is
    /// not the feed's move but the temporary location's).
    pub fn moved_to(&self) -> Option<&Url> {
        self.moved_to.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn permanent_and_temporary_statuses_are_told_apart_and_locations_resolved() {
        let from = url("http://feeds.example/news/rss");
        assert_eq!(
            classify(301, Some("/v2/rss"), &from),
            Ok(Some(Redirect::Permanent(url("http://feeds.example/v2/rss"))))
        );
        assert_eq!(classify(308, Some("https://x.example/a"), &from), Ok(Some(Redirect::Permanent(url("https://x.example/a")))));
        for status in [302, 303, 307] {
            assert_eq!(classify(status, Some("b"), &from), Ok(Some(Redirect::Temporary(url("http://feeds.example/news/b")))));
        }
        for status in [200, 304, 404, 429, 300] {
            assert_eq!(classify(status, Some("/x"), &from), Ok(None), "{status}");
        }
    }

    #[test]
    fn a_redirect_without_location_or_off_http_is_refused() {
        let from = url("http://feeds.example/rss");
        assert!(matches!(classify(301, None, &from), Err(RedirectError::NoLocation { status: 301, .. })));
        assert!(matches!(classify(302, Some("file:///etc/passwd"), &from), Err(RedirectError::Scheme { .. })));
        assert!(matches!(classify(307, Some("gopher://x/"), &from), Err(RedirectError::Scheme { .. })));
    }

    #[test]
    fn only_an_unbroken_run_of_permanent_redirects_moves_the_feed() {
        let mut chain = Chain::new(5);
        chain.follow(Redirect::Permanent(url("http://a.example/1"))).unwrap();
        chain.follow(Redirect::Permanent(url("http://a.example/2"))).unwrap();
        assert_eq!(chain.moved_to(), Some(&url("http://a.example/2")));
        chain.follow(Redirect::Temporary(url("http://a.example/3"))).unwrap();
        chain.follow(Redirect::Permanent(url("http://a.example/4"))).unwrap();
        assert_eq!(chain.moved_to(), Some(&url("http://a.example/2")), "a 301 after a 302 is not remembered");

        let mut temporary = Chain::new(5);
        temporary.follow(Redirect::Temporary(url("http://a.example/t"))).unwrap();
        temporary.follow(Redirect::Permanent(url("http://a.example/p"))).unwrap();
        assert_eq!(temporary.moved_to(), None);
    }

    #[test]
    fn a_chain_longer_than_allowed_stops() {
        let mut chain = Chain::new(2);
        chain.follow(Redirect::Temporary(url("http://a.example/1"))).unwrap();
        chain.follow(Redirect::Temporary(url("http://a.example/2"))).unwrap();
        assert_eq!(chain.follow(Redirect::Temporary(url("http://a.example/3"))), Err(RedirectError::TooMany(2)));
    }
}
