//! Publish's live configuration: the subscriptions (inline and in
//! `publish.subscriptions_file`) are swapped whole on reload
//! ([`newswire_shared::reload`]), every field of each subscription included.
//!
//! What a newsroom sees after a swap:
//! - A story is routed entirely under the set in force when publish read it
//!   ([`crate::Publisher`] loads the set once per story).
//! - An **added** subscription receives stories read after the swap (its topic
//!   is created first); earlier stories are not replayed to it
//!   (`newswire replay` does that).
//! - A **changed** filter, format or embargo choice applies to stories read
//!   after the swap; corrections, kills and withholds keep following the
//!   stories it already received, as they always do.
//! - A **removed** subscription receives nothing more from the next story on,
//!   not even kills of stories it had. Its receipts stay in the delivery store:
//!   re-adding it under the same name resumes corrections and kills of what it
//!   had. To stop new stories but keep kills and corrections flowing to a
//!   leaving subscriber, give it a filter that matches nothing
//!   (`filter = { any = [] }`) instead of removing it.
//! - A **webhook** added, removed or moved (URL or secret) needs a restart:
//!   each webhook has a worker started with the process, so the reload is
//!   refused as `restart_required` naming the subscription.

use std::sync::Arc;

use arc_swap::ArcSwap;
use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::topics;
use newswire_shared::reload::diff::changes_by_name;
use newswire_shared::reload::LiveConfig;

use crate::config::PublishConfig;
use crate::subscription::Subscription;
use crate::Subscriber;

/// One version of the subscriptions, with their topics resolved.
#[derive(Debug, Default)]
pub struct SubscriberSet {
    /// The subscribers, in declaration order.
    pub subscribers: Vec<Subscriber>,
    /// Their declarations, indexed as `subscribers`.
    pub subscriptions: Vec<Subscription>,
}

/// The subscriber set in force, swapped whole by a reload.
pub type LiveSubscribers = Arc<ArcSwap<SubscriberSet>>;

impl SubscriberSet {
    /// The set of `subscribers`.
    pub fn new(subscribers: Vec<Subscriber>) -> Self {
        let subscriptions = subscribers.iter().map(|s| s.subscription.clone()).collect();
        SubscriberSet { subscribers, subscriptions }
    }

    /// The set of `subscriptions`, each topic named by `config`'s prefix.
    pub fn from_config(subscriptions: &[Subscription], config: &PublishConfig) -> Self {
        Self::new(
            subscriptions
                .iter()
                .map(|s| Subscriber { subscription: s.clone(), topic: s.topic.then(|| config.topic_for(&s.name)) })
                .collect(),
        )
    }
}

/// Publish's part of a reload: builds and swaps the [`SubscriberSet`].
pub struct PublishLive {
    /// The subscriptions in force.
    pub subscriptions: Vec<Subscription>,
    /// Where the stage finds the set.
    pub live: LiveSubscribers,
    /// For creating an added subscription's topic before it is swapped in.
    pub kafka: KafkaConfig,
    /// Whether the subscriber API is serving (it starts with publish when a
    /// subscription has `api`; tokens then change live, but the first `api`
    /// needs a restart to open the port).
    pub api_served: bool,
}

impl PublishLive {
    /// Every subscription of `config`, read once (the reload validated the
    /// file; this checks the very list it swaps in, in case the file changed since).
    fn read(config: &PublishConfig) -> Result<Vec<Subscription>, String> {
        let all = config.all_subscriptions().map_err(|e| e.to_string())?;
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for sub in &all {
            sub.validate(&format!("subscription {:?}", sub.name), &mut errors);
            if !seen.insert(sub.name.as_str()) {
                errors.push(format!("subscription {:?}: declared twice", sub.name));
            }
        }
        if errors.is_empty() {
            Ok(all)
        } else {
            Err(errors.join("; "))
        }
    }
}

impl LiveConfig for PublishLive {
    type Service = PublishConfig;
    const SECTION: &'static str = "publish";
    const LIVE: &'static [&'static str] = &["subscriptions"];

    fn extra_files(&self, config: &PublishConfig) -> Vec<std::path::PathBuf> {
        config.subscriptions_file.iter().cloned().collect()
    }

    fn restart_only(&self, new: &PublishConfig) -> Vec<String> {
        let Ok(next) = new.all_subscriptions() else { return Vec::new() };
        let mut changes = webhook_changes(&self.subscriptions, &next);
        if !self.api_served {
            changes.extend(next.iter().filter(|s| s.api.is_some()).map(|s| format!("publish.subscriptions[{:?}].api (the API server starts with publish)", s.name)));
        }
        changes
    }

    async fn apply(&mut self, new: &PublishConfig) -> Result<Vec<String>, String> {
        let next = Self::read(new)?;
        let changes = changes_by_name(&self.subscriptions, &next, |s| s.name.as_str());
        if changes.is_empty() {
            return Ok(changes);
        }
        let set = SubscriberSet::from_config(&next, new);
        let added_topics: Vec<String> = set
            .subscribers
            .iter()
            .filter_map(|s| s.topic.clone())
            .filter(|t| !self.live.load().subscribers.iter().any(|old| old.topic.as_ref() == Some(t)))
            .collect();
        if !added_topics.is_empty() {
            topics::ensure_topics(&self.kafka, &added_topics).await.map_err(|e| format!("cannot create {added_topics:?}: {e}"))?;
        }
        self.live.store(Arc::new(set));
        self.subscriptions = next;
        Ok(changes)
    }
}

