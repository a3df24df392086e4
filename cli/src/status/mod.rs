//! `newswire status`: scrapes the four admin endpoints and prints a live table
//! (per-stage rate, p99 latency, lag, dead letters, duplicates), refreshing every second.

pub mod snapshot;
pub mod summary;

use std::time::{Duration, Instant};

use snapshot::{parse_metrics, Snapshot, StageSnapshot};
use summary::StageRow;

/// Where each stage's admin endpoint is.
pub struct Targets(pub Vec<(String, String)>);

impl Targets {
    /// The default admin addresses on this machine.
    pub fn local() -> Self {
        Targets(
            [("ingest", 9101), ("normalize", 9102), ("enrich", 9103), ("publish", 9104)]
                .into_iter()
                .map(|(s, p)| (s.to_owned(), format!("127.0.0.1:{p}")))
                .collect(),
        )
    }
}

fn scrape(client: &reqwest::blocking::Client, targets: &Targets) -> Snapshot {
    targets
        .0
        .iter()
        .map(|(stage, addr)| {
            let text = client.get(format!("http://{addr}/metrics")).send().and_then(|r| r.error_for_status()).and_then(|r| r.text());
            (stage.clone(), text.map(|t| parse_metrics(&t)).unwrap_or_else(|_| StageSnapshot::default()))
        })
        .collect()
}

/// Renders the table.
pub fn render(rows: &[StageRow]) -> String {
    let mut out = format!("{:<10} {:>5} {:>10} {:>12} {:>8} {:>12} {:>11}\n", "stage", "up", "msgs/s", "p99", "lag", "dead-letters", "duplicates");
    for r in rows {
        let p99 = r.p99_seconds.map(|s| format!("{:.1} ms", s * 1000.0)).unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<10} {:>5} {:>10.1} {:>12} {:>8} {:>12} {:>11}\n",
            r.stage,
            if r.up { "yes" } else { "DOWN" },
            r.rate,
            p99,
            r.lag,
            r.dead_letters,
            r.duplicates
        ));
    }
    out
}

/// Prints the table every `interval`; once only when `once`.
pub fn run(targets: Targets, interval: Duration, once: bool) -> anyhow::Result<()> {
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let mut before = scrape(&client, &targets);
    let mut at = Instant::now();
    loop {
        std::thread::sleep(interval);
        let after = scrape(&client, &targets);
        let rows = summary::summarize(&before, &after, at.elapsed().as_secs_f64());
        at = Instant::now();
        if once {
            print!("{}", render(&rows));
            return Ok(());
        }
        // Clear the screen and redraw.
        print!("\x1b[2J\x1b[H{}", render(&rows));
        before = after;
    }
}
