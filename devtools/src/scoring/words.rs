//! Word-level comparisons: lower-cased `\w+` tokens (Unicode word characters),
//! WCXB's body metric (precision and recall from the multiset overlap of the
//! two token bags, F1 per page; a page with no output scores 0), snippet
//! search by words, and precision/recall/F1 from counts.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("static regex"));

/// Lower-cased `\w+` tokens, in order.
pub fn words(text: &str) -> Vec<String> {
    WORD.find_iter(text).map(|m| m.as_str().to_lowercase()).collect()
}

/// The multiset of [`words`].
pub fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in WORD.find_iter(text) {
        *counts.entry(word.as_str().to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// A name compared by its words only: lower case, punctuation dropped
/// (`U.S.` and `u s` are one name).
pub fn name_key(name: &str) -> String {
    words(name).join(" ")
}

/// Word-bag precision, recall and F1 of one page.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
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
    /// An empty truth with an empty output scores 1.
    pub fn of(expected: &str, predicted: &str) -> Self {
        let want = word_counts(expected);
        let got = word_counts(predicted);
        let (want_n, got_n): (usize, usize) = (want.values().sum(), got.values().sum());
        if want_n == 0 && got_n == 0 {
            return WordScore { precision: 1.0, recall: 1.0, f1: 1.0 };
        }
        let overlap: usize = want.iter().map(|(w, n)| (*n).min(got.get(w).copied().unwrap_or(0))).sum();
        let (precision, recall, f1) = prf(overlap, got_n, want_n);
        WordScore { precision, recall, f1 }
    }
}

/// Whether `snippet`'s words appear, in order and adjacent, in `text`'s words
/// (punctuation, case and spacing aside).
pub fn contains_words(text: &str, snippet: &str) -> bool {
    let (hay, needle) = (words(text), words(snippet));
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Precision, recall and F1 from counts (each 0 when its denominator is).
pub fn prf(true_positives: usize, predicted: usize, expected: usize) -> (f64, f64, f64) {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (p, r) = (ratio(true_positives, predicted), ratio(true_positives, expected));
    let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_cased_unicode_word_runs() {
        assert_eq!(words("Hello, Wörld! it's 2-0"), vec!["hello", "wörld", "it", "s", "2", "0"]);
    }

    #[test]
    fn names_compare_by_their_words() {
        assert_eq!(name_key("U.S."), name_key("u s"));
        assert_eq!(name_key(" Phil  Simmons "), "phil simmons");
    }

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
        // Truth: the cat the hat (4); published: The cat sat (3); shared: the, cat = 2.
        let s = WordScore::of("the cat the hat", "The cat sat");
        assert!((s.precision - 2.0 / 3.0).abs() < 1e-12 && (s.recall - 0.5).abs() < 1e-12);
    }

    #[test]
    fn an_empty_output_scores_zero() {
        assert_eq!(WordScore::of("some words here", "").f1, 0.0);
        assert_eq!(WordScore::of("", "").f1, 1.0);
    }

    #[test]
    fn snippets_are_found_by_their_words_in_order() {
        assert!(contains_words("Hello, big World! Again.", "big world"));
        assert!(!contains_words("Hello big World", "world big"));
        assert!(!contains_words("Hello", ""));
    }

    #[test]
    fn prf_handles_empty_denominators() {
        assert_eq!(prf(0, 0, 0), (0.0, 0.0, 0.0));
        let (p, r, f) = prf(1, 2, 4);
        assert_eq!((p, r), (0.5, 0.25));
        assert!((f - 1.0 / 3.0).abs() < 1e-12);
    }
}
