//! Running a service: the start-up every `main` shares ([`service_main`]: config
//! with exit 2 on any invalid setting, logging, metrics, signals, the admin port)
//! and, for the consuming stages, the Kafka loop on top of it ([`stage_main`]).
//! Ingest, an HTTP server rather than a consuming stage, uses [`service_main`] alone.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::admin_server::{self, Readiness};
use crate::changelog::changelog_topic;
use crate::config::{self, CommonConfig, Loaded, Validate};
use crate::kafka::runtime::{self, RuntimeSettings};
use crate::kafka::topics;
use crate::metrics::Metrics;
use crate::stage::Stage;
use crate::supervise::{self, Supervisor};
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
    /// The stage's changelog-backed stores ([`crate::changelog`]), by name;
    /// each one's changelog is created compacted, with the input's partition count.
    pub stores: Vec<&'static str>,
    /// How long the changelogs keep a value nobody rewrote, when the stage's
    /// state expires (normalize's dedupe window): created with
    /// `cleanup.policy=compact,delete` and this `retention.ms`, so Kafka
    /// forgets what the stage forgets. `None`: kept until removed.
    pub changelog_retention: Option<std::time::Duration>,
    /// Topics whose records expire after a time (normalize's claims), each
    /// created with `cleanup.policy=delete` and that `retention.ms`.
    pub expiring_topics: Vec<(String, std::time::Duration)>,
}

impl StageSpec {
    /// A spec for stage `name` reading `input_topic`, serving admin routes on `admin_addr`.
    pub fn new(name: &'static str, input_topic: &str, admin_addr: &str) -> anyhow::Result<Self> {
        let admin_addr = admin_addr.parse().map_err(|e| anyhow::anyhow!("{name}.admin_addr {admin_addr:?}: {e}"))?;
        Ok(StageSpec { name, input_topic: input_topic.to_owned(), admin_addr, extra_topics: Vec::new(), compacted_topics: Vec::new(), stores: Vec::new(), changelog_retention: None, expiring_topics: Vec::new() })
    }

    /// The consumer group: `<group_prefix>-<stage>`.
    pub fn group_id(&self, common: &CommonConfig) -> String {
        format!("{}-{}", common.kafka.group_prefix, self.name)
    }

    /// The changelog topics of the stage's stores.
    pub fn changelog_topics(&self, common: &CommonConfig) -> Vec<String> {
        self.stores.iter().map(|store| changelog_topic(&common.kafka.group_prefix, self.name, store)).collect()
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
    let Admin { readiness, task: admin } = start_admin(spec.name, spec.admin_addr, &metrics, &shutdown).await?;
    let mut all_topics = topics::pipeline_topics(&common.topics);
    all_topics.extend(spec.extra_topics.iter().cloned());
    let created = async {
        topics::ensure_topics(&common.kafka, &all_topics).await?;
        let mut compacted = spec.compacted_topics.clone();
        match spec.changelog_retention {
            Some(retention) => topics::ensure_expiring_compacted_topics(&common.kafka, &spec.changelog_topics(&common), retention).await?,
            None => compacted.extend(spec.changelog_topics(&common)),
        }
        topics::ensure_compacted_topics(&common.kafka, &compacted).await?;
        for (topic, retention) in &spec.expiring_topics {
            topics::ensure_expiring_topics(&common.kafka, std::slice::from_ref(topic), *retention).await?;
        }
        Ok::<(), topics::TopicError>(())
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

/// What a service's `main` is handed once start-up succeeded.
pub struct Service<C> {
    /// The service's name: `ingest`, `normalize`, `enrich` or `publish`.
    pub name: &'static str,
    /// The configuration as loaded and validated at start-up.
    pub loaded: Loaded<C>,
    /// The service's metrics registry, served on `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Cancelled on the first SIGINT or SIGTERM, or by the service itself.
    pub shutdown: CancellationToken,
    /// Where the service's long-lived tasks register; its token is `shutdown`.
    /// Whatever is still registered when the service's run ends is stopped then.
    pub tasks: Supervisor,
}

/// The running admin server (`/metrics`, `/health`, `/ready`).
pub struct Admin {
    /// What `/ready` answers; the service sets it once it can work.
    pub readiness: Readiness,
    /// The server's task; it ends once the shutdown token is cancelled.
    pub task: tokio::task::JoinHandle<()>,
}

impl<C> Service<C> {
    /// Binds the admin port `addr` (the service's `admin_addr` setting) and
    /// serves `/metrics`, `/health`, `/ready` until shutdown; not ready until told.
    pub async fn serve_admin(&self, addr: &str) -> anyhow::Result<Admin> {
        let parsed: SocketAddr =
            addr.parse().map_err(|e| anyhow::anyhow!("{}.admin_addr {addr:?}: {e}", self.name))?;
        start_admin(self.name, parsed, &self.metrics, &self.shutdown).await
    }
}

/// The one way a service starts its admin server (ingest through
/// [`Service::serve_admin`], the consuming stages through [`run_stage`]):
/// binds `addr`, serves until `shutdown`, not ready until told.
async fn start_admin(name: &str, addr: SocketAddr, metrics: &Arc<Metrics>, shutdown: &CancellationToken) -> anyhow::Result<Admin> {
    let readiness = Readiness::default();
    let task = admin_server::spawn(addr, metrics.clone(), readiness.clone(), shutdown.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{name}.admin_addr {addr}: {e}"))?;
    Ok(Admin { readiness, task })
}

/// The whole start-up of a service's `main`: loads the config (exit 2 listing
/// every invalid setting), starts logging, makes the metrics registry and the
/// shutdown token SIGINT/SIGTERM cancel, then runs `run` to its end and stops
/// the tasks still registered with [`Service::tasks`] (each given at most
/// [`supervise::DEFAULT_GRACE`] together): exit 0 when `run` returned `Ok`, exit
/// 1 (the error logged with its context) otherwise.
pub async fn service_main<C, F, Fut>(name: &'static str, run: F) -> std::process::ExitCode
where
    C: serde::de::DeserializeOwned + Default + Validate,
    F: FnOnce(Service<C>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let loaded = match config::load::<C>(name) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("newswire-{name}: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&loaded.common.log);
    let metrics = Arc::new(Metrics::new(name));
    let shutdown = shutdown::on_signals();
    let tasks = Supervisor::new(shutdown.clone());
    let result = run(Service { name, loaded, metrics, shutdown, tasks: tasks.clone() }).await;
    tasks.shutdown(supervise::DEFAULT_GRACE).await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "{name} stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The whole `main` of a consuming stage: [`service_main`]'s start-up, then
/// `build` makes the spec and the stage's core from the config (registering any
/// task of its own with the [`Supervisor`] it is given), and the stage runs until
/// SIGINT/SIGTERM (exit 0) or a fatal error (exit 1); its tasks are stopped after
/// the Kafka loop returned.
pub async fn stage_main<C, S, F>(section: &'static str, build: F) -> std::process::ExitCode
where
    C: serde::de::DeserializeOwned + Default + Validate,
    S: Stage + 'static,
    F: FnOnce(&CommonConfig, C, &Arc<Metrics>, &Supervisor) -> anyhow::Result<(StageSpec, S)>,
{
    service_main(section, |service: Service<C>| async move {
        let Service { loaded, metrics, shutdown, tasks, .. } = service;
        let (spec, stage) = build(&loaded.common, loaded.service, &metrics, &tasks)?;
        run_stage(spec, loaded.common, metrics, shutdown, move || Ok(stage)).await
    })
    .await
}
