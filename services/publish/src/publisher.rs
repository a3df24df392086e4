//! The publish stage's core ([`Publisher`]): routes each enriched story to
//! `newswire.published` and to its subscribers' topics and webhooks, holds and
//! releases embargoed stories, and stages its delivery state with the batch
//! (see the crate's documentation for the delivery semantics).

use std::collections::HashMap;
use std::sync::Arc;

use newswire_shared::article::{Article, PubStatus};
use newswire_shared::ids::digest;
use newswire_shared::kafka::headers::{self, HeaderMap};
use newswire_shared::records::{read_article, story_headers};
use newswire_shared::changelog::ChangelogStore;
use newswire_shared::stage::{DueRecord, InputMessage, Outcome, OutputRecord, Stage, StageError};

use crate::dispatcher::Dispatcher;
use crate::embargo::decision::{decide, Decision};
use crate::embargo::events::EmbargoEvent;
use crate::embargo::held::Held;
use crate::embargo::state::{EmbargoSavepoint, Embargoes};
use crate::embargo::{self, EmbargoChoice};
use crate::live::{LiveSubscribers, SubscriberSet};
use crate::metrics::PublishMetrics;
use crate::output::{Output, Renderings};
use crate::receipts::Receipts;
use crate::routing::{notice_after, route_all, status_code, Receipt};
use crate::outbox::{JobSlot, Outbox, OutboxReader, Progress};
use crate::store::{self, DeliveryStore, WebhookJob};
use crate::subscription::Subscription;

/// A subscription with its resolved Kafka topic.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The declaration.
    pub subscription: Subscription,
    /// Its topic, when it has topic delivery.
    pub topic: Option<String>,
}

/// The publish stage's core.
pub struct Publisher {
    published_topic: String,
    /// The subscriber set a reload left in force ([`live`]).
    live: LiveSubscribers,
    /// The set this story is routed under: loaded once per story in
    /// [`Stage::process`], so a story sees the old set or the new one, never both.
    current: Arc<SubscriberSet>,
    /// Delivery state (visible to the embargo tests).
    pub(crate) store: DeliveryStore,
    dispatcher: Option<Dispatcher>,
    metrics: Arc<PublishMetrics>,
    /// Receipts and story notices, committed with the batch's deliveries
    /// (visible to the embargo tests).
    pub(crate) receipts: Receipts,
    /// The receipts slice of the story being processed: its input partition.
    slice: i32,
    /// Topic deliveries of this batch, counted on commit.
    staged_topic_deliveries: Vec<String>,
    /// The webhook outbox, committed with the batch's deliveries.
    pub(crate) outbox: Outbox,
    /// Owned slices and finished jobs, shared with the webhook workers.
    progress: Arc<Progress>,
    /// Subscribers this batch queued webhook jobs for, woken on commit.
    staged_jobs: Vec<String>,
    /// Finished jobs whose removal from the outbox this batch staged.
    removing: Vec<(JobSlot, Vec<u8>)>,
    /// Held embargoed stories.
    embargo: Embargoes,
    /// The batch's staged state before the input being processed, taken back
    /// if that input is dead-lettered ([`Stage::on_dead_lettered`]).
    savepoint: PublishSavepoint,
}

/// A point in a batch's staged state to return to: everything
/// [`Stage::process`] stages for one input.
#[derive(Debug, Clone, Copy, Default)]
struct PublishSavepoint {
    topic_deliveries: usize,
    jobs: usize,
    embargo: EmbargoSavepoint,
}

/// Who gets a story version now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Every subscriber its routes name, and `newswire.published`.
    Everyone,
    /// Only subscribers that take embargoed stories at once (`embargo = "deliver"`).
    TakingEmbargoed,
}

impl Publisher {
    /// A publisher writing every story to `published_topic` and routing to
    /// `subscribers`, with its webhook outbox in `store` and its `receipts`.
    /// Webhook jobs are only queued until a [`Dispatcher`] is attached.
    /// `store` holds the local state ([`crate::store`]), the others are
    /// changelog-backed stores in the same database.
    pub fn new(
        published_topic: impl Into<String>,
        subscribers: Vec<Subscriber>,
        (store, receipts, outbox): (DeliveryStore, Receipts, Outbox),
        metrics: Arc<PublishMetrics>,
    ) -> Self {
        let current = Arc::new(SubscriberSet::new(subscribers));
        Publisher {
            published_topic: published_topic.into(),
            live: Arc::new(arc_swap::ArcSwap::new(current.clone())),
            current,
            store,
            dispatcher: None,
            metrics,
            receipts,
            slice: 0,
            staged_topic_deliveries: Vec::new(),
            outbox,
            progress: Arc::new(Progress::default()),
            staged_jobs: Vec::new(),
            removing: Vec::new(),
            embargo: Embargoes::default(),
            savepoint: PublishSavepoint::default(),
        }
    }

