//! CPU time and peak memory of a running process, from Linux's /proc.

/// One reading of a process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessReading {
    /// User + system CPU seconds so far.
    pub cpu_seconds: f64,
    /// Peak resident set size (VmHWM), in bytes.
    pub peak_rss_bytes: u64,
}

/// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; `None` if the process is gone.
pub fn read(pid: u32) -> Option<ProcessReading> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(ProcessReading { cpu_seconds: cpu_seconds(&stat)?, peak_rss_bytes: peak_rss(&status)? })
}

/// utime + stime (fields 14 and 15) in seconds, at Linux's USER_HZ of 100.
fn cpu_seconds(stat: &str) -> Option<f64> {
    // The command name (field 2) may contain spaces; fields resume after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn peak_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_and_peak_memory_of_this_process() {
        let me = read(std::process::id()).expect("own /proc entry");
        assert!(me.peak_rss_bytes > 1024 * 1024);
        assert!(me.cpu_seconds >= 0.0);
        assert_eq!(cpu_seconds("1 (a b) S 0 0 0 0 0 0 0 0 0 0 250 50 0"), Some(3.0));
    }
}
