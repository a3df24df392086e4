//! Online single-pass event clustering: each story, as it arrives, joins the
//! open cluster whose centroid is most like it or opens a new one, and is never
//! moved after. The same stories in the same order give the same clusters.
//!
//! A story is a unit TF-IDF vector of its [`terms`](super::terms), with document
//! frequencies counted online over the stories of the story window (a stream
//! cannot see the future; [`Vocabulary`]). Candidates come from postings: for
//! each of the story's strongest terms, the open clusters most recently
//! updated whose centroid holds it (a bounded number), so a story costs the
//! same however many clusters are open. A cluster stops attracting stories
//! once it has been idle for the window, and is then forgotten.
//!
//! Everything the clusterer holds can be rebuilt from what it reports
//! ([`StoryRecord`] for each story, [`ClusterRecord`] for each cluster it
//! changed): [`EventClusterer::restore`] gives a clusterer that decides the
//! next story exactly as the one that wrote them would have, which is what
//! lets the stage keep its state in Kafka ([`super::store`]).

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use super::records::{ClusterRecord, StoryRecord};
use super::terms::{story_terms, TermWeights};
use super::vocabulary::Vocabulary;

const HOUR_MS: i64 = 3600 * 1000;

/// The clustering's parameters; the defaults are the ones measured in
/// `docs/event-clustering.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSettings {
    /// How far from a cluster's stories (before its first, after its last) a
    /// story's own time may be for it to join, in milliseconds: a cluster with
    /// no new story for this long takes no more.
    pub window_ms: i64,
    /// How much longer a cluster is kept for stories that arrive late, in
    /// milliseconds: a stage that reads one partition behind the others (a
    /// fetch's worth of a backlog can be a day of stories) sees stories older
    /// than its clock, and they must still find their clusters.
    pub late_ms: i64,
    /// How long a story counts in the document frequencies, in milliseconds
    /// (whole hours: stories leave it an hour at a time).
    pub story_window_ms: i64,
    /// The least cosine between a story and a centroid for the story to join.
    pub join_threshold: f32,
    /// How many of a story's strongest terms look up candidate clusters.
    pub query_terms: usize,
    /// How many clusters a term's postings offer (the most recently updated).
    pub postings_per_term: usize,
    /// How many terms a centroid keeps (its strongest).
    pub centroid_terms: usize,
    /// How words are weighted before IDF.
    pub weights: TermWeights,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            window_ms: 6 * HOUR_MS,
            late_ms: 24 * HOUR_MS,
            story_window_ms: 7 * 24 * HOUR_MS,
            join_threshold: 0.10,
            query_terms: 10,
            postings_per_term: 50,
            centroid_terms: 100,
            weights: TermWeights::default(),
        }
    }
}

/// What the clustering needs of a story.
#[derive(Debug, Clone, Copy)]
pub struct StoryText<'a> {
    /// The story's id: a cluster it opens is named after it ([`event_id`]).
    pub key: &'a str,
    /// Its headline.
    pub headline: &'a str,
    /// Its URL, whose slug words count too, if it has one.
    pub url: Option<&'a str>,
    /// When it was first published (or seen), in milliseconds since the epoch.
    pub at_ms: i64,
}

/// Whether a story opened a cluster or joined one (a metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentKind {
    /// The story opened a new cluster.
    New,
    /// The story joined an open cluster.
    Joined,
    /// The story was assigned before (a new version, or a near-duplicate,
    /// which shares its original's story id) and takes the same cluster
    /// again, changing nothing ([`super::EventStore::assign`]).
    Repeat,
}

impl AssignmentKind {
    /// The metric label: `new`, `joined` or `repeat`.
    pub fn label(self) -> &'static str {
        match self {
            AssignmentKind::New => "new",
            AssignmentKind::Joined => "joined",
            AssignmentKind::Repeat => "repeat",
        }
    }
}

