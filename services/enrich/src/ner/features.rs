//! The tagger's features: for each token, the hashes of what it looks like and of
//! what surrounds it (words, shapes, affixes, capitalisation, sentence and
//! document cues). Training and recognising use this one function, so they agree.

use super::document::{majority_of, DocContext, DocLabels};
use super::hashing::FeatureHash;
use super::word::{hash_char, Word};

/// Bumped whenever the features change, so a model trained on other features is refused.
pub const FEATURE_VERSION: u32 = 8;

/// The feature hashes of every token of one sentence.
///
/// Only tokens that are, or stand next to, a word with a capital or a digit get
/// features; the others have none and are outside any entity (see
/// [`Features::is_candidate`]). In newswire that skips most tokens, and CoNLL-2003
/// has almost no entity without a capital or digit in or beside it.
#[derive(Debug, Default, Clone)]
pub struct Features {
    hashes: Vec<u64>,
    bounds: Vec<usize>,
    keys: Vec<WordKey>,
}

/// What the second pass needs to know of each token without looking at it again.
#[derive(Debug, Clone, Copy)]
struct WordKey {
    lower_hash: u64,
    shape_hash: u64,
    capitalised: bool,
}

impl Features {
    /// Extracts the (first-pass) features of `sentence` in document `doc`.
    pub fn extract<S: AsRef<str>>(sentence: &[S], doc: &DocContext) -> Features {
        let words: Vec<Word> = sentence.iter().map(|w| Word::new(w.as_ref())).collect();
        Self::of_words(&words, doc)
    }

    /// [`Features::extract`] of a sentence already read into [`Word`]s.
    pub(super) fn of_words(words: &[Word], doc: &DocContext) -> Features {
        let shouting = shouting_words(words);
        let mut out = Features {
            hashes: Vec::with_capacity(words.len() * 20),
            bounds: Vec::with_capacity(words.len() + 1),
            keys: words
                .iter()
                .map(|w| WordKey { lower_hash: w.lower_hash, shape_hash: w.shape_hash, capitalised: w.capitalised })
                .collect(),
        };
        out.bounds.push(0);
        for i in 0..words.len() {
            if is_candidate(words, i) {
                first_pass_features(words, i, shouting, doc, &mut out.hashes);
            }
            out.bounds.push(out.hashes.len());
        }
        out
    }

    /// The second pass's features: these (first-pass) features plus what the
    /// first pass said about the same words across the document.
    pub fn with_labels(&self, labels: &DocLabels) -> Features {
        let mut out = Features {
            hashes: Vec::with_capacity(self.hashes.len() + self.len() * 6),
            bounds: Vec::with_capacity(self.bounds.len()),
            keys: self.keys.clone(),
        };
        out.bounds.push(0);
        for i in 0..self.len() {
            if self.is_candidate(i) {
                out.hashes.extend_from_slice(self.token(i));
                self.push_label_features(i, labels, &mut out.hashes);
            }
            out.bounds.push(out.hashes.len());
        }
        out
    }

    fn push_label_features(&self, i: usize, labels: &DocLabels, out: &mut Vec<u64>) {
        let run = capitalised_run(&self.keys, |k| k.capitalised, i);
        label_features(|j| self.keys[j].lower_hash, self.keys[i].shape_hash, run, i, labels, out);
    }

    /// Whether the second pass should look at this sentence: some candidate
    /// word in it was tagged differently elsewhere in the document. The other
    /// sentences keep their first-pass tags (which saves most of the second
    /// pass's time on ordinary stories).
    pub fn needs_second_pass(&self, labels: &DocLabels) -> bool {
        (0..self.len()).any(|i| self.is_candidate(i) && labels.disagrees(self.keys[i].lower_hash))
    }

    /// The hash of each token's lower-case form, in order.
    pub(super) fn word_hashes(&self) -> impl Iterator<Item = u64> + '_ {
        self.keys.iter().map(|k| k.lower_hash)
    }

    /// How many tokens.
    pub fn len(&self) -> usize {
        self.bounds.len().saturating_sub(1)
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The feature hashes of token `i`.
    pub fn token(&self, i: usize) -> &[u64] {
        &self.hashes[self.bounds[i]..self.bounds[i + 1]]
    }

    /// Whether token `i` may be part of an entity (it has features); the others are O.
    pub fn is_candidate(&self, i: usize) -> bool {
        self.bounds[i + 1] > self.bounds[i]
    }
}

