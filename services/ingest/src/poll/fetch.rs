//! The requests of one poll: a conditional GET (`If-None-Match` /
//! `If-Modified-Since` from the last delivered document) with our own
//! User-Agent, redirects followed by us (each hop's address checked as the
//! first one's, at most so many hops), one host's concurrency limit honoured,
//! and the server's timing hints (`Retry-After`, `Cache-Control: max-age`) read.

use std::time::{Duration, SystemTime};

use newswire_shared::http_hints::{parse_max_age, parse_retry_after};
use reqwest::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
    RETRY_AFTER,
};
use reqwest::{StatusCode, Url};

use crate::poll::address::{resolve_checked, AddressError, AddressPolicy};
use crate::poll::events::{PollRequested, RequestOutcome};
use crate::poll::hosts::HostLimits;
use crate::poll::redirect::{self, Chain, RedirectError};

/// The validators a server gave for the last version of a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag`.
    pub etag: Option<String>,
    /// The `Last-Modified` date.
    pub last_modified: Option<String>,
}

/// What the last request of a poll brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// 304: the feed has not changed since the validators were given.
    NotModified,
    /// 200: the feed's bytes.
    Document {
        /// The body.
        body: Vec<u8>,
        /// The response's Content-Type.
        content_type: Option<String>,
        /// The response's Content-Encoding, if the server compressed anyway.
        content_encoding: Option<String>,
        /// The validators to send next time.
        validators: Validators,
    },
    /// 429 or 503: the server asks us to come back later.
    Throttled {
        /// The status.
        status: u16,
        /// Its `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
}

/// A poll's answer with what it says about the schedule and the feed's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The last request's reply.
    pub reply: Reply,
    /// `Cache-Control: max-age` of a 200 or 304.
    pub max_age: Option<Duration>,
    /// Where the feed moved for good, when the chain began with permanent redirects.
    pub moved_to: Option<Url>,
}

/// Why a poll's requests failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL cannot be requested.
    #[error("{0} is not a URL that can be polled")]
    BadUrl(String),
    /// A hop's address is not one the feed may connect to.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// A redirect that is not followed.
    #[error(transparent)]
    Redirect(#[from] RedirectError),
    /// The request failed (connection, timeout, …).
    #[error("request to {url} failed: {source}")]
    Request {
        /// The URL requested.
        url: String,
        /// The client's error.
        source: reqwest::Error,
    },
    /// The server answered something this poller does not take.
    #[error("{url} answered {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status.
        status: StatusCode,
    },
    /// The body is larger than the limit.
    #[error("the feed is larger than {0} bytes")]
    TooLarge(usize),
}

/// A poll's result and every request it made (one per redirect hop), for the metrics.
#[derive(Debug)]
pub struct Fetch {
    /// The requests, in order.
    pub requests: Vec<PollRequested>,
    /// The answer, or why there is none.
    pub result: Result<Answered, FetchError>,
}

/// How the pollers make requests; shared by every feed.
#[derive(Clone)]
pub struct Fetcher {
    /// `newswire/<version> (+<contact url>)`.
    pub user_agent: String,
    /// Most redirects followed in one poll.
    pub max_redirects: usize,
    /// Requests in flight per host.
    pub hosts: HostLimits,
    /// Longest a request may take, body included.
    pub timeout: Duration,
    /// Largest document read.
    pub max_bytes: usize,
}

/// One request's result: a final reply, or a redirect to follow.
enum Hop {
    Final { reply: Reply, max_age: Option<Duration> },
    Redirect(redirect::Redirect, u16),
}

/// The User-Agent the pollers send: `newswire/<version> (+<contact url>)`, or
/// without the contact when none is configured.
pub fn user_agent(contact_url: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    if contact_url.is_empty() {
        format!("newswire/{version}")
    } else {
        format!("newswire/{version} (+{contact_url})")
    }
}

