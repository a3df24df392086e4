//! `newswire-push PATH…`: backfills files or folders of stories into ingest
//! (the same as `newswire push`, see [`newswire_ingest::backfill`]); prints a
//! summary and exits 1 when any file was rejected, 2 when it could not start.

use std::process::ExitCode;

use clap::Parser;
use newswire_ingest::backfill::{run_push, PushOptions};

#[derive(Parser)]
#[command(name = "newswire-push", version, about = "Push files or folders of stories to newswire's ingest")]
struct Cli {
    #[command(flatten)]
    options: PushOptions,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run_push(&cli.options) {
        Ok(summary) => {
            print!("{}", summary.render());
            ExitCode::from(summary.exit_code())
        }
        Err(error) => {
            eprintln!("newswire-push: {error}");
            ExitCode::from(2)
        }
    }
}
