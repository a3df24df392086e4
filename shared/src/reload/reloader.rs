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
        let path = config::config_path();
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
