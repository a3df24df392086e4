//! `newswire-normalize`: `newswire.raw` → `newswire.normalized`.

use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::dedupe::metrics::DedupeMetrics;
use newswire_normalize::dedupe::store::{DedupeStore, STORES};
use newswire_normalize::Normalizer;
use newswire_shared::service::{self, StageSpec};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::stage_main("normalize", |common, config: NormalizeConfig, metrics, _tasks| {
        let mut spec = StageSpec::new("normalize", &common.topics.raw, &config.admin_addr)?;
        spec.stores.extend(STORES);
        // Kafka forgets dedupe state when normalize does.
        spec.changelog_retention = Some(std::time::Duration::from_secs(u64::from(config.dedupe_window_days) * 24 * 3600));
        let dir = common.data_dir.join("normalize");
        let store = DedupeStore::open(&dir, &common.kafka.group_prefix, config.dedupe_window_days)?;
        let dedupe_metrics = DedupeMetrics::register(metrics)?;
        let normalizer = Normalizer::new(config, common.topics.normalized.clone(), store).with_metrics(dedupe_metrics);
        Ok((spec, normalizer))
    })
    .await
}
