//! B-cubed precision, recall and F1 of a clustering against labelled clusters
//! (Bagga and Baldwin, 1998): for each item, the share of its predicted
//! cluster that shares its label (precision) and the share of its label's
//! items in its predicted cluster (recall), averaged over the items.

use std::collections::HashMap;
use std::hash::Hash;

/// A clustering's B-cubed scores.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BCubed {
    /// Mean per-item precision.
    pub precision: f64,
    /// Mean per-item recall.
    pub recall: f64,
    /// Their harmonic mean.
    pub f1: f64,
    /// How many clusters the prediction has.
    pub predicted_clusters: usize,
    /// How many clusters the labels have.
    pub true_clusters: usize,
}

/// Scores `predicted[i]` against `truth[i]` for every item `i`. Panics if the
/// two differ in length; an empty input scores 0.
pub fn bcubed<P: Eq + Hash, T: Eq + Hash>(predicted: &[P], truth: &[T]) -> BCubed {
    assert_eq!(predicted.len(), truth.len(), "one prediction per labelled item");
    let mut predicted_sizes: HashMap<&P, usize> = HashMap::new();
    let mut true_sizes: HashMap<&T, usize> = HashMap::new();
    let mut joint: HashMap<(&P, &T), usize> = HashMap::new();
    for (p, t) in predicted.iter().zip(truth) {
        *predicted_sizes.entry(p).or_default() += 1;
        *true_sizes.entry(t).or_default() += 1;
        *joint.entry((p, t)).or_default() += 1;
    }
    let items = predicted.len() as f64;
    if predicted.is_empty() {
        return BCubed { precision: 0.0, recall: 0.0, f1: 0.0, predicted_clusters: 0, true_clusters: 0 };
    }
    // Each of the n items in cell (p, t) has precision n/|p| and recall n/|t|.
    let (mut precision, mut recall) = (0.0, 0.0);
    for ((p, t), &n) in &joint {
        let n = n as f64;
        precision += n * n / predicted_sizes[p] as f64;
        recall += n * n / true_sizes[t] as f64;
    }
    let (precision, recall) = (precision / items, recall / items);
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    BCubed { precision, recall, f1, predicted_clusters: predicted_sizes.len(), true_clusters: true_sizes.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labels_themselves_score_one() {
        let truth = ["a", "a", "b", "c", "c", "c"];
        let s = bcubed(&truth, &truth);
        assert_eq!((s.precision, s.recall, s.f1), (1.0, 1.0, 1.0));
        assert_eq!((s.predicted_clusters, s.true_clusters), (3, 3));
    }

    #[test]
    fn one_cluster_for_everything_has_full_recall_and_low_precision() {
        let truth = ["a", "a", "b", "b"];
        let s = bcubed(&[0, 0, 0, 0], &truth);
        assert_eq!(s.recall, 1.0);
        assert_eq!(s.precision, 0.5);
    }

    #[test]
    fn a_split_cluster_by_hand() {
        // Truth {1,2,3}{4}; predicted {1,2}{3,4}.
        // Precision: 1, 1, 1/2, 1/2 → 0.75. Recall: 2/3, 2/3, 1/3, 1 → 2/3.
        let s = bcubed(&[0, 0, 1, 1], &["x", "x", "x", "y"]);
        assert!((s.precision - 0.75).abs() < 1e-12);
        assert!((s.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.f1 - 2.0 * 0.75 * (2.0 / 3.0) / (0.75 + 2.0 / 3.0)).abs() < 1e-12);
    }
}
