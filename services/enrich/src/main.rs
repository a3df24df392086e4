//! `newswire-enrich`: `newswire.normalized` → `newswire.enriched`.

use newswire_enrich::config::EnrichConfig;
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
        let spec = StageSpec::new("enrich", &common.topics.normalized, &config.admin_addr)?;
        let (resources, missing_model) = Resources::load(config.ner_model_required)?;
        if let Some(problem) = missing_model {
            tracing::warn!(problem, "enrich runs without the NER model: people and organisations come from rules only");
        }
        let mut enricher = Enricher::new(common.topics.enriched.clone(), resources);
        if let Some(settings) = config.external() {
            tracing::info!(url = settings.url.as_str(), "external enricher configured");
            enricher = enricher.with_external(ExternalEnricher::new(settings, metrics, tokio::runtime::Handle::current())?);
        }
        Ok((spec, enricher))
    })
    .await
}