    /// The handle a reload swaps the subscriber set through.
    pub fn live_subscribers(&self) -> LiveSubscribers {
        self.live.clone()
    }

    /// Holds embargoed stories in `embargoes` (its topic, clock and restore).
    pub fn with_embargoes(mut self, embargoes: Embargoes) -> Self {
        self.embargo = embargoes;
        self
    }

    /// What the webhook workers need: the committed outbox, and the owned
    /// slices and finished jobs they share with this stage.
    pub fn queues(&self) -> (OutboxReader, Arc<Progress>) {
        (self.outbox.reader(), self.progress.clone())
    }

    /// Hands released webhook jobs to `dispatcher`'s workers.
    pub fn with_dispatcher(mut self, dispatcher: Dispatcher) -> Self {
        self.dispatcher = Some(dispatcher);
        self
    }

    /// What `subscriber` last received of `article`'s story (this batch's
    /// receipt included), else what a version before the receipts changelog
    /// recorded on disk.
    fn prior(&self, subscriber: &str, article: &Article) -> Result<Option<Receipt>, store::StateError> {
        match self.receipts.receipt(self.slice, subscriber, &article.uri)? {
            Some(receipt) => Ok(Some(receipt)),
            None => self.store.legacy_receipt(subscriber, &article.uri),
        }
    }

    /// The story's last kill or withhold notice (this batch's included), else a legacy one.
    fn story_notice(&self, uri: &str) -> Result<Option<Receipt>, store::StateError> {
        match self.receipts.story_notice(self.slice, uri)? {
            Some(notice) => Ok(Some(notice)),
            None => self.store.legacy_story_notice(uri),
        }
    }

    /// Routes `article` to the subscribers in `audience`: their topic records,
    /// and their webhook jobs and receipts staged for the batch, each in the
    /// subscriber's output (the same bytes on its topic and its webhook).
    fn route(
        &mut self,
        article: &Article,
        (key, story_headers): (&[u8], &HeaderMap),
        renderings: &mut Renderings<'_>,
        trace_id: &str,
        audience: Audience,
    ) -> Result<Vec<OutputRecord>, StageError> {
        // A delivery-state failure is not the story's fault: the batch is retried.
        let unavailable = |error: store::StateError| StageError::retry_batch("state_unavailable", error.to_string());
        let mut priors = HashMap::new();
        let set = self.current.clone();
        for sub in &set.subscriptions {
            priors.insert(sub.name.clone(), self.prior(&sub.name, article).map_err(unavailable)?);
        }
        let story = self.story_notice(&article.uri).map_err(unavailable)?;
        let routes = route_all(article, &set.subscriptions, story, |s| priors.get(&s.name).copied().flatten());
        if let Some(notice) = notice_after(article, story, priors.values().copied().flatten()) {
            self.receipts.put_notice(self.slice, &article.uri, notice);
        }
        let mut records = Vec::new();
        for (i, route) in routes {
            let subscriber = &set.subscribers[i];
            if audience == Audience::TakingEmbargoed && subscriber.subscription.embargo != EmbargoChoice::Deliver {
                continue;
            }
            let name = subscriber.subscription.name.clone();
            let payload = renderings.get(subscriber.subscription.output()).map_err(serialize_failed)?;
            if let Some(topic) = &subscriber.topic {
                let mut h = story_headers.clone();
                h.insert(headers::SUBSCRIBER, name.as_str());
                h.insert(headers::ROUTE, route.as_str());
                records.push(OutputRecord { topic: topic.clone(), key: key.to_vec(), payload: payload.to_vec(), headers: h });
                self.staged_topic_deliveries.push(name.clone());
            }
            if subscriber.subscription.webhook.is_some() {
                let job = WebhookJob {
                    delivery_id: delivery_id(&name, &article.uri, article.version, article.pubstatus),
                    subscriber: name.clone(),
                    uri: article.uri.clone(),
                    version: article.version,
                    kill: article.pubstatus == PubStatus::Canceled,
                    withheld: article.pubstatus == PubStatus::Withheld,
                    body: String::from_utf8_lossy(payload).into_owned(),
                    trace_id: trace_id.to_owned(),
                };
                self.outbox.push(self.slice, &job).map_err(unavailable)?;
                self.staged_jobs.push(name.clone());
            }
            tracing::debug!(subscriber = %name, route = route.as_str(), "routed");
            let receipt = Receipt::after(priors.get(&name).copied().flatten(), article);
            self.receipts.put(self.slice, &name, &article.uri, receipt);
        }
        Ok(records)
    }

