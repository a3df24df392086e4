//! WCXB's body metric: lower-cased `\w+` tokens, precision and recall from the
//! multiset overlap of the two token bags, F1 per page (averaged over pages
//! by the caller). A page with no output scores 0.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("static regex"));

/// Word-bag precision, recall and F1 of one page.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WordScore {
    /// Share of the extracted words that are in the ground truth.
    pub precision: f64,
    /// Share of the ground truth's words that were extracted.
    pub recall: f64,
    /// Harmonic mean of the two (0 when either is 0).
    pub f1: f64,
}

impl WordScore {
    /// Scores the extracted text `predicted` against the ground truth `expected`.
    pub fn of(expected: &str, predicted: &str) -> Self {
        let want = bag(expected);
        let got = bag(predicted);
        let (want_n, got_n): (usize, usize) = (want.values().sum(), got.values().sum());
        if want_n == 0 && got_n == 0 {
            return WordScore { precision: 1.0, recall: 1.0, f1: 1.0 };
        }
        let overlap: usize = want.iter().map(|(w, n)| (*n).min(got.get(w).copied().unwrap_or(0))).sum();
        let precision = if got_n == 0 { 0.0 } else { overlap as f64 / got_n as f64 };
        let recall = if want_n == 0 { 0.0 } else { overlap as f64 / want_n as f64 };
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        WordScore { precision, recall, f1 }
    }
}

/// The lower-cased words of `text`, counted.
fn bag(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in WORD.find_iter(text) {
        *counts.entry(word.as_str().to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// Whether `snippet`'s words appear, in order and adjacent, in `text`'s words
/// (punctuation, case and spacing aside).
pub fn contains_words(text: &str, snippet: &str) -> bool {
    let words = |s: &str| WORD.find_iter(s).map(|m| m.as_str().to_lowercase()).collect::<Vec<_>>();
    let (hay, needle) = (words(text), words(snippet));
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_words_score_one_whatever_the_case_and_punctuation() {
        let s = WordScore::of("The cat sat, on the mat.", "the CAT sat on — the mat");
        assert_eq!((s.precision, s.recall, s.f1), (1.0, 1.0, 1.0));
    }

    #[test]
    fn extra_words_lower_precision_and_missing_words_lower_recall() {
        // Truth: 4 words; output: 2 of them plus 2 others.
        let s = WordScore::of("a b c d", "a b x y");
        assert_eq!((s.precision, s.recall), (0.5, 0.5));
        let repeated = WordScore::of("a b", "a a a b");
        assert_eq!((repeated.precision, repeated.recall), (0.5, 1.0), "a word counts as often as the truth has it");
    }

    #[test]
    fn an_empty_output_scores_zero() {
        assert_eq!(WordScore::of("some words here", "").f1, 0.0);
    }

    #[test]
    fn snippets_are_found_by_their_words_in_order() {
        assert!(contains_words("Hello, big World! Again.", "big world"));
        assert!(!contains_words("Hello big World", "world big"));
        assert!(!contains_words("Hello", ""));
    }
}
