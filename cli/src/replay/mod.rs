//! `newswire replay --subscriber NAME --since TIME [--until TIME]`: sends one
//! subscriber the stories it received in a time window again, marked as a
//! replay, on its topic and its webhook. Where the stories come from is told in
//! [`source`]; how they are marked and signed in [`send`].

mod send;
mod source;

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use newswire_publish::config::PublishConfig;
use newswire_publish::routing::MemoryRouter;
use newswire_shared::config::load;

use crate::progress;
use crate::table;
use crate::topic_reader::TopicReader;
use crate::when::{show_ms, time_arg, Window};
use send::Sent;
use source::{Rerouted, Story};

/// A channel of a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Channel {
    /// Its Kafka topic.
    Topic,
    /// Its webhook.
    Webhook,
}

/// `newswire replay`'s options.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The subscriber, by its name in publish's subscriptions.
    #[arg(long)]
    subscriber: String,
    /// Send again what it received at or after this time (RFC 3339, a UTC date, or a span before now: 2h, 1d).
    #[arg(long, value_parser = time_arg)]
    since: DateTime<Utc>,
    /// … and before this time (default: now).
    #[arg(long, value_parser = time_arg)]
    until: Option<DateTime<Utc>>,
    /// Only this channel (default: every channel the subscriber has).
    #[arg(long, value_enum)]
    only: Option<Channel>,
    /// Show what would be sent again, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Seconds to wait for the broker to answer before giving up.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// Runs `newswire replay`; the process exit code on success (1 when a story
