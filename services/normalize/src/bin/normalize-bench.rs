//! `normalize-bench`: normalize's core throughput on a mixed corpus, one core.
//!
//! The corpus is every format normalize reads: the repo's own fixtures
//! (`tests/fixtures/normalize/*`, the PA seed as scraped text) plus, when
//! `../shared` is beside the repo, IPTC's NewsML-G2 and ninjs examples and the
//! extraction-dev pages as HTML and scraped text. Each story is parsed, cleaned
//! and passed through dedupe (a temporary sled store, under a fresh uri each
//! round so nothing short-cuts as a stale version), and the stories per second
//! are printed, overall and per format.
//!
//! Usage: `cargo run -p newswire-normalize --bin normalize-bench [-- SECONDS]`
//! (build with `--release` for production-like figures).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::dedupe::decision::decide;
use newswire_normalize::dedupe::store::DedupeStore;
use newswire_normalize::normalize;
use newswire_shared::story::SourceFormat;

fn main() -> anyhow::Result<()> {
    let seconds: f64 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(5.0);
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let corpus = corpus(&root)?;
    anyhow::ensure!(!corpus.is_empty(), "no corpus found under {}", root.display());
    let config = NormalizeConfig::default();
    let mut store = DedupeStore::temporary(7)?;
    let mut per_format: std::collections::BTreeMap<&'static str, (usize, Duration)> = Default::default();
    // One untimed round first, so one-off set-up (regex compilation) is not measured.
    for (format, bytes) in &corpus {
        let _ = normalize(*format, bytes, None, "bench", "key", &config);
    }
    let (mut stories, mut failed, mut round) = (0usize, 0usize, 0usize);
    let started = Instant::now();
    while started.elapsed().as_secs_f64() < seconds {
        for (format, bytes) in &corpus {
            let t = Instant::now();
            match normalize(*format, bytes, None, "bench", "key", &config) {
                Ok(mut article) => {
                    article.uri = format!("{}#{round}", article.uri);
                    decide(&mut store, &mut article, 0)?;
                }
                Err(_) => failed += 1,
            }
            let entry = per_format.entry(format.as_str()).or_default();
            entry.0 += 1;
            entry.1 += t.elapsed();
            stories += 1;
        }
        store.commit()?;
        round += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("{stories} stories ({} distinct, {failed} errors) in {elapsed:.2}s: {:.0} stories/s on one core", corpus.len(), stories as f64 / elapsed);
    for (format, (n, time)) in per_format {
        println!("  {format:<13} {:>8.0} stories/s  {:>8.3} ms/story", n as f64 / time.as_secs_f64(), time.as_secs_f64() * 1000.0 / n as f64);
    }
    Ok(())
}

/// (format, bytes) for every story of the corpus.
fn corpus(root: &Path) -> anyhow::Result<Vec<(SourceFormat, Vec<u8>)>> {
    let mut out = Vec::new();
    let fixtures = root.join("tests/fixtures");
    for (format, name) in [
        (SourceFormat::Nitf, "normalize/nitf-story.xml"),
        (SourceFormat::Rss, "normalize/rss-item.xml"),
        (SourceFormat::Atom, "normalize/atom-entry.xml"),
        (SourceFormat::Anpa, "normalize/anpa-story.txt"),
        (SourceFormat::Ninjs, "normalize/ninjs-2-full.json"),
        (SourceFormat::ScrapedText, "pa-truss-lavrov-2022-02-14.txt"),
    ] {
        out.push((format, std::fs::read(fixtures.join(name))?));
    }
    let shared = root.join("../shared");
    if !shared.is_dir() {
        println!("SKIPPED: ../shared not found; the corpus is the repo's fixtures only");
        return Ok(out);
    }
    for (format, dir, ext) in [
        (SourceFormat::NewsmlG2, "iptc/examples/newsml-g2", "xml"),
        (SourceFormat::Ninjs, "iptc/examples/ninjs", "json"),
        (SourceFormat::Html, "extraction-dev/html", "html"),
        (SourceFormat::ScrapedText, "extraction-dev/text", "txt"),
    ] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(shared.join(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        paths.sort();
        for path in paths {
            out.push((format, std::fs::read(path)?));
        }
    }
    Ok(out)
}
