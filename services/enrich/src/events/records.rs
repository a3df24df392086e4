//! What the event clustering keeps in its state store, one record per story
//! and one per cluster: enough for [`super::EventClusterer::restore`] to
//! rebuild the clusterer exactly (see [`super::store`]).

use serde::{Deserialize, Serialize};

/// A story the clustering counted, under its story id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryRecord {
    /// The cluster it was put in.
    pub event: u64,
    /// Its place in the order the clusterer counted stories.
    pub seq: u64,
    /// The clustering's clock when it was counted, in milliseconds since the epoch.
    pub at_ms: i64,
    /// The cluster's size once it joined.
    pub size: u32,
    /// When the cluster's first story came, in milliseconds since the epoch.
    pub first_seen_ms: i64,
    /// Its terms (each counts once in the document frequencies).
    pub terms: Vec<String>,
}

/// An open cluster, as it was after its last change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    /// Its id.
    pub id: u64,
    /// When its first story came.
    pub first_ms: i64,
    /// When its last story came.
    pub last_ms: i64,
    /// How many stories it holds.
    pub size: u32,
    /// The story counts at its opening and at its last change.
    pub first_seq: u64,
    /// See `first_seq`.
    pub last_seq: u64,
    /// Its centroid: each term with its weight's bits (exact, whatever JSON does to floats).
    pub centroid: Vec<(String, u32)>,
}

impl ClusterRecord {
    /// A record of a cluster with nothing in it (never written in practice:
    /// the clusterer always has the cluster it just assigned to).
    pub fn empty(id: u64) -> Self {
        ClusterRecord { id, first_ms: 0, last_ms: 0, size: 0, first_seq: 0, last_seq: 0, centroid: Vec::new() }
    }
}
