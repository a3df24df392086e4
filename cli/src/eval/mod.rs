//! `newswire eval`: pushes a real corpus through a running pipeline and
//! accounts for every story — published, dead-lettered (with its reason),
//! dropped (with the stage's counted reason), refused by ingest, or lost — and
//! scores what was published against the corpus's labels.
//!
//! The pipeline is the one the environment describes (`NEWSWIRE_CONFIG` and
//! `NEWSWIRE_*`, as for the services: brokers, topic names, ingest's address,
//! the admin ports), so running it beside the services needs no flags but the
//! corpus and the feed's token. `scripts/eval.sh` starts a fresh pipeline for
//! each corpus (so the product's own dedupe never sees two corpora) and runs it.
//! Reports go to `<out>/<corpus>.json`, and `<out>/summary.{json,md}` is
//! rebuilt from every corpus report found there.

pub mod account;
pub mod collect;
pub mod corpora;
pub mod counters;
pub mod entities;
pub mod events;
pub mod push;
pub mod report;
pub mod score;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newswire_devtools::extraction_dev;
use newswire_devtools::wcxb;
use newswire_shared::article::Article;
use newswire_shared::config::{CommonConfig, Validate};
use newswire_shared::ids;

use corpora::{CorpusKind, Document, Labels};
use report::{CorpusReport, Scores};

/// How long to keep reading after every story was accounted for, to catch a doubled one.
const SETTLE: Duration = Duration::from_secs(2);

/// How long the topics must be quiet before the drop counters are asked to explain the missing stories.
const QUIET: Duration = Duration::from_secs(3);

/// What to run.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalOptions {
    /// The corpus.
    #[arg(long, value_enum)]
    pub corpus: CorpusKind,
    /// Where it is (default: its place in `--shared`; CoNLL: services/enrich/data/conll2003/valid.txt).
    #[arg(long)]
    pub path: Option<PathBuf>,
    /// The shared material folder (WCXB, extraction-dev, IPTC examples).
    #[arg(long, default_value = "../shared")]
    pub shared: PathBuf,
    /// Bearer token of the feed to push as.
    #[arg(long, env = "NEWSWIRE_EVAL_TOKEN")]
    pub token: String,
    /// Push API base URL (default: http:// + the configured `ingest.addr`).
    #[arg(long)]
    pub ingest_url: Option<String>,
    /// Admin endpoint of a stage, as stage=host:port (default: the configured `<stage>.admin_addr`s).
    #[arg(long = "admin", value_parser = parse_pair)]
    pub admins: Vec<(String, String)>,
    /// Pushes in flight at most.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Give up waiting for the stories after this many seconds.
    #[arg(long, default_value_t = 900)]
    pub timeout_secs: u64,
    /// Stop waiting once no record arrived on any topic for this many seconds.
    #[arg(long, default_value_t = 20)]
    pub idle_secs: u64,
    /// Only the first N documents (for a quick look).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Folder of the reports.
    #[arg(long, default_value = "target/eval")]
    pub out: PathBuf,
    /// Exit 1 when any accepted story is unaccounted for or published twice.
    #[arg(long)]
    pub strict: bool,
}

/// Parses `name=value`.
pub fn parse_pair(s: &str) -> Result<(String, String), String> {
    let (name, value) = s.split_once('=').ok_or_else(|| format!("{s:?} is not name=value"))?;
    Ok((name.to_owned(), value.to_owned()))
}

/// What the run found, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The corpus is not there (and CI is not set).
    Skipped,
    /// Every accepted story accounted for, none doubled.
    AllAccounted,
    /// Something was lost or doubled.
    LostOrDoubled,
}

/// Runs one corpus and prints its table.
pub fn run(options: EvalOptions) -> anyhow::Result<Verdict> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run_async(options))
}

/// The pipeline the environment describes.
struct Pipeline {
    common: CommonConfig,
    ingest_url: String,
    admins: Vec<(String, String)>,
}

fn pipeline(options: &EvalOptions) -> anyhow::Result<Pipeline> {
    let figment = newswire_shared::config::figment();
    let common: CommonConfig = figment.extract().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    let mut errors = Vec::new();
    common.validate(&mut errors);
    if !errors.is_empty() {
        return Err(newswire_shared::config::ConfigError(errors).into());
    }
    let setting = |key: &str, default: &str| figment.extract_inner::<String>(key).unwrap_or_else(|_| default.to_owned());
    let ingest_url = options.ingest_url.clone().unwrap_or_else(|| format!("http://{}", setting("ingest.addr", "127.0.0.1:8080")));
    let admins = if options.admins.is_empty() {
        [("ingest", 9101), ("normalize", 9102), ("enrich", 9103), ("publish", 9104)]
            .into_iter()
            .map(|(stage, port)| (stage.to_owned(), setting(&format!("{stage}.admin_addr"), &format!("127.0.0.1:{port}"))))
            .collect()
    } else {
        options.admins.clone()
    };
    Ok(Pipeline { common, ingest_url, admins })
}

