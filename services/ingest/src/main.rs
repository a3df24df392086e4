//! `newswire-ingest`: the push API in front of `newswire.raw`.

use std::sync::Arc;

use anyhow::Context;
use newswire_ingest::auth::Feeds;
use newswire_ingest::config::IngestConfig;
use newswire_ingest::http::{self, AppState};
use newswire_ingest::producer::RawProducer;
use newswire_ingest::IngestMetrics;
use newswire_shared::admin_server::{self, Readiness};
use newswire_shared::kafka::topics;
use newswire_shared::metrics::Metrics;
use newswire_shared::{config, shutdown, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let loaded = match config::load::<IngestConfig>("ingest") {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("newswire-ingest: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&loaded.common.log);
    match run(loaded).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "ingest stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(loaded: config::Loaded<IngestConfig>) -> anyhow::Result<()> {
    let (common, ingest) = (loaded.common, loaded.service);
    let shutdown = shutdown::on_signals();
    let metrics = Arc::new(Metrics::new("ingest"));
    let readiness = Readiness::default();
    let admin_addr = ingest.admin_addr.parse().context("ingest.admin_addr")?;
    let admin = admin_server::spawn(admin_addr, metrics.clone(), readiness.clone(), shutdown.clone()).await?;
    topics::ensure_topics(&common.kafka, &topics::pipeline_topics(&common.topics)).await?;
    let state = AppState {
        feeds: Arc::new(Feeds::new(&ingest.feeds)),
        producer: RawProducer::new(&common.kafka, &common.topics.raw)?,
        max_body_bytes: ingest.max_body_bytes,
        metrics: Arc::new(IngestMetrics::register(&metrics)),
    };
    let listener = tokio::net::TcpListener::bind(&ingest.addr).await.with_context(|| format!("cannot listen on {}", ingest.addr))?;
    tracing::info!(addr = %ingest.addr, feeds = ingest.feeds.len(), "push API listening");
    readiness.set(true);
    let drain = shutdown.clone();
    axum::serve(listener, http::router(state)).with_graceful_shutdown(async move { drain.cancelled().await }).await?;
    readiness.set(false);
    shutdown.cancel();
    let _ = admin.await;
    tracing::info!("ingest stopped");
    Ok(())
}
