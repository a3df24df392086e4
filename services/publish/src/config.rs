//! Publish's own settings: the `[publish]` table (`NEWSWIRE_PUBLISH_*`), with the
//! subscriptions inline (`[[publish.subscriptions]]`) or in a separate TOML file
//! (`publish.subscriptions_file`, whose top level holds `[[subscriptions]]`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::Figment;
use newswire_shared::config::{check_addr, Validate};
use serde::{Deserialize, Serialize};

use crate::dispatcher::RetryPolicy;
use crate::retry::Backoff;
use crate::subscription::Subscription;

/// The `[publish]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishConfig {
    /// Where `/metrics`, `/health` and `/ready` are served.
    pub admin_addr: String,
    /// Subscriptions declared inline.
    pub subscriptions: Vec<Subscription>,
    /// A TOML file with more subscriptions (`[[subscriptions]]` at its top level).
    pub subscriptions_file: Option<PathBuf>,
    /// Prefix of the subscription topics: a subscription `sport` writes to `<prefix>sport`.
    pub topic_prefix: String,
    /// Attempts per webhook delivery before it is dead-lettered (the first included).
    pub webhook_max_attempts: u32,
    /// Delay before the first retry, in milliseconds; it doubles per attempt.
    pub webhook_backoff_initial_ms: u64,
    /// Longest delay between two attempts, in milliseconds.
    pub webhook_backoff_max_ms: u64,
    /// How long one webhook request may take, in milliseconds.
    pub webhook_timeout_ms: u64,
    /// The compacted topic where embargoed stories are held until their time
    /// (default `<kafka.group_prefix>.publish.embargoed`: [`crate::embargo`]).
    pub embargo_topic: Option<String>,
    /// Where the subscriber API listens, when a subscription has `api` ([`crate::api`]).
    pub api_addr: String,
    /// How long a caught-up `GET /v1/stories` waits for a story at most, in milliseconds.
    pub api_long_poll_ms: u64,
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            admin_addr: "127.0.0.1:9104".into(),
            subscriptions: Vec::new(),
            subscriptions_file: None,
            topic_prefix: "news.".into(),
            webhook_max_attempts: 8,
            webhook_backoff_initial_ms: 500,
            webhook_backoff_max_ms: 60_000,
            webhook_timeout_ms: 10_000,
            embargo_topic: None,
            api_addr: crate::api::access::DEFAULT_ADDR.into(),
            api_long_poll_ms: crate::api::access::DEFAULT_LONG_POLL_MS,
        }
    }
}

/// Why the subscriptions file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("publish.subscriptions_file {path}: {detail}")]
pub struct SubscriptionsFileError {
    /// The file.
    pub path: String,
    /// What was wrong with it, every problem on its own line.
    pub detail: String,
}

/// The shape of a separate subscriptions file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionsFile {
    #[serde(default)]
    subscriptions: Vec<Subscription>,
}

impl PublishConfig {
    /// Every subscription: the inline ones, then those of the subscriptions file.
    pub fn all_subscriptions(&self) -> Result<Vec<Subscription>, SubscriptionsFileError> {
        let mut all = self.subscriptions.clone();
        if let Some(path) = &self.subscriptions_file {
            let shown = path.display().to_string();
            if !path.is_file() {
                return Err(SubscriptionsFileError { path: shown, detail: "no such file".into() });
            }
            let file: SubscriptionsFile = Figment::new().merge(Toml::file(path)).extract().map_err(|e| {
                SubscriptionsFileError { path: shown.clone(), detail: e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ") }
            })?;
            all.extend(file.subscriptions);
        }
        Ok(all)
    }

    /// The Kafka topic of subscription `name`.
    pub fn topic_for(&self, name: &str) -> String {
        format!("{}{name}", self.topic_prefix)
    }

    /// How every webhook delivery is retried (`webhook_max_attempts`, the backoff and the timeout).
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.webhook_max_attempts,
            backoff: Backoff {
                initial: Duration::from_millis(self.webhook_backoff_initial_ms),
                max: Duration::from_millis(self.webhook_backoff_max_ms),
            },
            timeout: Duration::from_millis(self.webhook_timeout_ms),
        }
    }
}

