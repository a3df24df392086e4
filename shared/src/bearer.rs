//! Bearer tokens stored only as SHA-256 hashes: ingest's feed tokens and
//! publish's subscriber API tokens are checked here, the same way.
//!
//! A token is configured as `token_sha256` (64 hex characters, e.g.
//! `printf %s TOKEN | sha256sum`); a request's `Authorization: Bearer <token>` is
//! hashed and compared with every configured hash in full, so timing does not
//! reveal a prefix match. Missing or malformed credentials are a 401, a token
//! nobody has a 403.

use sha2::{Digest, Sha256};

/// Why a request's credentials were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    /// No `Authorization` header (answer 401).
    #[error("no Authorization header; send `Authorization: Bearer <token>`")]
    Missing,
    /// An `Authorization` header that is not `Bearer <token>` (answer 401).
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    /// A well-formed token that no configured hash matches (answer 403).
    #[error("the token does not belong to anyone configured")]
    Unknown,
}

impl BearerError {
    /// The HTTP status to answer: 401 for missing or malformed credentials, 403 for an unknown token.
    pub fn status(self) -> u16 {
        match self {
            BearerError::Missing | BearerError::Malformed => 401,
            BearerError::Unknown => 403,
        }
    }
}

/// Owners (feed ids, subscriber names) looked up by the hash of their token.
#[derive(Clone)]
pub struct TokenTable<T> {
    entries: Vec<(T, [u8; 32])>,
}

impl<T> std::fmt::Debug for TokenTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenTable").field("tokens", &self.entries.len()).finish()
    }
}

impl<T> Default for TokenTable<T> {
    fn default() -> Self {
        TokenTable { entries: Vec::new() }
    }
}

impl<T> TokenTable<T> {
    /// Builds the table from `(owner, token_sha256)` pairs. Hashes that are not
    /// 64 hex characters are left out: config validation ([`check_token_sha256`])
    /// refuses them at start-up.
    pub fn new(entries: impl IntoIterator<Item = (T, String)>) -> Self {
        let entries = entries
            .into_iter()
            .filter_map(|(owner, hash)| {
                let bytes: [u8; 32] = hex::decode(hash.trim()).ok()?.try_into().ok()?;
                Some((owner, bytes))
            })
            .collect();
        TokenTable { entries }
    }

    /// The owner of the token the `Authorization` header carries.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<&T, BearerError> {
        let header = authorization.ok_or(BearerError::Missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(BearerError::Malformed)?;
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for (owner, expected) in &self.entries {
            let diff = expected.iter().zip(hash.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if diff == 0 {
                found = Some(owner);
            }
        }
        found.ok_or(BearerError::Unknown)
    }
}

/// SHA-256 of a token in hex: what goes into `token_sha256`.
pub fn token_hash(token: &str) -> String {
    crate::ids::sha256_hex(token.as_bytes())
}

/// Records a problem when `value`, the setting at `path`, is not a SHA-256 in hex.
pub fn check_token_sha256(path: &str, value: &str, errors: &mut Vec<String>) {
    if value.len() != 64 || hex::decode(value).is_err() {
        errors.push(format!("{path}: must be 64 hex characters (SHA-256 of the token: `printf %s TOKEN | sha256sum`)"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TokenTable<&'static str> {
        TokenTable::new([("pa", token_hash("s3cret")), ("ap", token_hash("t2")), ("broken", "zz".into())])
    }

    #[test]
    fn a_known_token_identifies_its_owner() {
        assert_eq!(table().authenticate(Some("Bearer s3cret")), Ok(&"pa"));
        assert_eq!(table().authenticate(Some("bearer  t2 ")), Ok(&"ap"));
    }

    #[test]
    fn missing_or_malformed_credentials_are_401_and_an_unknown_token_403() {
        assert_eq!(table().authenticate(None).unwrap_err().status(), 401);
        assert_eq!(table().authenticate(Some("Basic abc")), Err(BearerError::Malformed));
        assert_eq!(table().authenticate(Some("Bearer ")), Err(BearerError::Malformed));
        assert_eq!(table().authenticate(Some("Bearer nope")).unwrap_err().status(), 403);
    }

    #[test]
    fn a_hash_that_is_not_64_hex_characters_is_reported() {
        let mut errors = Vec::new();
        check_token_sha256("x.token_sha256", &token_hash("ok"), &mut errors);
        assert!(errors.is_empty());
        check_token_sha256("x.token_sha256", "abc", &mut errors);
        check_token_sha256("x.token_sha256", &"g".repeat(64), &mut errors);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("x.token_sha256: must be 64 hex characters"));
    }

    #[test]
    fn the_table_shows_no_hashes_in_debug_output() {
        assert!(!format!("{:?}", table()).contains(&token_hash("s3cret")));
    }
}
