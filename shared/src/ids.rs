//! Identifiers: story keys and trace ids.

use sha2::{Digest, Sha256};

/// A new random trace id (32 hex characters), minted by ingest per story.
pub fn new_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A short, stable hex digest of `parts`, used for keys and content hashes.
pub fn digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// The stable Kafka key of a story from `feed` with the source's own id `guid`:
/// every version of it hashes to the same key, so they stay on one partition in order.
pub fn story_key(feed: &str, guid: &str) -> String {
    digest(&[feed.as_bytes(), guid.as_bytes()])
}

/// SHA-256 of `bytes` in lower-case hex (64 characters), e.g. a feed token's hash.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_keys_are_stable_and_distinguish_feeds() {
        assert_eq!(story_key("pa", "urn:1"), story_key("pa", "urn:1"));
        assert_ne!(story_key("pa", "urn:1"), story_key("ap", "urn:1"));
        // Length-prefixing keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(digest(&[b"ab", b"c"]), digest(&[b"a", b"bc"]));
        assert_eq!(new_trace_id().len(), 32);
    }
}