impl Fetcher {
    /// Polls `url` with the validators of the last delivered document,
    /// connecting only where `policy` permits, on every hop.
    pub async fn fetch(&self, url: &str, last: &Validators, policy: &AddressPolicy) -> Fetch {
        let mut requests = Vec::new();
        let result = self.follow(url, last, policy, &mut requests).await;
        Fetch { requests, result }
    }

    async fn follow(
        &self,
        url: &str,
        last: &Validators,
        policy: &AddressPolicy,
        requests: &mut Vec<PollRequested>,
    ) -> Result<Answered, FetchError> {
        let mut url = Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_owned()))?;
        let mut chain = Chain::new(self.max_redirects);
        loop {
            let hop = self.request(&url, last, policy).await;
            let record = |outcome, status: Option<u16>, detail: Option<String>| PollRequested {
                outcome,
                url: url.to_string(),
                status,
                detail,
            };
            match hop {
                Err(error) => {
                    let status = match &error {
                        FetchError::Status { status, .. } => Some(status.as_u16()),
                        _ => None,
                    };
                    requests.push(record(RequestOutcome::Error, status, Some(error.to_string())));
                    return Err(error);
                }
                Ok(Hop::Redirect(redirect, status)) => {
                    requests.push(record(RequestOutcome::Redirected, Some(status), None));
                    url = chain.follow(redirect)?;
                }
                Ok(Hop::Final { reply, max_age }) => {
                    let (outcome, status) = match &reply {
                        Reply::NotModified => (RequestOutcome::NotModified, 304),
                        Reply::Document { .. } => (RequestOutcome::Ok, 200),
                        Reply::Throttled { status, .. } => (RequestOutcome::Throttled, *status),
                    };
                    requests.push(record(outcome, Some(status), None));
                    return Ok(Answered { reply, max_age, moved_to: chain.moved_to().cloned() });
                }
            }
        }
    }

    /// A client for requests to `url` (and its host name): pinned to the host's
    /// address once checked against `policy`, redirects off, our User-Agent.
    pub async fn client_for(&self, url: &Url, policy: &AddressPolicy) -> Result<(reqwest::Client, String), FetchError> {
        let host = url.host_str().ok_or_else(|| FetchError::BadUrl(url.to_string()))?.to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = resolve_checked(&host, port, policy).await?;
        let client = reqwest::Client::builder()
            .resolve(host.trim_matches(['[', ']']), addr)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .user_agent(&self.user_agent)
            .build()
            .map_err(|source| FetchError::Request { url: url.to_string(), source })?;
        Ok((client, host))
    }

    /// One request to `url`, pinned to its checked address, redirects off.
    async fn request(&self, url: &Url, last: &Validators, policy: &AddressPolicy) -> Result<Hop, FetchError> {
        let (client, host) = self.client_for(url, policy).await?;
        let failed = |source| FetchError::Request { url: url.to_string(), source };
        let _turn = self.hosts.acquire(&host).await;
        let mut request = client.get(url.clone());
        if let Some(etag) = &last.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &last.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
        let mut response = request.send().await.map_err(failed)?;
        let header = |name| {
            response.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_owned)
        };
        let status = response.status();
        let max_age = header(CACHE_CONTROL).and_then(|v| parse_max_age(&v));
        match status.as_u16() {
            304 => return Ok(Hop::Final { reply: Reply::NotModified, max_age }),
            429 | 503 => {
                let retry_after = header(RETRY_AFTER).and_then(|v| parse_retry_after(&v, SystemTime::now()));
                return Ok(Hop::Final { reply: Reply::Throttled { status: status.as_u16(), retry_after }, max_age: None });
            }
            200 => {}
            other => {
                return match redirect::classify(other, header(LOCATION).as_deref(), url)? {
                    Some(redirect) => Ok(Hop::Redirect(redirect, other)),
                    None => Err(FetchError::Status { url: url.to_string(), status }),
                };
            }
        }
        let validators = Validators { etag: header(ETAG), last_modified: header(LAST_MODIFIED) };
        let content_type = header(CONTENT_TYPE);
        let content_encoding = header(CONTENT_ENCODING);
        if response.content_length().is_some_and(|len| len > self.max_bytes as u64) {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Hop::Final { reply: Reply::Document { body, content_type, content_encoding, validators }, max_age })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use axum::http::{HeaderMap, StatusCode as Status};
    use axum::routing::get;

    /// Each request's If-None-Match and User-Agent.
    type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;

    /// A feed server that honours `If-None-Match` and records the validator and User-Agent it was sent.
    async fn feed_server(seen: Seen) -> String {
        let app = axum::Router::new().route(
            "/feed.xml",
            get(move |headers: HeaderMap| {
                let seen = seen.clone();
                async move {
                    let text = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let sent = text("if-none-match");
                    seen.lock().unwrap().push((sent.clone(), text("user-agent").unwrap_or_default()));
                    let headers = [("etag", "\"v1\""), ("content-type", "application/rss+xml"), ("cache-control", "max-age=120")];
                    if sent.as_deref() == Some("\"v1\"") {
                        return (Status::NOT_MODIFIED, headers, String::new());
                    }
                    (Status::OK, headers, "<rss/>".to_owned())
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/feed.xml")
    }

    fn fetcher(max_bytes: usize) -> Fetcher {
        Fetcher {
            user_agent: user_agent("https://newsroom.example/contact"),
            max_redirects: 3,
            hosts: HostLimits::new(2),
            timeout: Duration::from_secs(10),
            max_bytes,
        }
    }

    fn loopback() -> AddressPolicy {
        AddressPolicy { allow_private: true, ..AddressPolicy::default() }
    }

    #[tokio::test]
    async fn a_second_fetch_sends_the_etag_and_a_304_means_not_modified() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let url = feed_server(seen.clone()).await;
        let fetcher = fetcher(1024);
        let first = fetcher.fetch(&url, &Validators::default(), &loopback()).await.result.unwrap();
        assert_eq!(first.max_age, Some(Duration::from_secs(120)));
        let Reply::Document { body, content_type, validators, .. } = first.reply else { panic!("expected a document") };
        assert_eq!(body, b"<rss/>");
        assert_eq!(content_type.as_deref(), Some("application/rss+xml"));
        assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
        let second = fetcher.fetch(&url, &validators, &loopback()).await;
        assert_eq!(second.result.unwrap().reply, Reply::NotModified);
        assert_eq!(second.requests.iter().map(|r| r.outcome).collect::<Vec<_>>(), [RequestOutcome::NotModified]);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.iter().map(|(etag, _)| etag.clone()).collect::<Vec<_>>(), vec![None, Some("\"v1\"".to_owned())]);
        let agent = format!("newswire/{} (+https://newsroom.example/contact)", env!("CARGO_PKG_VERSION"));
        assert!(seen.iter().all(|(_, ua)| *ua == agent), "{seen:?}");
    }

    #[tokio::test]
    async fn oversized_feeds_and_error_statuses_are_failures() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let url = feed_server(seen).await;
        let small = fetcher(3).fetch(&url, &Validators::default(), &loopback()).await;
        assert!(matches!(small.result, Err(FetchError::TooLarge(3))));
        let missing = url.replace("feed.xml", "nope");
        let fetch = fetcher(1024).fetch(&missing, &Validators::default(), &loopback()).await;
        assert!(matches!(fetch.result, Err(FetchError::Status { status, .. }) if status == 404));
        assert_eq!(fetch.requests[0].outcome, RequestOutcome::Error);
        assert_eq!(fetch.requests[0].status, Some(404));
    }

    #[test]
    fn the_user_agent_names_newswire_its_version_and_the_contact() {
        assert_eq!(user_agent(""), format!("newswire/{}", env!("CARGO_PKG_VERSION")));
        assert!(user_agent("https://x.example/bot").ends_with(" (+https://x.example/bot)"));
    }
}
