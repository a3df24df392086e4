//! The `newswire tail` command: prints the stories of a published topic,
//! readably or as raw ninjs JSON, optionally filtered.

use std::time::Duration;

use newswire_shared::config::{self, KafkaConfig};
use newswire_shared::kafka::{client, connect_check};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;

mod events;
mod render;

use events::EventBoard;
use render::{parse_terms, read_story, render, render_json};

/// Prints the stories published on a newswire topic, readably or as JSON.
///
/// Invoke as `newswire tail <topic> …`.
///
/// Examples:
///   newswire tail newswire.published
///   newswire tail news.sport --from-beginning --filter subject=medtop:15000000 --filter '!country=US'
///   newswire tail newswire.published --json | jq .headlines
///   newswire tail newswire.published --events --from-beginning
///
/// Filter terms (all must match; prefix `!` negates): subject=<uri|qcode|code prefix|name>,
/// person=<name>, organisation=<name>, place=<name|code>, country=<ISO code>,
/// language=<bcp47>, urgency=<at most n>, feed=<id>, provider=<name>, keyword=<word>, event=<id>,
/// or a whole filter as JSON, e.g. '{"any":[{"subject":"medtop:15000000"},{"keyword":"cup"}]}'.
#[derive(Debug, clap::Args)]
pub struct TailArgs {
    /// The topic to read, e.g. `newswire.published` or `news.sport`.
    pub topic: String,
    /// Only stories matching this term (repeatable; all must match).
    #[arg(long = "filter", value_name = "EXPR")]
    pub filters: Vec<String>,
    /// Print each story as one line of raw ninjs JSON.
    #[arg(long, conflicts_with = "events")]
    pub json: bool,
    /// Print the event clusters as they grow (one line per story: its event
    /// id, `new` or how many of the event's stories were seen, its headline).
    #[arg(long)]
    pub events: bool,
    /// Kafka bootstrap brokers (default: the configured `kafka.brokers`; the rest
    /// of `[kafka]`, security included, comes from the configuration as for the services).
    #[arg(long)]
    pub brokers: Option<String>,
    /// Start at the oldest story instead of waiting for new ones.
    #[arg(long)]
    pub from_beginning: bool,
    /// Exit after printing this many stories.
    #[arg(long, value_name = "N")]
    pub count: Option<usize>,
    /// Exit when no story arrived for this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub idle_exit: Option<u64>,
}

/// Runs `tail` until `--count` stories were printed or `--idle-exit` passed (else forever).
pub fn run(args: &TailArgs) -> anyhow::Result<()> {
    let filter = parse_terms(&args.filters)?;
    let kafka = KafkaConfig { statistics_interval_ms: 0, ..config::load_kafka(args.brokers.as_deref())? };
    connect_check::check_connection(&kafka, Duration::from_secs(30))?;
    let group = format!("newswire-tail-{}", std::process::id());
    let mut config = client::reader(&kafka, "newswire-tail", &group);
    config.set("auto.offset.reset", if args.from_beginning { "earliest" } else { "latest" });
    let consumer: BaseConsumer = config.create()?;
    consumer.subscribe(&[args.topic.as_str()])?;
    let mut printed = 0;
    let mut board = EventBoard::default();
    let mut last_seen = std::time::Instant::now();
    loop {
        if args.count.is_some_and(|n| printed >= n) {
            return Ok(());
        }
        if args.idle_exit.is_some_and(|s| last_seen.elapsed() >= Duration::from_secs(s)) {
            return Ok(());
        }
        let Some(polled) = consumer.poll(Duration::from_millis(200)) else { continue };
        let message = match polled {
            Ok(m) => m,
            Err(error) => {
                eprintln!("newswire tail: {error}");
                continue;
            }
        };
        last_seen = std::time::Instant::now();
        let payload = message.payload().unwrap_or_default();
        let Some(story) = read_story(payload) else {
            eprintln!("newswire tail: offset {} is not a ninjs story; skipped", message.offset());
            continue;
        };
        if !filter.matches(&story) {
            continue;
        }
        if args.json {
            println!("{}", render_json(payload));
        } else if args.events {
            println!("{}", board.line(&story));
        } else {
            println!("{}", render(&story));
        }
        printed += 1;
    }
}
