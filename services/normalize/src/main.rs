//! `newswire-normalize`: `newswire.raw` → `newswire.normalized`.

use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::dedupe::metrics::DedupeMetrics;
use newswire_normalize::dedupe::store::DedupeStore;
use newswire_normalize::Normalizer;
use newswire_shared::service::{self, StageSpec};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::stage_main("normalize", |common, config: NormalizeConfig, metrics, _tasks| {
        let spec = StageSpec::new("normalize", &common.topics.raw, &config.admin_addr)?;
        let dir = common.data_dir.join("normalize");
        let store = DedupeStore::open(&dir, config.dedupe_window_days)?;
        let dedupe_metrics = DedupeMetrics::register(metrics)?;
        let normalizer = Normalizer::new(config, common.topics.normalized.clone(), store).with_metrics(dedupe_metrics);
        Ok((spec, normalizer))
    })
    .await
}
