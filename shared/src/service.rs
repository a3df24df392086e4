//! Running a consuming stage as a service: config, admin server, topics, the
//! Kafka loop, and graceful shutdown, in one call each stage's `main` makes.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::admin_server::{self, Readiness};
use crate::config::{self, CommonConfig, Validate};
use crate::kafka::runtime::{self, RuntimeSettings};
use crate::kafka::topics;
use crate::metrics::Metrics;
use crate::stage::Stage;
use crate::{shutdown, telemetry};

/// Where a stage reads, where it serves its admin routes.
#[derive(Debug, Clone)]
pub struct StageSpec {
    /// The stage's name: `normalize`, `enrich` or `publish`.
    pub name: &'static str,
    /// Topic it consumes.
    pub input_topic: String,
    /// Admin address for `/metrics`, `/health`, `/ready`.
    pub admin_addr: SocketAddr,
    /// Extra topics the stage produces to, created with the pipeline's own.
    pub extra_topics: Vec<String>,
    /// Compacted topics where the stage keeps state by key (publish's held
    /// embargoed stories), created with `cleanup.policy=compact`.
    pub compacted_topics: Vec<String>,
}

impl StageSpec {
    /// A spec for stage `name` reading `input_topic`, serving admin routes on `admin_addr`.
    pub fn new(name: &'static str, input_topic: &str, admin_addr: &str) -> anyhow::Result<Self> {
        let admin_addr = admin_addr.parse().map_err(|e| anyhow::anyhow!("{name}.admin_addr {admin_addr:?}: {e}"))?;
        Ok(StageSpec { name, input_topic: input_topic.to_owned(), admin_addr, extra_topics: Vec::new(), compacted_topics: Vec::new() })
    }

    /// The consumer group: `<group_prefix>-<stage>`.
    pub fn group_id(&self, common: &CommonConfig) -> String {
        format!("{}-{}", common.kafka.group_prefix, self.name)
    }

    /// The transactional id: stable for this instance, unique across instances.
    pub fn transactional_id(&self, common: &CommonConfig) -> String {
        format!("{}-{}-{}", common.kafka.group_prefix, self.name, common.instance_id)
    }
}

/// Runs the stage built by `build` until SIGINT/SIGTERM or `shutdown`: serves the
/// admin routes, creates the topics, then runs the Kafka loop on its own thread.
/// On shutdown the loop commits its batch and returns; this returns `Ok` then.
pub async fn run_stage<S, F>(
    spec: StageSpec,
    common: CommonConfig,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
    build: F,
) -> anyhow::Result<()>
where
    S: Stage + 'static,
    F: FnOnce() -> anyhow::Result<S>,
{
    let readiness = Readiness::default();
    let admin = admin_server::spawn(spec.admin_addr, metrics.clone(), readiness.clone(), shutdown.clone()).await?;
    let mut all_topics = topics::pipeline_topics(&common.topics);
    all_topics.extend(spec.extra_topics.iter().cloned());
    let created = async {
        topics::ensure_topics(&common.kafka, &all_topics).await?;
        topics::ensure_compacted_topics(&common.kafka, &spec.compacted_topics).await
    };
    tokio::select! {
        created = created => created?,
        _ = shutdown.cancelled() => return Ok(()),
    }
    let stage = build()?;
    let settings = RuntimeSettings {
        kafka: common.kafka.clone(),
        input_topic: spec.input_topic.clone(),
        dlq_topic: common.topics.dlq.clone(),
        group_id: spec.group_id(&common),
        transactional_id: spec.transactional_id(&common),
    };
    let loop_shutdown = shutdown.clone();
    let result = tokio::task::spawn_blocking(move || runtime::run(settings, stage, metrics, readiness, loop_shutdown)).await;
    shutdown.cancel();
    let _ = admin.await;
    match result {
        Ok(inner) => inner.map_err(Into::into),
        Err(join) => Err(anyhow::anyhow!("stage loop crashed: {join}")),
    }
}

/// The whole `main` of a consuming stage: loads the config (exit 2 listing every
/// invalid setting), starts logging, lets `build` make the spec and the stage's
/// core from the config, and runs it until SIGINT/SIGTERM (exit 0) or a fatal
/// error (exit 1).
pub async fn stage_main<C, S, F>(section: &'static str, build: F) -> std::process::ExitCode
where
    C: serde::de::DeserializeOwned + Default + Validate,
    S: Stage + 'static,
    F: FnOnce(&CommonConfig, C, &Arc<Metrics>) -> anyhow::Result<(StageSpec, S)>,
{
    let loaded = match config::load::<C>(section) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("newswire-{section}: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&loaded.common.log);
    let common = loaded.common;
    let metrics = Arc::new(Metrics::new(section));
    let shutdown = shutdown::on_signals();
    let result = match build(&common, loaded.service, &metrics) {
        Ok((spec, stage)) => run_stage(spec, common, metrics, shutdown, move || Ok(stage)).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "{section} stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}
