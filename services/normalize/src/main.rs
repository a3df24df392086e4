//! `newswire-normalize`: `newswire.raw` → `newswire.normalized`.

use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::dedupe::metrics::DedupeMetrics;
use newswire_normalize::dedupe::store::{DedupeStore, STORES};
use newswire_normalize::Normalizer;
use newswire_shared::kafka::claims::{claims_retention, ClaimLog};
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
        let (claims, horizon, wait) = (config.dedupe_claims, config.claim_horizon_secs, config.claim_wait_ms);
        let mut normalizer = Normalizer::new(config, common.topics.normalized.clone(), store).with_metrics(dedupe_metrics);
        if claims {
            // First copies are claimed here before they pass, so that two instances never both pass one.
            let topic = format!("{}.normalize.claims", common.kafka.group_prefix);
            let horizon = std::time::Duration::from_secs(horizon);
            spec.expiring_topics.push((topic.clone(), claims_retention(horizon)));
            let client_id = format!("newswire-normalize-{}", common.instance_id);
            let log = ClaimLog::start(&common.kafka, &client_id, &topic, horizon)?;
            normalizer = normalizer.with_claims(Box::new(log), std::time::Duration::from_millis(wait));
        }
        Ok((spec, normalizer))
    })
    .await
}
