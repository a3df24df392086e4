//! What happens to held stories, logged and counted together (the pattern of
//! [`newswire_shared::events`]); staged with the batch and emitted only when
//! it commits, since an aborted batch is processed again.

use chrono::{DateTime, Utc};

use crate::embargo::decision::Cancel;
use crate::metrics::PublishMetrics;

/// Something that happened to an embargoed story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbargoEvent {
    /// The story is held until `until` (replacing a held version when `replaced`).
    Held {
        /// The story.
        uri: String,
        /// Its release time.
        until: DateTime<Utc>,
        /// Whether it replaced a held version of the story.
        replaced: bool,
    },
    /// The story was released at `at`, its embargo ending at `until`.
    Released {
        /// The story.
        uri: String,
        /// Its release time.
        until: DateTime<Utc>,
        /// When it went out.
        at: DateTime<Utc>,
    },
    /// The held story was cancelled before its time.
    Cancelled {
        /// The story.
        uri: String,
        /// Why.
        reason: Cancel,
    },
}

impl EmbargoEvent {
    /// Logs the event and counts it: `newswire_embargo_holds_total`,
    /// `newswire_embargo_releases_total` with `newswire_embargo_release_delay_seconds`,
    /// `newswire_embargo_cancellations_total{reason}`.
    pub fn emit(&self, metrics: &PublishMetrics) {
        match self {
            EmbargoEvent::Held { uri, until, replaced } => {
                tracing::info!(uri, until = %until.to_rfc3339(), replaced, "embargoed story held");
                metrics.embargo_holds.inc();
            }
            EmbargoEvent::Released { uri, until, at } => {
                let late = (*at - *until).num_milliseconds().max(0) as f64 / 1000.0;
                tracing::info!(uri, until = %until.to_rfc3339(), late_seconds = late, "embargoed story released");
                metrics.embargo_releases.inc();
                metrics.embargo_release_delay.observe(late);
            }
            EmbargoEvent::Cancelled { uri, reason } => {
                tracing::info!(uri, reason = reason.as_str(), "held embargoed story cancelled");
                metrics.embargo_cancellations.with_label_values(&[reason.as_str()]).inc();
            }
        }
    }
}