    /// The records of `article` for `audience`: `newswire.published` (for
    /// everyone) and the subscribers' routes.
    fn publish(&mut self, article: &Article, input: &InputMessage<'_>, audience: Audience) -> Result<Outcome, StageError> {
        let mut renderings = Renderings::new(article);
        let story_headers = story_headers(article, input.headers);
        let key = story_key(article, input);
        let mut records = Vec::new();
        if audience == Audience::Everyone {
            let payload = renderings.get(Output::STRICT_2_1).map_err(serialize_failed)?.to_vec();
            records.push(OutputRecord { topic: self.published_topic.clone(), key: key.to_vec(), payload, headers: story_headers.clone() });
        }
        let trace_id = input.headers.get_str(headers::TRACE_ID).unwrap_or_default();
        let routed = self.route(article, (key, &story_headers), &mut renderings, trace_id, audience)?;
        records.extend(routed);
        Ok(Outcome::forward(records))
    }

    /// Holds `article` until `until`: its record on the embargo topic, and the
    /// story now for those who take embargoed stories at once.
    fn hold(&mut self, article: &Article, input: &InputMessage<'_>, until: chrono::DateTime<chrono::Utc>, replaces: bool) -> Result<Outcome, StageError> {
        let mut outcome = self.publish(article, input, Audience::TakingEmbargoed)?;
        let held = Held::of(article, until, story_key(article, input), input.payload, input.headers, self.slice);
        outcome.records.push(held.record(self.embargo.topic()));
        self.embargo.held.hold(held);
        self.embargo.events.push(EmbargoEvent::Held { uri: article.uri.clone(), until, replaced: replaces });
        Ok(outcome)
    }

    /// Cancels the held version of `article`'s story and routes `article` to everyone.
    fn cancel_held(&mut self, article: &Article, input: &InputMessage<'_>, reason: embargo::decision::Cancel) -> Result<Outcome, StageError> {
        let mut outcome = self.publish(article, input, Audience::Everyone)?;
        outcome.tombstones.push(Held::tombstone(&article.uri, self.embargo.topic()));
        self.embargo.held.remove(&article.uri);
        self.embargo.events.push(EmbargoEvent::Cancelled { uri: article.uri.clone(), reason });
        Ok(outcome)
    }

    /// Releases a held story whose time came (its removal was staged when it was due).
    fn release(&mut self, article: &Article, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        let outcome = self.publish(article, input, Audience::Everyone)?;
        let at = self.embargo.now();
        self.embargo.events.push(EmbargoEvent::Released { uri: article.uri.clone(), until: article.embargoed.map_or(at, |t| t.to_utc()), at });
        Ok(outcome)
    }

    /// Marks everything staged so far in the batch.
    fn savepoint(&self) -> PublishSavepoint {
        PublishSavepoint {
            topic_deliveries: self.staged_topic_deliveries.len(),
            jobs: self.staged_jobs.len(),
            embargo: self.embargo.savepoint(),
        }
    }

    /// Takes back everything staged since `savepoint`.
    fn roll_back_to(&mut self, savepoint: PublishSavepoint) {
        self.staged_topic_deliveries.truncate(savepoint.topic_deliveries);
        self.staged_jobs.truncate(savepoint.jobs);
        self.embargo.roll_back_to(savepoint.embargo);
    }

    fn clear_batch(&mut self) {
        self.staged_topic_deliveries.clear();
        self.staged_jobs.clear();
        self.removing.clear();
    }
}

/// Where the story's receipts are: its input partition; for a released held
/// story, the input partition it was held from ([`embargo::held::slice_of`]).
fn receipts_slice(input: &InputMessage<'_>, embargo_topic: &str) -> i32 {
    if input.topic == embargo_topic {
        embargo::held::slice_of(input.headers, input.partition)
    } else {
        input.partition.max(0)
    }
}

