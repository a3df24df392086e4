//! Live configuration: ingest's feeds and publish's subscriptions are reloaded
//! on SIGHUP and when the configuration file changes, validated first and
//! swapped in whole.
//!
//! The pattern, written once here and used by both services:
//! 1. **Trigger**: SIGHUP, or the SHA-256 of the file(s) differing from the
//!    last one looked at ([`watch`]). The file is read by path every
//!    `reload.poll_secs` and hashed; nothing is kept open and no inode is
//!    watched, so an editor's rename-over, `mv new old` and a Kubernetes
//!    ConfigMap's symlink swap (`..data` pointing at a new folder) are all seen
//!    as what they are: new content at the same path. We chose this over the
//!    `notify` crate (inotify/kqueue): inotify watches inodes, so a watch on the
//!    file is lost at the first rename and a ConfigMap swap only shows as events
//!    on the parent folder's `..data` link, which must be watched and filtered
//!    instead; events also arrive mid-write and in bursts, and do not work on
//!    some network and overlay file systems. Hashing a small file every few
//!    seconds costs nothing, catches every case with one rule, and doubles as
//!    the version shown in `newswire_config_info{sha256}`; the price is up to
//!    `poll_secs` of delay, and SIGHUP is there for those who want it at once.
//! 2. **Validation**: the bytes read are parsed and validated exactly as at
//!    start-up ([`crate::config::load_from`]); a file that does not load is
//!    `invalid`, logged with every reason, and changes nothing.
//! 3. **Restart-only settings**: the new configuration is compared with the
//!    one in force ([`diff`]); every changed setting outside the service's
//!    live ones ([`LiveConfig::LIVE`]) — Kafka brokers and security, topic
//!    names, listen addresses, group prefix, data folder, poll lists, … — makes
//!    the reload `restart_required`, naming each such setting, and nothing is
//!    applied (not even the live part: a file is taken whole or not at all).
//! 4. **Swap**: the service builds its new live state from the validated
//!    configuration and stores it in an [`arc_swap::ArcSwap`]. A request or a
//!    story loads the `Arc` once and is handled entirely under it, so it sees
//!    the old set or the new one, never a mix. We chose `ArcSwap` over
//!    `RwLock<Arc<_>>`: readers (every push, every story) never block or
//!    contend with each other or with the writer, there is no lock to poison,
//!    and no guard can be held across an `.await` by mistake; a reload is rare,
//!    reads are constant, which is exactly the case `ArcSwap` is made for.
//!
//! Metrics: `newswire_config_reloads_total{outcome}` (`applied`, `unchanged`,
//! `invalid`, `restart_required`, `failed`) and `newswire_config_info{sha256}`
//! = 1 for the file(s) in force.

pub mod diff;
pub mod metrics;
pub mod reloader;
pub mod watch;

use std::future::Future;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::Validate;

pub use reloader::Reloader;

/// What one reload attempt came to: the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The new configuration is in force.
    Applied,
    /// The file(s) loaded, but the live settings are the same (a comment changed, or nothing).
    Unchanged,
    /// The file(s) could not be read or did not validate.
    Invalid,
    /// A setting that only a restart can change was changed.
    RestartRequired,
    /// Valid, but the service could not prepare it (a topic could not be created).
    Failed,
}

impl Outcome {
    /// Every outcome, for exporting each from start-up.
    pub const ALL: [Outcome; 5] =
        [Outcome::Applied, Outcome::Unchanged, Outcome::Invalid, Outcome::RestartRequired, Outcome::Failed];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Unchanged => "unchanged",
            Outcome::Invalid => "invalid",
            Outcome::RestartRequired => "restart_required",
            Outcome::Failed => "failed",
        }
    }
}

/// The service-specific part of a reload: which settings are live and how the
/// new live state is built and swapped in.
pub trait LiveConfig: Send + 'static {
    /// The service's table (`[ingest]`, `[publish]`).
    type Service: DeserializeOwned + Serialize + Default + Validate + Send + Sync + 'static;

    /// The table's name.
    const SECTION: &'static str;

    /// The table's settings that apply live; any other changed setting needs a restart.
    const LIVE: &'static [&'static str];

    /// Files besides the main one that hold part of the configuration (publish's
    /// `subscriptions_file`): hashed with it and watched with it.
    fn extra_files(&self, _service: &Self::Service) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Changes inside the live settings that still need a restart (publish: a
    /// webhook added, removed or moved, whose worker starts with the process),
    /// each named as a setting path; empty by default.
    fn restart_only(&self, _new: &Self::Service) -> Vec<String> {
        Vec::new()
    }

    /// Builds the live state from `new` (validated, with no restart-only change)
    /// and swaps it in. Returns what changed, one line per feed or subscription
    /// added, removed or changed; empty when the live state is the same (then
    /// nothing needs swapping). An error means nothing was swapped.
    fn apply(&mut self, new: &Self::Service) -> impl Future<Output = Result<Vec<String>, String>> + Send;
}
