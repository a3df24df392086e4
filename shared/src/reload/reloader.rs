//! One reload attempt: read the file(s), hash, load and validate, refuse a
//! restart-only change, let the service swap its live state, and report.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::diff::changed_paths;
use super::metrics::{ReloadAttempted, ReloadMetrics};
use super::{LiveConfig, Outcome};
use crate::config::{self, Loaded};
use crate::metrics::Metrics;

/// Holds the configuration in force and applies new versions of it.
pub struct Reloader<L: LiveConfig> {
    live: L,
    path: PathBuf,
    /// Whether the process started with a configuration file; if it did, a
    /// missing file later is an error (mid-swap), not "use the defaults".
    had_file: bool,
    /// The configuration in force, as JSON, for [`changed_paths`].
    current: Value,
    /// The extra files of the configuration in force.
    extra_files: Vec<PathBuf>,
    /// SHA-256 of the file(s) in force.
    sha256: String,
    /// The fingerprint last acted on, so a bad file is reported once, not every poll.
    last_seen: String,
    metrics: ReloadMetrics,
}

/// A configuration read from disk, parsed and validated.
struct Candidate<S> {
    loaded: Loaded<S>,
    extra_files: Vec<PathBuf>,
    sha256: String,
}

impl<L: LiveConfig> Reloader<L> {
    /// A reloader for the configuration `loaded` at start-up (from the file
    /// [`config::config_path`] and the environment), registering its metrics.
    pub fn new(live: L, loaded: &Loaded<L::Service>, metrics: &Metrics) -> Self {
        Self::at(config::config_path(), live, loaded, metrics)
    }

    /// Like [`Reloader::new`], for the configuration file at `path`.
    pub fn at(path: PathBuf, live: L, loaded: &Loaded<L::Service>, metrics: &Metrics) -> Self {
        let extra_files = live.extra_files(&loaded.service);
        let metrics = ReloadMetrics::register(metrics);
        let mut reloader = Reloader {
            live,
            had_file: path.exists(),
            path,
            current: snapshot::<L>(loaded),
            extra_files,
            sha256: String::new(),
            last_seen: String::new(),
            metrics,
        };
        reloader.sha256 = reloader.fingerprint();
        reloader.last_seen = reloader.sha256.clone();
        reloader.metrics.in_force(&reloader.sha256);
        reloader
    }

    /// The SHA-256 of the configuration in force.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Whether the file(s) on disk differ from what was last looked at.
    pub fn changed_on_disk(&self) -> bool {
        self.fingerprint() != self.last_seen
    }

    /// The hash of the main file and the in-force extra files as they are on
    /// disk now, or a description of why they cannot be read.
    fn fingerprint(&self) -> String {
        let main = match self.read_main() {
            Ok(text) => text,
            Err(reason) => return format!("unreadable: {reason}"),
        };
        match hash_files(main.as_bytes(), &self.extra_files) {
            Ok(sha) => sha,
            Err(reason) => format!("unreadable: {reason}"),
        }
    }

    /// The main file's text; empty when there is none and never was.
    fn read_main(&self) -> Result<String, String> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !self.had_file => Ok(String::new()),
            Err(e) => Err(format!("{}: {e}", self.path.display())),
        }
    }

    /// Reads, validates and applies the configuration on disk now; logs and
    /// counts the outcome. `trigger` (`sighup`, `file_change`) goes to the log.
    pub async fn attempt(&mut self, trigger: &str) -> Outcome {
        let (outcome, sha, detail) = match self.read_candidate() {
            Err((sha, detail)) => (Outcome::Invalid, sha, detail),
            Ok(candidate) => {
                let sha = candidate.sha256.clone();
                let (outcome, detail) = self.apply(candidate).await;
                (outcome, sha, detail)
            }
        };
        self.last_seen = sha.clone();
        ReloadAttempted { outcome, trigger, sha256: &sha, detail: &detail }.emit(&self.metrics);
        outcome
    }

    /// The file(s) on disk, loaded and validated; or their hash (as far as it
    /// could be taken) and every reason they are not a valid configuration.
    fn read_candidate(&self) -> Result<Candidate<L::Service>, (String, String)> {
        let main = self.read_main().map_err(|reason| (format!("unreadable: {reason}"), reason))?;
        let main_sha = hash_files(main.as_bytes(), &[]).unwrap_or_default();
        let loaded = config::load_from::<L::Service>(config::figment_from_text(&main), L::SECTION)
            .map_err(|error| (main_sha.clone(), error.to_string()))?;
        let extra_files = self.live.extra_files(&loaded.service);
        let sha256 = hash_files(main.as_bytes(), &extra_files).map_err(|reason| (main_sha, reason))?;
        Ok(Candidate { loaded, extra_files, sha256 })
    }

    /// Refuses a restart-only change, else lets the service swap its live state.
    async fn apply(&mut self, candidate: Candidate<L::Service>) -> (Outcome, String) {
        let next = snapshot::<L>(&candidate.loaded);
        let mut restart_only = restart_only_changes::<L>(&self.current, &next);
        restart_only.extend(self.live.restart_only(&candidate.loaded.service));
        if !restart_only.is_empty() {
            return (Outcome::RestartRequired, format!("only a restart can change {}", restart_only.join(", ")));
        }
        match self.live.apply(&candidate.loaded.service).await {
            Err(reason) => (Outcome::Failed, reason),
            Ok(changes) => {
                self.current = next;
                self.extra_files = candidate.extra_files;
                self.sha256 = candidate.sha256;
                self.metrics.in_force(&self.sha256);
                if changes.is_empty() {
                    (Outcome::Unchanged, "the live settings are as they were".into())
                } else {
                    (Outcome::Applied, changes.join("; "))
                }
            }
        }
    }
}

