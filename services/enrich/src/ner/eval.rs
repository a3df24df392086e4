//! Entity-level scoring as conlleval defines it: a predicted entity counts only
//! if its span and its type both match a gold entity exactly.

use std::fmt::Write;

use super::tags::{conll_name, kinds, spans, Tag};
use super::EntityKind;

/// Gold, predicted and correct entity counts per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    gold: [usize; 4],
    predicted: [usize; 4],
    correct: [usize; 4],
}

/// Precision, recall and F1 of one group of kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Correct / predicted.
    pub precision: f64,
    /// Correct / gold.
    pub recall: f64,
    /// Their harmonic mean.
    pub f1: f64,
    /// Gold entities.
    pub gold: usize,
    /// Predicted entities.
    pub predicted: usize,
}

fn slot(kind: EntityKind) -> usize {
    kinds().iter().position(|k| *k == kind).unwrap_or(0)
}

impl Counts {
    /// Adds one sentence's gold and predicted tags.
    pub fn add(&mut self, gold: &[Tag], predicted: &[Tag]) {
        let gold = spans(gold);
        let predicted = spans(predicted);
        for s in &gold {
            self.gold[slot(s.kind)] += 1;
        }
        for s in &predicted {
            self.predicted[slot(s.kind)] += 1;
            if gold.contains(s) {
                self.correct[slot(s.kind)] += 1;
            }
        }
    }

    /// Micro-averaged score over `of` (all four kinds for the overall figure).
    pub fn score(&self, of: &[EntityKind]) -> Score {
        let sum = |a: &[usize; 4]| of.iter().map(|k| a[slot(*k)]).sum::<usize>();
        let (gold, predicted, correct) = (sum(&self.gold), sum(&self.predicted), sum(&self.correct));
        let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        let (precision, recall) = (ratio(correct, predicted), ratio(correct, gold));
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Score { precision, recall, f1, gold, predicted }
    }

    /// A conlleval-like table: overall, PER/ORG/LOC combined, then per type.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let row = |out: &mut String, name: &str, s: Score| {
            let _ = writeln!(
                out,
                "{name:<12} precision {:6.2}%  recall {:6.2}%  F1 {:6.2}  (gold {}, predicted {})",
                100.0 * s.precision,
                100.0 * s.recall,
                100.0 * s.f1,
                s.gold,
                s.predicted
            );
        };
        row(&mut out, "overall", self.score(&kinds()));
        row(&mut out, "PER+ORG+LOC", self.score(&[EntityKind::Person, EntityKind::Organisation, EntityKind::Location]));
        for kind in kinds() {
            row(&mut out, conll_name(kind), self.score(&[kind]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &str) -> Vec<Tag> {
        s.split_whitespace().filter_map(Tag::parse).collect()
    }

    #[test]
    fn only_exact_span_and_type_matches_count_as_correct() {
        let mut c = Counts::default();
        c.add(&tags("B-PER I-PER O B-LOC O B-ORG"), &tags("B-PER O O B-LOC O B-LOC"));
        let all = c.score(&kinds());
        assert_eq!((all.gold, all.predicted), (3, 3));
        assert!((all.precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((all.recall - 1.0 / 3.0).abs() < 1e-9);
        let loc = c.score(&[EntityKind::Location]);
        assert!((loc.precision - 0.5).abs() < 1e-9 && (loc.recall - 1.0).abs() < 1e-9);
        assert_eq!(c.score(&[EntityKind::Misc]).f1, 0.0);
    }

    #[test]
    fn the_report_names_every_type() {
        let mut c = Counts::default();
        c.add(&tags("B-MISC"), &tags("B-MISC"));
        let report = c.report();
        for name in ["overall", "PER+ORG+LOC", "PER", "ORG", "LOC", "MISC"] {
            assert!(report.contains(name), "{report}");
        }
    }
}
