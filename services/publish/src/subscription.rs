//! A subscription: a name, a filter, where matching stories go, and in which
//! output format ([`crate::output`]).

use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::output::{Output, OutputFormat};

/// One subscriber's declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// The subscriber's name: letters, digits, `-`, `_` and `.`; also names its topic.
    pub name: String,
    /// Which stories it wants (default: every story).
    #[serde(default)]
    pub filter: Filter,
    /// Deliver to the Kafka topic `<publish.topic_prefix><name>`.
    #[serde(default)]
    pub topic: bool,
    /// Deliver by signed HTTP POST.
    #[serde(default)]
    pub webhook: Option<WebhookTarget>,
    /// Embargoed stories: `hold` them until their time (the default) or
    /// `deliver` them at once with `embargoed` set ([`crate::embargo`]).
    #[serde(default)]
    pub embargo: crate::embargo::EmbargoChoice,
    /// The ninjs version it receives: `"ninjs-2.1"` (default) or `"ninjs-3.1"`.
    #[serde(default)]
    pub format: OutputFormat,
    /// Whether it also receives what enrich found, in the `"newswire:enrichment"` object.
    #[serde(default)]
    pub extended: bool,
    /// Reads its topic over the subscriber HTTP API with this token ([`crate::api`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<crate::api::access::ApiAccess>,
}

/// Where and how to POST a subscriber's stories.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTarget {
    /// The http(s) URL to POST to.
    pub url: String,
    /// The shared secret the signature is computed with. Never logged.
    pub secret: String,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget").field("url", &self.url).field("secret", &"<redacted>").finish()
    }
}

impl Subscription {
    /// How its stories are written, on its topic and its webhook alike.
    pub fn output(&self) -> Output {
        Output { format: self.format, extended: self.extended }
    }

    /// Records every problem with this subscription, naming it by `path`.
    pub fn validate(&self, path: &str, errors: &mut Vec<String>) {
        let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if self.name.is_empty() || self.name.len() > 200 || !self.name.chars().all(legal) {
            errors.push(format!("{path}.name: {:?} must be 1 to 200 letters, digits, '.', '_' or '-'", self.name));
        }
        if !self.topic && self.webhook.is_none() {
            errors.push(format!("{path}: has no delivery; set `topic = true`, a `webhook = {{ url, secret }}`, or both"));
        }
        if let Some(hook) = &self.webhook {
            match reqwest::Url::parse(&hook.url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                Ok(_) => errors.push(format!("{path}.webhook.url: {:?} must be an http or https URL with a host", hook.url)),
                Err(e) => errors.push(format!("{path}.webhook.url: {:?} is not a URL: {e}", hook.url)),
            }
            if hook.secret.trim().is_empty() {
                errors.push(format!("{path}.webhook.secret: must not be empty"));
            }
        }
        if let Some(api) = &self.api {
            api.validate(path, self.topic, errors);
        }
        self.filter.validate(&format!("{path}.filter"), errors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_secret_never_shows_in_debug_output() {
        let hook = WebhookTarget { url: "http://x".into(), secret: "top-secret".into() };
        assert!(!format!("{hook:?}").contains("top-secret"));
    }
}
