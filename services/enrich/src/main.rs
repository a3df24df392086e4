//! `newswire-enrich`: `newswire.normalized` → `newswire.enriched`.

use newswire_enrich::config::EnrichConfig;
use newswire_enrich::events::store::STORE;
use newswire_enrich::events::{EventClustering, EventMetrics, EventStore};
use newswire_enrich::external::ExternalEnricher;
use newswire_enrich::{Enricher, Resources};
use newswire_shared::service::{self, StageSpec};

/// mimalloc: enrich allocates many small strings and vectors per story, and
/// spends a tenth less CPU on them than with the system allocator
/// (`cargo bench -p newswire-enrich --bench enrich` uses the same allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::stage_main("enrich", |common, config: EnrichConfig, metrics, _tasks| {
        let mut spec = StageSpec::new("enrich", &common.topics.normalized, &config.admin_addr)?;
        let (resources, missing_model) = Resources::load(config.ner_model_required)?;
        if let Some(problem) = missing_model {
            tracing::warn!(problem, "enrich runs without the NER model: people and organisations come from rules only");
        }
        let mut enricher = Enricher::new(common.topics.enriched.clone(), resources);
        if config.events {
            spec.stores.push(STORE);
            // Kafka forgets the clustering's records when enrich does (a day later, for a cluster still open then).
            spec.changelog_retention = Some(std::time::Duration::from_secs((u64::from(config.event_story_days) + 1) * 24 * 3600));
            let store = EventStore::open(&common.data_dir.join("enrich"), &common.kafka.group_prefix, config.cluster_settings())?;
            enricher = enricher.with_events(EventClustering::new(store, Some(EventMetrics::register(metrics)?)));
        }
        if let Some(settings) = config.external() {
            tracing::info!(url = settings.url.as_str(), "external enricher configured");
            enricher = enricher.with_external(ExternalEnricher::new(settings, metrics, tokio::runtime::Handle::current())?);
        }
        Ok((spec, enricher))
    })
    .await
}