/// The whole configuration as JSON: the common settings at the top, the
/// service's table under its name, as the file is laid out.
fn snapshot<L: LiveConfig>(loaded: &Loaded<L::Service>) -> Value {
    let mut value = serde_json::to_value(&loaded.common).unwrap_or(Value::Null);
    let service = serde_json::to_value(&loaded.service).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert(L::SECTION.to_owned(), service);
    }
    value
}

/// The changed settings of `old` → `new` that only a restart can apply:
/// every changed path except the service's live settings.
fn restart_only_changes<L: LiveConfig>(old: &Value, new: &Value) -> Vec<String> {
    let live: Vec<String> = L::LIVE.iter().map(|k| format!("{}.{k}", L::SECTION)).collect();
    changed_paths(old, new)
        .into_iter()
        .filter(|path| !live.iter().any(|l| path == l || path.starts_with(&format!("{l}."))))
        .collect()
}

/// SHA-256, in hex, of `main` followed by the bytes of each of `extra`.
fn hash_files(main: &[u8], extra: &[PathBuf]) -> Result<String, String> {
    let mut hasher = Sha256::new();
    hasher.update(main);
    for path in extra {
        hasher.update(read(path)?);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Demo {
        addr: String,
        feeds: Vec<String>,
    }

    impl config::Validate for Demo {
        fn validate(&self, errors: &mut Vec<String>) {
            if self.feeds.iter().any(String::is_empty) {
                errors.push("demo.feeds: an empty feed name".into());
            }
        }
    }

    struct DemoLive(Vec<String>);

    impl LiveConfig for DemoLive {
        type Service = Demo;
        const SECTION: &'static str = "demo";
        const LIVE: &'static [&'static str] = &["feeds"];

        async fn apply(&mut self, new: &Demo) -> Result<Vec<String>, String> {
            let changes = crate::reload::diff::changes_by_name(&self.0, &new.feeds, String::as_str);
            self.0 = new.feeds.clone();
            Ok(changes)
        }
    }

    fn loaded(toml: &str) -> Loaded<Demo> {
        config::load_from(config::figment_from_text(toml), "demo").unwrap()
    }

    #[tokio::test]
    async fn only_a_valid_file_with_no_restart_only_change_is_applied_and_each_outcome_is_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newswire.toml");
        let first = "[demo]\naddr = \"a\"\nfeeds = [\"pa\"]\n";
        std::fs::write(&path, first).unwrap();
        let metrics = Metrics::new("demo");
        let mut reloader = Reloader::at(path.clone(), DemoLive(vec!["pa".into()]), &loaded(first), &metrics);
        assert_eq!(reloader.sha256(), crate::ids::sha256_hex(first.as_bytes()));
        assert!(!reloader.changed_on_disk());

        std::fs::write(&path, "[demo]\nfeeds = [\"\"]\naddr = \"a\"\n").unwrap();
        assert!(reloader.changed_on_disk());
        assert_eq!(reloader.attempt("test").await, Outcome::Invalid);
        assert!(!reloader.changed_on_disk(), "a bad file is acted on once, not every poll");
        assert_eq!(reloader.live.0, ["pa"]);

        std::fs::write(&path, "[demo]\naddr = \"b\"\nfeeds = [\"pa\", \"ap\"]\n").unwrap();
        assert_eq!(reloader.attempt("test").await, Outcome::RestartRequired);
        assert_eq!(reloader.live.0, ["pa"], "a file with a restart-only change is refused whole");

        let second = "[demo]\naddr = \"a\"\nfeeds = [\"pa\", \"ap\"]\n";
        std::fs::write(&path, second).unwrap();
        assert_eq!(reloader.attempt("test").await, Outcome::Applied);
        assert_eq!(reloader.live.0, ["pa", "ap"]);
        std::fs::write(&path, format!("# a comment\n{second}")).unwrap();
        assert_eq!(reloader.attempt("test").await, Outcome::Unchanged);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(reloader.attempt("test").await, Outcome::Invalid, "a file gone mid-swap is not read as the defaults");

        let text = metrics.render();
        for outcome in ["applied", "unchanged", "invalid", "restart_required"] {
            let want = if outcome == "invalid" { 2 } else { 1 };
            assert!(text.contains(&format!("newswire_config_reloads_total{{outcome=\"{outcome}\",stage=\"demo\"}} {want}")), "{outcome}: {text}");
        }
        assert!(text.contains("newswire_config_reloads_total{outcome=\"failed\",stage=\"demo\"} 0"), "{text}");
        let in_force = crate::ids::sha256_hex(format!("# a comment\n{second}").as_bytes());
        assert!(text.contains(&format!("newswire_config_info{{sha256=\"{in_force}\",stage=\"demo\"}} 1")), "{text}");
    }
}
