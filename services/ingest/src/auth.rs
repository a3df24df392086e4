//! Feed authentication: a bearer token per feed, compared by its SHA-256
//! ([`newswire_shared::bearer`], shared with publish's subscriber API).

use newswire_shared::bearer::{BearerError, TokenTable};

use crate::config::FeedConfig;
use crate::rejection::Rejection;

pub use newswire_shared::bearer::token_hash;

/// The configured feeds, looked up by token hash.
#[derive(Clone)]
pub struct Feeds {
    tokens: TokenTable<String>,
    signing_secrets: std::collections::HashMap<String, Vec<u8>>,
}

impl std::fmt::Debug for Feeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<&str> = self.signing_secrets.keys().map(String::as_str).collect();
        ids.sort_unstable();
        f.debug_struct("Feeds").field("tokens", &self.tokens).field("signing", &ids).finish_non_exhaustive()
    }
}

impl Feeds {
    /// Builds the lookup from config (validated: every hash is 64 hex characters).
    pub fn new(configs: &[FeedConfig]) -> Self {
        let tokens = TokenTable::new(configs.iter().map(|f| (f.id.clone(), f.token_sha256.clone())));
        let signing_secrets = configs
            .iter()
            .filter_map(|f| Some((f.id.clone(), f.signing_secret.as_ref()?.0.as_bytes().to_vec())))
            .collect();
        Feeds { tokens, signing_secrets }
    }

    /// The secret `feed` signs its pushes with, when it must sign them.
    pub fn signing_secret(&self, feed: &str) -> Option<&[u8]> {
        self.signing_secrets.get(feed).map(Vec::as_slice)
    }

    /// The feed id whose token the `Authorization` header carries.
    /// Missing or malformed credentials are 401; a token no feed has is 403.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<&str, Rejection> {
        self.tokens.authenticate(authorization).map(String::as_str).map_err(|error| match error {
            BearerError::Missing => Rejection::new(401, "unauthorized", "send the feed's token as `Authorization: Bearer <token>`"),
            BearerError::Malformed => Rejection::new(401, "unauthorized", "the Authorization header must be `Bearer <token>`"),
            BearerError::Unknown => Rejection::new(403, "forbidden", "the token does not belong to any configured feed"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feeds() -> Feeds {
        Feeds::new(&[
            FeedConfig { id: "pa".into(), token_sha256: token_hash("s3cret"), ..FeedConfig::default() },
            FeedConfig {
                id: "ap".into(),
                token_sha256: token_hash("t2"),
                signing_secret: Some(crate::config::Secret("0123456789abcdef".into())),
                ..FeedConfig::default()
            },
        ])
    }

    #[test]
    fn a_known_token_identifies_its_feed() {
        assert_eq!(feeds().authenticate(Some("Bearer s3cret")).unwrap(), "pa");
        assert_eq!(feeds().authenticate(Some("Bearer t2")).unwrap(), "ap");
    }

    #[test]
    fn only_feeds_configured_to_sign_have_a_signing_secret() {
        assert_eq!(feeds().signing_secret("pa"), None);
        assert_eq!(feeds().signing_secret("ap"), Some(&b"0123456789abcdef"[..]));
        assert!(!format!("{:?}", feeds()).contains("0123456789abcdef"));
    }

    #[test]
    fn missing_credentials_are_401_and_wrong_ones_403() {
        assert_eq!(feeds().authenticate(None).unwrap_err().status, 401);
        assert_eq!(feeds().authenticate(Some("Basic abc")).unwrap_err().status, 401);
        assert_eq!(feeds().authenticate(Some("Bearer nope")).unwrap_err().status, 403);
    }
}