/// The subscriptions whose webhook was added, removed or moved between `old` and `new`.
pub fn webhook_changes(old: &[Subscription], new: &[Subscription]) -> Vec<String> {
    let hook = |list: &[Subscription], name: &str| list.iter().find(|s| s.name == name).and_then(|s| s.webhook.clone());
    let mut names: Vec<&str> = old.iter().chain(new).map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter(|name| hook(old, name) != hook(new, name))
        .map(|name| format!("publish.subscriptions[{name:?}].webhook"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;
    use crate::subscription::WebhookTarget;

    fn sub(name: &str, filter: Filter, webhook: Option<&str>) -> Subscription {
        Subscription {
            name: name.into(),
            filter,
            topic: true,
            webhook: webhook.map(|url| WebhookTarget { url: url.into(), secret: "s3cret-s3cret".into() }),
            embargo: Default::default(),
            format: Default::default(),
            extended: false,
            api: None,
        }
    }

    #[test]
    fn a_webhook_added_removed_or_moved_needs_a_restart_and_a_filter_change_does_not() {
        let old = [sub("desk", Filter::Feed("pa".into()), None), sub("partner", Filter::default(), Some("http://127.0.0.1:9/a"))];
        let refiltered = [sub("desk", Filter::Feed("ap".into()), None), sub("partner", Filter::Feed("ap".into()), Some("http://127.0.0.1:9/a"))];
        assert!(webhook_changes(&old, &refiltered).is_empty());
        let moved = [sub("desk", Filter::default(), Some("http://127.0.0.1:9/d")), sub("partner", Filter::default(), Some("http://127.0.0.1:9/b"))];
        assert_eq!(webhook_changes(&old, &moved), ["publish.subscriptions[\"desk\"].webhook", "publish.subscriptions[\"partner\"].webhook"]);
        assert_eq!(webhook_changes(&old, &old[..1]), ["publish.subscriptions[\"partner\"].webhook"], "removing a webhook subscriber");
    }

    #[tokio::test]
    async fn the_swapped_set_is_the_new_list_and_a_story_holding_the_old_set_keeps_it() {
        let config = PublishConfig { subscriptions: vec![sub("desk", Filter::default(), None)], ..PublishConfig::default() };
        let live: LiveSubscribers = Arc::new(ArcSwap::from_pointee(SubscriberSet::from_config(&config.subscriptions, &config)));
        let mut publish = PublishLive { subscriptions: config.subscriptions.clone(), live: live.clone(), kafka: KafkaConfig::default(), api_served: false };
        let held = live.load_full();
        let narrowed = PublishConfig { subscriptions: vec![sub("desk", Filter::Feed("pa".into()), None)], ..PublishConfig::default() };
        assert_eq!(publish.apply(&narrowed).await.unwrap(), ["changed desk"], "no topic to create: no broker needed");
        assert_eq!(live.load().subscriptions[0].filter, Filter::Feed("pa".into()));
        assert_eq!(held.subscriptions[0].filter, Filter::default());
        assert!(publish.apply(&narrowed).await.unwrap().is_empty());
    }

    #[test]
    fn the_first_api_subscription_needs_a_restart_and_later_token_changes_do_not() {
        let mut with_api = sub("desk", Filter::default(), None);
        with_api.api = Some(crate::api::access::ApiAccess { token_sha256: "ab".repeat(32) });
        let config = PublishConfig { subscriptions: vec![with_api], ..PublishConfig::default() };
        let live: LiveSubscribers = Arc::new(ArcSwap::from_pointee(SubscriberSet::default()));
        let mut publish = PublishLive { subscriptions: vec![sub("desk", Filter::default(), None)], live, kafka: KafkaConfig::default(), api_served: false };
        assert_eq!(publish.restart_only(&config), ["publish.subscriptions[\"desk\"].api (the API server starts with publish)"]);
        publish.api_served = true;
        assert!(publish.restart_only(&config).is_empty(), "a serving API takes token changes live");
    }
}
