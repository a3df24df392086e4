//! `newswire`: the command-line tool for operators, feeds and subscribers.

mod bench;
mod dlq;
mod eval;
mod progress;
mod push;
mod replay;
mod status;
mod table;
mod tail;
mod topic_reader;
mod when;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "newswire", version, about = "Operate and use a newswire pipeline")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Push files or whole folders of stories to ingest (an archive backfill).
    Push(push::PushOptions),
    /// Print the stories of a published topic, readably or as JSON (`--json`), optionally filtered.
    Tail(tail::TailArgs),
    /// Dead letters: list them, show one, and redrive them once their cause is fixed.
    Dlq(dlq::DlqArgs),
    /// Send one subscriber the stories it received in a time window again, marked as a replay.
    Replay(replay::ReplayArgs),
    /// Live table of the pipeline: per-stage rate, p99 latency, lag, dead letters, duplicates.
    Status {
        /// Admin endpoints as stage=host:port (default: the four local ports 9101–9104).
        #[arg(long = "target", value_parser = parse_target)]
        targets: Vec<(String, String)>,
        /// Refresh interval in milliseconds.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Print one table (from two scrapes one interval apart) and exit.
        #[arg(long)]
        once: bool,
    },
    /// Push a real corpus through a running pipeline, account for every story and score what was published
    /// (scripts/eval.sh starts a fresh pipeline per corpus and runs this).
    Eval(eval::EvalOptions),
    /// Benchmark a running pipeline end to end (scripts/bench.sh starts one and runs this).
    Bench {
        /// Stories to push.
        #[arg(long, default_value_t = 20_000)]
        stories: usize,
        /// Target pushes per second (0 = as fast as possible).
        #[arg(long, default_value_t = 0.0)]
        rate: f64,
        /// Concurrent requests.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Push API base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        ingest_url: String,
        /// Feed token to push with.
        #[arg(long, env = "NEWSWIRE_BENCH_TOKEN", default_value = "pa-demo-token")]
        token: String,
        /// Kafka brokers (default: the configured `kafka.brokers`; the rest of
        /// `[kafka]`, security included, comes from the configuration).
        #[arg(long)]
        brokers: Option<String>,
        /// Topic the subscriber side reads.
        #[arg(long, default_value = "newswire.published")]
        topic: String,
        /// A service process to measure, as name=pid (repeat for each).
        #[arg(long = "pid", value_parser = parse_pid)]
        pids: Vec<(String, u32)>,
        /// Skip the raw Kafka pass-through measurement.
        #[arg(long)]
        no_passthrough: bool,
        /// Where to write the JSON report.
        #[arg(long, default_value = "bench-report.json")]
        out: PathBuf,
        /// Seed of the generated corpus (runs with different seeds send different stories).
        #[arg(long, default_value_t = 0x5eed)]
        seed: u64,
        /// Text files to build stories from.
        #[arg(long, default_value = "tests/fixtures/pa-truss-lavrov-2022-02-14.txt")]
        material: Vec<PathBuf>,
    },
    /// Measure the CPU each process of a running pipeline uses with no traffic
    /// (scripts/bench.sh runs this before and after the load).
    BenchIdle {
        /// Seconds to measure over.
        #[arg(long, default_value_t = 30.0)]
        seconds: f64,
        /// A process to measure, as name=pid (repeat for each; the broker too).
        #[arg(long = "pid", value_parser = parse_pid)]
        pids: Vec<(String, u32)>,
        /// Where to write the JSON report.
        #[arg(long, default_value = "bench-idle.json")]
        out: PathBuf,
    },
}

fn parse_pid(s: &str) -> Result<(String, u32), String> {
    let (name, pid) = s.split_once('=').ok_or_else(|| format!("{s:?} is not name=pid"))?;
    Ok((name.to_owned(), pid.parse().map_err(|e| format!("{s:?}: {e}"))?))
}

fn parse_target(s: &str) -> Result<(String, String), String> {
    let (stage, addr) = s.split_once('=').ok_or_else(|| format!("{s:?} is not stage=host:port"))?;
    Ok((stage.to_owned(), addr.to_owned()))
}

/// The exit code of a command that decides its own: its code, or [`failed`]'s.
fn exit_with(result: anyhow::Result<u8>) -> std::process::ExitCode {
    match result {
        Ok(code) => std::process::ExitCode::from(code),
        Err(error) => failed(&error),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(options) => {
            let strict = options.strict;
            return match eval::run(options) {
                Ok(eval::Verdict::LostOrDoubled) if strict => std::process::ExitCode::FAILURE,
                Ok(_) => std::process::ExitCode::SUCCESS,
                Err(error) => failed(&error),
            };
        }
        Command::Dlq(args) => return exit_with(dlq::run(args)),
        Command::Replay(args) => return exit_with(replay::run(args)),
        Command::Tail(args) => tail::run(&args),
        Command::Push(options) => match push::run_push(&options) {
            Ok(summary) => {
                print!("{}", summary.render());
                return std::process::ExitCode::from(summary.exit_code());
            }
            Err(error) => Err(anyhow::anyhow!(error)),
        },
        Command::Status { targets, interval_ms, once } => {
            let targets = if targets.is_empty() { status::Targets::local() } else { status::Targets(targets) };
            status::run(targets, Duration::from_millis(interval_ms), once)
        }
        Command::BenchIdle { seconds, pids, out } => bench::idle::run(&pids, Duration::from_secs_f64(seconds.max(0.1)), &out),
        Command::Bench { stories, rate, concurrency, ingest_url, token, brokers, topic, pids, no_passthrough, out, seed, material } => {
            bench::run(bench::BenchOptions {
                stories,
                rate,
                concurrency,
                ingest_url,
                token,
                brokers,
                published_topic: topic,
                pids,
                passthrough: !no_passthrough,
                out,
                seed,
                material,
            })
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => failed(&error),
    }
}

/// Prints a command's error; exit 2 for invalid configuration (as the services), else 1.
fn failed(error: &anyhow::Error) -> std::process::ExitCode {
    eprintln!("newswire: {error:#}");
    if error.downcast_ref::<newswire_shared::config::ConfigError>().is_some() {
        std::process::ExitCode::from(2)
    } else {
        std::process::ExitCode::FAILURE
    }
}
