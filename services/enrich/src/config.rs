//! Enrich's own settings: the `[enrich]` table (`NEWSWIRE_ENRICH_*`).

use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

/// The `[enrich]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnrichConfig {
    /// Where `/metrics`, `/health` and `/ready` are served.
    pub admin_addr: String,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        EnrichConfig { admin_addr: "127.0.0.1:9103".into() }
    }
}

impl Validate for EnrichConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("enrich.admin_addr", &self.admin_addr, errors);
    }
}
