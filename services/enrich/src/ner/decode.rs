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

/// The emission scores of every token of a sentence: [`NOT_CANDIDATE`] for the
/// tokens that are not candidates.
pub fn emissions<S: Scorer + ?Sized>(scorer: &S, features: &Features) -> Vec<[f32; TAGS]> {
    (0..features.len())
        .map(|i| {
            if !features.is_candidate(i) {
                return NOT_CANDIDATE;
            }
            let mut e = [0f32; TAGS];
            scorer.emission(features.token(i), &mut e);
            e
        })
        .collect()
}

/// Transition scores as Viterbi uses them: `[prev][cur]`, row [`TAGS`] for the
/// sentence start, minus infinity where an I-X would not continue an X.
pub type TransitionTable = [[f32; TAGS]; TAGS + 1];

/// The emission scores of a token that is not a candidate: it can only be O.
pub const NOT_CANDIDATE: [f32; TAGS] = {
    let mut e = [f32::NEG_INFINITY; TAGS];
    e[0] = 0.0;
    e
};

/// `scorer`'s transitions, with the ill-formed ones ruled out.
pub fn transition_table<S: Scorer + ?Sized>(scorer: &S) -> TransitionTable {
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
    trans
}

/// The highest-scoring tag sequence for the sentence whose features are
/// `features`, among sequences where every I-X continues an X and every token
/// that is not a candidate (see [`Features::is_candidate`]) is O.
pub fn viterbi<S: Scorer + ?Sized>(scorer: &S, features: &Features) -> Vec<Tag> {
    let trans = transition_table(scorer);
    let emit = emissions(scorer, features);
    let mut out = Vec::with_capacity(emit.len());
    best_path(&trans, &emit, &mut Lattice::default(), &mut out);
    out
}

/// The best score of reaching tag `cur` from the previous token's tags, and
/// the previous tag it comes from (the first of equals).
#[inline]
fn best_before(previous: &[f32; TAGS], trans: &TransitionTable, cur: usize) -> (f32, u8) {
    let (mut top, mut arg) = (f32::NEG_INFINITY, 0u8);
    for (prev, &score) in previous.iter().enumerate() {
        let s = score + trans[prev][cur];
        let better = s > top;
        top = if better { s } else { top };
        arg = if better { prev as u8 } else { arg };
    }
    (top, arg)
}

/// Viterbi's working memory, kept between sentences.
#[derive(Debug, Default, Clone)]
pub struct Lattice {
    back: Vec<[u8; TAGS]>,
}

/// Appends to `out` the best well-formed tag sequence for a sentence whose
/// tokens have emission scores `emit` (minus infinity for a tag a token cannot
/// take), under transitions `trans` as [`transition_table`] makes them (an I-X
/// only after B-X or I-X: the other entries are minus infinity and not read).
pub fn best_path(trans: &TransitionTable, emit: &[[f32; TAGS]], lattice: &mut Lattice, out: &mut Vec<Tag>) {
    let only_o: Vec<bool> = emit.iter().map(|e| e[1..].iter().all(|s| *s == f32::NEG_INFINITY)).collect();
    best_path_with(trans, emit, &only_o, lattice, out);
}

