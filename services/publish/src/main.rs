//! `newswire-publish`: `newswire.enriched` → subscribers and `newswire.published`.

use newswire_publish::config::PublishConfig;
use newswire_publish::Publisher;
use newswire_shared::service::{self, StageSpec};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    service::stage_main("publish", |common, config: PublishConfig, _metrics| {
        let spec = StageSpec::new("publish", &common.topics.enriched, &config.admin_addr)?;
        Ok((spec, Publisher::new(common.topics.published.clone())))
    })
    .await
}
