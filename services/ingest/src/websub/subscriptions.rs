//! WebSub subscriptions: one per polled feed whose document advertises a hub,
//! kept in ingest's sled store (tree `websub`) so a restart still knows each
//! one's secret and lease; when to ask a hub (again), and the asking.

use std::time::Duration;

use newswire_shared::ids;
use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::poll::address::AddressPolicy;
use crate::poll::fetch::{FetchError, Fetcher};
use crate::repush::{RepushStore, STORE};
use newswire_shared::state::StateError;
use crate::websub::discover::Advertised;

/// A subscription not yet verified is asked for again after this long.
const PENDING_RETRY: Duration = Duration::from_secs(600);
/// A lease is renewed when less than this share of it is left (and at least a minute before).
const RENEW_SHARE: f64 = 0.1;

/// One subscription to a hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The feed its stories are ingested as.
    pub feed: String,
    /// The hub's URL.
    pub hub: String,
    /// The topic subscribed to (the feed's `self` URL).
    pub topic: String,
    /// `hub.secret`: the key of the pushes' HMAC. Kept across renewals.
    pub secret: String,
    /// When the hub was last asked, in Unix milliseconds.
    pub requested_at_ms: i64,
    /// Until when the hub's verified lease runs (none until the hub verified).
    pub lease_until_ms: Option<i64>,
    /// The lease the hub granted, in seconds.
    pub lease_secs: Option<u64>,
}

/// Why a hub could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The hub's URL is unusable or its address not permitted, or the request failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The hub refused.
    #[error("the hub {hub} answered {status} to the subscription request")]
    Refused {
        /// The hub.
        hub: String,
        /// Its status.
        status: u16,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StateError),
}

/// Whether the hub must be asked now, for `advertised` (the hub and topic the
/// feed names now), given what is stored: never asked, another hub or topic,
/// unverified for too long, or a lease close to its end.
pub fn needs_request(stored: Option<&Subscription>, advertised: &Advertised, now_ms: i64) -> bool {
    let Some(sub) = stored else { return true };
    if sub.hub != advertised.hub || sub.topic != advertised.topic {
        return true;
    }
    let since_request = now_ms.saturating_sub(sub.requested_at_ms);
    if since_request < PENDING_RETRY.as_millis() as i64 {
        return false;
    }
    match (sub.lease_until_ms, sub.lease_secs) {
        (Some(until), Some(lease)) if until > sub.requested_at_ms => {
            let margin = (Duration::from_secs(lease).mul_f64(RENEW_SHARE)).max(Duration::from_secs(60));
            until.saturating_sub(now_ms) <= margin.as_millis() as i64
        }
        _ => true,
    }
}

/// The subscriptions and how to reach ingest's callback.
#[derive(Clone)]
pub struct WebSub {
    tree: sled::Tree,
    /// ingest's HTTP server as hubs reach it, e.g. `https://ingest.example`.
    pub callback_base: String,
    /// The lease asked for, in seconds.
    pub lease_secs: u64,
}

impl WebSub {
    /// Opens the `websub` tree of ingest's store.
    pub fn open(store: &RepushStore, callback_base: &str, lease_secs: u64) -> Result<Self, StateError> {
        Ok(WebSub { tree: store.tree("websub")?, callback_base: callback_base.trim_end_matches('/').to_owned(), lease_secs })
    }

    /// The subscription id of `feed` polled at `configured_url`: the last part of its callback URL.
    pub fn id(feed: &str, configured_url: &str) -> String {
        ids::digest(&[b"websub", feed.as_bytes(), configured_url.as_bytes()])
    }

    /// The callback URL of subscription `id`.
    pub fn callback_url(&self, id: &str) -> String {
        format!("{}/v1/websub/{id}", self.callback_base)
    }