/// Whether token `i` of a sentence gets features: it, or a word next to it, has
/// a capital or a digit (see [`Features::is_candidate`]).
#[inline]
pub(super) fn is_candidate(words: &[Word], i: usize) -> bool {
    words[i].marked || (i > 0 && words[i - 1].marked) || words.get(i + 1).is_some_and(|w| w.marked)
}

/// Whether a sentence is set in capitals (a headline or a dateline), where
/// capitalisation says nothing about names: no word has a lower-case letter
/// and at least two have a capital.
pub(super) fn shouting_words(words: &[Word]) -> bool {
    !words.iter().any(|w| w.has_lower) && words.iter().filter(|w| w.has_upper).count() >= 2
}

/// The first-pass feature hashes of candidate token `i`, appended to `out`.
pub(super) fn first_pass_features(words: &[Word], i: usize, shouting: bool, doc: &DocContext, out: &mut Vec<u64>) {
    token_features(words, i, shouting, doc, out);
    if !shouting {
        if let Some(run) = capitalised_run(words, |w| w.capitalised, i) {
            run_features(words, run, i, out);
        }
    }
}

/// [`first_pass_features`] but for the [`bias_feature`] and the
/// [`word_features`], appended to `out`.
pub(super) fn first_pass_features_but_word(words: &[Word], i: usize, shouting: bool, doc: &DocContext, out: &mut Vec<u64>) {
    context_features(words, i, shouting, doc, out);
    if !shouting {
        if let Some(run) = capitalised_run(words, |w| w.capitalised, i) {
            run_features(words, run, i, out);
        }
    }
}

/// Features of the run of capitalised words token `i` stands in (`Foreign
/// Ministry Press Service`): its length and `i`'s place in it, its first and last
/// words (a last word like `Ministry` or `FC` tells the kind), and the words around it.
fn run_features(words: &[Word], run: std::ops::Range<usize>, i: usize, out: &mut Vec<u64>) {
    let f = FeatureHash::template;
    let len = (run.end - run.start).min(5) as u8;
    let place = if i == run.start {
        0
    } else if i + 1 == run.end {
        2
    } else {
        1
    };
    let before = run.start.checked_sub(1).map_or(1, |j| words[j].lower_hash);
    let after = words.get(run.end).map_or(2, |w| w.lower_hash);
    out.push(f(31).byte(len).byte(place).finish());
    out.push(f(32).hashed(words[run.start].lower_hash).finish());
    out.push(f(33).hashed(words[run.end - 1].lower_hash).finish());
    out.push(f(34).hashed(before).finish());
    out.push(f(35).hashed(after).finish());
    if run.end - run.start > 1 {
        out.push(f(36).byte(place).hashed(words[run.end - 1].lower_hash).finish());
    }
}

/// The label features of a word that depend on it alone (the same wherever it
/// is), from its `counts` in the document, appended to `out`.
pub(super) fn word_label_features(w: &Word, counts: &[u16; 5], out: &mut Vec<u64>) {
    own_label_features(majority_of(counts), counts, w.shape_hash, out);
}

/// The label features of candidate token `i` that depend on the run of
/// capitalised words it stands in, if any (`counts(j)`: the counts of token
/// `j`'s word in the document), appended to `out`.
pub(super) fn run_label_features(words: &[Word], i: usize, counts: impl Fn(usize) -> [u16; 5], out: &mut Vec<u64>) {
    if let Some(run) = capitalised_run(words, |w| w.capitalised, i) {
        run_labels(majority_of(&counts(run.start)), majority_of(&counts(run.end - 1)), out);
    }
}

/// The run of capitalised tokens that token `i` stands in, if it is capitalised.
fn capitalised_run<T>(items: &[T], capitalised: impl Fn(&T) -> bool, i: usize) -> Option<std::ops::Range<usize>> {
    if !capitalised(&items[i]) {
        return None;
    }
    let start = items[..i].iter().rposition(|k| !capitalised(k)).map_or(0, |j| j + 1);
    let end = items[i..].iter().position(|k| !capitalised(k)).map_or(items.len(), |j| i + j);
    Some(start..end)
}

/// Features from the first pass's tags for the same word across the document.
/// `lower(j)` is the lower-case hash of token `j`, `shape` token `i`'s shape hash.
fn label_features(
    lower: impl Fn(usize) -> u64,
    shape: u64,
    run: Option<std::ops::Range<usize>>,
    i: usize,
    labels: &DocLabels,
    out: &mut Vec<u64>,
) {
    let (majority, counts) = labels.majority(lower(i));
    own_label_features(majority, &counts, shape, out);
    if let Some(run) = run {
        let (last, _) = labels.majority(lower(run.end - 1));
        let (first, _) = labels.majority(lower(run.start));
        run_labels(first, last, out);
    }
}