/// could not be sent).
pub fn run(args: ReplayArgs) -> anyhow::Result<u8> {
    let window = Window { since: Some(args.since), until: Some(args.until.unwrap_or_else(Utc::now)) };
    window.check().map_err(anyhow::Error::msg)?;
    let loaded = load::<PublishConfig>("publish").context("configuration")?;
    let (common, config) = (loaded.common, loaded.service);
    let subscriptions = config.all_subscriptions()?;
    let Some(index) = subscriptions.iter().position(|s| s.name == args.subscriber) else {
        let names: Vec<&str> = subscriptions.iter().map(|s| s.name.as_str()).collect();
        anyhow::bail!(
            "no subscriber named {:?} in publish's subscriptions (publish.subscriptions, publish.subscriptions_file); configured: {}",
            args.subscriber,
            if names.is_empty() { "none".into() } else { names.join(", ") }
        );
    };
    let subscription = subscriptions[index].clone();
    let topic = subscription.topic.then(|| config.topic_for(&subscription.name));
    let wanted = |channel| args.only.is_none_or(|only| only == channel);
    let to_topic = topic.clone().filter(|_| wanted(Channel::Topic));
    let to_webhook = subscription.webhook.clone().filter(|_| wanted(Channel::Webhook));
    if to_topic.is_none() && to_webhook.is_none() {
        anyhow::bail!("subscriber {:?} has no {} to send to", subscription.name, if args.only == Some(Channel::Topic) { "topic" } else { "webhook" });
    }

    let reader = TopicReader::connect(&common.kafka, Duration::from_secs(args.timeout))?;
    let (from, mut stories, unreadable) = match &topic {
        Some(topic) => {
            reader.require_partitions(topic, "; publish creates it when it starts with this subscription")?;
            let (mut stories, mut unreadable) = (Vec::new(), Vec::new());
            reader.read_window(topic, window, "records", |record| match source::from_topic_record(record) {
                Ok(Some(story)) => stories.push(story),
                Ok(None) => {}
                Err(why) => unreadable.push(why),
            })?;
            (format!("its topic {topic}"), stories, unreadable)
        }
        None => {
            let enriched = common.topics.enriched.clone();
            let mut rerouted = Rerouted::new(MemoryRouter::new(subscriptions.clone()), index, window);
            let mut stories = Vec::new();
            reader.read_window(&enriched, Window { since: None, until: window.until }, "stories routed", |record| {
                stories.extend(rerouted.feed(&record));
            })?;
            (format!("{enriched}, routed by publish's rules (webhook only: no topic records what it received)"), stories, Vec::new())
        }
    };
    stories.sort_by_key(|s| (s.timestamp_ms, s.position));
    let header = format!("{} stories {} received from {} to {}, read from {from}", stories.len(), subscription.name, show_ms(window.since.map(|t| t.timestamp_millis())), show_ms(window.until.map(|t| t.timestamp_millis())));
    if args.dry_run {
        print!("{}", listing(&stories));
        println!("{header}");
        println!("would send them again to: {}", targets(to_topic.as_deref(), to_webhook.as_ref().map(|w| w.url.as_str())));
        return Ok(0);
    }

    let replay_id = format!("replay-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let channels = usize::from(to_topic.is_some()) + usize::from(to_webhook.is_some());
    let bar = progress::bar((stories.len() * channels) as u64, "sends");
    let topic_sent = match &to_topic {
        Some(topic) => Some(runtime.block_on(send::to_topic(&common.kafka, topic, &stories, &replay_id, &bar)).with_context(|| format!("replaying to {topic}"))?),
        None => None,
    };
    let hook_sent = match &to_webhook {
        Some(hook) => Some(runtime.block_on(send::to_webhook(&subscription.name, hook, config.retry_policy(), &stories, &replay_id, &bar))?),
        None => None,
    };
    bar.finish_and_clear();
    println!("{header}");
    print!("{}", summary(&replay_id, to_topic.as_deref().zip(topic_sent.as_ref()), to_webhook.as_ref().map(|w| w.url.as_str()).zip(hook_sent.as_ref()), &unreadable));
    let failed = topic_sent.iter().chain(hook_sent.iter()).any(|s| !s.failed.is_empty());
    Ok(u8::from(failed || !unreadable.is_empty()))
}

fn targets(topic: Option<&str>, webhook: Option<&str>) -> String {
    topic.map(|t| format!("topic {t}")).into_iter().chain(webhook.map(|w| format!("webhook {w}"))).collect::<Vec<_>>().join(" and ")
}

/// The stories a dry run would send: time, uri, version, status and route.
fn listing(stories: &[Story]) -> String {
    if stories.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = stories
        .iter()
        .map(|s| vec![show_ms(s.timestamp_ms), s.uri.clone(), s.version.to_string(), s.status.as_str().to_owned(), s.route.clone()])
        .collect();
    table::columns(&["TIME", "URI", "VERSION", "STATUS", "ROUTE"], &rows)
}

/// The closing report: the replay's id, what each channel took, every failure.
fn summary(replay_id: &str, topic: Option<(&str, &Sent)>, webhook: Option<(&str, &Sent)>, unreadable: &[String]) -> String {
    let mut out = format!("replay {replay_id}:\n");
    for (what, target, sent) in topic.map(|(t, s)| ("topic", t, s)).into_iter().chain(webhook.map(|(w, s)| ("webhook", w, s))) {
        let verb = if what == "topic" { "written" } else { "delivered" };
        out.push_str(&format!("  {what} {target}: {} {verb}, {} failed\n", sent.delivered, sent.failed.len()));
        for (story, why) in &sent.failed {
            out.push_str(&format!("    failed {story}: {why}\n"));
        }
    }
    for why in unreadable {
        out.push_str(&format!("  not sent: {why}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_the_replay_each_channel_and_every_failure() {
        let topic = Sent { delivered: 2, failed: vec![] };
        let hook = Sent { delivered: 1, failed: vec![("urn:a v2".into(), "HTTP 500 after 3 attempts".into())] };
        let text = summary("replay-1", Some(("news.desk", &topic)), Some(("http://h/hook", &hook)), &["0:4 is not a ninjs story".into()]);
        assert_eq!(
            text,
            "replay replay-1:\n  topic news.desk: 2 written, 0 failed\n  webhook http://h/hook: 1 delivered, 1 failed\n    failed urn:a v2: HTTP 500 after 3 attempts\n  not sent: 0:4 is not a ninjs story\n"
        );
        assert_eq!(targets(Some("news.desk"), None), "topic news.desk");
        assert_eq!(targets(Some("t"), Some("http://h")), "topic t and webhook http://h");
    }
}
