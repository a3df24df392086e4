//! Scores main-content extraction on the development sets.
//!
//! - `cargo run -p newswire-devtools --bin extraction-eval -- [--html|--text] [--dir ../shared/extraction-dev]`:
//!   the article-extraction benchmark's shingle F1 on `../shared/extraction-dev`.
//! - `cargo run --release -p newswire-devtools --bin extraction-eval -- --wcxb [DIR] [--worst N] [--misses] [--show ID]`:
//!   the 711 WCXB pages through `normalize` as the stage runs them: word F1,
//!   snippets, title, author and date (compared as `newswire_devtools::scoring::fields` says,
//!   the same scorer `newswire eval` uses).

mod wcxb;
mod wcxb_report;

use newswire_shared::story::SourceFormat;
use std::path::PathBuf;
use std::process::ExitCode;

use newswire_devtools::extraction_dev::{self as dev_set, Mode};
use newswire_devtools::wcxb::default_dir as wcxb_default_dir;

const USAGE: &str = "usage: extraction-eval [--html|--text] [--dir ../shared/extraction-dev] [--show <page id prefix>]\n       extraction-eval --wcxb [DIR] [--worst N] [--misses] [--show <page id>]";

fn main() -> ExitCode {
    let mut mode = Mode::Html;
    let mut dir: Option<PathBuf> = None;
    let mut show: Option<String> = None;
    let mut wcxb_dir: Option<PathBuf> = None;
    let (mut worst, mut misses) = (25, false);
    let mut args = std::env::args().skip(1).peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--wcxb" => {
                let dir = args.next_if(|a| !a.starts_with("--")).map(PathBuf::from);
                wcxb_dir = Some(dir.unwrap_or_else(wcxb_default_dir));
            }
            "--worst" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => worst = n,
                None => return usage_error("--worst needs a number of pages"),
            },
            "--misses" => misses = true,
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
    if let Some(dir) = wcxb_dir {
        return run_wcxb(&dir, worst, misses, show.as_deref());
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

/// The `--wcxb` mode: every page, or one page's output with `show`.
fn run_wcxb(dir: &std::path::Path, worst: usize, misses: bool, show: Option<&str>) -> ExitCode {
    if !newswire_devtools::wcxb::is_present(dir) {
        println!("SKIPPED: {} not found", dir.display());
        return ExitCode::FAILURE;
    }
    if let Some(id) = show {
        return match newswire_devtools::wcxb::page_bytes(dir, id) {
            Ok(bytes) => {
                let charset = wcxb::declared_charset(&bytes);
                let config = newswire_normalize::config::NormalizeConfig::default();
                match newswire_normalize::normalize(SourceFormat::Html, &bytes, charset.as_deref(), "wcxb", id, &config) {
                    Ok(a) => println!(
                        "headline: {:?}\nby: {:?}\nfirstcreated: {:?}\nproblems: {:?}\n\n{}",
                        a.headline(),
                        a.by,
                        a.firstcreated.map(|t| t.to_rfc3339()),
                        a.newswire.problems,
                        a.body_text().unwrap_or_default()
                    ),
                    Err(e) => println!("error: {e}"),
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("extraction-eval: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match wcxb::evaluate(dir) {
        Ok(pages) => {
            wcxb_report::print(&pages, worst, misses);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("extraction-eval: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("extraction-eval: {message}\n{USAGE}");
    ExitCode::from(2)
}