impl Validate for PublishConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        check_addr("publish.admin_addr", &self.admin_addr, errors);
        check_addr("publish.api_addr", &self.api_addr, errors);
        crate::api::access::check_long_poll(self.api_long_poll_ms, errors);
        if self.webhook_max_attempts == 0 {
            errors.push("publish.webhook_max_attempts: must be at least 1".into());
        }
        if self.webhook_backoff_initial_ms == 0 {
            errors.push("publish.webhook_backoff_initial_ms: must be at least 1".into());
        }
        if self.webhook_backoff_max_ms < self.webhook_backoff_initial_ms {
            errors.push(format!(
                "publish.webhook_backoff_max_ms: {} is below webhook_backoff_initial_ms {}",
                self.webhook_backoff_max_ms, self.webhook_backoff_initial_ms
            ));
        }
        if self.webhook_timeout_ms < 100 {
            errors.push(format!("publish.webhook_timeout_ms: {} is below the 100 ms minimum", self.webhook_timeout_ms));
        }
        let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if !self.topic_prefix.chars().all(legal) {
            errors.push(format!("publish.topic_prefix: {:?} may hold only letters, digits, '.', '_' and '-'", self.topic_prefix));
        }
        if let Some(topic) = &self.embargo_topic {
            if topic.is_empty() || topic.len() > 249 || !topic.chars().all(legal) {
                errors.push(format!("publish.embargo_topic: {topic:?} must be 1 to 249 letters, digits, '.', '_' or '-'"));
            }
        }
        let mut seen = HashSet::new();
        for (i, sub) in self.subscriptions.iter().enumerate() {
            sub.validate(&format!("publish.subscriptions[{i}]"), errors);
            if !seen.insert(sub.name.clone()) {
                errors.push(format!("publish.subscriptions[{i}].name: {:?} is declared twice", sub.name));
            }
        }
        if let Some(path) = &self.subscriptions_file {
            match self.all_subscriptions() {
                Err(e) => errors.push(e.to_string()),
                Ok(all) => {
                    let shown = path.display();
                    for (i, sub) in all.iter().enumerate().skip(self.subscriptions.len()) {
                        let j = i - self.subscriptions.len();
                        sub.validate(&format!("{shown}: subscriptions[{j}]"), errors);
                        if !seen.insert(sub.name.clone()) {
                            errors.push(format!("{shown}: subscriptions[{j}].name: {:?} is declared twice", sub.name));
                        }
                    }
                }
            }
        }
        if let Ok(all) = self.all_subscriptions() {
            crate::api::access::check_distinct_tokens(&all, errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embargo::EmbargoChoice;
    use crate::filter::Filter;
    use crate::output::{Output, OutputFormat};
    use figment::providers::Serialized;
    use newswire_shared::config::load_from;

    fn load(toml: &str) -> Result<PublishConfig, newswire_shared::config::ConfigError> {
        load_from::<PublishConfig>(Figment::new().merge(Toml::string(toml)), "publish").map(|l| l.service)
    }

    #[test]
    fn subscriptions_are_read_from_the_publish_table() {
        let config = load(
            r#"
            [[publish.subscriptions]]
            name = "sport"
            topic = true
            filter = { any = [ { subject = "medtop:15000000" }, { keyword = "football" } ] }

            [[publish.subscriptions]]
            name = "uk-urgent"
            filter = { all = [ { country = "GB" }, { urgency_at_most = 3 } ] }
            webhook = { url = "http://127.0.0.1:9/hook", secret = "s3cret-s3cret" }
            "#,
        )
        .unwrap();
        assert_eq!(config.subscriptions.len(), 2);
        assert!(config.subscriptions[0].topic);
        assert_eq!(config.subscriptions[1].filter, Filter::All(vec![Filter::Country("GB".into()), Filter::UrgencyAtMost(3)]));
        assert_eq!(config.topic_for("sport"), "news.sport");
    }

    #[test]
    fn every_invalid_subscription_setting_is_reported_at_once() {
        let err = load(
            r#"
            [publish]
            webhook_max_attempts = 0
            [[publish.subscriptions]]
            name = "bad name!"
            [[publish.subscriptions]]
            name = "dup"
            topic = true
            filter = { urgency_at_most = 12 }
            [[publish.subscriptions]]
            name = "dup"
            webhook = { url = "ftp://x", secret = "" }
            "#,
        )
        .unwrap_err();
        let text = err.to_string();
        for expected in [
            "publish.webhook_max_attempts",
            "subscriptions[0].name",
            "subscriptions[0]: has no delivery",
            "subscriptions[1].filter.urgency_at_most",
            "subscriptions[2].name: \"dup\" is declared twice",
            "subscriptions[2].webhook.url",
            "subscriptions[2].webhook.secret",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 7, "{text}");
    }

    #[test]
    fn a_subscription_holds_embargoed_stories_unless_it_asks_for_them_at_once() {
        let config = load("[[publish.subscriptions]]\nname = \"desk\"\ntopic = true\n[[publish.subscriptions]]\nname = \"partner\"\ntopic = true\nembargo = \"deliver\"\n").unwrap();
        let choices: Vec<EmbargoChoice> = config.subscriptions.iter().map(|s| s.embargo).collect();
        assert_eq!(choices, [EmbargoChoice::Hold, EmbargoChoice::Deliver]);
        let err = load("[[publish.subscriptions]]\nname = \"x\"\ntopic = true\nembargo = \"later\"\n").unwrap_err();
        assert!(err.to_string().contains("later"), "{err}");
        let err = load("[publish]\nembargo_topic = \"held stories\"\n").unwrap_err();
        assert!(err.to_string().contains("publish.embargo_topic"), "{err}");
    }

    #[test]
    fn a_subscription_chooses_its_output_format_and_the_extension() {
        let config = load(
            "[[publish.subscriptions]]\nname = \"a\"\ntopic = true\n\
             [[publish.subscriptions]]\nname = \"b\"\ntopic = true\nformat = \"ninjs-3.1\"\nextended = true\n",
        )
        .unwrap();
        assert_eq!(config.subscriptions[0].output(), Output::STRICT_2_1, "ninjs 2.1 without the extension by default");
        assert_eq!(config.subscriptions[1].output(), Output { format: OutputFormat::Ninjs31, extended: true });
    }

    #[test]
    fn an_unknown_output_format_is_refused_naming_the_known_ones() {
        let err = load("[[publish.subscriptions]]\nname = \"x\"\ntopic = true\nformat = \"ninjs-3.0\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ninjs-3.0") && text.contains("ninjs-2.1") && text.contains("ninjs-3.1"), "{text}");
        let err = load("[[publish.subscriptions]]\nname = \"x\"\ntopic = true\nextended = \"yes\"\n").unwrap_err();
        assert!(err.to_string().contains("extended"), "{err}");
    }

    #[test]
    fn unknown_filter_kinds_are_refused() {
        let err = load("[[publish.subscriptions]]\nname = \"x\"\ntopic = true\nfilter = { colour = \"red\" }\n").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn a_subscriptions_file_adds_subscriptions_and_its_errors_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subs.toml");
        std::fs::write(&path, "[[subscriptions]]\nname = \"extra\"\ntopic = true\n[[subscriptions]]\nname = \"broken\"\n").unwrap();
        let figment = Figment::new()
            .merge(Toml::string("[[publish.subscriptions]]\nname = \"inline\"\ntopic = true\n"))
            .merge(Serialized::default("publish.subscriptions_file", path.display().to_string()));
        let err = load_from::<PublishConfig>(figment.clone(), "publish").unwrap_err();
        assert!(err.to_string().contains("subscriptions[1]: has no delivery"), "{err}");

        std::fs::write(&path, "[[subscriptions]]\nname = \"extra\"\ntopic = true\n").unwrap();
        let config = load_from::<PublishConfig>(figment, "publish").unwrap().service;
        let names: Vec<String> = config.all_subscriptions().unwrap().into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["inline", "extra"]);
    }

    #[test]
    fn the_documented_example_subscriptions_file_is_valid() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/publish/subscriptions.toml");
        let figment = Figment::new().merge(Serialized::default("publish.subscriptions_file", path));
        let config = load_from::<PublishConfig>(figment, "publish").unwrap().service;
        let subs = config.all_subscriptions().unwrap();
        let names: Vec<&str> = subs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["sport", "uk-urgent", "pa-people"]);
        assert!(subs[1].topic && subs[1].webhook.is_some());
        assert_eq!((subs[1].embargo, subs[2].embargo), (EmbargoChoice::Hold, EmbargoChoice::Deliver));
        assert_eq!(subs[2].output(), Output { format: OutputFormat::Ninjs31, extended: true });
    }

    #[test]
    fn a_missing_subscriptions_file_is_refused() {
        let figment = Figment::new().merge(Serialized::default("publish.subscriptions_file", "/nonexistent/subs.toml"));
        let err = load_from::<PublishConfig>(figment, "publish").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/subs.toml: no such file"), "{err}");
    }
}
