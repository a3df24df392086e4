//! Online single-pass event clustering: each story, as it arrives, joins the
//! open cluster whose centroid is most like it or opens a new one, and is never
//! moved after. The same stories in the same order give the same clusters.
//!
//! A story is a unit TF-IDF vector of its [`terms`](super::terms), with document
//! frequencies counted online (a stream cannot see the future). Candidates come
//! from postings: for each of the story's strongest terms, the clusters most
//! recently updated with it (a bounded number), so a story costs the same
//! however many clusters are open. A cluster stops attracting stories once it
//! has been idle for the window, and is then forgotten.

use std::collections::{BTreeMap, VecDeque};

use rustc_hash::FxHashMap;

use super::terms::{story_terms, TermWeights};

/// The clustering's parameters; the defaults are the ones measured in
/// `docs/event-clustering.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSettings {
    /// How long a cluster stays open with no new story, in milliseconds.
    pub window_ms: i64,
    /// The least cosine between a story and a centroid for the story to join.
    pub join_threshold: f32,
    /// How many of a story's strongest terms look up candidate clusters.
    pub query_terms: usize,
    /// How many clusters a term's postings keep (the most recently updated).
    pub postings_per_term: usize,
    /// How many terms a centroid keeps (its strongest).
    pub centroid_terms: usize,
    /// How words are weighted before IDF.
    pub weights: TermWeights,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            window_ms: 6 * 3600 * 1000,
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
}

impl AssignmentKind {
    /// The metric label: `new` or `joined`.
    pub fn label(self) -> &'static str {
        match self {
            AssignmentKind::New => "new",
            AssignmentKind::Joined => "joined",
        }
    }
}

/// The cluster a story was put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// The cluster's id: clusters are numbered from 0 in the order they open.
    pub cluster: u64,
    /// Whether the story opened it.
    pub kind: AssignmentKind,
    /// How many stories the cluster holds, this one included.
    pub size: u32,
    /// When the cluster's first story was published, in milliseconds since the epoch.
    pub first_seen_ms: i64,
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
}

/// The clusters, the postings that find them, and the document frequencies.
#[derive(Debug)]
pub struct EventClusterer {
    settings: ClusterSettings,
    /// Term → id; `terms[id]` is the term back (ties between equal weights are
    /// broken by the term, so the result does not depend on ids' order).
    term_ids: FxHashMap<String, u32>,
    terms: Vec<String>,
    document_frequency: Vec<u32>,
    documents: u64,
    clusters: FxHashMap<u64, Cluster>,
    /// Term id → the clusters last updated with it, least recent first.
    postings: FxHashMap<u32, VecDeque<u64>>,
    /// Clusters in the order they were last updated, with that time: the
    /// front ones are the first to close.
    closing: VecDeque<(i64, u64)>,
    next_cluster: u64,
    /// The latest story time seen: the clustering's clock.
    now_ms: i64,
}

impl EventClusterer {
    /// An empty clusterer.
    pub fn new(settings: ClusterSettings) -> Self {
        EventClusterer {
            settings,
            term_ids: FxHashMap::default(),
            terms: Vec::new(),
            document_frequency: Vec::new(),
            documents: 0,
            clusters: FxHashMap::default(),
            postings: FxHashMap::default(),
            closing: VecDeque::new(),
            next_cluster: 0,
            now_ms: i64::MIN,
        }
    }

    /// How many clusters are open.
    pub fn open_clusters(&self) -> usize {
        self.clusters.len()
    }

    /// Puts `story` in a cluster: the open one most like it, if like enough, or a new one.
    pub fn assign(&mut self, story: StoryText<'_>) -> Assignment {
        self.now_ms = self.now_ms.max(story.at_ms);
        self.close_idle_clusters();
        let vector = self.vector(story);
        let best = self.best_candidate(&vector);
        match best {
            Some((cluster, score)) if score >= self.settings.join_threshold => self.join(cluster, &vector),
            _ => self.open(&vector),
        }
    }

    /// The story's unit TF-IDF vector, strongest terms first (ties by term),
    /// after counting its terms' document frequencies.
    fn vector(&mut self, story: StoryText<'_>) -> Vec<(u32, f32)> {
        let terms = story_terms(story.headline, story.url, &self.settings.weights);
        self.documents += 1;
        let documents = self.documents as f32;
        let ids: Vec<(u32, f32)> = terms.into_iter().filter_map(|(term, tf)| self.term_id(term).map(|id| (id, tf))).collect();
        let mut vector: Vec<(u32, f32)> = ids
            .into_iter()
            .map(|(id, tf)| {
                self.document_frequency[id as usize] += 1;
                let df = self.document_frequency[id as usize] as f32;
                (id, tf * ((documents + 1.0) / (df + 0.5)).ln())
            })
            .collect();
        let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        self.sort_strongest_first(&mut vector);
        vector
    }

