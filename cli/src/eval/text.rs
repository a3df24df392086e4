//! Text comparisons the eval's metrics share: word tokens and the
//! whitespace/quote normalisation used to compare titles and snippets.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("static regex"));

/// Lower-cased `\w+` tokens (Unicode word characters), in order.
pub fn words(text: &str) -> Vec<String> {
    WORD.find_iter(text).map(|m| m.as_str().to_lowercase()).collect()
}

/// The multiset of [`words`].
pub fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in words(text) {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// Whitespace and quote normalisation: typographic single quotes and primes
/// become `'`, typographic double quotes become `"`, every run of whitespace
/// (including no-break spaces) one space, trimmed. Case is kept.
pub fn normalise(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => '"',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    mapped.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A name compared by its words only: lower case, punctuation dropped
/// (`U.S.` and `u s` are one name).
pub fn name_key(name: &str) -> String {
    words(name).join(" ")
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
    fn normalisation_unifies_quotes_and_whitespace_but_keeps_case() {
        assert_eq!(normalise("  \u{201C}Truss\u{201D}:\u{00A0}\u{2018}no\u{2019}\n deal "), "\"Truss\": 'no' deal");
        assert_ne!(normalise("Deal"), normalise("deal"));
    }

    #[test]
    fn names_compare_by_their_words() {
        assert_eq!(name_key("U.S."), name_key("u s"));
        assert_eq!(name_key(" Phil  Simmons "), "phil simmons");
    }

    #[test]
    fn prf_handles_empty_denominators() {
        assert_eq!(prf(0, 0, 0), (0.0, 0.0, 0.0));
        let (p, r, f) = prf(1, 2, 4);
        assert_eq!((p, r), (0.5, 0.25));
        assert!((f - 1.0 / 3.0).abs() < 1e-12);
    }
}
