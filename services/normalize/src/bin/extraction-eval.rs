//! Scores main-content extraction on the extraction development set with the
//! article-extraction benchmark's metric.
//!
//! `cargo run -p newswire-normalize --bin extraction-eval -- [--html|--text] [--dir ../shared/extraction-dev]`

use std::path::PathBuf;
use std::process::ExitCode;

use newswire_normalize::extract::dev_set::{self, Mode};

const USAGE: &str = "usage: extraction-eval [--html|--text] [--dir ../shared/extraction-dev] [--show <page id prefix>]";

fn main() -> ExitCode {
    let mut mode = Mode::Html;
    let mut dir: Option<PathBuf> = None;
    let mut show: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--html" => mode = Mode::Html,
            "--text" => mode = Mode::Text,
            "--dir" => match args.next() {
                Some(d) => dir = Some(PathBuf::from(d)),
                None => return usage_error("--dir needs a folder"),
            },
            "--show" => match args.next() {
                Some(id) => show = Some(id),
                None => return usage_error("--show needs a page id (or its first characters)"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage_error(&format!("unknown argument {other:?}")),
        }
    }
    let (dir, shown) = match dir {
        Some(d) => (d.clone(), d.display().to_string()),
        None => (dev_set::default_dir(), "../shared/extraction-dev".to_owned()),
    };
    if !dir.join("ground-truth.json").is_file() {
        println!("SKIPPED: {shown} not found");
        return ExitCode::FAILURE;
    }
    if let Some(prefix) = show {
        return match dev_set::extract_one(&dir, mode, &prefix) {
            Ok(body) => {
                println!("{body}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("extraction-eval: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let eval = match dev_set::evaluate(&dir, mode) {
        Ok(eval) => eval,
        Err(e) => {
            eprintln!("extraction-eval: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{:<66} {:>9} {:>9} {:>9}", "page", "precision", "recall", "ms");
    for page in &eval.pages {
        let m = &page.matching;
        let ms = page.elapsed.as_secs_f64() * 1000.0;
        println!("{:<66} {:>9.3} {:>9.3} {:>9.1}", page.id, m.precision(), m.recall(), ms);
        if let Some(error) = &page.error {
            println!("    error: {error}");
        }
    }
    let s = eval.summary;
    let label = match mode {
        Mode::Html => "html",
        Mode::Text => "text",
    };
    println!(
        "{label}: pages {}  precision {:.4}  recall {:.4}  F1 {:.4}  {:.1} ms/page",
        eval.pages.len(),
        s.precision,
        s.recall,
        s.f1,
        eval.millis_per_page()
    );
    ExitCode::SUCCESS
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("extraction-eval: {message}\n{USAGE}");
    ExitCode::from(2)
}
