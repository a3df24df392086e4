//! Real article pages (WCXB dev, `../shared/wcxb-dev`) pushed as HTML by two
//! feeds at the same moment, through ingest, three normalize instances (one
//! SIGKILLed mid-stream and restarted with its data directory deleted) and two
//! enrich: every page must be published exactly once, none lost, none twice.
//! What one normalize instance publishes of the same pages is the reference:
//! a page is either published or dead-lettered with its reason, once.
//!
//! `NEWSWIRE_TWO_FEEDS_PAGES` sets how many pages (default 60, what CI runs;
//! the README reports 257). Without `../shared` the test says SKIPPED (and
//! fails when `CI=true`).

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use newswire_e2e::{repo_root, Pipeline, AP_TOKEN, PA_TOKEN};

const SETTLE: Duration = Duration::from_secs(5);

/// The first `n` WCXB dev pages, as their HTML bytes.
fn pages(n: usize) -> Option<Vec<Vec<u8>>> {
    let dir: PathBuf = repo_root().join("../shared/wcxb-dev/html");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.to_string_lossy().ends_with(".html.gz")).collect();
    names.sort();
    let pages = names
        .iter()
        .take(n)
        .map(|path| {
            let mut html = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(path).expect("page")).read_to_end(&mut html).expect("gzip");
            html
        })
        .collect();
    Some(pages)
}

fn page_count() -> usize {
    std::env::var("NEWSWIRE_TWO_FEEDS_PAGES").ok().and_then(|n| n.parse().ok()).unwrap_or(60)
}

/// Pushes `pages` from both feeds, each page from both at the same moment.
fn push_from_both_feeds(pipeline: &Pipeline, pages: &[Vec<u8>]) {
    std::thread::scope(|scope| {
        for token in [PA_TOKEN, AP_TOKEN] {
            scope.spawn(move || {
                for page in pages {
                    let (status, body) = pipeline.push(token, "text/html; charset=utf-8", page.clone());
                    assert!(status == 202 || status == 200, "push refused: {status} {body}");
                }
            });
        }
    });
}

#[test]
fn real_pages_pushed_by_two_feeds_at_once_through_three_normalize_instances_are_published_once_each() {
    let Some(pages) = pages(page_count()) else {
        newswire_shared::dev_data::missing("../shared/wcxb-dev/html");
        return;
    };
    let n = pages.len();
    let mut pipeline = Pipeline::start();
    pipeline.add_instance("normalize");
    pipeline.add_instance("normalize");
    pipeline.add_instance("enrich");
    let (first, second) = pages.split_at(n / 2);
    push_from_both_feeds(&pipeline, first);
    // One normalize dies with its disk mid-stream; its partitions' state comes back from Kafka.
    pipeline.kill("normalize");
    let data_dir = pipeline.dir().join("data").join("normalize-1");
    std::fs::remove_dir_all(&data_dir).unwrap_or_else(|e| panic!("cannot delete {}: {e}", data_dir.display()));
    pipeline.spawn("normalize");
    push_from_both_feeds(&pipeline, second);

    // Every copy that failed fails from both feeds: a page's outcome is its pair's.
    let deadline = Instant::now() + Duration::from_secs(120 + n as u64);
    let (published, dead) = loop {
        let dead = pipeline.read("dlq", 0, Duration::ZERO, Duration::from_secs(1));
        let expected = n - (dead.len() / 2).min(n);
        let published = pipeline.read("published", expected, Duration::from_secs(10), SETTLE);
        if published.len() >= expected || Instant::now() > deadline {
            break (published, dead);
        }
    };
    let dead_pages = dead.len() / 2;
    let mut per_uri: HashMap<String, usize> = HashMap::new();
    for record in &published {
        *per_uri.entry(record.json()["uri"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    }
    let twice: Vec<_> = per_uri.iter().filter(|(_, count)| **count > 1).collect();
    eprintln!("two feeds, {n} real pages: {} published, {} dead letters, {} uris twice", published.len(), dead.len(), twice.len());
    assert!(twice.is_empty(), "published more than once: {twice:?}");
    assert_eq!(published.len() + dead_pages, n, "each page published once or dead-lettered ({} dead letters)", dead.len());
}
