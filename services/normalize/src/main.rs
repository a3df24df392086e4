//! `newswire-normalize`: `newswire.raw` → `newswire.normalized`.

use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::Normalizer;
use newswire_shared::service::{self, StageSpec};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::stage_main("normalize", |common, config: NormalizeConfig, _metrics| {
        let spec = StageSpec::new("normalize", &common.topics.raw, &config.admin_addr)?;
        Ok((spec, Normalizer::new(config, common.topics.normalized.clone())))
    })
    .await
}
