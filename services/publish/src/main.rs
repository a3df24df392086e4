//! `newswire-publish`: `newswire.enriched` → subscribers and `newswire.published`.

use std::sync::Arc;

use newswire_publish::api;
use newswire_publish::config::PublishConfig;
use newswire_publish::dead_letter::DeadLetterSink;
use newswire_publish::dispatcher::{Dispatcher, Queues};
use newswire_publish::embargo::state::{default_topic, Embargoes};
use newswire_publish::live::PublishLive;
use newswire_publish::metrics::PublishMetrics;
use newswire_publish::outbox::{self, Outbox};
use newswire_publish::receipts::{self, Receipts};
use newswire_publish::store::DeliveryStore;
use newswire_publish::{Publisher, Subscriber};
use newswire_shared::clock::SystemClock;
use newswire_shared::config::Loaded;
use newswire_shared::reload::{self, Reloader};
use newswire_shared::service::{self, StageSpec};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::stage_main("publish", |common, config: PublishConfig, metrics, tasks| {
        let at_start = Loaded { common: common.clone(), service: config.clone() };
        let subscriptions = config.all_subscriptions()?;
        let subscribers: Vec<Subscriber> = subscriptions
            .iter()
            .map(|s| Subscriber { subscription: s.clone(), topic: s.topic.then(|| config.topic_for(&s.name)) })
            .collect();
        let mut spec = StageSpec::new("publish", &common.topics.enriched, &config.admin_addr)?;
        spec.extra_topics = subscribers.iter().filter_map(|s| s.topic.clone()).collect();

        let store = DeliveryStore::open(&common.data_dir.join("publish"))?;
        let receipts = Receipts::open(store.db(), &common.kafka.group_prefix)?;
        let outbox = Outbox::open(store.db(), &common.kafka.group_prefix)?;
        spec.stores.extend([receipts::STORE, outbox::STORE]);
        let own_metrics = Arc::new(PublishMetrics::default());
        own_metrics.register(metrics);
        let serve_api = api::wanted(&subscribers);
        let embargo_topic = config.embargo_topic.clone().unwrap_or_else(|| default_topic(&common.kafka.group_prefix));
        spec.compacted_topics.push(embargo_topic.clone());
        let embargoes = Embargoes::new(embargo_topic, Arc::new(SystemClock)).restoring_from(common.kafka.clone());
        let publisher = Publisher::new(common.topics.published.clone(), subscribers, (store.clone(), receipts, outbox), own_metrics.clone())
            .with_embargoes(embargoes);
        let (outbox, progress) = publisher.queues();
        let dead_letters = Arc::new(DeadLetterSink::new(&common.kafka, &common.topics.dlq)?);
        let queues = Queues { store, outbox, progress };
        let dispatcher = Dispatcher::start(&subscriptions, queues, config.retry_policy(), dead_letters, own_metrics.clone(), tasks)?;
        let publisher = publisher.with_dispatcher(dispatcher);
        tracing::info!(subscriptions = subscriptions.len(), "publish configured");
        if serve_api {
            let addr = config.api_addr.parse().map_err(|e| anyhow::anyhow!("publish.api_addr {:?}: {e}", config.api_addr))?;
            let long_poll = std::time::Duration::from_millis(config.api_long_poll_ms);
            let state = api::ApiState::new(publisher.live_subscribers(), common.kafka.clone(), long_poll, own_metrics, tasks.token().clone());
            let server = api::spawn(addr, state).map_err(|e| anyhow::anyhow!("publish.api_addr {addr}: {e}"))?;
            tasks.register("subscriber API", server);
        }
        let live = PublishLive { subscriptions, live: publisher.live_subscribers(), kafka: common.kafka.clone(), api_served: serve_api };
        let poll = reload::watch::poll_interval(common.reload.poll_secs);
        let reloads = reload::watch::spawn(Reloader::new(live, &at_start, metrics), poll, tasks.token().clone().cancelled_owned())?;
        tasks.register("live configuration", reloads);
        Ok((spec, publisher))
    })
    .await
}
