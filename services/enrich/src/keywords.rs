//! Keywords: the handful of terms a story is most about.
//!
//! Words are counted case-insensitively, leaving out stop words, numbers,
//! words under three letters, the words of entity names and words in a run of
//! capitalised words (a name or a title); headline words count double. Two
//! content words that follow each other form a candidate phrase ("press
//! conference"), which is kept when it occurs at least twice and then takes
//! those occurrences from its words' counts. The best-scored terms win, ties
//! going to the term seen first.

use rustc_hash::FxHashMap as HashMap;

use crate::text::spans::Spans;
use crate::text::stopwords::is_stopword;
use crate::text::tokens::{is_capitalized, strip_possessive};
use crate::text::Document;

/// How many keywords a story gets at most.
pub const MAX_KEYWORDS: usize = 8;

/// The keywords of `doc`, best first, given its words in lower case. Words
/// inside the `excluded` byte spans (the names of entities, listed apart) are
/// not counted.
pub fn keywords(doc: &Document, lower_words: &[&str], excluded: &[(usize, usize)]) -> Vec<String> {
    let mut scores: HashMap<&str, (u32, usize)> = HashMap::with_capacity_and_hasher(doc.tokens.len() / 2, Default::default());
    let mut phrases: HashMap<(&str, &str), (u32, usize)> = HashMap::with_capacity_and_hasher(doc.tokens.len() / 4, Default::default());
    let in_name = capitalised_runs(doc);
    let excluded = Spans::new(excluded);
    let mut seen = 0;
    let mut previous: Option<(usize, &str)> = None;
    for (i, token) in doc.tokens.iter().enumerate() {
        let word = strip_possessive(lower_words[i]);
        let weight = if doc.in_headline(token.start) { 2 } else { 1 };
        if in_name[i] || !is_content(word) || excluded.cover(token.start, token.end, &mut seen) {
            previous = None;
            continue;
        }
        let entry = scores.entry(word).or_insert((0, i));
        entry.0 += weight;
        if let Some((p, prev)) = previous {
            let gap = &doc.text[doc.tokens[p].end..token.start];
            if gap == " " || gap == "-" {
                let entry = phrases.entry((prev, word)).or_insert((0, p));
                entry.0 += weight;
            }
        }
        previous = Some((i, word));
    }
    let mut ranked: Vec<(Term, u32, usize)> = Vec::new();
    for ((first, second), (count, at)) in phrases {
        if count >= 2 {
            for word in [first, second] {
                if let Some(entry) = scores.get_mut(word) {
                    entry.0 = entry.0.saturating_sub(count);
                }
            }
            ranked.push((Term::Phrase(first, second), count * 3, at));
        }
    }
    ranked.extend(scores.into_iter().filter(|(_, (s, _))| *s >= 2).map(|(w, (s, at))| (Term::Word(w), s * 2, at)));
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let mut out: Vec<String> = Vec::new();
    for (term, _, _) in ranked {
        if out.len() == MAX_KEYWORDS {
            break;
        }
        // Covered: the word is part of a keyword, or every word of it is a keyword.
        let covered = match term {
            Term::Word(word) => out.iter().any(|o| o.split(' ').any(|w| w == word) || o == word),
            Term::Phrase(first, second) => [first, second].iter().all(|w| out.iter().any(|o| o == w)),
        };
        if !covered {
            out.push(match term {
                Term::Word(word) => word.to_owned(),
                Term::Phrase(first, second) => format!("{first} {second}"),
            });
        }
    }
    out
}

/// A candidate keyword: a word, or a phrase of two.
#[derive(Debug, Clone, Copy)]
enum Term<'a> {
    Word(&'a str),
    Phrase(&'a str, &'a str),
}

/// For each token, whether it is part of two or more capitalised words in a row
/// (a name or a title: "Foreign Secretary", "Press Association").
fn capitalised_runs(doc: &Document) -> Vec<bool> {
    let capital: Vec<bool> = doc.tokens.iter().map(|t| is_capitalized(t.text(&doc.text))).collect();
    let joined = |i: usize| doc.text.get(doc.tokens[i - 1].end..doc.tokens[i].start) == Some(" ");
    (0..doc.tokens.len())
        .map(|i| capital[i] && ((i > 0 && capital[i - 1] && joined(i)) || (i + 1 < capital.len() && capital[i + 1] && joined(i + 1))))
        .collect()
}

fn is_content(word: &str) -> bool {
    if word.is_ascii() {
        let bytes = word.as_bytes();
        return bytes.len() >= 3
            && bytes.iter().any(u8::is_ascii_alphabetic)
            && !bytes.iter().any(u8::is_ascii_digit)
            && !is_stopword(word);
    }
    word.chars().count() >= 3 && word.chars().any(char::is_alphabetic) && !word.chars().any(|c| c.is_ascii_digit()) && !is_stopword(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(headline: &str, body: &str) -> Vec<String> {
        let doc = Document::from_parts(headline, body);
        let lower = doc.lower_words();
        keywords(&doc, &lower.words(), &[])
    }

    #[test]
    fn repeated_content_words_and_phrases_are_keywords_and_stop_words_are_not() {
        let got = run("Talks in Moscow", "The press conference was tense. After the press conference, the talks ended. They said the talks were tense.");
        assert!(got.contains(&"press conference".to_owned()), "{got:?}");
        assert!(got.contains(&"talks".to_owned()));
        assert!(got.contains(&"tense".to_owned()));
        assert!(!got.iter().any(|k| k == "the" || k == "said" || k == "press" || k == "conference"));
    }

    #[test]
    fn words_inside_excluded_spans_are_not_counted() {
        let doc = Document::from_parts("", "Truss met Lavrov. Truss left. Talks ended and talks failed.");
        let lower = doc.lower_words();
        let truss: Vec<(usize, usize)> = doc.text.match_indices("Truss").map(|(s, m)| (s, s + m.len())).collect();
        assert_eq!(keywords(&doc, &lower.words(), &truss), ["talks"]);
    }

    #[test]
    fn words_seen_once_are_not_keywords() {
        assert!(run("", "A single mention of everything here.").is_empty());
    }
}