/// The cluster a story was put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// The cluster's id ([`event_id`] of the story that opened it).
    pub cluster: u64,
    /// Whether the story opened it.
    pub kind: AssignmentKind,
    /// How many stories the cluster holds, this one included.
    pub size: u32,
    /// When the cluster's first story was published, in milliseconds since the epoch.
    pub first_seen_ms: i64,
}

/// The id of the cluster a story with this key opens: the first eight bytes
/// of the key's SHA-256, the same on every instance and after every restart.
pub fn event_id(key: &str) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// How an event id is written in articles: 16 lower-case hex digits.
pub fn event_label(cluster: u64) -> String {
    format!("{cluster:016x}")
}

/// An open event cluster.
#[derive(Debug, Clone)]
struct Cluster {
    /// The sum of its stories' unit vectors, cut to the strongest terms, by term id.
    centroid: Vec<(u32, f32)>,
    norm: f32,
    first_ms: i64,
    last_ms: i64,
    size: u32,
    /// The story count at its opening and at its last update: the order of
    /// age and of recency, the same after a restore.
    first_seq: u64,
    last_seq: u64,
}

/// The clusters, the postings that find them, and the vocabulary.
#[derive(Debug)]
pub struct EventClusterer {
    settings: ClusterSettings,
    vocabulary: Vocabulary,
    clusters: FxHashMap<u64, Cluster>,
    /// Term id → the open clusters whose centroid holds it, by their last update: `(last_seq, id)`.
    postings: FxHashMap<u32, BTreeSet<(u64, u64)>>,
    /// Open clusters by last update time, the first ones the first to close.
    closing: BTreeSet<(i64, u64)>,
    /// Stories counted so far: the next story's sequence number.
    seq: u64,
    /// The latest story time seen: the clustering's clock.
    now_ms: i64,
    /// Stories counted before this time have left the document frequencies.
    counted_from_ms: i64,
}

/// What [`EventClusterer::assign`] did: the assignment, and what to record so
/// that [`EventClusterer::restore`] can rebuild the clusterer.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Where the story went.
    pub assignment: Assignment,
    /// The story, as counted.
    pub story: StoryRecord,
    /// The cluster it went to, as it is now.
    pub cluster: ClusterRecord,
    /// The stories counted at a time in this range, `[from, to)`, must now be
    /// forgotten ([`EventClusterer::forget_story`]): the story window moved on.
    pub forget: Option<(i64, i64)>,
}

impl EventClusterer {
    /// An empty clusterer.
    pub fn new(settings: ClusterSettings) -> Self {
        EventClusterer {
            settings,
            vocabulary: Vocabulary::default(),
            clusters: FxHashMap::default(),
            postings: FxHashMap::default(),
            closing: BTreeSet::new(),
            seq: 0,
            now_ms: i64::MIN,
            counted_from_ms: i64::MIN,
        }
    }

    /// A clusterer that decides as the one that reported `stories` and
    /// `clusters` did (a record reported twice, or an older copy of a
    /// cluster's record, is harmless: the latest copy counts). Stories before
    /// the story window and clusters idle past theirs are left out.
    pub fn restore(settings: ClusterSettings, stories: Vec<StoryRecord>, clusters: Vec<ClusterRecord>) -> Self {
        let mut clusterer = EventClusterer::new(settings);
        let now_ms = stories.iter().map(|s| s.at_ms).chain(clusters.iter().map(|c| c.last_ms)).max();
        let Some(now_ms) = now_ms else { return clusterer };
        clusterer.now_ms = now_ms;
        clusterer.seq = stories.iter().map(|s| s.seq + 1).chain(clusters.iter().map(|c| c.last_seq + 1)).max().unwrap_or(0);
        clusterer.counted_from_ms = clusterer.story_horizon(now_ms);
        let counted_from_ms = clusterer.counted_from_ms;
        for story in stories.iter().filter(|s| s.at_ms >= counted_from_ms) {
            clusterer.count(&story.terms);
        }
        let mut latest: BTreeMap<u64, ClusterRecord> = BTreeMap::new();
        for record in clusters {
            if latest.get(&record.id).is_none_or(|kept| (kept.last_seq, kept.size) < (record.last_seq, record.size)) {
                latest.insert(record.id, record);
            }
        }
        let horizon = clusterer.forget_horizon();
        for record in latest.into_values().filter(|r| r.last_ms >= horizon) {
            clusterer.take_in(&record);
        }
        clusterer
    }