async fn run_async(options: EvalOptions) -> anyhow::Result<Verdict> {
    let kind = options.corpus;
    let path = options.path.clone().unwrap_or_else(|| kind.default_path(&options.shared));
    if !path.exists() {
        println!("SKIPPED: {} not found (corpus {})", path.display(), kind.name());
        anyhow::ensure!(std::env::var("CI").as_deref() != Ok("true"), "corpus {} is missing at {} and CI=true", kind.name(), path.display());
        return Ok(Verdict::Skipped);
    }
    let mut documents = corpora::load(kind, &path)?;
    if let Some(limit) = options.limit {
        documents.truncate(limit);
    }
    let pipeline = pipeline(&options)?;
    let mut kafka = pipeline.common.kafka.clone();
    kafka.statistics_interval_ms = 0;

    let collector = collect::Collector::start(&kafka, &pipeline.common.topics)?;
    let http = reqwest::Client::new();
    let before = counters::scrape(&http, &pipeline.admins).await?;
    let started = Instant::now();
    let target = push::PushTarget { ingest_url: pipeline.ingest_url.clone(), token: options.token.clone(), concurrency: options.concurrency };
    eprintln!("newswire eval: pushing {} documents of {} to {}", documents.len(), kind.name(), target.ingest_url);
    let answers = push::push_all(&target, &documents).await?;

    let digests: Vec<String> = documents.iter().map(|d| ids::digest(&[&d.body])).collect();
    let pushes: Vec<account::Pushed<'_>> = documents
        .iter()
        .zip(&digests)
        .zip(&answers)
        .map(|((d, digest), answer)| account::Pushed { id: &d.id, digest, has_text: d.has_text, answer })
        .collect();
    let waited_out = wait_for(&collector, &pushes, &options, started, (&http, &pipeline, &before)).await;
    let seconds = started.elapsed().as_secs_f64();
    let after = counters::scrape(&http, &pipeline.admins).await?;
    let delta = after.since(&before);
    let collected = collector.finish();

    let links = account::link(&pushes, &collected.raw);
    let (outcomes, tally) = account::account(&pushes, &links, &collected.seen, &delta.dropped);
    // A document is scored on the story published under its key: its own, or,
    // when ingest answered `duplicate` (the same bytes pushed before), the first push's.
    let published_by_key: std::collections::HashMap<&str, &Article> = outcomes
        .iter()
        .flat_map(|o| &o.stories)
        .filter(|s| s.fate == account::Fate::Published)
        .filter_map(|s| Some((s.key.as_str(), collected.articles.get(s.trace_id.as_ref()?)?)))
        .collect();
    let published: Vec<Option<&Article>> =
        outcomes.iter().map(|o| o.stories.iter().find_map(|s| published_by_key.get(s.key.as_str()).copied())).collect();
    let scores = score_corpus(kind, &path, &documents, &published).await?;

    let report = CorpusReport {
        corpus: kind.name().to_owned(),
        source: path.display().to_string(),
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        seconds,
        waited_out,
        counters: [
            ("dropped".to_owned(), counters::Counters::flat(&delta.dropped)),
            ("dead_letters".to_owned(), counters::Counters::flat(&delta.dead_letters)),
            ("duplicates".to_owned(), counters::Counters::flat(&delta.duplicates)),
        ]
        .into_iter()
        .collect(),
        unreadable_published: collected.unreadable_published.len(),
        problems: report::problems(&outcomes),
        scores,
        tally,
        documents: outcomes,
    };
    print!("{}", report.table());
    write_reports(&options.out, &report)?;
    let bad = report.tally.unaccounted > 0 || report.tally.published_more_than_once > 0;
    Ok(if bad { Verdict::LostOrDoubled } else { Verdict::AllAccounted })
}

