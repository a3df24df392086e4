//! `newswire bench`: pushes a realistic corpus to a running pipeline's ingest,
//! measures at the subscriber side (throughput, ingest→publish latency
//! percentiles), reads each service's CPU and peak memory, measures raw Kafka
//! pass-through through four hops with the same runtime for comparison, and
//! prints a table and writes JSON. `scripts/bench.sh` starts everything and runs it.

pub mod corpus;
pub mod idle;
pub mod passthrough;
pub mod process_stats;
pub mod report;
pub mod subscriber;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use newswire_shared::config::KafkaConfig;

use corpus::Push;
use report::{BenchReport, Latency, ServiceUsage};

/// What to run and against what.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Stories (requests) to push.
    pub stories: usize,
    /// Target pushes per second; 0 = as fast as possible.
    pub rate: f64,
    /// Concurrent HTTP requests.
    pub concurrency: usize,
    /// Push API base URL.
    pub ingest_url: String,
    /// Bearer token of the feed to push as.
    pub token: String,
    /// Kafka brokers (`None`: the configured ones).
    pub brokers: Option<String>,
    /// Topic the subscriber reads.
    pub published_topic: String,
    /// Service processes to measure: name → pid.
    pub pids: Vec<(String, u32)>,
    /// Also measure raw pass-through.
    pub passthrough: bool,
    /// Where to write the JSON report.
    pub out: PathBuf,
    /// Seed of the generated corpus.
    pub seed: u64,
    /// Text to build stories from.
    pub material: Vec<PathBuf>,
}

/// Runs the benchmark and prints its table.
pub fn run(options: BenchOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run_async(options))
}

async fn run_async(options: BenchOptions) -> anyhow::Result<()> {
    let kafka = KafkaConfig { statistics_interval_ms: 0, ..newswire_shared::config::load_kafka(options.brokers.as_deref())? };
    let mut material = Vec::new();
    for path in &options.material {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("material {}: {e}", path.display()))?;
        material.extend(corpus::sentences(&text));
    }
    let pushes = corpus::generate(options.stories, options.seed, &material);
    let mean_size = pushes.iter().map(|p| p.body.len()).sum::<usize>() / pushes.len().max(1);

    let subscriber = subscriber::Subscriber::start(&kafka, &options.published_topic, Duration::from_secs(30))?;
    let before: BTreeMap<String, process_stats::ProcessReading> =
        options.pids.iter().filter_map(|(n, p)| Some((n.clone(), process_stats::read(*p)?))).collect();

    let started = Instant::now();
    let statuses = push_all(&options, pushes).await?;
    let push_seconds = started.elapsed().as_secs_f64();
    let accepted = statuses.get(&202).copied().unwrap_or(0);
    let received = tokio::task::spawn_blocking(move || subscriber.finish(accepted)).await??;

    let services = options
        .pids
        .iter()
        .filter_map(|(name, pid)| {
            let after = process_stats::read(*pid)?;
            let cpu = after.cpu_seconds - before.get(name).map(|b| b.cpu_seconds).unwrap_or(0.0);
            let cpu_ms_per_story = cpu * 1000.0 / options.stories.max(1) as f64;
            Some(ServiceUsage { service: name.clone(), cpu_seconds: cpu, cpu_ms_per_story, peak_rss_mb: after.peak_rss_bytes as f64 / 1_048_576.0 })
        })
        .collect();
    let end_to_end_seconds = received.last.map(|t| t.duration_since(started).as_secs_f64()).unwrap_or(push_seconds);
    let published = received.latencies_us.len();
    let passthrough = if options.passthrough { Some(passthrough::measure(&kafka, accepted.max(1), mean_size).await?) } else { None };
    let throughput = published as f64 / end_to_end_seconds.max(1e-9);
    let report = BenchReport {
        date: chrono_free_date(),
        stories_pushed: options.stories,
        mean_story_bytes: mean_size,
        target_rate: options.rate,
        statuses: statuses.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        published,
        push_seconds,
        end_to_end_seconds,
        throughput_per_second: throughput,
        latency: Latency::from_micros(&received.latencies_us),
        services,
        passthrough_per_second: passthrough,
        ratio_to_passthrough: passthrough.map(|p| throughput / p),
    };
    print!("{}", report.table());
    std::fs::write(&options.out, serde_json::to_vec_pretty(&report)?)?;
    println!("JSON report: {}", options.out.display());
    Ok(())
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
pub(crate) fn chrono_free_date() -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() / 86_400).unwrap_or(0) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Pushes everything with bounded concurrency (and at the target rate); returns counts by status.
async fn push_all(options: &BenchOptions, pushes: Vec<Push>) -> anyhow::Result<BTreeMap<u16, usize>> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(options.concurrency).timeout(Duration::from_secs(30)).build()?;
    let limit = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(pushes.len());
    for (i, push) in pushes.into_iter().enumerate() {
        if options.rate > 0.0 {
            tokio::time::sleep_until(started + Duration::from_secs_f64(i as f64 / options.rate)).await;
        }
        let permit = limit.clone().acquire_owned().await?;
        let (http, url, token) = (http.clone(), format!("{}/v1/stories", options.ingest_url), options.token.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let sent = http.post(url).bearer_auth(token).header("content-type", push.content_type).body(push.body).send().await;
            sent.map(|r| r.status().as_u16()).unwrap_or(0)
        }));
    }
    let mut statuses = BTreeMap::new();
    for task in tasks {
        *statuses.entry(task.await?).or_insert(0) += 1;
    }
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_report_date_is_a_calendar_date() {
        let date = super::chrono_free_date();
        assert_eq!(date.len(), 10);
        assert!(date.starts_with("20"), "{date}");
    }
}
