//! Viterbi decoding: the best-scoring well-formed BIO tag sequence for a sentence.

use super::features::Features;
use super::tags::{Tag, TAGS};

/// Scores a linear sequence model gives: per-token emission scores from feature
/// hashes, and tag-to-tag transition scores.
pub trait Scorer {
    /// Adds, for every tag, the weights of `features` to `scores`.
    fn emission(&self, features: &[u64], scores: &mut [f32; TAGS]);
    /// The score of `cur` following `prev` (`None` = sentence start).
    fn transition(&self, prev: Option<Tag>, cur: Tag) -> f32;
}

/// The highest-scoring tag sequence for the sentence whose features are
/// `features`, among sequences where every I-X continues an X and every token
/// that is not a candidate (see [`Features::is_candidate`]) is O.
pub fn viterbi<S: Scorer + ?Sized>(scorer: &S, features: &Features) -> Vec<Tag> {
    let n = features.len();
    if n == 0 {
        return Vec::new();
    }
    let mut trans = [[f32::NEG_INFINITY; TAGS]; TAGS + 1];
    for cur in Tag::all() {
        for prev in Tag::all() {
            if Tag::may_follow(Some(prev), cur) {
                trans[prev.index()][cur.index()] = scorer.transition(Some(prev), cur);
            }
        }
        if Tag::may_follow(None, cur) {
            trans[TAGS][cur.index()] = scorer.transition(None, cur);
        }
    }
    let mut best = vec![[f32::NEG_INFINITY; TAGS]; n];
    let mut back = vec![[0u8; TAGS]; n];
    for i in 0..n {
        let mut emit = [0f32; TAGS];
        if features.is_candidate(i) {
            scorer.emission(features.token(i), &mut emit);
        } else {
            emit = [f32::NEG_INFINITY; TAGS];
            emit[Tag::O.index()] = 0.0;
        }
        for cur in 0..TAGS {
            if emit[cur] == f32::NEG_INFINITY {
                continue;
            }
            if i == 0 {
                best[0][cur] = trans[TAGS][cur] + emit[cur];
                continue;
            }
            let (mut arg, mut top) = (0usize, f32::NEG_INFINITY);
            for prev in 0..TAGS {
                let s = best[i - 1][prev] + trans[prev][cur];
                if s > top {
                    (arg, top) = (prev, s);
                }
            }
            best[i][cur] = top + emit[cur];
            back[i][cur] = arg as u8;
        }
    }
    let mut tag = (0..TAGS).fold(0, |a, t| if best[n - 1][t] > best[n - 1][a] { t } else { a });
    let mut out = vec![Tag::O; n];
    for i in (0..n).rev() {
        out[i] = Tag::from_index(tag);
        tag = usize::from(back[i][tag]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::document::DocContext;
    use crate::ner::EntityKind;

    /// Emissions strongly favour I-PER everywhere; transitions are neutral.
    struct LovesInside;

    impl Scorer for LovesInside {
        fn emission(&self, _features: &[u64], scores: &mut [f32; TAGS]) {
            scores[Tag::inside(EntityKind::Person).index()] += 10.0;
            scores[Tag::begin(EntityKind::Person).index()] += 5.0;
        }
        fn transition(&self, _prev: Option<Tag>, _cur: Tag) -> f32 {
            0.0
        }
    }

    #[test]
    fn decoding_never_starts_an_entity_with_inside() {
        let features = Features::extract(&["A", "B", "C"], &DocContext::default());
        let tags = viterbi(&LovesInside, &features);
        assert_eq!(tags[0], Tag::begin(EntityKind::Person));
        assert_eq!(tags[1], Tag::inside(EntityKind::Person));
        assert_eq!(tags[2], Tag::inside(EntityKind::Person));
    }

    #[test]
    fn tokens_that_are_not_candidates_are_always_outside() {
        let features = Features::extract(&["A", "b", "c", "d"], &DocContext::default());
        let tags = viterbi(&LovesInside, &features);
        assert_eq!(tags[2..], [Tag::O, Tag::O]);
    }

    #[test]
    fn an_empty_sentence_decodes_to_no_tags() {
        assert!(viterbi(&LovesInside, &Features::default()).is_empty());
    }
}