/// Waits until every accepted story is accounted for: published or
/// dead-lettered, or stopped at a stage whose drop counter explains it (checked
/// once the topics are quiet for a moment); then a short settle. Gives up when
/// the topics were quiet for `idle_secs` or the timeout passed, and returns
/// whether it gave up with stories still missing.
async fn wait_for(
    collector: &collect::Collector,
    pushes: &[account::Pushed<'_>],
    options: &EvalOptions,
    started: Instant,
    (http, pipeline, before): (&reqwest::Client, &Pipeline, &counters::Counters),
) -> bool {
    let (timeout, idle) = (Duration::from_secs(options.timeout_secs), Duration::from_secs(options.idle_secs));
    let pushed_at = Instant::now();
    let mut last_check = pushed_at;
    loop {
        let (missing, last) = collector.with(|c| {
            let links = account::link(pushes, &c.raw);
            let settled = |trace: &Option<String>| trace.as_ref().and_then(|t| c.seen.get(t)).is_some_and(|s| s.published > 0 || !s.dead.is_empty());
            let missing = pushes
                .iter()
                .zip(&links)
                .flat_map(|(p, traces)| account::accepted_stories(p.answer).zip(traces))
                .filter(|((_, status), trace)| *status == "accepted" && !settled(trace))
                .count();
            (missing, c.last_record)
        });
        if missing == 0 {
            tokio::time::sleep(SETTLE).await;
            return false;
        }
        let quiet_since = last.map(|t| t.max(pushed_at)).unwrap_or(pushed_at);
        if quiet_since.elapsed() >= QUIET && last_check.elapsed() >= QUIET {
            last_check = Instant::now();
            if let Ok(now) = counters::scrape(http, &pipeline.admins).await {
                let drops = now.since(before).dropped;
                let unaccounted = collector.with(|c| {
                    let links = account::link(pushes, &c.raw);
                    account::account(pushes, &links, &c.seen, &drops).1.unaccounted
                });
                if unaccounted == 0 {
                    tokio::time::sleep(SETTLE).await;
                    return false;
                }
            }
        }
        if quiet_since.elapsed() >= idle || started.elapsed() >= timeout {
            eprintln!("newswire eval: {missing} accepted stories neither published nor dead-lettered when the wait ended");
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The corpus's quality figures, where it has labels.
async fn score_corpus(kind: CorpusKind, path: &Path, documents: &[Document], published: &[Option<&Article>]) -> anyhow::Result<Option<Scores>> {
    Ok(match kind {
        CorpusKind::Wcxb => {
            let pages: Vec<_> = documents
                .iter()
                .zip(published)
                .filter_map(|(d, p)| match &d.labels {
                    Labels::Wcxb(truth) => Some(score::WcxbPage { id: d.id.clone(), score: wcxb::score(truth, *p) }),
                    _ => None,
                })
                .collect();
            let summary = wcxb::Summary::of(&pages.iter().map(|p| p.score.clone()).collect::<Vec<_>>());
            Some(Scores::Wcxb { summary, pages })
        }
        CorpusKind::ExtractionHtml | CorpusKind::ExtractionText => {
            let docs: Vec<(String, &str, Option<&Article>)> = documents
                .iter()
                .zip(published)
                .filter_map(|(d, p)| match &d.labels {
                    Labels::Extraction(truth) => Some((d.id.clone(), truth.as_str(), *p)),
                    _ => None,
                })
                .collect();
            let (mut summary, per_doc) = score::extraction(&docs);
            let mode = if kind == CorpusKind::ExtractionHtml { extraction_dev::Mode::Html } else { extraction_dev::Mode::Text };
            let dir = path.to_owned();
            summary.offline_f1 = tokio::task::spawn_blocking(move || extraction_dev::evaluate(&dir, mode)).await?.ok().map(|e| e.summary.f1);
            Some(Scores::Extraction { summary, documents: per_doc })
        }
        CorpusKind::Conll => {
            let docs: Vec<_> = documents
                .iter()
                .zip(published)
                .filter_map(|(d, p)| match &d.labels {
                    Labels::Conll(gold) => Some(entities::score_document(&d.id, gold, *p)),
                    _ => None,
                })
                .collect();
            Some(Scores::Conll { summary: entities::summarize(&docs), documents: docs })
        }
        CorpusKind::UciEvents | CorpusKind::UciEventsInterleaved => Some(Scores::Events { summary: events::score(documents, published) }),
        CorpusKind::Iptc => None,
    })
}

/// Writes `<out>/<corpus>.json` and rebuilds `<out>/summary.{json,md}`.
fn write_reports(out: &Path, report: &CorpusReport) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    let path = out.join(format!("{}.json", report.corpus));
    std::fs::write(&path, serde_json::to_vec_pretty(report)?)?;
    let rows = report::summary_rows(out)?;
    std::fs::write(out.join("summary.json"), serde_json::to_vec_pretty(&rows)?)?;
    let table = report::summary_table(&rows);
    std::fs::write(out.join("summary.md"), &table)?;
    println!("JSON report: {}\nsummary of {} corpora: {}\n{table}", path.display(), rows.len(), out.join("summary.md").display());
    Ok(())
}
