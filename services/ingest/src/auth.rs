//! Feed authentication: a bearer token per feed, compared by its SHA-256.

use sha2::{Digest, Sha256};

use crate::config::FeedConfig;
use crate::rejection::Rejection;

/// The configured feeds, looked up by token hash.
#[derive(Debug, Clone)]
pub struct Feeds {
    feeds: Vec<(String, [u8; 32])>,
}

impl Feeds {
    /// Builds the lookup from config (validated: every hash is 64 hex characters).
    pub fn new(configs: &[FeedConfig]) -> Self {
        let feeds = configs
            .iter()
            .filter_map(|f| {
                let bytes = hex::decode(&f.token_sha256).ok()?;
                Some((f.id.clone(), bytes.try_into().ok()?))
            })
            .collect();
        Feeds { feeds }
    }

    /// The feed id whose token the `Authorization` header carries.
    /// Missing or malformed credentials are 401; a token no feed has is 403.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<&str, Rejection> {
        let header = authorization.ok_or_else(|| {
            Rejection::new(401, "unauthorized", "send the feed's token as `Authorization: Bearer <token>`")
        })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Rejection::new(401, "unauthorized", "the Authorization header must be `Bearer <token>`"))?;
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Compare every configured hash fully, so timing does not reveal a prefix match.
        let mut found = None;
        for (id, expected) in &self.feeds {
            let diff = expected.iter().zip(hash.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if diff == 0 {
                found = Some(id.as_str());
            }
        }
        found.ok_or_else(|| Rejection::new(403, "forbidden", "the token does not belong to any configured feed"))
    }
}

/// SHA-256 of a token in hex: what goes into `token_sha256`.
pub fn token_hash(token: &str) -> String {
    newswire_shared::ids::sha256_hex(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feeds() -> Feeds {
        Feeds::new(&[FeedConfig { id: "pa".into(), token_sha256: token_hash("s3cret") }])
    }

    #[test]
    fn a_known_token_identifies_its_feed() {
        assert_eq!(feeds().authenticate(Some("Bearer s3cret")).unwrap(), "pa");
    }

    #[test]
    fn missing_credentials_are_401_and_wrong_ones_403() {
        assert_eq!(feeds().authenticate(None).unwrap_err().status, 401);
        assert_eq!(feeds().authenticate(Some("Basic abc")).unwrap_err().status, 401);
        assert_eq!(feeds().authenticate(Some("Bearer nope")).unwrap_err().status, 403);
    }
}