/// The label features of a word given its majority kind and its counts, with
/// the shape hash `shape`.
fn own_label_features(majority: u8, counts: &[u16; 5], shape: u64, out: &mut Vec<u64>) {
    let f = FeatureHash::template;
    let total: u32 = counts.iter().map(|c| u32::from(*c)).sum();
    let seen = total.min(3) as u8;
    let mask = counts[..4].iter().enumerate().fold(0u8, |m, (k, c)| if *c > 0 { m | 1 << k } else { m });
    let share =
        if total == 0 || majority == 4 { 0 } else { (u32::from(counts[usize::from(majority)]) * 4 / total) as u8 };
    out.push(f(40).byte(majority).byte(seen).finish());
    out.push(f(41).byte(mask).finish());
    out.push(f(42).byte(majority).hashed(shape).finish());
    out.push(f(43).byte(majority).byte(share).finish());
}

/// The label features of a run of capitalised words whose first and last words
/// have the majority kinds `first` and `last`.
fn run_labels(first: u8, last: u8, out: &mut Vec<u64>) {
    let f = FeatureHash::template;
    out.push(f(44).byte(last).finish());
    out.push(f(45).byte(first).byte(last).finish());
}

/// The feature every candidate token has (a bias).
pub(super) fn bias_feature() -> u64 {
    FeatureHash::template(0).finish()
}

fn token_features(words: &[Word], i: usize, shouting: bool, doc: &DocContext, out: &mut Vec<u64>) {
    out.push(bias_feature());
    word_features(&words[i], out);
    context_features(words, i, shouting, doc, out);
}

/// The features of token `i` that depend only on the word itself (its form,
/// shape and affixes), appended to `out`: the same for every occurrence of the
/// word, which lets recognition score them once per word and document.
pub(super) fn word_features(w: &Word, out: &mut Vec<u64>) {
    let f = FeatureHash::template;
    out.push(f(1).hashed(w.lower_hash).finish());
    out.push(f(2).hashed(w.shape_hash).byte(w.len_bucket).finish());
    out.push(f(3).hashed(w.shape_hash).finish());
    let mut prefix = f(4);
    w.prefix_chars(|k, c| {
        prefix = hash_char(prefix, c);
        out.push(prefix.byte(k as u8).finish());
    });
    let mut suffix = f(5);
    w.suffix_chars(|k, c| {
        suffix = hash_char(suffix, c);
        out.push(suffix.byte(k as u8).finish());
    });
}

/// What identifies a word for [`word_features`]: its lower-case form, shape and length.
pub(super) fn word_key(w: &Word) -> u64 {
    w.lower_hash ^ w.shape_hash.rotate_left(21) ^ u64::from(w.len_bucket).rotate_right(7)
}

