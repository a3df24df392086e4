//! `newswire dlq list|show|redrive`: the dead letters every stage writes to
//! `newswire.dlq` (the original bytes and headers plus `newswire-dlq-stage`,
//! `-reason`, `-detail` and `-source`), read, and put back once their cause is fixed.
//!
//! A dead letter is named by where it sits on the dead-letter topic,
//! `partition:offset` (the first column of `list`).

mod ledger;
mod letter;
mod redrive;
mod render;
mod select;

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use newswire_shared::config::{figment, load_kafka, CommonConfig};
use newswire_shared::kafka::topics;

use crate::progress;
use crate::topic_reader::TopicReader;
use letter::{DeadLetter, DlqId};
use redrive::{Redriver, Step, BATCH};
use select::Filters;

/// `newswire dlq`'s options.
#[derive(Debug, clap::Args)]
pub struct DlqArgs {
    #[command(subcommand)]
    command: DlqCommand,
    /// Seconds to wait for the broker to answer before giving up.
    #[arg(long, global = true, default_value_t = 10)]
    timeout: u64,
}

#[derive(Debug, clap::Subcommand)]
enum DlqCommand {
    /// A table of dead letters (id, time, stage, reason, feed, source, size, whether redriven, detail).
    List {
        #[command(flatten)]
        filters: Filters,
    },
    /// One dead letter whole: every header, the detail and the original bytes
    /// (as text when they are text, else a hex preview).
    Show {
        /// The dead letter, as `partition:offset` (see `newswire dlq list`).
        id: DlqId,
        /// Write the original bytes, exactly, to standard output and nothing else.
        #[arg(long)]
        raw: bool,
    },
    /// Put dead letters' original bytes and headers back on the topic the stage
    /// read them from, each once (recorded in `<dlq topic>.redrives`).
    Redrive {
        /// Dead letters to redrive, as `partition:offset`; or select them with filters.
        #[arg(conflicts_with_all = ["stage", "reason", "feed", "since", "until", "all"])]
        ids: Vec<DlqId>,
        #[command(flatten)]
        filters: Filters,
        /// Redrive every dead letter (needed when neither an id nor a filter is given).
        #[arg(long)]
        all: bool,
        /// Show what would be redriven, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The hint for a dead-letter topic that does not exist.
const NO_DLQ: &str = "; nothing was dead-lettered yet, or topics.dlq (NEWSWIRE_TOPICS_DLQ) names another topic";

/// Runs a `newswire dlq` command; the process exit code on success.
pub fn run(args: DlqArgs) -> anyhow::Result<u8> {
    if let DlqCommand::Redrive { ids, filters, all, .. } = &args.command {
        if ids.is_empty() && filters.is_empty() && !all {
            anyhow::bail!("say which dead letters to redrive: ids (2:41), filters (--stage, --reason, --feed, --since, --until), or --all");
        }
    }
    let mut common: CommonConfig = figment().extract().context("configuration")?;
    // Kafka settings validated (security included), as every Kafka command of `newswire` reads them.
    common.kafka = load_kafka(None)?;
    let dlq_topic = common.topics.dlq.clone();
    let reader = TopicReader::connect(&common.kafka, Duration::from_secs(args.timeout))?;
    reader.require_partitions(&dlq_topic, NO_DLQ)?;
    match args.command {
        DlqCommand::List { filters } => {
            let letters = select(&reader, &dlq_topic, &filters)?;
            let redrives = ledger::read(&reader, &dlq_topic)?;
            if !letters.is_empty() {
                print!("{}", render::list(&letters, &redrives));
            }
            print!("{}", render::list_summary(letters.len(), &redrives, &letters, &filters.describe()));
            Ok(0)
        }
        DlqCommand::Show { id, raw } => {
            let letter = DeadLetter::from(reader.read_one(&dlq_topic, id.partition, id.offset)?);
            if raw {
                let mut out = std::io::stdout().lock();
                out.write_all(&letter.payload).and_then(|()| out.flush()).context("writing the original bytes")?;
                return Ok(0);
            }
            let redrives = ledger::read(&reader, &dlq_topic)?;
            print!("{}", render::show(&letter, &dlq_topic, &redrives));
            Ok(0)
        }
        DlqCommand::Redrive { ids, filters, dry_run, .. } => {
            let letters = if ids.is_empty() {
                select(&reader, &dlq_topic, &filters)?
            } else {
                let mut unique = ids.clone();
                unique.sort();
                unique.dedup();
                unique.iter().map(|id| reader.read_one(&dlq_topic, id.partition, id.offset).map(DeadLetter::from)).collect::<Result<_, _>>()?
            };
            if letters.is_empty() {
                println!("no dead letter matches ({}); nothing to redrive", filters.describe());
                return Ok(0);
            }
            redrive(&common, &reader, &dlq_topic, letters, dry_run)
        }
    }
}

/// The dead letters that pass `filters`, oldest first.
fn select(reader: &TopicReader, dlq_topic: &str, filters: &Filters) -> anyhow::Result<Vec<DeadLetter>> {
    filters.window().check().map_err(anyhow::Error::msg)?;
    let mut letters = Vec::new();
    reader.read_window(dlq_topic, filters.window(), "dead letters", |record| {
        let letter = DeadLetter::from(record);
        if filters.matches(&letter) {
            letters.push(letter);
        }
    })?;
    letters.sort_by_key(|l| (l.timestamp_ms, l.id));
    Ok(letters)
}

/// Redrives `letters` (or, `dry_run`, shows what would go) and prints the summary.
fn redrive(common: &CommonConfig, reader: &TopicReader, dlq_topic: &str, letters: Vec<DeadLetter>, dry_run: bool) -> anyhow::Result<u8> {
    let partitions_of = |topic: &str| reader.partitions(topic).ok().flatten();
    if dry_run {
        let redrives = ledger::read(reader, dlq_topic)?;
        let planned = redrive::plan(letters, &redrives, dlq_topic, partitions_of);
        print!("{}", redrive::summary(&planned, 0, true));
        return Ok(u8::from(redrive::any_refused(&planned)));
    }
    let ledger_topic = ledger::ledger_topic(dlq_topic);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(topics::ensure_topics_with(&common.kafka, std::slice::from_ref(&ledger_topic), ledger::LEDGER_SETTINGS))
        .with_context(|| format!("creating the redrive ledger {ledger_topic}"))?;
    // Fence any other redrive of this topic first, then read the ledger it committed to.
    let redriver = Redriver::start(&common.kafka, dlq_topic)?;
    let redrives = ledger::read(reader, dlq_topic)?;
    let planned = redrive::plan(letters, &redrives, dlq_topic, partitions_of);
    let going: Vec<&redrive::Planned> = planned.iter().filter(|p| matches!(p.step, Step::Go(_))).collect();
    let bar = progress::bar(going.len() as u64, "dead letters");
    let mut done = 0;
    for batch in going.chunks(BATCH) {
        if let Err(error) = redriver.redrive(batch) {
            bar.finish_and_clear();
            print!("{}", redrive::summary(&planned, done, false));
            return Err(error.into());
        }
        done += batch.len();
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    print!("{}", redrive::summary(&planned, done, false));
    Ok(u8::from(redrive::any_refused(&planned)))
}
