//! `newswire bench-idle`: how much CPU each process of a pipeline with no
//! traffic uses over an interval (percent of one core), from Linux's /proc.
//! A service that polls or spins with nothing to do shows up here.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::process_stats::{self, ProcessReading};

/// Idle CPU of one process over the interval.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdleUsage {
    /// Process name (a service, or `broker`).
    pub process: String,
    /// CPU seconds used in the interval.
    pub cpu_seconds: f64,
    /// The same as a percentage of one core.
    pub percent_of_a_core: f64,
}

/// What one idle measurement found.
#[derive(Debug, Clone, Serialize)]
pub struct IdleReport {
    /// Date of the run (UTC).
    pub date: String,
    /// Length of the interval, seconds.
    pub seconds: f64,
    /// Per process, in the order given.
    pub processes: Vec<IdleUsage>,
}

impl IdleReport {
    /// A short table for people.
    pub fn table(&self) -> String {
        let mut out = format!("idle CPU over {:.1} s\n", self.seconds);
        for usage in &self.processes {
            out.push_str(&format!("  {:<10} {:>6.2}% of a core ({:.3} s)\n", usage.process, usage.percent_of_a_core, usage.cpu_seconds));
        }
        out
    }
}

/// The CPU each process used between two readings `seconds` apart; processes
/// missing from either reading (gone, or never there) are left out.
pub fn usage_between(
    names: &[(String, u32)],
    before: &BTreeMap<String, ProcessReading>,
    after: &BTreeMap<String, ProcessReading>,
    seconds: f64,
) -> Vec<IdleUsage> {
    names
        .iter()
        .filter_map(|(name, _)| {
            let cpu_seconds = (after.get(name)?.cpu_seconds - before.get(name)?.cpu_seconds).max(0.0);
            Some(IdleUsage { process: name.clone(), cpu_seconds, percent_of_a_core: 100.0 * cpu_seconds / seconds.max(1e-9) })
        })
        .collect()
}

fn read_all(pids: &[(String, u32)]) -> BTreeMap<String, ProcessReading> {
    pids.iter().filter_map(|(name, pid)| Some((name.clone(), process_stats::read(*pid)?))).collect()
}

/// Measures `pids` over `interval` of no traffic, prints the table and writes the JSON to `out`.
pub fn run(pids: &[(String, u32)], interval: Duration, out: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(!pids.is_empty(), "no process to measure: give --pid name=pid");
    let before = read_all(pids);
    let started = Instant::now();
    std::thread::sleep(interval);
    let after = read_all(pids);
    let seconds = started.elapsed().as_secs_f64();
    let processes = usage_between(pids, &before, &after, seconds);
    let missing: Vec<&str> = pids.iter().filter(|(n, _)| !processes.iter().any(|p| &p.process == n)).map(|(n, _)| n.as_str()).collect();
    anyhow::ensure!(missing.is_empty(), "cannot read the CPU of {missing:?} (gone?)");
    let report = IdleReport { date: super::chrono_free_date(), seconds, processes };
    print!("{}", report.table());
    std::fs::write(out, serde_json::to_vec_pretty(&report)?)?;
    println!("JSON report: {}", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(cpu_seconds: f64) -> ProcessReading {
        ProcessReading { cpu_seconds, peak_rss_bytes: 0 }
    }

    #[test]
    fn idle_usage_is_the_cpu_used_between_the_readings_as_a_share_of_a_core() {
        let names = vec![("ingest".to_owned(), 1), ("broker".to_owned(), 2), ("gone".to_owned(), 3)];
        let before = BTreeMap::from([("ingest".to_owned(), reading(1.0)), ("broker".to_owned(), reading(10.0)), ("gone".to_owned(), reading(0.0))]);
        let after = BTreeMap::from([("ingest".to_owned(), reading(1.06)), ("broker".to_owned(), reading(10.9))]);
        let usage = usage_between(&names, &before, &after, 30.0);
        assert_eq!(usage.len(), 2, "a process missing from a reading is left out: {usage:?}");
        assert_eq!(usage[0].process, "ingest");
        assert!((usage[0].percent_of_a_core - 0.2).abs() < 1e-9, "{usage:?}");
        assert!((usage[1].percent_of_a_core - 3.0).abs() < 1e-9, "{usage:?}");
        assert!(IdleReport { date: "2026-12-05".into(), seconds: 30.0, processes: usage }.table().contains("broker"));
    }

    #[test]
    fn this_process_is_measurable_over_a_short_interval() {
        let me = vec![("self".to_owned(), std::process::id())];
        let out = std::env::temp_dir().join(format!("newswire-idle-{}.json", std::process::id()));
        run(&me, Duration::from_millis(50), &out).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(json["processes"][0]["process"], "self");
        let _ = std::fs::remove_file(out);
    }
}
