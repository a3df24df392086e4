//! The records normalize keeps about stories it has seen, and how they are
//! written: JSON, in sled and in the changelogs alike.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use newswire_shared::state::StateError;

/// The name normalize's dedupe state goes by in errors.
pub(crate) const STORE: &str = "normalize's dedupe store";

/// What is known about one uri.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// The newest version passed on or recorded.
    pub version: u64,
    /// That version's `versioncreated`, milliseconds since the epoch, when known.
    #[serde(default)]
    pub versioncreated_ms: Option<i64>,
    /// The story id shared with near-duplicates and the first copy.
    pub story_id: String,
    /// The story was killed (pubstatus canceled).
    pub killed: bool,
    /// The story was withheld (and not killed since): a later withhold notice is not passed again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
    /// uri of the first copy, when this uri was a near-duplicate of it.
    pub near_duplicate_of: Option<String>,
    /// uri of the first copy, when this uri was dropped as its exact duplicate.
    pub duplicate_of: Option<String>,
    /// When it was last seen, milliseconds since the epoch.
    pub seen_ms: i64,
    /// The input record this was decided for (`topic/partition/offset`), so
    /// the same record read again is known as a replay rather than a re-send
    /// (state written by versions before the changelog could precede its commit).
    #[serde(default)]
    pub origin: Option<String>,
    /// The content's SimHash when this uri was last passed on, to tell an
    /// edit of the same page from a different story under a shared page URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simhash: Option<u64>,
    /// The content's exact fingerprint when this uri was last passed on, so
    /// that the same content under the same version is never taken for an
    /// edit, whatever time it carries (two feeds read a page's zone-less
    /// time in their own zones). Records written before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl VersionRecord {
    /// Which of two records of one uri (written by different instances, or
    /// found on disk and in the changelog) is the newer: the higher version,
    /// then the later `versioncreated`, then the later sighting.
    pub fn newness(&self) -> (u64, Option<i64>, i64) {
        (self.version, self.versioncreated_ms, self.seen_ms)
    }
}

/// The first uri seen with one content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactRecord {
    /// The first copy's uri.
    pub uri: String,
    /// Its story id.
    pub story_id: String,
    /// When it was first seen.
    pub seen_ms: i64,
}

impl ExactRecord {
    /// Which of two first copies of one content counts as first, the same on
    /// every instance: the earlier sighting, then the smaller uri.
    pub fn firstness(&self) -> (i64, &str) {
        (self.seen_ms, &self.uri)
    }
}

/// A SimHash of a first copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearRecord {
    /// The copy's uri.
    pub uri: String,
    /// Its SimHash.
    pub simhash: u64,
    /// Its story id.
    pub story_id: String,
    /// When it was first seen.
    pub seen_ms: i64,
}

/// A record's bytes.
pub(crate) fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail.
    serde_json::to_vec(record).unwrap_or_default()
}

/// A record from its bytes; `tree` names where it was read, for the error.
pub(crate) fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T, StateError> {
    serde_json::from_slice(bytes).map_err(|error| StateError::corrupt(STORE, tree, error))
}

/// When a record of any kind was (last) seen, for expiry; `None` when unreadable.
pub(crate) fn seen_ms(bytes: &[u8]) -> Option<i64> {
    #[derive(Deserialize)]
    struct Seen {
        seen_ms: i64,
    }
    serde_json::from_slice::<Seen>(bytes).ok().map(|s| s.seen_ms)
}