    /// Takes in a story another instance counted (its document frequencies).
    pub fn count_remote_story(&mut self, story: &StoryRecord) {
        if story.at_ms >= self.counted_from_ms {
            self.count(&story.terms);
        }
        self.seq = self.seq.max(story.seq + 1);
    }

    /// Takes in a cluster another instance changed (it replaces this one's copy when newer).
    pub fn take_in_remote_cluster(&mut self, record: &ClusterRecord) {
        if self.clusters.get(&record.id).is_some_and(|c| (c.last_seq, c.size) >= (record.last_seq, record.size)) {
            return;
        }
        self.remove_cluster(record.id);
        if record.last_ms >= self.forget_horizon() {
            self.take_in(record);
        }
        self.seq = self.seq.max(record.last_seq + 1);
    }

    /// How many clusters are open.
    pub fn open_clusters(&self) -> usize {
        self.clusters.len()
    }

    /// The clustering's clock: the latest story time it counted.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Clusters whose last story is older than this are forgotten: the window
    /// and the allowance for late stories before the clock.
    pub fn forget_horizon(&self) -> i64 {
        self.now_ms.saturating_sub(self.settings.window_ms).saturating_sub(self.settings.late_ms)
    }

    /// How many terms the vocabulary holds.
    pub fn vocabulary_len(&self) -> usize {
        self.vocabulary.len()
    }

    /// The cluster's size and first story's time, while it is open.
    pub fn cluster_size(&self, id: u64) -> Option<(u32, i64)> {
        self.clusters.get(&id).map(|c| (c.size, c.first_ms))
    }

    /// Stops counting a story that left the story window ([`Placed::forget`]).
    pub fn forget_story(&mut self, story: &StoryRecord) {
        self.vocabulary.uncount_story(&story.terms);
    }

    /// Puts `story` in a cluster: the open one most like it, if like enough, or a new one.
    pub fn assign(&mut self, story: StoryText<'_>) -> Placed {
        let forget = self.advance_clock(story.at_ms);
        self.close_idle_clusters();
        let (vector, terms) = self.vector(story);
        let best = self.best_candidate(&vector, story.at_ms);
        let assignment = match best {
            Some((cluster, score)) if score >= self.settings.join_threshold => self.join(cluster, &vector, story.at_ms),
            _ => self.open(story.key, &vector, story.at_ms),
        };
        let story = StoryRecord {
            event: assignment.cluster,
            seq: self.seq,
            at_ms: self.now_ms,
            size: assignment.size,
            first_seen_ms: assignment.first_seen_ms,
            terms,
        };
        self.seq += 1;
        let cluster = self.record(assignment.cluster).unwrap_or_else(|| ClusterRecord::empty(assignment.cluster));
        Placed { assignment, story, cluster, forget }
    }

    /// Moves the clock to `at_ms` if later; answers the times whose stories
    /// leave the story window when it moved to another hour.
    fn advance_clock(&mut self, at_ms: i64) -> Option<(i64, i64)> {
        self.now_ms = self.now_ms.max(at_ms);
        let horizon = self.story_horizon(self.now_ms);
        (horizon > self.counted_from_ms).then(|| (std::mem::replace(&mut self.counted_from_ms, horizon), horizon))
    }

    /// Where the story window starts when the clock reads `now_ms`: whole hours,
    /// so that it moves (and forgets) once an hour, not at every story.
    fn story_horizon(&self, now_ms: i64) -> i64 {
        now_ms.div_euclid(HOUR_MS).saturating_mul(HOUR_MS).saturating_sub(self.settings.story_window_ms)
    }

