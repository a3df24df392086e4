//! Where `newswire replay` finds what a subscriber received in a time window.
//!
//! - A subscriber **with a topic**: its own topic's records in the window (found
//!   with `offsets_for_times`). That is exactly what it received, route headers
//!   and all, and the same stories its webhook (if any) was sent, because
//!   publish routes both channels with one decision. Records that are replays
//!   themselves (`newswire-replay`) are skipped, so a replay never repeats an
//!   earlier replay.
//! - A **webhook-only** subscriber: no topic records what it received, and
//!   publish's outbox lives in its sled store, which only the running publish can
//!   open. Its deliveries are re-derived from publish's own input,
//!   `newswire.enriched`, read from its oldest record to the window's end and
//!   routed by publish's rules ([`MemoryRouter`]) over every configured
//!   subscription, so corrections to former recipients, kills and withholds
//!   come out as publish decided them. Exact as long as the subscriptions are
//!   those publish ran with and `newswire.enriched` still holds the stories'
//!   earlier versions; the window is on the time enrich wrote each story (a
//!   batch before publish delivered it).

use newswire_publish::output::render;
use newswire_publish::routing::{MemoryRouter, Route};
use newswire_shared::article::{Article, PubStatus};
use newswire_shared::kafka::headers::{self, HeaderMap};

use crate::topic_reader::Fetched;
use crate::when::Window;

/// One story to send again, as the subscriber received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// When it was delivered (or, re-derived, when enrich wrote it), ms since the epoch.
    pub timestamp_ms: Option<i64>,
    /// Where it was read: partition and offset (orders stories of one time).
    pub position: (i32, i64),
    /// Its Kafka key (the story's key).
    pub key: Vec<u8>,
    /// The strict ninjs JSON the subscriber received.
    pub payload: Vec<u8>,
    /// The topic record's headers (empty when re-derived).
    pub headers: HeaderMap,
    /// The story uri.
    pub uri: String,
    /// Its version.
    pub version: u64,
    /// Usable, a kill or a withhold.
    pub status: PubStatus,
    /// Why the subscriber got it (`match`, `correction`, …).
    pub route: String,
    /// The trace id, for logs.
    pub trace_id: String,
}

/// A record of a subscriber's topic as a story to send again; `Ok(None)` for a
/// record that is itself a replay, `Err` for one that is not a story.
pub fn from_topic_record(record: Fetched) -> Result<Option<Story>, String> {
    if record.headers.get(headers::REPLAY).is_some() {
        return Ok(None);
    }
    let article: Article = serde_json::from_slice(&record.payload)
        .map_err(|e| format!("{}:{} is not a ninjs story: {e}", record.partition, record.offset))?;
    Ok(Some(Story {
        timestamp_ms: record.timestamp_ms,
        position: (record.partition, record.offset),
        key: record.key.unwrap_or_default(),
        route: record.headers.get_str(headers::ROUTE).unwrap_or("match").to_owned(),
        trace_id: record.headers.get_str(headers::TRACE_ID).unwrap_or_default().to_owned(),
        uri: article.uri,
        version: article.version,
        status: article.pubstatus,
        payload: record.payload,
        headers: record.headers,
    }))
}

/// Re-derives one subscriber's deliveries from `newswire.enriched`, fed in
/// partition order from the topic's oldest record.
pub struct Rerouted {
    router: MemoryRouter,
    subscriber: usize,
    window: Window,
}

impl Rerouted {
    /// Routes with `router`'s subscriptions, keeping what goes to `subscriber`
    /// (an index into them) within `window`.
    pub fn new(router: MemoryRouter, subscriber: usize, window: Window) -> Self {
        Rerouted { router, subscriber, window }
    }

