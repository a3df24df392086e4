//! Configuration of the subscriber API: which subscriptions may read through it
//! (`api = { token_sha256 = "…" }` on a subscription) and where it listens
//! (`publish.api_addr`, `publish.api_long_poll_ms`).

use std::collections::HashMap;

use newswire_shared::bearer::check_token_sha256;
use serde::{Deserialize, Serialize};

use crate::subscription::Subscription;

/// The default address of the subscriber API.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8090";

/// The default and longest time a caught-up `GET /v1/stories` waits for a story, in milliseconds.
pub const DEFAULT_LONG_POLL_MS: u64 = 25_000;

/// A subscription's access to the API: the SHA-256 (hex) of its bearer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiAccess {
    /// `printf %s TOKEN | sha256sum`; the token itself is never configured.
    pub token_sha256: String,
}

impl ApiAccess {
    /// Records every problem with the `api` setting of a subscription at `path`.
    /// The API serves the subscription's topic, so the subscription must have one:
    /// saying `topic = true` keeps what publish writes (and what retention keeps)
    /// visible in the config, rather than implied.
    pub fn validate(&self, path: &str, has_topic: bool, errors: &mut Vec<String>) {
        check_token_sha256(&format!("{path}.api.token_sha256"), &self.token_sha256, errors);
        if !has_topic {
            errors.push(format!("{path}.api: the subscriber API serves the subscription's Kafka topic; set `topic = true`"));
        }
    }
}

/// Records a problem for every token hash that two subscriptions share (a token
/// must name one subscriber).
pub fn check_distinct_tokens(subscriptions: &[Subscription], errors: &mut Vec<String>) {
    let mut owners: HashMap<String, &str> = HashMap::new();
    for sub in subscriptions {
        let Some(api) = &sub.api else { continue };
        if let Some(first) = owners.insert(api.token_sha256.to_ascii_lowercase(), &sub.name) {
            errors.push(format!("subscription {:?}: api.token_sha256 is also subscription {first:?}'s; each subscriber needs its own token", sub.name));
        }
    }
}

/// Records a problem when the long-poll time is out of range.
pub fn check_long_poll(value: u64, errors: &mut Vec<String>) {
    if !(100..=120_000).contains(&value) {
        errors.push(format!("publish.api_long_poll_ms: {value} must be between 100 and 120000"));
    }
}

#[cfg(test)]
mod tests {
    use figment::providers::{Format, Toml};
    use figment::Figment;
    use newswire_shared::bearer::token_hash;
    use newswire_shared::config::load_from;

    use crate::config::PublishConfig;

    fn load(toml: &str) -> Result<PublishConfig, newswire_shared::config::ConfigError> {
        load_from::<PublishConfig>(Figment::new().merge(Toml::string(toml)), "publish").map(|l| l.service)
    }

    #[test]
    fn a_subscription_reads_through_the_api_with_the_hash_of_its_token() {
        let hash = token_hash("desk-token");
        let config = load(&format!("[[publish.subscriptions]]\nname = \"desk\"\ntopic = true\napi = {{ token_sha256 = \"{hash}\" }}\n")).unwrap();
        assert_eq!(config.subscriptions[0].api.as_ref().map(|a| a.token_sha256.as_str()), Some(hash.as_str()));
        assert_eq!((config.api_addr.as_str(), config.api_long_poll_ms), ("127.0.0.1:8090", 25_000));
    }

    #[test]
    fn every_invalid_api_setting_is_reported_at_once() {
        let hash = token_hash("shared");
        let err = load(&format!(
            "[publish]\napi_addr = \"nowhere\"\napi_long_poll_ms = 0\n\
             [[publish.subscriptions]]\nname = \"a\"\ntopic = true\napi = {{ token_sha256 = \"{hash}\" }}\n\
             [[publish.subscriptions]]\nname = \"b\"\ntopic = true\napi = {{ token_sha256 = \"{hash}\" }}\n\
             [[publish.subscriptions]]\nname = \"c\"\nwebhook = {{ url = \"http://127.0.0.1:9/h\", secret = \"s\" }}\napi = {{ token_sha256 = \"abc\" }}\n"
        ))
        .unwrap_err();
        let text = err.to_string();
        for expected in [
            "publish.api_addr: \"nowhere\" is not an ip:port address",
            "publish.api_long_poll_ms: 0 must be between 100 and 120000",
            "subscription \"b\": api.token_sha256 is also subscription \"a\"'s",
            "publish.subscriptions[2].api.token_sha256: must be 64 hex characters",
            "publish.subscriptions[2].api: the subscriber API serves the subscription's Kafka topic; set `topic = true`",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
        }
        let err = load("[[publish.subscriptions]]\nname = \"x\"\ntopic = true\napi = { token = \"plain\" }\n").unwrap_err();
        assert!(err.to_string().contains("token"), "a plain token is refused: {err}");
    }
}
