//! Measures what of plain-text wire copy survives normalize, on CoNLL-2003
//! **valid** documents (never the test split) turned into the stories agencies
//! send: the first sentence is the headline, the rest one sentence a line.
//!
//! `cargo run -p newswire-devtools --bin wire-text-eval -- [--file services/enrich/data/conll2003/valid.txt] [--kind detect|wire|scraper] [--list] [--show N]`
//!
//! Each story goes through `newswire_normalize::normalize()` as `scraped-text`
//! (the feed's kind as `--kind` says; `detect`, the default, is an undeclared
//! feed). Reported: stories with an empty body, the share of gold entity
//! mentions (PER/ORG/LOC/MISC surface strings) still in headline + body, the
//! share of input lines kept, and how many stories were taken for page dumps;
//! `--list` names each story that lost something, `--show N` prints story N
//! and its article.
//! `--evidence DIR` prints the page-chrome evidence of each `.txt` in `DIR`
//! instead (e.g. `../shared/extraction-dev/text`).

mod story;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::extract::line_blocks::SourceLines;
use newswire_normalize::extract::line_kinds::classify_lines;
use newswire_normalize::extract::page_chrome::ChromeEvidence;

const USAGE: &str = "usage: wire-text-eval [--file valid.txt] [--kind detect|wire|scraper] [--list] [--show N] | --evidence DIR";
/// The feed the stories are normalized as.
const FEED: &str = "conll";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wire-text-eval: {e:#}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let mut file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/enrich/data/conll2003/valid.txt");
    let mut shown = "services/enrich/data/conll2003/valid.txt".to_owned();
    let mut kind = "detect".to_owned();
    let mut show: Option<usize> = None;
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--file" => {
                shown = args.next().context("--file needs a path")?;
                file = PathBuf::from(&shown);
            }
            "--kind" => kind = args.next().context("--kind needs detect, wire or scraper")?,
            "--show" => show = Some(args.next().context("--show needs a story number")?.parse().context("--show needs a number")?),
            "--list" => list = true,
            "--evidence" => return evidence(Path::new(&args.next().context("--evidence needs a folder")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => anyhow::bail!("unknown argument {other:?}"),
        }
    }
    anyhow::ensure!(file.file_name().is_none_or(|n| n != "test.txt"), "the CoNLL test split is not for development: use valid.txt");
    if !file.is_file() {
        println!("SKIPPED: {shown} not found (see services/enrich/data/conll2003/README.md)");
        return Ok(ExitCode::FAILURE);
    }
    let mut config = NormalizeConfig::default();
    if kind != "detect" {
        config.feed_kinds.insert(FEED.into(), kind.clone());
    }
    let mut errors = Vec::new();
    newswire_shared::config::Validate::validate(&config, &mut errors);
    anyhow::ensure!(errors.is_empty(), "{}", errors.join("; "));

    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let docs = newswire_devtools::conll::stories(&text);
    if let Some(n) = show {
        let doc = docs.get(n).with_context(|| format!("there are {} stories", docs.len()))?;
        let input = story::wire_text(doc);
        let article = newswire_normalize::normalize(newswire_shared::story::SourceFormat::ScrapedText, input.as_bytes(), None, FEED, &n.to_string(), &config)?;
        println!("{input}\n---\n{}", serde_json::to_string_pretty(&article)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut total = story::Kept::default();
    let (mut empty, mut pages, mut problems, mut failed, mut most_evidence) = (0, 0, 0, 0, 0);
    let mut elapsed = std::time::Duration::ZERO;
    for (n, doc) in docs.iter().enumerate() {
        let input = story::wire_text(doc);
        let source = SourceLines::of(&input);
        let chrome = ChromeEvidence::of(&source.lines, &classify_lines(&source.lines));
        pages += usize::from(chrome.is_page());
        most_evidence = most_evidence.max(chrome.total());
        let started = Instant::now();
        let result = newswire_normalize::normalize(newswire_shared::story::SourceFormat::ScrapedText, input.as_bytes(), None, FEED, &n.to_string(), &config);
        elapsed += started.elapsed();
        let article = match result {
            Ok(article) => article,
            Err(e) => {
                println!("story {n}: {e}");
                failed += 1;
                continue;
            }
        };
        problems += usize::from(!article.newswire.problems.is_empty());
        let k = story::kept(doc, &input, &article);
        empty += usize::from(k.empty_body);
        if list && (k.lines_kept < k.lines || k.mentions_kept < k.mentions) {
            let page = if chrome.is_page() { "taken for a page" } else { "clean copy" };
            let body = if k.empty_body { ", empty body" } else { "" };
            println!(
                "story {n}: kept {}/{} lines, {}/{} mentions{body} ({page}: {chrome})",
                k.lines_kept, k.lines, k.mentions_kept, k.mentions
            );
        }
        total.mentions += k.mentions;
        total.mentions_kept += k.mentions_kept;
        total.lines += k.lines;
        total.lines_kept += k.lines_kept;
    }
    let share = |kept: usize, of: usize| 100.0 * kept as f64 / of.max(1) as f64;
    println!(
        "{shown} as {kind}: stories {}  failed {failed}  empty bodies {empty}  mentions kept {:.2}% ({}/{})  lines kept {:.2}% ({}/{})  taken for pages {pages} (most page evidence {most_evidence})  with problems {problems}  {:.0} µs/story",
        docs.len(),
        share(total.mentions_kept, total.mentions),
        total.mentions_kept,
        total.mentions,
        share(total.lines_kept, total.lines),
        total.lines_kept,
        total.lines,
        elapsed.as_secs_f64() * 1e6 / docs.len().max(1) as f64,
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the page-chrome evidence of each `.txt` file in `dir`.
fn evidence(dir: &Path) -> anyhow::Result<ExitCode> {
    if !dir.is_dir() {
        println!("SKIPPED: {} not found", dir.display());
        return Ok(ExitCode::FAILURE);
    }
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "txt")).collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let source = SourceLines::of(&String::from_utf8_lossy(&bytes));
        let e = ChromeEvidence::of(&source.lines, &classify_lines(&source.lines));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!("{:<5} {:>4}  {e}  {name}", if e.is_page() { "page" } else { "copy" }, e.total());
    }
    Ok(ExitCode::SUCCESS)
}