    /// Routes one record of `newswire.enriched` as publish did; the story, when
    /// it went to the subscriber within the window. A record publish could not
    /// read or dead-lettered for having no uri went to nobody.
    pub fn feed(&mut self, record: &Fetched) -> Option<Story> {
        let article: Article = serde_json::from_slice(&record.payload).ok()?;
        if article.uri.trim().is_empty() {
            return None;
        }
        let routes = self.router.route(&article);
        let route: Route = routes.into_iter().find(|(i, _)| *i == self.subscriber).map(|(_, r)| r)?;
        if !self.window.contains_ms(record.timestamp_ms) {
            return None;
        }
        let payload = render(&article, self.router.subscriptions()[self.subscriber].output()).ok()?;
        let key = record.key.clone().filter(|k| !k.is_empty()).unwrap_or_else(|| article.uri.as_bytes().to_vec());
        let mut headers = newswire_shared::records::story_headers(&article, &record.headers);
        headers.insert(headers::SUBSCRIBER, self.router.subscriptions()[self.subscriber].name.as_str());
        headers.insert(headers::ROUTE, route.as_str());
        Some(Story {
            timestamp_ms: record.timestamp_ms,
            position: (record.partition, record.offset),
            key,
            payload,
            headers,
            uri: article.uri.clone(),
            version: article.version,
            status: article.pubstatus,
            route: route.as_str().to_owned(),
            trace_id: record.headers.get_str(headers::TRACE_ID).unwrap_or_default().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use newswire_publish::filter::Filter;
    use newswire_publish::subscription::{Subscription, WebhookTarget};

    fn record(offset: i64, ms: i64, payload: Vec<u8>, headers: HeaderMap) -> Fetched {
        Fetched { partition: 0, offset, timestamp_ms: Some(ms), key: Some(b"k".to_vec()), payload, headers }
    }

    fn article(uri: &str, version: u64, feed: &str, status: PubStatus) -> Vec<u8> {
        let mut a = Article { uri: uri.into(), version, pubstatus: status, ..Default::default() };
        a.newswire.feed = feed.into();
        serde_json::to_vec(&a).unwrap()
    }

    #[test]
    fn a_topic_record_is_a_story_unless_it_is_a_replay_itself() {
        let h = HeaderMap::new().with(headers::ROUTE, "correction").with(headers::TRACE_ID, "t");
        let story = from_topic_record(record(3, 10, article("urn:a", 2, "pa", PubStatus::Usable), h.clone())).unwrap().unwrap();
        assert_eq!((story.uri.as_str(), story.version, story.route.as_str(), story.trace_id.as_str()), ("urn:a", 2, "correction", "t"));
        assert_eq!(story.position, (0, 3));
        let replayed = h.with(headers::REPLAY, "r-1");
        assert_eq!(from_topic_record(record(4, 10, article("urn:a", 2, "pa", PubStatus::Usable), replayed)).unwrap(), None);
        assert!(from_topic_record(record(5, 10, b"{nope".to_vec(), HeaderMap::new())).unwrap_err().contains("0:5 is not a ninjs story"));
    }

    #[test]
    fn rerouting_finds_corrections_and_kills_a_filter_alone_would_miss() {
        let hook = Some(WebhookTarget { url: "http://127.0.0.1:9/h".into(), secret: "s".into() });
        let subs = vec![
            Subscription { name: "other".into(), filter: Filter::Feed("ap".into()), topic: true, webhook: None, embargo: Default::default(), format: Default::default(), extended: false, api: None },
            Subscription { name: "desk".into(), filter: Filter::Feed("pa".into()), topic: false, webhook: hook, embargo: Default::default(), format: Default::default(), extended: false, api: None },
        ];
        let since = DateTime::from_timestamp_millis(100);
        let mut rerouted = Rerouted::new(MemoryRouter::new(subs), 1, Window { since, until: None });
        let feed = |r: &mut Rerouted, offset, ms, payload| r.feed(&record(offset, ms, payload, HeaderMap::new()));
        assert_eq!(feed(&mut rerouted, 0, 50, article("urn:a", 1, "pa", PubStatus::Usable)), None, "delivered before the window");
        let correction = feed(&mut rerouted, 1, 150, article("urn:a", 2, "ap", PubStatus::Usable)).expect("a correction to a former recipient");
        assert_eq!((correction.version, correction.route.as_str()), (2, "correction"));
        assert_eq!(correction.headers.get_str(headers::SUBSCRIBER), Some("desk"));
        let body: serde_json::Value = serde_json::from_slice(&correction.payload).unwrap();
        assert!(body.get("newswire").is_none(), "the body is strict ninjs, as publish sends it");
        assert_eq!(feed(&mut rerouted, 2, 160, article("urn:b", 1, "ap", PubStatus::Usable)), None, "never matched");
        let kill = feed(&mut rerouted, 3, 170, article("urn:a", 1, "ap", PubStatus::Canceled)).expect("the kill");
        assert_eq!((kill.status, kill.route.as_str()), (PubStatus::Canceled, "kill"));
        assert_eq!(feed(&mut rerouted, 4, 180, b"{nope".to_vec()), None);
        assert_eq!(feed(&mut rerouted, 5, 190, article(" ", 1, "pa", PubStatus::Usable)), None, "publish dead-letters a story without uri");
    }
}