/// The features of token `i` that depend on its neighbours, its place in the
/// sentence and the document, appended to `out`.
pub(super) fn context_features(words: &[Word], i: usize, shouting: bool, doc: &DocContext, out: &mut Vec<u64>) {
    let w = &words[i];
    let at = |offset: isize| -> Option<&Word> { i.checked_add_signed(offset).and_then(|j| words.get(j)) };
    let pad = |offset: isize| if offset < 0 { 1 } else { 2 };
    let lower_at = |offset: isize| at(offset).map_or(pad(offset), |w| w.lower_hash);
    let shape_at = |offset: isize| at(offset).map_or(pad(offset), |w| w.shape_hash);
    let f = FeatureHash::template;
    for (template, offset) in [(6, -1), (7, 1), (8, -2), (9, 2)] {
        out.push(f(template).hashed(lower_at(offset)).finish());
        out.push(f(template + 10).hashed(shape_at(offset)).finish());
    }
    out.push(f(20).hashed(lower_at(-1)).hashed(w.lower_hash).finish());
    out.push(f(21).hashed(w.lower_hash).hashed(lower_at(1)).finish());
    out.push(f(22).hashed(shape_at(-1)).hashed(w.shape_hash).hashed(shape_at(1)).finish());
    out.push(f(23).hashed(lower_at(-1)).hashed(w.shape_hash).finish());
    out.push(f(24).hashed(w.shape_hash).hashed(lower_at(1)).finish());
    out.push(f(25).byte(u8::from(i == 0)).hashed(w.shape_hash).finish());
    if i == 0 {
        out.push(f(26).hashed(w.lower_hash).finish());
    }
    if shouting {
        out.push(f(27).hashed(w.shape_hash).finish());
        out.push(f(28).hashed(w.lower_hash).finish());
    }
    let doc_cue = u8::from(w.capitalised)
        | u8::from(w.all_caps) << 1
        | u8::from(i == 0) << 2
        | u8::from(doc.seen_lower.contains(&w.lower_hash)) << 3
        | u8::from(doc.seen_capitalised_mid_sentence.contains(&w.lower_hash)) << 4
        | u8::from(shouting) << 5;
    out.push(f(29).byte(doc_cue).finish());
    out.push(f(30).byte(doc_cue).hashed(w.shape_hash).finish());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::tags::Tag;
    use crate::ner::EntityKind;

    #[test]
    fn every_token_gets_features_and_neighbours_change_them() {
        let doc = DocContext::default();
        let a = Features::extract(&["Liz", "Truss", "said"], &doc);
        let b = Features::extract(&["Liz", "Truss", "went"], &doc);
        assert_eq!(a.len(), 3);
        assert!(a.token(0).len() > 20);
        assert_ne!(a.token(1), b.token(1));
        assert!(a.is_candidate(2), "a lower-case word next to a name is a candidate");
    }

    #[test]
    fn lower_case_words_away_from_capitals_and_digits_get_no_features() {
        let f = Features::extract(&["Truss", "said", "that", "it", "was", "in", "2022"], &DocContext::default());
        let candidates: Vec<bool> = (0..f.len()).map(|i| f.is_candidate(i)).collect();
        assert_eq!(candidates, [true, true, false, false, false, true, true]);
        assert!(f.token(3).is_empty());
    }

    #[test]
    fn the_document_cue_tells_a_word_written_in_lower_case_elsewhere() {
        let sentence = ["The", "Bank", "said"];
        let plain = Features::extract(&sentence, &DocContext::default());
        let lower_elsewhere: [&[&str]; 1] = [&["a", "bank", "run"]];
        let doc = DocContext::build(lower_elsewhere);
        let cued = Features::extract(&sentence, &doc);
        assert_ne!(plain.token(1), cued.token(1));
        assert_eq!(plain.token(2), cued.token(2));
    }

    #[test]
    fn the_second_pass_sees_what_the_first_pass_said_about_the_word_elsewhere() {
        let person = [Tag::begin(EntityKind::Person), Tag::inside(EntityKind::Person)];
        let organisation = [Tag::begin(EntityKind::Organisation), Tag::inside(EntityKind::Organisation)];
        let words = ["Liz", "Truss"];
        let first = Features::extract(&words, &DocContext::default());
        let as_person = DocLabels::build([(&first, &person[..]), (&first, &person[..])]);
        let as_organisation = DocLabels::build([(&first, &organisation[..])]);
        let a = first.with_labels(&as_person);
        let b = first.with_labels(&as_organisation);
        assert_ne!(a.token(1), b.token(1));
        assert_eq!(a.token(1)[..first.token(1).len()], *first.token(1));
        assert!(a.token(1).len() > first.token(1).len());
        assert_eq!(as_person.majority(Word::new("Truss").lower_hash).0, 0);
        assert_eq!(as_person.majority(Word::new("unseen").lower_hash).0, 4);
    }

    #[test]
    fn only_sentences_with_a_word_tagged_differently_elsewhere_need_the_second_pass() {
        let person = [Tag::begin(EntityKind::Person), Tag::inside(EntityKind::Person)];
        let organisation = [Tag::begin(EntityKind::Organisation), Tag::inside(EntityKind::Organisation)];
        let (names, city) = (["Liz", "Truss"], ["Moscow", "talks"]);
        let doc = DocContext::default();
        let (f_names, f_city) = (Features::extract(&names, &doc), Features::extract(&city, &doc));
        let place = [Tag::begin(EntityKind::Location), Tag::O];
        let consistent = DocLabels::build([(&f_names, &person[..]), (&f_names, &person[..]), (&f_city, &place[..])]);
        assert!(!f_names.needs_second_pass(&consistent));
        assert!(!f_city.needs_second_pass(&consistent));
        let mixed = DocLabels::build([(&f_names, &person[..]), (&f_names, &organisation[..]), (&f_city, &place[..])]);
        assert!(f_names.needs_second_pass(&mixed));
        assert!(!f_city.needs_second_pass(&mixed));
    }
}