/// [`best_path`] when the caller knows which tokens can only be O (`only_o[i]`:
/// every tag of `emit[i]` but O is minus infinity), as for tokens that are not candidates.
pub fn best_path_with(trans: &TransitionTable, emit: &[[f32; TAGS]], only_o: &[bool], lattice: &mut Lattice, out: &mut Vec<Tag>) {
    let n = emit.len();
    if n == 0 {
        return;
    }
    let back = &mut lattice.back;
    back.clear();
    back.resize(n, [0u8; TAGS]);
    // The best score of each tag at the previous token (only that row is needed
    // going forward; the back pointers keep the rest), and whether only O was
    // possible there (then only O can lead anywhere).
    let mut previous = [f32::NEG_INFINITY; TAGS];
    let mut previous_only_o = false;
    let mut i = 0;
    while i < n {
        if i > 0 && previous_only_o && only_o[i] {
            // A run of tokens that can only be O after one: each adds O to O
            // (back pointers stay O).
            let mut score = previous[0];
            while i < n && only_o[i] {
                let e = emit[i][0];
                score = if e == f32::NEG_INFINITY { f32::NEG_INFINITY } else { score + trans[0][0] + e };
                i += 1;
            }
            previous[0] = score;
            continue;
        }
        let e = &emit[i];
        let mut row = [f32::NEG_INFINITY; TAGS];
        if i == 0 {
            for cur in 0..TAGS {
                if e[cur] != f32::NEG_INFINITY {
                    row[cur] = trans[TAGS][cur] + e[cur];
                }
            }
        } else if only_o[i] {
            // Only O is possible here (most tokens: those that are not candidates).
            let (top, arg) = if previous_only_o { (previous[0] + trans[0][0], 0) } else { best_before(&previous, trans, 0) };
            if e[0] != f32::NEG_INFINITY {
                row[0] = top + e[0];
                back[i][0] = arg;
            }
        } else {
            let (mut top, mut arg) = ([f32::NEG_INFINITY; TAGS], [0u8; TAGS]);
            if previous_only_o {
                // Every tag's best previous tag is O (the others cannot be reached).
                for cur in 0..TAGS {
                    top[cur] = previous[0] + trans[0][cur];
                }
            } else {
                // O and B-X may follow any tag: every previous tag against those five
                // at once (independent lanes, no branches: the first of equals wins,
                // as `>` keeps it). I-X may only follow B-X or I-X (the table rules out
                // the rest): two tries each (B-X first).
                const OPEN: [usize; 5] = [0, 1, 3, 5, 7];
                let (mut open_top, mut open_arg) = ([f32::NEG_INFINITY; 5], [0u32; 5]);
                for (prev, &score) in previous.iter().enumerate() {
                    let row = &trans[prev];
                    for (k, &cur) in OPEN.iter().enumerate() {
                        let s = score + row[cur];
                        let better = s > open_top[k];
                        open_top[k] = if better { s } else { open_top[k] };
                        open_arg[k] = if better { prev as u32 } else { open_arg[k] };
                    }
                }
                for (k, &cur) in OPEN.iter().enumerate() {
                    (top[cur], arg[cur]) = (open_top[k], open_arg[k] as u8);
                }
                for cur in (2..TAGS).step_by(2) {
                    let (begin, inside) = (previous[cur - 1] + trans[cur - 1][cur], previous[cur] + trans[cur][cur]);
                    let better = inside > begin;
                    top[cur] = if better { inside } else { begin };
                    arg[cur] = if better { cur as u8 } else { (cur - 1) as u8 };
                }
            }
            let back_row = &mut back[i];
            for cur in 0..TAGS {
                if e[cur] != f32::NEG_INFINITY {
                    row[cur] = top[cur] + e[cur];
                    back_row[cur] = arg[cur];
                }
            }
        }
        previous = row;
        previous_only_o = only_o[i];
        i += 1;
    }
    let mut tag = (0..TAGS).fold(0, |a, t| if previous[t] > previous[a] { t } else { a });
    let from = out.len();
    out.resize(from + n, Tag::O);
    for i in (0..n).rev() {
        out[from + i] = Tag::from_index(tag);
        tag = usize::from(back[i][tag]);
    }
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

    /// Viterbi written plainly: every previous tag for every tag at every token.
    fn plain_best_path(trans: &TransitionTable, emit: &[[f32; TAGS]]) -> Vec<Tag> {
        let n = emit.len();
        let mut best = vec![[f32::NEG_INFINITY; TAGS]; n];
        let mut back = vec![[0usize; TAGS]; n];
        for i in 0..n {
            for cur in 0..TAGS {
                if emit[i][cur] == f32::NEG_INFINITY {
                    continue;
                }
                if i == 0 {
                    best[0][cur] = trans[TAGS][cur] + emit[0][cur];
                    continue;
                }
                let (mut arg, mut top) = (0, f32::NEG_INFINITY);
                for prev in 0..TAGS {
                    let s = best[i - 1][prev] + trans[prev][cur];
                    if s > top {
                        (arg, top) = (prev, s);
                    }
                }
                best[i][cur] = top + emit[i][cur];
                back[i][cur] = arg;
            }
        }
        let mut tag = (0..TAGS).fold(0, |a, t| if best[n - 1][t] > best[n - 1][a] { t } else { a });
        let mut out = vec![Tag::O; n];
        for i in (0..n).rev() {
            out[i] = Tag::from_index(tag);
            tag = back[i][tag];
        }
        out
    }

    /// Random transitions and emissions (a third of the tokens O only).
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % 2001) as f32 / 100.0 - 10.0
        }
    }

    impl Scorer for std::cell::RefCell<Random> {
        fn emission(&self, _features: &[u64], _scores: &mut [f32; TAGS]) {}
        fn transition(&self, _prev: Option<Tag>, _cur: Tag) -> f32 {
            self.borrow_mut().next()
        }
    }

    #[test]
    fn the_fast_paths_find_the_same_tags_as_plain_viterbi() {
        let random = std::cell::RefCell::new(Random(0x2545_f491_4f6c_dd1d));
        let mut lattice = Lattice::default();
        for round in 0..300 {
            let trans = transition_table(&random);
            let n = 1 + round % 40;
            let emit: Vec<[f32; TAGS]> = (0..n)
                .map(|_| {
                    let mut r = random.borrow_mut();
                    if r.next() < -3.3 {
                        NOT_CANDIDATE
                    } else {
                        std::array::from_fn(|_| r.next())
                    }
                })
                .collect();
            let mut fast = Vec::new();
            best_path(&trans, &emit, &mut lattice, &mut fast);
            assert_eq!(fast, plain_best_path(&trans, &emit), "round {round}");
        }
    }
}
