//! `event-eval [PATH] [--order corpus|interleaved|both]`: the event clustering
//! core (`newswire_enrich::events`) on the UCI News Aggregator dev months,
//! offline, against two baselines measured in the same run: exact-headline
//! grouping and normalize's near-duplicate link (SimHash of the headline's
//! words within `NEAR_MAX_DISTANCE` bits of an earlier story in the last 7 days).
//! Prints B-cubed precision, recall, F1 and cluster counts for each.
//!
//! PATH is the corpus's `rawData` folder (or one file of its rows), by default
//! `$NEWSWIRE_UCI_DIR`. `docs/event-clustering.md` says why both orders count.
//!
//! `--chunk N` also runs the clustering in the order a stage reading three
//! partitions in turn would see the stories when it is behind: each story on
//! a partition chosen by its URL, and N stories of one partition, then N of
//! the next (a fetch's worth), so the partitions drift apart in story time.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use newswire_devtools::scoring::bcubed::{bcubed, BCubed};
use newswire_devtools::uci_news::{interleaved_by_day, read_dev_months, UciStory};
use newswire_enrich::events::{ClusterSettings, EventClusterer, StoryText};
use newswire_normalize::dedupe::fingerprint::{distance, simhash, NEAR_MAX_DISTANCE};

/// The near-duplicate baseline looks this far back (normalize's dedupe window).
const NEAR_WINDOW_MS: i64 = 7 * 86_400_000;

/// The seed of the interleaved order.
const INTERLEAVE_SEED: u64 = 2014;

fn main() -> anyhow::Result<()> {
    let mut path = std::env::var_os("NEWSWIRE_UCI_DIR").map(PathBuf::from);
    let mut orders = vec!["corpus", "interleaved"];
    let mut chunk: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--order" => {
                orders = match args.next().as_deref() {
                    Some("corpus") => vec!["corpus"],
                    Some("interleaved") => vec!["interleaved"],
                    Some("both") => vec!["corpus", "interleaved"],
                    other => anyhow::bail!("--order corpus|interleaved|both, not {other:?}"),
                }
            }
            "--chunk" => chunk = Some(args.next().and_then(|n| n.parse().ok()).context("--chunk N (stories read from one partition at a time)")?),
            _ => path = Some(PathBuf::from(arg)),
        }
    }
    let path = path.context("give the corpus's rawData folder (or set NEWSWIRE_UCI_DIR)")?;
    let stories = read_dev_months(&path)?;
    let labels = stories.iter().map(|s| s.story.as_str()).collect::<std::collections::HashSet<_>>().len();
    println!("UCI News Aggregator dev months (before 2014-06-01): {} headlines, {labels} STORY clusters", stories.len());
    println!();
    println!("| order | method | precision | recall | B-cubed F1 | clusters | µs a story |");
    println!("|---|---|---|---|---|---|---|");
    for order in orders {
        let stories = if order == "interleaved" { interleaved_by_day(&stories, INTERLEAVE_SEED) } else { stories.clone() };
        let truth: Vec<&str> = stories.iter().map(|s| s.story.as_str()).collect();
        row(order, "exact headline", &truth, || exact_headline(&stories));
        row(order, "near-duplicate link", &truth, || near_duplicates(&stories));
        row(order, "event clustering", &truth, || event_clusters(&stories));
        if let Some(chunk) = chunk {
            row(order, &format!("event clustering, 3 partitions read {chunk} at a time"), &truth, || in_partition_chunks(&stories, chunk));
        }
    }
    Ok(())
}

fn row(order: &str, method: &str, truth: &[&str], cluster: impl FnOnce() -> Vec<u64>) {
    let started = Instant::now();
    let predicted = cluster();
    let micros = started.elapsed().as_secs_f64() * 1e6 / truth.len() as f64;
    let BCubed { precision, recall, f1, predicted_clusters, true_clusters } = bcubed(&predicted, truth);
    println!("| {order} | {method} | {precision:.3} | {recall:.3} | **{f1:.3}** | {predicted_clusters} (true {true_clusters}) | {micros:.1} |");
}

/// The headline's words as normalize compares them: runs of letters and digits, lower-cased.
fn words(title: &str) -> Vec<String> {
    title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn exact_headline(stories: &[UciStory]) -> Vec<u64> {
    let mut groups: HashMap<String, u64> = HashMap::new();
    stories
        .iter()
        .map(|s| {
            let next = groups.len() as u64;
            *groups.entry(words(&s.title).join(" ")).or_insert(next)
        })
        .collect()
}

/// Each story joins the cluster of the earliest story within the window whose
/// SimHash is near enough, as normalize links near-duplicates.
fn near_duplicates(stories: &[UciStory]) -> Vec<u64> {
    let hashes: Vec<u64> = stories
        .iter()
        .map(|s| {
            let words = words(&s.title);
            simhash(&words.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .collect();
    let mut clusters: Vec<u64> = Vec::with_capacity(stories.len());
    let mut window_start = 0;
    for (i, story) in stories.iter().enumerate() {
        while stories[window_start].at_ms < story.at_ms - NEAR_WINDOW_MS {
            window_start += 1;
        }
        let earliest = (window_start..i).find(|&j| distance(hashes[j], hashes[i]) <= NEAR_MAX_DISTANCE);
        clusters.push(earliest.map_or(i as u64, |j| clusters[j]));
    }
    clusters
}

/// [`event_clusters`] in the order a reader of three partitions sees when it
/// takes `chunk` stories of one partition at a time; answered in corpus order.
fn in_partition_chunks(stories: &[UciStory], chunk: usize) -> Vec<u64> {
    let partition = |url: &str| url.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 3;
    let mut queues: Vec<std::collections::VecDeque<usize>> = vec![Default::default(); 3];
    for (i, story) in stories.iter().enumerate() {
        queues[partition(&story.url) as usize].push_back(i);
    }
    let mut order = Vec::with_capacity(stories.len());
    while queues.iter().any(|q| !q.is_empty()) {
        for queue in &mut queues {
            order.extend(queue.drain(..chunk.min(queue.len())));
        }
    }
    let reordered: Vec<UciStory> = order.iter().map(|&i| stories[i].clone()).collect();
    let clusters = event_clusters(&reordered);
    let mut out = vec![0; stories.len()];
    for (&i, cluster) in order.iter().zip(clusters) {
        out[i] = cluster;
    }
    out
}

fn event_clusters(stories: &[UciStory]) -> Vec<u64> {
    let mut clusterer = EventClusterer::new(ClusterSettings::default());
    stories
        .iter()
        .enumerate()
        .map(|(i, s)| clusterer.assign(StoryText { key: &i.to_string(), headline: &s.title, url: Some(&s.url), at_ms: s.at_ms }).assignment.cluster)
        .collect()
}
