//! The article-extraction benchmark's body-text metric: `\w+` tokens, 4-token
//! shingles counted as a multiset, precision and recall per document, each
//! averaged over the documents, and F1 computed from the two averages.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

/// Shingle length used by the benchmark.
pub const SHINGLE_TOKENS: usize = 4;

static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("static regex"));

/// Shingle counts of one document's tokens, compared with another's.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Matching {
    /// Shingles present in both (counted with multiplicity).
    pub true_positives: usize,
    /// Shingles extracted but not in the ground truth.
    pub false_positives: usize,
    /// Shingles of the ground truth that were not extracted.
    pub false_negatives: usize,
}

impl Matching {
    /// Compares the extracted text `predicted` with the ground truth `expected`.
    pub fn of(expected: &str, predicted: &str) -> Self {
        let expected = shingles(expected);
        let predicted = shingles(predicted);
        let mut m = Matching::default();
        for (shingle, &want) in &expected {
            let got = predicted.get(shingle).copied().unwrap_or(0);
            m.true_positives += want.min(got);
            m.false_negatives += want.saturating_sub(got);
        }
        for (shingle, &got) in &predicted {
            let want = expected.get(shingle).copied().unwrap_or(0);
            m.false_positives += got.saturating_sub(want);
        }
        m
    }

    /// Precision as the benchmark defines it (1 when nothing is wrong either way,
    /// 0 when nothing correct was extracted).
    pub fn precision(&self) -> f64 {
        let (tp, fp, fn_) = (self.true_positives, self.false_positives, self.false_negatives);
        if fp == 0 && fn_ == 0 {
            1.0
        } else if tp == 0 && fp == 0 {
            0.0
        } else {
            tp as f64 / (tp + fp) as f64
        }
    }

    /// Recall as the benchmark defines it.
    pub fn recall(&self) -> f64 {
        let (tp, fp, fn_) = (self.true_positives, self.false_positives, self.false_negatives);
        if fp == 0 && fn_ == 0 {
            1.0
        } else if tp == 0 && fn_ == 0 {
            0.0
        } else {
            tp as f64 / (tp + fn_) as f64
        }
    }
}

/// Averages over a set of documents.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Mean precision over documents that extracted or expected something correct or wrong (tp + fp > 0).
    pub precision: f64,
    /// Mean recall over documents with something to find (tp + fn > 0).
    pub recall: f64,
    /// Harmonic mean of the two averages.
    pub f1: f64,
}

/// The benchmark's summary of per-document matchings.
pub fn summarize(matchings: &[Matching]) -> Summary {
    let precision = mean(matchings.iter().filter(|m| m.true_positives + m.false_positives > 0).map(Matching::precision));
    let recall = mean(matchings.iter().filter(|m| m.true_positives + m.false_negatives > 0).map(Matching::recall));
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    Summary { precision, recall, f1 }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// The multiset of 4-token shingles; a text shorter than 4 tokens is one shingle
/// of all its tokens, and a text with no tokens has none (as in the benchmark).
fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let tokens: Vec<&str> = TOKEN.find_iter(text).map(|m| m.as_str()).collect();
    let mut counts = HashMap::new();
    if tokens.is_empty() {
        return counts;
    }
    let windows = tokens.len().saturating_sub(SHINGLE_TOKENS) + 1;
    for start in 0..windows {
        let end = (start + SHINGLE_TOKENS).min(tokens.len());
        *counts.entry(tokens[start..end].to_vec()).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_score_one_whatever_the_punctuation() {
        let m = Matching::of("The cat sat on the mat.", "The cat, sat on — the mat");
        assert_eq!(m, Matching { true_positives: 3, false_positives: 0, false_negatives: 0 });
        assert_eq!((m.precision(), m.recall()), (1.0, 1.0));
    }

    #[test]
    fn extra_and_missing_shingles_lower_precision_and_recall() {
        // Truth: a b c d e (2 shingles). Prediction: a b c d x y (3 shingles, 1 shared).
        let m = Matching::of("a b c d e", "a b c d x y");
        assert_eq!(m, Matching { true_positives: 1, false_positives: 2, false_negatives: 1 });
        assert!((m.precision() - 1.0 / 3.0).abs() < 1e-12);
        assert!((m.recall() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn repeated_shingles_count_with_multiplicity() {
        let m = Matching::of("a b c d", "a b c d a b c d");
        assert_eq!(m.true_positives, 1);
        assert_eq!(m.false_positives, 4);
    }

    #[test]
    fn short_texts_are_one_shingle_and_empty_texts_none() {
        assert_eq!(Matching::of("two words", "two words").true_positives, 1);
        let empty = Matching::of("a b c d", "");
        assert_eq!((empty.precision(), empty.recall()), (0.0, 0.0));
        assert_eq!(Matching::of("", "").precision(), 1.0);
    }

    #[test]
    fn f1_comes_from_the_averaged_precision_and_recall() {
        let perfect = Matching { true_positives: 4, false_positives: 0, false_negatives: 0 };
        let half = Matching { true_positives: 1, false_positives: 1, false_negatives: 3 };
        let s = summarize(&[perfect, half]);
        assert!((s.precision - 0.75).abs() < 1e-12);
        assert!((s.recall - 0.625).abs() < 1e-12);
        assert!((s.f1 - 2.0 * 0.75 * 0.625 / 1.375).abs() < 1e-12);
    }

    #[test]
    fn documents_with_nothing_extracted_are_left_out_of_the_precision_average() {
        let nothing = Matching { true_positives: 0, false_positives: 0, false_negatives: 5 };
        let perfect = Matching { true_positives: 2, false_positives: 0, false_negatives: 0 };
        let s = summarize(&[nothing, perfect]);
        assert_eq!(s.precision, 1.0);
        assert_eq!(s.recall, 0.5);
    }
}