/// The story's key on publish's topics: the input's key, else its uri.
fn story_key<'a>(article: &'a Article, input: &InputMessage<'a>) -> &'a [u8] {
    input.key.filter(|k| !k.is_empty()).unwrap_or(article.uri.as_bytes())
}

/// A story that cannot be written as JSON (a dead letter with this reason).
fn serialize_failed(error: serde_json::Error) -> StageError {
    StageError::new("serialize_failed", error.to_string())
}

/// The id of one delivery: stable for a subscriber, story, version and status
/// (a kill or withhold notice has its own id, apart from the usable copy).
pub fn delivery_id(subscriber: &str, uri: &str, version: u64, status: PubStatus) -> String {
    digest(&[subscriber.as_bytes(), uri.as_bytes(), &version.to_be_bytes(), &[status_code(status)]])
}

impl Stage for Publisher {
    fn name(&self) -> &'static str {
        "publish"
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        self.savepoint = self.savepoint();
        self.slice = receipts_slice(input, self.embargo.topic());
        let article = read_article(input)?;
        self.current = self.live.load_full();
        tracing::Span::current().record("uri", article.uri.as_str()).record("version", article.version);
        if article.uri.trim().is_empty() {
            return Err(StageError::new("missing_uri", "the article has an empty `uri`; ninjs requires one"));
        }
        if input.topic == self.embargo.topic() {
            return self.release(&article, input);
        }
        let held = self.embargo.held.get(&article.uri).map(Held::version);
        match decide(&article, held, self.embargo.now()) {
            Decision::Publish => self.publish(&article, input, Audience::Everyone),
            Decision::Hold { until } => self.hold(&article, input, until, held.is_some()),
            Decision::Cancel(reason) => self.cancel_held(&article, input, reason),
            Decision::BelowHeld => {
                let outcome = self.publish(&article, input, Audience::TakingEmbargoed)?;
                Ok(if outcome.records.is_empty() { Outcome::drop("below_held_embargoed_version") } else { outcome })
            }
        }
    }

    fn on_assigned(&mut self, partitions: &[i32]) -> Result<(), StageError> {
        self.progress.set_owned(partitions);
        if let Some(dispatcher) = &self.dispatcher {
            dispatcher.ring_all();
        }
        let held = self.embargo.on_assigned(partitions).map_err(|error| StageError::new("embargo_restore_failed", error.to_string()))?;
        self.metrics.embargoed_held.set(held as i64);
        tracing::info!(held, ?partitions, topic = self.embargo.topic(), "holding the embargoed stories of these partitions");
        Ok(())
    }

    fn due(&mut self, max: usize) -> Vec<DueRecord> {
        self.embargo.due(max)
    }

    /// Stages the removal of the jobs the webhook workers finished (in
    /// owned slices only: [`Progress`] forgets the others).
    fn before_batch(&mut self) {
        let finished = self.progress.finished();
        if finished.is_empty() {
            return;
        }
        let mut staged: std::collections::HashSet<JobSlot> = self.removing.iter().map(|(slot, _)| slot.clone()).collect();
        for (slot, job_key) in finished {
            if staged.insert(slot.clone()) {
                self.outbox.remove(&slot);
                self.removing.push((slot, job_key));
            }
        }
    }

    fn stores(&mut self) -> Vec<&mut ChangelogStore> {
        vec![self.receipts.store_mut(), self.outbox.store_mut()]
    }

    fn on_commit(&mut self) {
        for name in &self.staged_topic_deliveries {
            self.metrics.delivery(name, "topic", "delivered");
        }
        if !self.removing.is_empty() {
            self.progress.removed(self.removing.iter().map(|(slot, _)| slot));
            if let Err(error) = self.store.forget_finished(self.removing.iter().map(|(_, key)| key.as_slice())) {
                // Harmless: a marker of a removed job is never read again.
                tracing::warn!(%error, "cannot forget the local marks of removed webhook jobs");
            }
        }
        if let Some(dispatcher) = &self.dispatcher {
            dispatcher.ring(self.staged_jobs.iter().map(String::as_str));
            if !self.removing.is_empty() {
                // Workers skip finished jobs until they are removed: they look again.
                dispatcher.ring_all();
            }
        }
        self.embargo.commit(&self.metrics);
        self.clear_batch();
    }

    fn on_abort(&mut self) {
        self.embargo.abort();
        self.clear_batch();
    }

    /// A dead-lettered input leaves nothing staged (topic deliveries, webhook
    /// jobs, holds and embargo events; the runtime takes back its receipts and
    /// notices), so its redrive is routed as new rather than met by its own
    /// receipts; the batch's other inputs keep theirs. The runtime may refuse an outcome after
    /// [`Stage::process`] returned it (`output_too_large`).
    fn on_dead_lettered(&mut self) {
        self.roll_back_to(self.savepoint);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::filter::Filter;
    use crate::subscription::WebhookTarget;
    use newswire_shared::article::{Article, Concept};
    use newswire_shared::kafka::headers::HeaderMap;
    use newswire_shared::stage;

    fn subscriber(name: &str, filter: Filter, topic: bool, webhook: bool) -> Subscriber {
        let webhook = webhook.then(|| WebhookTarget { url: "http://127.0.0.1:9/hook".into(), secret: "s".into() });
        Subscriber {
            subscription: Subscription { name: name.into(), filter, topic, webhook, embargo: Default::default(), format: Default::default(), extended: false, api: None },
            topic: topic.then(|| format!("news.{name}")),
        }
    }

    /// Publish's state in `dir`: the local store, the receipts and the webhook outbox.
    pub(crate) fn state(dir: &std::path::Path) -> (DeliveryStore, Receipts, Outbox) {
        let store = DeliveryStore::open(dir).unwrap();
        let receipts = Receipts::open(store.db(), "newswire").unwrap();
        let outbox = Outbox::open(store.db(), "newswire").unwrap();
        (store, receipts, outbox)
    }

    /// How many committed webhook jobs `subscriber` has in the outbox (every slice the tests use).
    pub(crate) fn webhook_depth(p: &Publisher, subscriber: &str) -> usize {
        let reader = p.outbox.reader();
        (0..4).map(|slice| reader.depth(slice, subscriber)).sum()
    }

    /// The webhook jobs the open batch staged.
    fn staged_webhook_jobs(p: &mut Publisher) -> Vec<WebhookJob> {
        p.outbox.store_mut().staged().filter_map(|(_, _, value)| value.and_then(|v| serde_json::from_slice(v).ok())).collect()
    }

    fn publisher(dir: &std::path::Path) -> Publisher {
        let subs = vec![
            subscriber("sport", Filter::Subject("medtop:15000000".into()), true, true),
            subscriber("politics", Filter::Subject("medtop:11000000".into()), true, false),
        ];
        Publisher::new("newswire.published", subs, state(dir), Arc::new(PublishMetrics::default()))
    }

    fn story(version: u64, topic: &str, status: PubStatus) -> Vec<u8> {
        let article = Article {
            uri: "urn:test:story".into(),
            version,
            pubstatus: status,
            subjects: vec![Concept { uri: Some(format!("http://cv.iptc.org/newscodes/mediatopic/{topic}")), ..Default::default() }],
            ..Default::default()
        };
        serde_json::to_vec(&article).unwrap()
    }

    fn run(p: &mut Publisher, payload: &[u8], commit: bool) -> Vec<String> {
        let h = HeaderMap::new();
        let input = InputMessage { topic: "e", partition: 0, offset: 0, key: Some(b"k"), payload, headers: &h };
        let outcome = p.process(&input).unwrap();
        p.before_commit().unwrap();
        if commit {
            stage::batch_committed(p).unwrap();
        } else {
            stage::batch_aborted(p);
        }
        outcome.records.into_iter().map(|r| r.topic).collect()
    }

    #[test]
    fn published_records_are_strict_ninjs_without_the_extension() {
        let dir = tempfile::tempdir().unwrap();
        let article = Article { uri: "urn:x".into(), version: 1, ..Default::default() };
        let payload = serde_json::to_vec(&article).unwrap();
        let h = HeaderMap::new();
        let input = InputMessage { topic: "e", partition: 0, offset: 0, key: Some(b"k"), payload: &payload, headers: &h };
        let outcome = publisher(dir.path()).process(&input).unwrap();
        assert_eq!(outcome.records.len(), 1, "matches no subscriber: only newswire.published");
        let value: serde_json::Value = serde_json::from_slice(&outcome.records[0].payload).unwrap();
        assert_eq!(value["uri"], "urn:x");
        assert!(value.get("newswire").is_none());
    }

    #[test]
    fn each_subscriber_gets_its_own_output_format_the_same_bytes_on_topic_and_webhook() {
        let dir = tempfile::tempdir().unwrap();
        let mut extended = subscriber("desk", Filter::default(), true, true);
        (extended.subscription.format, extended.subscription.extended) = (crate::output::OutputFormat::Ninjs31, true);
        let subs = vec![subscriber("plain", Filter::default(), true, false), extended];
        let mut p = Publisher::new("newswire.published", subs, state(dir.path()), Arc::new(PublishMetrics::default()));
        let mut article: Article = serde_json::from_slice(&story(1, "15000000", PubStatus::Usable)).unwrap();
        article.newswire.enrichment = Some(newswire_shared::enrichment::Enrichment { keywords: vec!["harbour".into()], ..Default::default() });
        let payload = serde_json::to_vec(&article).unwrap();
        let h = HeaderMap::new();
        let input = InputMessage { topic: "e", partition: 0, offset: 0, key: Some(b"k"), payload: &payload, headers: &h };
        let records = p.process(&input).unwrap().records;
        let doc = |topic: &str| -> serde_json::Value { serde_json::from_slice(&records.iter().find(|r| r.topic == topic).unwrap().payload).unwrap() };
        for topic in ["newswire.published", "news.plain"] {
            assert_eq!((doc(topic)["pubstatus"].as_str(), doc(topic).get(crate::output::EXTENSION_KEY)), (Some("usable"), None), "{topic}: strict 2.1");
        }
        let desk = doc("news.desk");
        assert_eq!((desk["pubStatus"].as_str(), desk["standard"]["version"].as_str()), (Some("usable"), Some("3.1")));
        assert_eq!(desk[crate::output::EXTENSION_KEY]["keywords"][0], "harbour");
        let topic_bytes = &records.iter().find(|r| r.topic == "news.desk").unwrap().payload;
        assert_eq!(staged_webhook_jobs(&mut p)[0].body.as_bytes(), topic_bytes.as_slice(), "the webhook sends the topic's bytes");
    }

    #[test]
    fn a_correction_follows_a_former_recipient_and_a_kill_reaches_only_recipients() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        assert_eq!(run(&mut p, &story(1, "15000000", PubStatus::Usable), true), ["newswire.published", "news.sport"]);
        assert_eq!(
            run(&mut p, &story(2, "11000000", PubStatus::Usable), true),
            ["newswire.published", "news.sport", "news.politics"],
            "sport had v1, so it gets v2 although v2 is now politics"
        );
        assert_eq!(run(&mut p, &story(3, "20000000", PubStatus::Canceled), true), ["newswire.published", "news.sport", "news.politics"]);
        assert_eq!(run(&mut p, &story(3, "20000000", PubStatus::Canceled), true), ["newswire.published"], "the kill is sent once");
    }

    /// Opens a publisher on `dir` again, waiting for the previous one's sled lock
    /// to go, as a restarted process would.
    fn reopened(dir: &std::path::Path) -> Publisher {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match DeliveryStore::open(dir) {
                Ok(store) => {
                    drop(store);
                    return publisher(dir);
                }
                Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(50)),
                Err(e) => panic!("reopen failed: {e}"),
            }
        }
    }

    #[test]
    fn a_kill_numbered_below_a_receipt_reaches_the_recipients_once_after_a_restart_and_then_blocks_stale_versions() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        run(&mut p, &story(1, "15000000", PubStatus::Usable), true);
        run(&mut p, &story(3, "15000000", PubStatus::Usable), true);
        drop(p);
        let mut p = reopened(dir.path());
        assert_eq!(run(&mut p, &story(1, "20000000", PubStatus::Canceled), true), ["newswire.published", "news.sport"]);
        assert_eq!(webhook_depth(&p, "sport"), 3, "the kill is queued for the webhook beside versions 1 and 3");
        assert_eq!(run(&mut p, &story(2, "20000000", PubStatus::Canceled), true), ["newswire.published"], "a second kill is not sent");
        drop(p);
        let mut p = reopened(dir.path());
        assert_eq!(run(&mut p, &story(3, "11000000", PubStatus::Usable), true), ["newswire.published"], "version 3 was killed: stale for everyone");
        assert_eq!(
            run(&mut p, &story(4, "11000000", PubStatus::Usable), true),
            ["newswire.published", "news.sport", "news.politics"],
            "version 4 is a re-publication: the former recipient and a new match"
        );
    }

    #[test]
    fn a_withheld_version_notifies_the_recipients_on_both_channels_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        run(&mut p, &story(2, "15000000", PubStatus::Usable), true);
        assert_eq!(run(&mut p, &story(2, "11000000", PubStatus::Withheld), true), ["newswire.published", "news.sport"], "politics never had it");
        assert_eq!(webhook_depth(&p, "sport"), 2, "the withhold is a webhook delivery of its own, beside the usable version 2");
        assert_eq!(run(&mut p, &story(2, "11000000", PubStatus::Withheld), true), ["newswire.published"]);
        assert_eq!(webhook_depth(&p, "sport"), 2);
    }

    #[test]
    fn an_aborted_batch_leaves_no_receipt_and_no_queued_webhook() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        run(&mut p, &story(1, "15000000", PubStatus::Usable), false);
        assert_eq!(p.receipts.receipt(0, "sport", "urn:test:story").unwrap(), None);
        assert_eq!(webhook_depth(&p, "sport"), 0);
        assert_eq!(run(&mut p, &story(1, "15000000", PubStatus::Usable), true), ["newswire.published", "news.sport"], "re-read after abort");
        assert_eq!(webhook_depth(&p, "sport"), 1, "one webhook job queued");
        run(&mut p, &story(1, "15000000", PubStatus::Usable), true);
        assert_eq!(webhook_depth(&p, "sport"), 1, "a repeat of the same version queues nothing more");
    }

    #[test]
    fn receipts_and_notices_are_changes_of_the_batch_on_its_input_partition_committed_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        let payload = story(1, "15000000", PubStatus::Usable);
        let h = HeaderMap::new();
        let input = InputMessage { topic: "e", partition: 2, offset: 0, key: Some(b"k"), payload: &payload, headers: &h };
        p.process(&input).unwrap();
        p.before_commit().unwrap();
        let staged: Vec<(i32, Vec<u8>)> = p.receipts.store_mut().staged().map(|(slice, key, _)| (slice, key.to_vec())).collect();
        assert_eq!(staged, vec![(2, b"sport\0urn:test:story".to_vec())], "the runtime produces it to the changelog before the commit");
        assert_eq!(p.store.legacy_receipt("sport", "urn:test:story").unwrap(), None, "nothing is written outside the transaction");
        stage::batch_committed(&mut p).unwrap();
        let usable = Some(Receipt { version: 1, status: PubStatus::Usable });
        assert_eq!(p.receipts.receipt(2, "sport", "urn:test:story").unwrap(), usable);
        assert_eq!(p.receipts.receipt(0, "sport", "urn:test:story").unwrap(), None, "kept in the input partition's slice");
    }

    #[test]
    fn a_batch_re_read_after_a_crash_before_its_commit_is_routed_again_but_queued_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        let payload = story(1, "15000000", PubStatus::Usable);
        let h = HeaderMap::new();
        let input = InputMessage { topic: "e", partition: 0, offset: 0, key: Some(b"k"), payload: &payload, headers: &h };
        p.process(&input).unwrap();
        p.before_commit().unwrap();
        // The process dies before the Kafka commit: what it staged is gone, the batch is read again.
        p.clear_batch();
        p.receipts.store_mut().discard_staged();
        p.outbox.store_mut().discard_staged();
        assert_eq!(run(&mut p, &payload, true), ["newswire.published", "news.sport"], "the topic copy is produced again");
        assert_eq!(webhook_depth(&p, "sport"), 1, "the webhook job is not queued twice");
    }

    /// The story in `payload` under the uri `urn:test:other`.
    pub(crate) fn as_other_story(payload: &[u8]) -> Vec<u8> {
        let mut article: Article = serde_json::from_slice(payload).unwrap();
        article.uri = "urn:test:other".into();
        serde_json::to_vec(&article).unwrap()
    }

    /// `story(...)` under another uri.
    fn other_story(version: u64, topic: &str, status: PubStatus) -> Vec<u8> {
        as_other_story(&story(version, topic, status))
    }

    #[test]
    fn a_dead_lettered_input_leaves_nothing_staged_and_its_batch_mates_keep_their_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        run(&mut p, &other_story(1, "15000000", PubStatus::Usable), true);
        let h = HeaderMap::new();
        let input = |payload| InputMessage { topic: "e", partition: 0, offset: 0, key: Some(b"k"), payload, headers: &h };
        let mate = story(1, "15000000", PubStatus::Usable);
        p.process(&input(&mate)).unwrap();
        let kill = other_story(2, "20000000", PubStatus::Canceled);
        let savepoints = stage::store_savepoints(&mut p);
        assert_eq!(p.process(&input(&kill)).unwrap().records.len(), 2, "the kill is routed to sport before the runtime refuses it");
        assert!(p.receipts.story_notice(0, "urn:test:other").unwrap().is_some() && p.staged_jobs.len() == 2, "the kill staged its notice and its job");
        stage::take_back_record(&mut p, savepoints);
        assert_eq!((p.staged_topic_deliveries.as_slice(), p.staged_jobs.len()), (["sport".to_owned()].as_slice(), 1), "only the mate's delivery and job");
        p.before_commit().unwrap();
        stage::batch_committed(&mut p).unwrap();
        let usable = |version| Some(Receipt { version, status: PubStatus::Usable });
        assert_eq!(p.receipts.receipt(0, "sport", "urn:test:other").unwrap(), usable(1), "the dead letter's receipt is not written");
        assert_eq!(p.receipts.story_notice(0, "urn:test:other").unwrap(), None, "nor its kill notice");
        assert_eq!(p.receipts.receipt(0, "sport", "urn:test:story").unwrap(), usable(1), "the batch mate's receipt is");
        assert_eq!(webhook_depth(&p, "sport"), 2, "the mate's webhook job and the earlier one, not the kill's");
        assert_eq!(run(&mut p, &kill, true), ["newswire.published", "news.sport"], "the redriven kill reaches sport");
        assert_eq!(webhook_depth(&p, "sport"), 3);
    }

    #[test]
    fn a_finished_webhook_job_is_removed_from_the_outbox_in_a_later_commit_and_only_in_an_owned_slice() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = publisher(dir.path());
        p.on_assigned(&[0]).unwrap();
        run(&mut p, &story(1, "15000000", PubStatus::Usable), true);
        let (reader, progress) = p.queues();
        let pending = reader.pending(0, "sport", 10).unwrap();
        assert_eq!(pending.len(), 1, "committed with its batch");
        // A worker delivered it.
        p.store.mark_finished(&pending[0].job, store::JobEnd::Done).unwrap();
        progress.finish(pending[0].slot.clone(), pending[0].job.key());

        p.before_batch();
        stage::batch_aborted(&mut p);
        assert_eq!(webhook_depth(&p, "sport"), 1, "an aborted removal leaves the job, still known finished");
        assert!(progress.is_finished(&pending[0].slot));
        p.before_batch();
        p.before_batch();
        assert_eq!(p.outbox.store_mut().staged_len(), 1, "staged once however often asked");
        stage::batch_committed(&mut p).unwrap();
        assert_eq!(webhook_depth(&p, "sport"), 0, "removed once committed");
        assert!(progress.finished().is_empty() && !p.store.finished_here(&pending[0].job).unwrap(), "and forgotten");

        run(&mut p, &story(2, "15000000", PubStatus::Usable), true);
        let pending = reader.pending(0, "sport", 10).unwrap();
        progress.finish(pending[0].slot.clone(), pending[0].job.key());
        p.on_assigned(&[1]).unwrap();
        p.before_batch();
        assert_eq!(p.outbox.store_mut().staged_len(), 0, "partition 0 moved away: its new owner removes the job");
    }

    #[test]
    fn delivery_ids_differ_per_subscriber_version_and_kill() {
        let a = delivery_id("s", "u", 1, PubStatus::Usable);
        assert_eq!(a, delivery_id("s", "u", 1, PubStatus::Usable));
        assert_ne!(a, delivery_id("t", "u", 1, PubStatus::Usable));
        assert_ne!(a, delivery_id("s", "u", 2, PubStatus::Usable));
        assert_ne!(a, delivery_id("s", "u", 1, PubStatus::Canceled));
        assert_ne!(a, delivery_id("s", "u", 1, PubStatus::Withheld));
        assert_ne!(delivery_id("s", "u", 1, PubStatus::Canceled), delivery_id("s", "u", 1, PubStatus::Withheld));
    }
}
