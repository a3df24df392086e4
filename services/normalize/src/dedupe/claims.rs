//! Claims of first copies across normalize instances, so that copies reaching
//! two instances at the same moment are still told apart.
//!
//! Before a batch's transaction begins, normalize works out which of its
//! stories it would pass on ([`crate::Normalizer`]'s preparation) and claims
//! each one on the claims topic (`<group_prefix>.normalize.claims`,
//! [`newswire_shared::kafka::claims`]), twice:
//!
//! - its **content** (the exact fingerprint), with its uri: a copy of that
//!   content under another uri, claimed later on any instance, is an exact
//!   duplicate of it;
//! - its **uri and version**, with the record it came from (its Kafka key): the
//!   same version of the uri from another record (two feeds that send one page
//!   URL) claimed later is a stale version, unless it is a later edit.
//!
//! Kafka orders the claims of one key on one partition, so every instance sees
//! the same first claim. The dedupe stores decide whenever they know the
//! content or the uri; the claims decide only inside the replication window,
//! where the stores do not know yet. A claim counts for
//! `normalize.claim_horizon_secs`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use newswire_shared::article::Article;
use newswire_shared::kafka::claims::ClaimLog;

/// The first claim of a content: the uri that passed it on, with its story id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentClaim {
    /// The uri passed on with this content.
    pub uri: String,
    /// Its story id (a near-duplicate's is the story it is linked to).
    pub story_id: String,
}

/// The first claim of a uri's version: which record passed it on, with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionClaim {
    /// The Kafka key of the story that claimed it (a feed's story).
    pub source: String,
    /// The exact fingerprint of its content.
    pub content: String,
    /// Its `versioncreated`, milliseconds since the epoch, when known.
    pub created_ms: Option<i64>,
}

/// The first claims known to this instance.
pub trait ClaimLookup {
    /// The value of the first claim of `key`, as written.
    fn first_value(&self, key: &[u8]) -> Option<Vec<u8>>;

    /// The first claim of the content with exact fingerprint `hash`.
    fn content(&self, hash: &str) -> Option<ContentClaim> {
        self.first_value(&content_key(hash)).and_then(|value| serde_json::from_slice(&value).ok())
    }

    /// The first claim of `version` of `uri`.
    fn version(&self, uri: &str, version: u64) -> Option<VersionClaim> {
        self.first_value(&version_key(uri, version)).and_then(|value| serde_json::from_slice(&value).ok())
    }
}

/// Where claims are written and read back.
pub trait ClaimStore: ClaimLookup + Send {
    /// Writes `claims` (key, value) and waits, within `wait`, until their
    /// first claims are known here; the error says why not.
    fn claim(&self, claims: &[(Vec<u8>, Vec<u8>)], wait: Duration) -> Result<(), String>;
}

impl ClaimStore for ClaimLog {
    fn claim(&self, claims: &[(Vec<u8>, Vec<u8>)], wait: Duration) -> Result<(), String> {
        ClaimLog::claim(self, claims, wait).map_err(|error| error.to_string())
    }
}

/// The claims as the claims topic holds them.
impl ClaimLookup for ClaimLog {
    fn first_value(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.first(key).map(|claim| claim.value)
    }
}

/// What a decision checks against the claims: the lookup, and who is asking
/// (the Kafka key of the story being decided).
#[derive(Clone, Copy)]
pub struct ClaimCheck<'a> {
    /// The first claims known here.
    pub lookup: &'a dyn ClaimLookup,
    /// The story's own Kafka key: a claim with it is this story's own.
    pub source: &'a str,
}

/// The claims topic's key of a content.
pub fn content_key(hash: &str) -> Vec<u8> {
    format!("content\0{hash}").into_bytes()
}

/// The claims topic's key of a uri's version.
pub fn version_key(uri: &str, version: u64) -> Vec<u8> {
    format!("version\0{uri}\0{version}").into_bytes()
}

/// The two claims for `article`, as it is passed on (its uri and story id
/// decided) with content `hash`, from the story with Kafka key `source`.
pub fn claims_for(article: &Article, hash: &str, source: &str) -> [(Vec<u8>, Vec<u8>); 2] {
    let content = ContentClaim { uri: article.uri.clone(), story_id: article.newswire.story_id.clone() };
    let version = VersionClaim { source: source.to_owned(), content: hash.to_owned(), created_ms: article.versioncreated.map(|t| t.timestamp_millis()) };
    [
        (content_key(hash), serde_json::to_vec(&content).unwrap_or_default()),
        (version_key(&article.uri, article.version), serde_json::to_vec(&version).unwrap_or_default()),
    ]
}

#[cfg(test)]
pub mod testing {
    //! Claims held in memory, first one wins, shared by the "instances" of a test.

    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A claims table without Kafka; clones share it.
    #[derive(Default, Clone)]
    pub struct Claims {
        first: Arc<Mutex<HashMap<Vec<u8>, Vec<u8>>>>,
    }

    impl ClaimStore for Claims {
        fn claim(&self, claims: &[(Vec<u8>, Vec<u8>)], _wait: Duration) -> Result<(), String> {
            let mut first = self.first.lock().unwrap();
            for (key, value) in claims {
                first.entry(key.clone()).or_insert_with(|| value.clone());
            }
            Ok(())
        }
    }

    impl ClaimLookup for Claims {
        fn first_value(&self, key: &[u8]) -> Option<Vec<u8>> {
            self.first.lock().unwrap().get(key).cloned()
        }
    }
}
