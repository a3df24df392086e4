//! Publish's own settings: the `[publish]` table (`NEWSWIRE_ENRICH_*`).

use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

/// The `[publish]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishConfig {
    /// Where `/metrics`, `/health` and `/ready` are served.
    pub admin_addr: String,
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig { admin_addr: "127.0.0.1:9104".into() }
    }
}

impl Validate for PublishConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("publish.admin_addr", &self.admin_addr, errors);
    }
}