    /// The term's id, given it on first sight; `None` once 2^32 terms have
    /// ids, when a new term is left out of the story's vector. (The vocabulary
    /// is not bounded otherwise yet: `docs/event-clustering.md`.)
    fn term_id(&mut self, term: String) -> Option<u32> {
        if let Some(&id) = self.term_ids.get(&term) {
            return Some(id);
        }
        let id = u32::try_from(self.terms.len()).ok()?;
        self.term_ids.insert(term.clone(), id);
        self.terms.push(term);
        self.document_frequency.push(0);
        Some(id)
    }

    fn sort_strongest_first(&self, terms: &mut [(u32, f32)]) {
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| self.terms[a.0 as usize].cmp(&self.terms[b.0 as usize])));
    }

    /// The open cluster most like `vector` among those its strongest terms'
    /// postings name, with its cosine (ties: the older cluster).
    fn best_candidate(&mut self, vector: &[(u32, f32)]) -> Option<(u64, f32)> {
        let mut candidates = Vec::new();
        for &(term, _) in vector.iter().take(self.settings.query_terms) {
            let Some(posting) = self.postings.get_mut(&term) else { continue };
            posting.retain(|id| self.clusters.contains_key(id));
            candidates.extend(posting.iter().copied());
            if posting.is_empty() {
                self.postings.remove(&term);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(u64, f32)> = None;
        for (id, cluster) in candidates.into_iter().filter_map(|id| self.clusters.get(&id).map(|cluster| (id, cluster))) {
            let score = cosine(vector, cluster);
            if best.is_none_or(|(_, top)| score > top) {
                best = Some((id, score));
            }
        }
        best
    }

    fn join(&mut self, id: u64, vector: &[(u32, f32)]) -> Assignment {
        let Some(joined) = self.clusters.get(&id) else {
            // Candidates are read from the open clusters just before; never reached.
            return self.open(vector);
        };
        let mut sum: BTreeMap<u32, f32> = joined.centroid.iter().copied().collect();
        for &(term, weight) in vector {
            *sum.entry(term).or_insert(0.0) += weight;
        }
        let centroid = self.strongest(sum.into_iter().collect());
        let Some(cluster) = self.clusters.get_mut(&id) else {
            return self.open(vector);
        };
        cluster.norm = norm(&centroid);
        cluster.centroid = centroid;
        cluster.last_ms = self.now_ms.max(cluster.last_ms);
        cluster.size += 1;
        let assignment = Assignment { cluster: id, kind: AssignmentKind::Joined, size: cluster.size, first_seen_ms: cluster.first_ms };
        self.touch(id);
        assignment
    }

    fn open(&mut self, vector: &[(u32, f32)]) -> Assignment {
        let id = self.next_cluster;
        self.next_cluster += 1;
        let centroid = self.strongest(vector.to_vec());
        let cluster = Cluster { norm: norm(&centroid), centroid, first_ms: self.now_ms, last_ms: self.now_ms, size: 1 };
        self.clusters.insert(id, cluster);
        self.touch(id);
        Assignment { cluster: id, kind: AssignmentKind::New, size: 1, first_seen_ms: self.now_ms }
    }

    /// The `centroid_terms` strongest of `terms` (ties by term), by term id.
    fn strongest(&self, mut terms: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
        self.sort_strongest_first(&mut terms);
        terms.truncate(self.settings.centroid_terms);
        terms.sort_unstable_by_key(|&(term, _)| term);
        terms
    }

    /// Records that cluster `id` was just updated: last in each of its terms'
    /// postings (which keep the most recent `postings_per_term`), and last to close.
    fn touch(&mut self, id: u64) {
        let keep = self.settings.postings_per_term;
        let Some(cluster) = self.clusters.get(&id) else { return };
        for &(term, _) in &cluster.centroid {
            let posting = self.postings.entry(term).or_default();
            if posting.back() != Some(&id) {
                posting.retain(|&other| other != id);
                posting.push_back(id);
                if posting.len() > keep {
                    posting.pop_front();
                }
            }
        }
        self.closing.push_back((self.now_ms, id));
    }

    /// Forgets the clusters idle for longer than the window.
    fn close_idle_clusters(&mut self) {
        let horizon = self.now_ms.saturating_sub(self.settings.window_ms);
        while let Some(&(updated, id)) = self.closing.front() {
            if updated >= horizon {
                break;
            }
            self.closing.pop_front();
            // Only a cluster's latest update counts; an earlier entry is stale.
            if self.clusters.get(&id).is_some_and(|c| c.last_ms < horizon) {
                self.clusters.remove(&id);
            }
        }
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
mod tests {
    use super::*;

    const HOUR: i64 = 3600 * 1000;

    fn story(headline: &str, at_ms: i64) -> StoryText<'_> {
        StoryText { headline, url: None, at_ms }
    }

    /// A background of unrelated stories, so that IDF tells common words from rare ones.
    fn warmed_up() -> EventClusterer {
        let mut c = EventClusterer::new(ClusterSettings::default());
        for i in 0..200 {
            c.assign(story(&format!("Background item {i} about topic{i} and subject{i}"), 0));
        }
        c
    }

    #[test]
    fn differently_worded_stories_of_one_event_share_a_cluster_and_another_event_does_not() {
        let mut c = warmed_up();
        let a = c.assign(story("Supreme Court strikes down Ohio voting law", HOUR));
        let b = c.assign(story("Ohio voting law struck down by Supreme Court justices", HOUR + 60_000));
        let other = c.assign(story("Heavy snow closes Alpine passes in Switzerland", HOUR + 120_000));
        let d = c.assign(story("What the Supreme Court ruling on Ohio's voting law means", HOUR + 180_000));
        assert_eq!(a.kind, AssignmentKind::New);
        assert_eq!((b.cluster, b.kind, b.size), (a.cluster, AssignmentKind::Joined, 2));
        assert_eq!(d.cluster, a.cluster);
        assert_eq!(d.size, 3);
        assert_eq!(d.first_seen_ms, HOUR);
        assert_ne!(other.cluster, a.cluster);
        assert_eq!(other.kind, AssignmentKind::New);
    }

    #[test]
    fn a_cluster_idle_for_longer_than_the_window_takes_no_more_stories_and_is_forgotten() {
        let mut c = warmed_up();
        let first = c.assign(story("Supreme Court strikes down Ohio voting law", HOUR));
        let open = c.open_clusters();
        let late = c.assign(story("Supreme Court strikes down Ohio voting law", HOUR + 7 * HOUR));
        assert_ne!(late.cluster, first.cluster, "the window is 6 h of inactivity");
        assert_eq!(late.kind, AssignmentKind::New);
        assert!(c.open_clusters() < open, "idle clusters are forgotten");
    }

    #[test]
    fn updates_keep_a_cluster_open_past_the_window_from_its_first_story() {
        let mut c = warmed_up();
        let first = c.assign(story("Supreme Court strikes down Ohio voting law", HOUR));
        for step in 1..=4 {
            let update = c.assign(story("Ohio voting law: Supreme Court ruling reactions", HOUR + step * 4 * HOUR));
            assert_eq!(update.cluster, first.cluster, "update {step}");
        }
    }

    #[test]
    fn the_same_stories_in_the_same_order_give_the_same_clusters() {
        let headlines: Vec<String> = (0..300).map(|i| format!("Story {} about matter{} and matter{}", i, i % 17, i % 5)).collect();
        let run = || {
            let mut c = EventClusterer::new(ClusterSettings::default());
            headlines.iter().enumerate().map(|(i, h)| c.assign(story(h, i as i64 * 60_000)).cluster).collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn candidates_come_from_bounded_postings() {
        let mut c = EventClusterer::new(ClusterSettings { postings_per_term: 3, ..ClusterSettings::default() });
        for i in 0..20 {
            c.assign(story(&format!("Election unique{i} words{i} here{i}"), i));
        }
        assert!(c.postings.values().all(|p| p.len() <= 3));
        let id = c.term_ids["election"];
        assert_eq!(c.postings[&id].len(), 3);
    }

    #[test]
    fn a_story_without_words_opens_its_own_cluster() {
        let mut c = warmed_up();
        let a = c.assign(story("...", HOUR));
        let b = c.assign(story("", HOUR));
        assert_eq!(a.kind, AssignmentKind::New);
        assert_eq!(b.kind, AssignmentKind::New);
        assert_ne!(a.cluster, b.cluster);
    }
}
