//! Event clustering inside the enrich stage: what it reads of an enriched
//! article, what it writes back into it, and its metrics, counted only when
//! the batch commits (an aborted batch assigns its stories again).

use chrono::{TimeZone, Utc};
use newswire_shared::article::{AltId, Article};
use newswire_shared::enrichment::{EventNote, EVENT_ALTID_ROLE};
use newswire_shared::metrics::Metrics;
use newswire_shared::state::StateError;
use prometheus::{IntCounterVec, IntGauge, Opts};

use super::clusterer::{event_label, Assignment, AssignmentKind, StoryText};
use super::store::EventStore;

/// What the clustering reads of `article`: its story id (a version or a
/// near-duplicate shares its original's, and so its cluster), its headline,
/// its uri when that is a URL (slug words count), and its first publication
/// time, never later than `now_ms` (a story dated in the future would move
/// the clustering's clock on and close every open cluster).
pub fn story_text(article: &Article, now_ms: i64) -> StoryText<'_> {
    let key = if article.newswire.story_id.is_empty() { article.uri.as_str() } else { article.newswire.story_id.as_str() };
    let published = article.firstcreated.or(article.versioncreated).map(|t| t.timestamp_millis());
    StoryText {
        key,
        headline: article.headline().unwrap_or(""),
        url: Some(article.uri.as_str()).filter(|uri| uri.starts_with("http://") || uri.starts_with("https://")),
        at_ms: published.map_or(now_ms, |at| at.min(now_ms)),
    }
}

/// Writes the assignment into the article: an `altids` entry with role
/// [`EVENT_ALTID_ROLE`] (replacing one a feed or an earlier pass sent) and
/// `newswire.enrichment.event` with the cluster's size and first-seen time.
pub fn note(article: &mut Article, assignment: &Assignment) {
    let id = event_label(assignment.cluster);
    article.altids.retain(|altid| altid.role != EVENT_ALTID_ROLE);
    article.altids.push(AltId { role: EVENT_ALTID_ROLE.into(), value: id.clone() });
    let first_seen = Utc.timestamp_millis_opt(assignment.first_seen_ms).single().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let note = EventNote { id, size: assignment.size, first_seen: first_seen.unwrap_or_default() };
    article.newswire.enrichment.get_or_insert_with(Default::default).event = Some(note);
}

/// `newswire_event_clusters_open` and `newswire_event_assignments_total{kind}`.
#[derive(Clone)]
pub struct EventMetrics {
    open: IntGauge,
    assignments: IntCounterVec,
}

impl EventMetrics {
    /// Creates the metrics and registers them with the stage's registry.
    pub fn register(metrics: &Metrics) -> anyhow::Result<Self> {
        let open = IntGauge::new("newswire_event_clusters_open", "Event clusters still open (updated within their window).")?;
        let assignments = IntCounterVec::new(
            Opts::new(
                "newswire_event_assignments_total",
                "Stories put in an event cluster, by kind: new (it opened one), joined (an open one), repeat (a version or near-duplicate of a story already assigned).",
            ),
            &["kind"],
        )?;
        for kind in [AssignmentKind::New, AssignmentKind::Joined, AssignmentKind::Repeat] {
            assignments.with_label_values(&[kind.label()]);
        }
        metrics.register(Box::new(open.clone()));
        metrics.register(Box::new(assignments.clone()));
        Ok(EventMetrics { open, assignments })
    }
}

/// The stage's event clustering: the store, and the batch's assignments
/// waiting for its commit to be counted.
pub struct EventClustering {
    store: EventStore,
    metrics: Option<EventMetrics>,
    pending: Vec<AssignmentKind>,
    /// Whether the last story processed was assigned (and so staged records).
    assigned_last: bool,
}

impl EventClustering {
    /// Clustering on `store`, counted in `metrics` when given.
    pub fn new(store: EventStore, metrics: Option<EventMetrics>) -> Self {
        EventClustering { store, metrics, pending: Vec::new(), assigned_last: false }
    }

    /// Puts the article read from `partition` in its event cluster and notes it there.
    pub fn assign(&mut self, article: &mut Article, partition: i32, now_ms: i64) -> Result<Assignment, StateError> {
        self.assigned_last = false;
        self.store.set_slice(partition);
        let assignment = self.store.assign(story_text(article, now_ms))?;
        self.assigned_last = true;
        note(article, &assignment);
        self.pending.push(assignment.kind);
        Ok(assignment)
    }

    /// The state store, for the runtime.
    pub fn store_mut(&mut self) -> &mut EventStore {
        &mut self.store
    }

    /// The last story processed was dead-lettered: what it assigned is taken back.
    pub fn on_dead_lettered(&mut self) {
        if std::mem::take(&mut self.assigned_last) {
            self.pending.pop();
            self.store.take_back_last();
        }
    }

    /// The batch committed: its assignments are counted.
    pub fn on_commit(&mut self) -> Result<(), StateError> {
        self.assigned_last = false;
        if let Some(metrics) = &self.metrics {
            for kind in self.pending.drain(..) {
                metrics.assignments.with_label_values(&[kind.label()]).inc();
            }
        }
        self.pending.clear();
        self.store.after_commit()?;
        self.refresh_gauge();
        Ok(())
    }

    /// The batch aborted: nothing is counted, and the clusterer is rebuilt from the committed state.
    pub fn on_abort(&mut self) -> Result<(), StateError> {
        self.assigned_last = false;
        self.pending.clear();
        self.store.after_abort()
    }

    /// Takes in what the runtime restored or read from other instances.
    pub fn on_remote_state(&mut self) -> Result<(), StateError> {
        self.store.absorb_remote()?;
        self.refresh_gauge();
        Ok(())
    }

    fn refresh_gauge(&self) {
        if let Some(metrics) = &self.metrics {
            metrics.open.set(i64::try_from(self.store.open_clusters()).unwrap_or(i64::MAX));
        }
    }
}
