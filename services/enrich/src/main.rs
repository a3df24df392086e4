//! `newswire-enrich`: `newswire.normalized` → `newswire.enriched`.

use newswire_enrich::config::EnrichConfig;
use newswire_enrich::Enricher;
use newswire_shared::service::{self, StageSpec};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::stage_main("enrich", |common, config: EnrichConfig, _metrics| {
        let spec = StageSpec::new("enrich", &common.topics.normalized, &config.admin_addr)?;
        Ok((spec, Enricher::new(common.topics.enriched.clone())))
    })
    .await
}