    /// The stored subscription `id`.
    pub fn get(&self, id: &str) -> Result<Option<Subscription>, StateError> {
        let found = self.tree.get(id.as_bytes()).map_err(StateError::sled(STORE, "read"))?;
        Ok(found.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// Stores subscription `id`.
    pub fn put(&self, id: &str, sub: &Subscription) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(sub).unwrap_or_default();
        self.tree.insert(id.as_bytes(), bytes).map_err(StateError::sled(STORE, "write"))?;
        Ok(())
    }

    /// Subscribes (or renews) subscription `id` of `feed` when it is due: to the
    /// hub `advertised` now, else the stored one. The hub is reached as the feed
    /// is (its address checked against `policy`). Returns whether the hub was asked.
    pub async fn maintain(
        &self,
        id: &str,
        feed: &str,
        advertised: Option<&Advertised>,
        fetcher: &Fetcher,
        policy: &AddressPolicy,
        now_ms: i64,
    ) -> Result<bool, SubscribeError> {
        let stored = self.get(id)?;
        let target = match (advertised, &stored) {
            (Some(advertised), _) => advertised.clone(),
            (None, Some(sub)) => Advertised { hub: sub.hub.clone(), topic: sub.topic.clone() },
            (None, None) => return Ok(false),
        };
        if !needs_request(stored.as_ref(), &target, now_ms) {
            return Ok(false);
        }
        let same_hub = stored.as_ref().filter(|s| s.hub == target.hub && s.topic == target.topic);
        let sub = Subscription {
            feed: feed.to_owned(),
            secret: same_hub.map_or_else(|| format!("{}{}", ids::new_trace_id(), ids::new_trace_id()), |s| s.secret.clone()),
            requested_at_ms: now_ms,
            lease_until_ms: same_hub.and_then(|s| s.lease_until_ms),
            lease_secs: same_hub.and_then(|s| s.lease_secs),
            hub: target.hub,
            topic: target.topic,
        };
        // Stored first: the hub may verify before its answer to this request arrives.
        self.put(id, &sub)?;
        let hub = Url::parse(&sub.hub).map_err(|_| FetchError::BadUrl(sub.hub.clone()))?;
        let (client, _) = fetcher.client_for(&hub, policy).await?;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.topic", &sub.topic)
            .append_pair("hub.callback", &self.callback_url(id))
            .append_pair("hub.secret", &sub.secret)
            .append_pair("hub.lease_seconds", &self.lease_secs.to_string())
            .finish();
        let response = client
            .post(hub.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|source| FetchError::Request { url: hub.to_string(), source })?;
        if !response.status().is_success() {
            return Err(SubscribeError::Refused { hub: sub.hub, status: response.status().as_u16() });
        }
        tracing::info!(feed, hub = %sub.hub, topic = %sub.topic, "WebSub subscription requested");
        Ok(true)
    }

    /// The hub's verification of intent for `id`: the challenge to echo when
    /// it is a subscription we asked for, to this topic; the lease is recorded.
    pub fn verify_intent(&self, id: &str, mode: &str, topic: &str, lease_secs: Option<u64>, now_ms: i64) -> Result<bool, StateError> {
        let Some(mut sub) = self.get(id)? else { return Ok(false) };
        if mode != "subscribe" || sub.topic != topic {
            return Ok(false);
        }
        let lease = lease_secs.unwrap_or(self.lease_secs);
        sub.lease_secs = Some(lease);
        sub.lease_until_ms = Some(now_ms.saturating_add(i64::try_from(lease.saturating_mul(1000)).unwrap_or(i64::MAX)));
        self.put(id, &sub)?;
        tracing::info!(feed = %sub.feed, hub = %sub.hub, topic, lease_secs = lease, "WebSub subscription verified");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn advertised() -> Advertised {
        Advertised { hub: "https://hub.example/".into(), topic: "https://feeds.example/rss".into() }
    }

    fn sub(requested_at_ms: i64, lease: Option<(i64, u64)>) -> Subscription {
        Subscription {
            feed: "pa".into(),
            hub: "https://hub.example/".into(),
            topic: "https://feeds.example/rss".into(),
            secret: "s".into(),
            requested_at_ms,
            lease_until_ms: lease.map(|l| l.0),
            lease_secs: lease.map(|l| l.1),
        }
    }

    #[test]
    fn a_hub_is_asked_when_new_changed_unverified_for_long_or_near_the_lease_end() {
        let now = 1_000 * MIN;
        assert!(needs_request(None, &advertised(), now));
        let moved = Advertised { hub: "https://other-hub.example/".into(), ..advertised() };
        assert!(needs_request(Some(&sub(now - MIN, None)), &moved, now), "another hub");
        assert!(!needs_request(Some(&sub(now - MIN, None)), &advertised(), now), "asked a minute ago");
        assert!(needs_request(Some(&sub(now - 11 * MIN, None)), &advertised(), now), "never verified");
        // A day's lease verified 20 hours ago: 4 hours left, more than a tenth.
        let day = 24 * 60 * MIN;
        let verified = sub(now - 20 * 60 * MIN, Some((now + 4 * 60 * MIN, 86_400)));
        assert!(!needs_request(Some(&verified), &advertised(), now));
        let ending = sub(now - day + 60 * MIN, Some((now + 2 * MIN, 86_400)));
        assert!(needs_request(Some(&ending), &advertised(), now), "renewed before the lease ends");
    }
}