    /// The story's unit TF-IDF vector, strongest terms first (ties by term),
    /// after counting its terms; and its terms.
    fn vector(&mut self, story: StoryText<'_>) -> (Vec<(u32, f32)>, Vec<String>) {
        let weighted = story_terms(story.headline, story.url, &self.settings.weights);
        let terms: Vec<String> = weighted.keys().cloned().collect();
        let ids = self.count(&terms);
        let mut vector: Vec<(u32, f32)> =
            weighted.values().zip(&ids).filter_map(|(tf, id)| id.map(|id| (id, tf * self.vocabulary.idf(id)))).collect();
        let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        self.sort_strongest_first(&mut vector);
        (vector, terms)
    }

    /// Counts a story with `terms` in the document frequencies; answers their ids.
    fn count(&mut self, terms: &[String]) -> Vec<Option<u32>> {
        let ids: Vec<Option<u32>> = terms.iter().map(|term| self.vocabulary.id(term)).collect();
        self.vocabulary.count_story(&ids.iter().flatten().copied().collect::<Vec<_>>());
        ids
    }

    fn sort_strongest_first(&self, terms: &mut [(u32, f32)]) {
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| self.vocabulary.term(a.0).cmp(self.vocabulary.term(b.0))));
    }

    /// The open cluster most like `vector` among those its strongest terms'
    /// postings offer whose stories span `at_ms` give or take the window, with
    /// its cosine (ties: the older cluster).
    fn best_candidate(&self, vector: &[(u32, f32)], at_ms: i64) -> Option<(u64, f32)> {
        let window = self.settings.window_ms;
        let near = |c: &Cluster| c.first_ms.saturating_sub(window) <= at_ms && at_ms <= c.last_ms.saturating_add(window);
        let mut candidates = Vec::new();
        for &(term, _) in vector.iter().take(self.settings.query_terms) {
            if let Some(posting) = self.postings.get(&term) {
                candidates.extend(posting.iter().rev().take(self.settings.postings_per_term).map(|&(_, id)| id));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(u64, f32, u64)> = None;
        for (id, cluster) in candidates.into_iter().filter_map(|id| self.clusters.get(&id).filter(|c| near(c)).map(|cluster| (id, cluster))) {
            let score = cosine(vector, cluster);
            let better = best.is_none_or(|(_, top, age)| score > top || (score == top && cluster.first_seq < age));
            if better {
                best = Some((id, score, cluster.first_seq));
            }
        }
        best.map(|(id, score, _)| (id, score))
    }

    fn join(&mut self, id: u64, vector: &[(u32, f32)], at_ms: i64) -> Assignment {
        let Some(joined) = self.clusters.get(&id) else {
            // Candidates are read from the open clusters just before; never reached.
            return self.open(&event_label(id), vector, at_ms);
        };
        let mut sum: BTreeMap<u32, f32> = joined.centroid.iter().copied().collect();
        for &(term, weight) in vector {
            *sum.entry(term).or_insert(0.0) += weight;
        }
        let (centroid, norm) = self.strongest(sum.into_iter().collect());
        let mut cluster = joined.clone();
        cluster.centroid = centroid;
        cluster.norm = norm;
        cluster.first_ms = cluster.first_ms.min(at_ms);
        cluster.last_ms = cluster.last_ms.max(at_ms);
        cluster.last_seq = self.seq;
        cluster.size += 1;
        let assignment = Assignment { cluster: id, kind: AssignmentKind::Joined, size: cluster.size, first_seen_ms: cluster.first_ms };
        self.remove_cluster(id);
        self.insert_cluster(id, cluster);
        assignment
    }

    fn open(&mut self, key: &str, vector: &[(u32, f32)], at_ms: i64) -> Assignment {
        let mut id = event_id(key);
        let mut attempt = 0u32;
        while self.clusters.contains_key(&id) {
            // The same key opening a second cluster (a replayed story id): a distinct id, as deterministic.
            attempt += 1;
            id = event_id(&format!("{key}#{attempt}"));
        }
        let (centroid, norm) = self.strongest(vector.to_vec());
        let cluster = Cluster { centroid, norm, first_ms: at_ms, last_ms: at_ms, size: 1, first_seq: self.seq, last_seq: self.seq };
        self.insert_cluster(id, cluster);
        Assignment { cluster: id, kind: AssignmentKind::New, size: 1, first_seen_ms: at_ms }
    }

    /// The `centroid_terms` strongest of `terms` (ties by term), by term id,
    /// with their norm (summed strongest first, so in an order ids do not change).
    fn strongest(&self, mut terms: Vec<(u32, f32)>) -> (Vec<(u32, f32)>, f32) {
        self.sort_strongest_first(&mut terms);
        terms.truncate(self.settings.centroid_terms);
        let norm = norm(&terms);
        terms.sort_unstable_by_key(|&(term, _)| term);
        (terms, norm)
    }

    /// Adds an open cluster: its terms are held, it is in their postings and in the closing order.
    fn insert_cluster(&mut self, id: u64, cluster: Cluster) {
        for &(term, _) in &cluster.centroid {
            self.vocabulary.hold(term);
            self.postings.entry(term).or_default().insert((cluster.last_seq, id));
        }
        self.closing.insert((cluster.last_ms, id));
        self.clusters.insert(id, cluster);
    }

    /// Removes an open cluster from every structure that names it.
    fn remove_cluster(&mut self, id: u64) -> Option<Cluster> {
        let cluster = self.clusters.remove(&id)?;
        for &(term, _) in &cluster.centroid {
            if let Some(posting) = self.postings.get_mut(&term) {
                posting.remove(&(cluster.last_seq, id));
                if posting.is_empty() {
                    self.postings.remove(&term);
                }
            }
            self.vocabulary.let_go(term);
        }
        self.closing.remove(&(cluster.last_ms, id));
        Some(cluster)
    }

    /// Forgets the clusters idle for longer than the window and the allowance for late stories.
    fn close_idle_clusters(&mut self) {
        let horizon = self.forget_horizon();
        while let Some(&(updated, id)) = self.closing.first() {
            if updated >= horizon {
                break;
            }
            self.closing.pop_first();
            self.remove_cluster(id);
        }
    }

    /// The record of an open cluster, its centroid by term.
    fn record(&self, id: u64) -> Option<ClusterRecord> {
        let c = self.clusters.get(&id)?;
        let centroid = c.centroid.iter().map(|&(term, weight)| (self.vocabulary.term(term).to_owned(), weight.to_bits())).collect();
        Some(ClusterRecord {
            id,
            first_ms: c.first_ms,
            last_ms: c.last_ms,
            size: c.size,
            first_seq: c.first_seq,
            last_seq: c.last_seq,
            centroid,
        })
    }

    /// Opens a cluster from its record.
    fn take_in(&mut self, record: &ClusterRecord) {
        let mut centroid: Vec<(u32, f32)> =
            record.centroid.iter().filter_map(|(term, bits)| self.vocabulary.id(term).map(|id| (id, f32::from_bits(*bits)))).collect();
        self.sort_strongest_first(&mut centroid);
        let norm = norm(&centroid);
        centroid.sort_unstable_by_key(|&(term, _)| term);
        let cluster = Cluster {
            centroid,
            norm,
            first_ms: record.first_ms,
            last_ms: record.last_ms,
            size: record.size,
            first_seq: record.first_seq,
            last_seq: record.last_seq,
        };
        self.insert_cluster(record.id, cluster);
    }
}

/// The cosine of a unit vector and a cluster's centroid.
fn cosine(vector: &[(u32, f32)], cluster: &Cluster) -> f32 {
    if cluster.norm == 0.0 {
        return 0.0;
    }
    let dot: f32 = vector
        .iter()
        .filter_map(|(term, weight)| cluster.centroid.binary_search_by_key(term, |&(t, _)| t).ok().map(|i| weight * cluster.centroid[i].1))
        .sum();
    dot / cluster.norm
}

fn norm(terms: &[(u32, f32)]) -> f32 {
    terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt()
}

#[cfg(test)]
mod tests;
