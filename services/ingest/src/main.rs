//! `newswire-ingest`: the push API in front of `newswire.raw`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use newswire_ingest::config::IngestConfig;
use newswire_ingest::deliver::Delivery;
use newswire_ingest::http::{self, ApiLimits, AppState};
use newswire_ingest::live::{FeedSet, IngestLive};
use newswire_ingest::poll::fetch::{self, Fetcher};
use newswire_ingest::poll::hosts::HostLimits;
use newswire_ingest::poll::leader::poll_while_leading;
use newswire_ingest::poll::memory::PollMemory;
use newswire_ingest::poll::poller::Poller;
use newswire_ingest::repush::RepushStore;
use newswire_ingest::stories::ShapeLimits;
use newswire_ingest::websub::callback::{self, CallbackState};
use newswire_ingest::websub::subscriptions::WebSub;
use newswire_ingest::IngestMetrics;
use newswire_shared::kafka::acked::AckedProducer;
use newswire_shared::kafka::leadership::Leadership;
use newswire_shared::kafka::topics;
use newswire_shared::reload::{self, Reloader};
use newswire_shared::service::{self, Service};
use newswire_shared::supervise;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::service_main("ingest", run).await
}

/// Serves the push API (and WebSub callbacks) and runs the pollers until shutdown.
async fn run(service: Service<IngestConfig>) -> anyhow::Result<()> {
    let at_start = service.loaded.clone();
    let admin = service.serve_admin(&service.loaded.service.admin_addr).await?;
    let Service { loaded, metrics, shutdown, tasks, .. } = service;
    tasks.register("admin server", admin.task);
    let (common, ingest) = (loaded.common, loaded.service);
    let readiness = admin.readiness;
    topics::ensure_topics(&common.kafka, &topics::pipeline_topics(&common.topics)).await?;
    let window_ms = i64::try_from(ingest.repush_window_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let store_dir = common.data_dir.join("ingest");
    let repush = RepushStore::open(&store_dir, window_ms)
        .with_context(|| format!("re-push store in {}", store_dir.display()))?;
    match repush.prune(now_ms()) {
        Ok(removed) => tracing::info!(removed, "expired re-push marks pruned"),
        Err(error) => tracing::warn!(%error, "expired re-push marks could not be pruned"),
    }
    let ingest_metrics = Arc::new(IngestMetrics::register(&metrics));
    let started = now_ms() as f64 / 1000.0;
    for feed in &ingest.feeds {
        if let Some(idle) = feed.idle_alert_secs {
            ingest_metrics.watch_feed(&feed.id, idle, started);
        }
    }
    for poll in &ingest.polls {
        ingest_metrics.watch_feed(&poll.feed, poll.idle_alert_secs, started);
    }
    let feeds = FeedSet::live(&ingest.feeds);
    let live = IngestLive { feeds: ingest.feeds.clone(), live: feeds.clone(), metrics: ingest_metrics.clone() };
    let reloader = Reloader::new(live, &at_start, &metrics);
    let poll = reload::watch::poll_interval(common.reload.poll_secs);
    let reloads = reload::watch::spawn(reloader, poll, shutdown.clone().cancelled_owned()).context("live configuration")?;
    tasks.register("live configuration", reloads);
    let state = AppState {
        feeds,
        delivery: Delivery {
            producer: AckedProducer::new(&common.kafka, "newswire-ingest", &common.topics.raw, Duration::from_millis(ingest.delivery_timeout_ms))?,
            repush: repush.clone(),
            metrics: ingest_metrics.clone(),
            stage_metrics: metrics.clone(),
            unavailable_retry_after_secs: ingest.unavailable_retry_after_secs,
            locks: Arc::default(),
        },
        limits: ApiLimits {
            max_body_bytes: ingest.max_body_bytes,
            shape: ShapeLimits {
                max_xml_depth: ingest.max_xml_depth,
                max_stories: ingest.max_stories_per_push,
                max_record_bytes: common.kafka.max_message_bytes,
            },
            signature_tolerance_secs: i64::try_from(ingest.signature_tolerance_secs).unwrap_or(i64::MAX),
        },
    };
    let memory = PollMemory::open(&repush).with_context(|| format!("poll state in {}", store_dir.display()))?;
    let fetcher = Fetcher {
        user_agent: fetch::user_agent(&ingest.poll_contact_url),
        max_redirects: ingest.poll_max_redirects,
        hosts: HostLimits::new(ingest.poll_per_host_concurrency),
        timeout: std::time::Duration::from_secs(ingest.poll_timeout_secs),
        max_bytes: ingest.max_body_bytes,
    };
    let websub = if ingest.websub_callback_url.is_empty() {
        None
    } else {
        Some(WebSub::open(&repush, &ingest.websub_callback_url, ingest.websub_lease_secs).context("WebSub subscriptions")?)
    };
    let pollers: Vec<Poller> = ingest
        .polls
        .iter()
        .map(|config| Poller {
            config: config.clone(),
            delivery: state.delivery.clone(),
            shape: state.limits.shape,
            fetcher: fetcher.clone(),
            memory: memory.clone(),
            websub: websub.clone(),
        })
        .collect();
    if !pollers.is_empty() {
        // With several instances, one polls: the leader of the pollers' election.
        let topic = format!("{}.ingest.poll-leader", common.kafka.group_prefix);
        topics::ensure_single_partition_topic(&common.kafka, &topic).await?;
        let group = format!("{}-ingest-pollers", common.kafka.group_prefix);
        let leadership = Leadership::join(&common.kafka, &format!("newswire-ingest-{}", common.instance_id), &group, &topic).context("the pollers' election")?;
        let leader = ingest_metrics.poll_leader.clone();
        tasks.spawn("pollers", move |stop| poll_while_leading(pollers, leadership, leader, stop));
    }
    let listener = tokio::net::TcpListener::bind(&ingest.addr)
        .await
        .with_context(|| format!("cannot listen on {}", ingest.addr))?;
    tracing::info!(addr = %ingest.addr, feeds = ingest.feeds.len(), "push API listening");
    readiness.set(true);
    let drain = shutdown.clone();
    let mut router = http::router(state.clone());
    if let Some(websub) = websub {
        router = router.merge(callback::router(CallbackState { websub, delivery: state.delivery, limits: state.limits }));
    }
    axum::serve(listener, router).with_graceful_shutdown(async move { drain.cancelled().await }).await?;
    readiness.set(false);
    // The pollers (with their WebSub subscribing), the reloads and the admin
    // server stop before the re-push store is flushed for the last time.
    tasks.shutdown(supervise::DEFAULT_GRACE).await;
    if let Err(error) = repush.flush().await {
        tracing::warn!(%error, "re-push store not flushed at shutdown");
    }
    tracing::info!("ingest stopped");
    Ok(())
}

fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
