//! Ingest's own settings: the `[ingest]` table (`NEWSWIRE_INGEST_*`).

use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

/// The `[ingest]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Where the push API listens (`NEWSWIRE_INGEST_ADDR`).
    pub addr: String,
    /// Where `/metrics`, `/health` and `/ready` are served (`NEWSWIRE_INGEST_ADMIN_ADDR`).
    pub admin_addr: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The feeds allowed to push, each with its credentials.
    pub feeds: Vec<FeedConfig>,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            addr: "127.0.0.1:8080".into(),
            admin_addr: "127.0.0.1:9101".into(),
            max_body_bytes: 5 * 1024 * 1024,
            feeds: Vec::new(),
        }
    }
}

/// One feed allowed to push stories.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The feed's id, e.g. `pa`; carried with every story it sends.
    pub id: String,
    /// SHA-256 of the feed's bearer token, in hex. The token itself is never stored.
    pub token_sha256: String,
}

impl Validate for IngestConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("ingest.addr", &self.addr, errors);
        check_addr("ingest.admin_addr", &self.admin_addr, errors);
        if self.max_body_bytes < 1024 {
            errors.push(format!("ingest.max_body_bytes: {} is below the 1024-byte minimum", self.max_body_bytes));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, feed) in self.feeds.iter().enumerate() {
            if feed.id.is_empty() || !feed.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                errors.push(format!("ingest.feeds[{i}].id: {:?} must be letters, digits, - or _", feed.id));
            }
            if !seen.insert(feed.id.clone()) {
                errors.push(format!("ingest.feeds[{i}].id: {:?} is configured twice", feed.id));
            }
            if feed.token_sha256.len() != 64 || hex::decode(&feed.token_sha256).is_err() {
                errors.push(format!("ingest.feeds[{i}].token_sha256: must be 64 hex characters (SHA-256 of the token)"));
            }
        }
    }
}
