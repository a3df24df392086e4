//! `newswire-tail` (also `newswire tail`): prints the stories of a published topic.

use std::process::ExitCode;

use clap::Parser;
use newswire_publish::tail_command::{run, TailArgs};

/// Prints the stories published on a newswire topic (see `newswire tail --help`).
#[derive(Debug, Parser)]
#[command(name = "newswire tail", bin_name = "newswire tail", version, verbatim_doc_comment)]
struct Cli {
    #[command(flatten)]
    args: TailArgs,
}

fn main() -> ExitCode {
    // `newswire tail …` reaches this binary with `tail` as its first argument.
    let mut argv: Vec<String> = std::env::args().collect();
    if argv.get(1).is_some_and(|a| a == "tail") {
        argv.remove(1);
    }
    let cli = Cli::parse_from(argv);
    match run(&cli.args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("newswire tail: {error:#}");
            ExitCode::from(2)
        }
    }
}
