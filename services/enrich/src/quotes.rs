//! Direct quotes and who said them.
//!
//! A quote is text between “ and ” (or a pair of straight double quotes) in the
//! body, at least three words long. A quote left open at the end of a paragraph
//! continues into the next paragraph when that one opens with a quote mark (the
//! wire convention for long quotes). The speaker is taken from the sentence
//! around the quote: the person or organisation named just before a reporting
//! verb ("Ms Truss told reporters: “…”", "Downing Street insisted that “…”"), or
//! the first one named after the quote when a reporting verb follows it ("“…,”
//! Mr Lavrov said"); a place directly before the verb speaks for its
//! government ("Downing Street insisted"). "He"/"she" stand for the last person
//! named before; a quote that is a whole paragraph with no attribution, right
//! after a paragraph with a quote, continues that quote's speaker; a
//! descriptive speaker ("The Prime Minister’s official spokesman") is kept as
//! text.

use crate::entities::{Entities, Kind, Located};
use crate::text::Document;

/// Words that report speech.
const SPEECH_VERBS: &[&str] = &[
    "said", "says", "say", "told", "tells", "added", "adds", "insisted", "insists", "claimed", "claims", "warned", "warns", "stated",
    "states", "asked", "asks", "replied", "replies", "explained", "explains", "declared", "declares", "characterised", "characterized",
    "described", "describes", "called", "calls", "wrote", "writes", "tweeted", "argued", "argues", "noted", "notes", "admitted",
    "admits", "announced", "announces", "urged", "urges", "suggested", "suggests", "continued", "acknowledged", "commented", "remarked",
    "confirmed", "responded", "according", "posted", "stressed", "stresses", "vowed", "promised", "demanded",
];

/// Fewest words a quotation must have to count as a quote (shorter ones are scare quotes).
const MIN_QUOTE_WORDS: usize = 3;

/// One direct quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The quoted words, paragraphs joined by a space.
    pub text: String,
    /// Byte offset of its opening quote mark.
    pub start: usize,
    /// Index of the speaker in the entities, when resolved to one.
    pub speaker: Option<usize>,
    /// How the text names the speaker ("Ms Truss", "The Prime Minister’s official spokesman").
    pub speaker_text: Option<String>,
    /// Index of the body paragraph it starts in.
    pub paragraph: usize,
    /// The body sentence it starts in, quote marks and attribution included.
    pub sentence: String,
}

/// A quoted span inside one paragraph.
struct Span {
    open: usize,
    close: Option<usize>,
    inner: std::ops::Range<usize>,
}

/// The direct quotes of `doc`'s body, with speakers resolved among `entities`.
pub fn find_quotes(doc: &Document, entities: &Entities) -> Vec<Quote> {
    let mut quotes: Vec<Quote> = Vec::new();
    let mut open_quote: Option<usize> = None;
    let mut last_quote_paragraph: Option<usize> = None;
    for (p, range) in doc.paragraphs.iter().enumerate() {
        let spans = spans_in(&doc.text, range.clone());
        for (k, span) in spans.iter().enumerate() {
            let inner = doc.text[span.inner.clone()].trim().trim_end_matches(',');
            let continues = k == 0 && span.open == range.start && open_quote.is_some();
            if continues {
                if let Some(q) = open_quote.and_then(|i| quotes.get_mut(i)) {
                    q.text.push(' ');
                    q.text.push_str(inner);
                }
            } else if inner.split_whitespace().count() >= MIN_QUOTE_WORDS {
                let previous = quotes.last().filter(|_| last_quote_paragraph.is_some_and(|last| last + 1 == p));
                let (speaker, speaker_text) = attribute(doc, entities, span, range.start, previous);
                let sentence = doc.slice(&doc.sentence_at(span.open).unwrap_or(span.open..range.end)).trim().to_owned();
                quotes.push(Quote { text: inner.to_owned(), start: span.open, speaker, speaker_text, paragraph: p, sentence });
            } else {
                continue;
            }
            last_quote_paragraph = Some(p);
            if span.close.is_none() && k + 1 == spans.len() {
                if !continues {
                    open_quote = Some(quotes.len() - 1);
                }
            } else {
                open_quote = None;
            }
        }
        if spans.is_empty() {
            open_quote = None;
        }
    }
    quotes
}

/// The quoted spans of one paragraph; the last may be left open. A straight
/// double quote right after a digit is an inch mark, not a quote.
fn spans_in(text: &str, range: std::ops::Range<usize>) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, char)> = None;
    let bytes = text.as_bytes();
    // Only `"` and `“` / `”` (E2 80 9C / 9D) matter: the other bytes are skipped.
    let mut from = range.start;
    while from < range.end {
        let at = next_quote_byte(bytes, from, range.end);
        if at >= range.end {
            break;
        }
        from = at + 1;
        let c = match bytes[at] {
            b'"' => '"',
            0xe2 if bytes.get(at + 1) == Some(&0x80) && at + 2 < range.end => match bytes[at + 2] {
                0x9c => '“',
                0x9d => '”',
                _ => continue,
            },
            _ => continue,
        };
        // A straight double quote right after a digit is an inch mark.
        if c == '"' && at > range.start && bytes[at - 1].is_ascii_digit() {
            continue;
        }
        match (open, c) {
            (None, '“') | (None, '"') => open = Some((at, c)),
            (Some((o, '“')), '”') | (Some((o, '"')), '"') => {
                spans.push(Span { open: o, close: Some(at), inner: o + open_len(text, o)..at });
                open = None;
            }
            _ => {}
        }
    }
    if let Some((o, _)) = open {
        spans.push(Span { open: o, close: None, inner: o + open_len(text, o)..range.end });
    }
    spans
}

/// The first position in `from..end` of a `"` or of a byte E2 (which starts
/// `“` and `”`), or `end`: eight bytes at a time.
fn next_quote_byte(bytes: &[u8], mut from: usize, end: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit set in the lowest byte that is zero (exact for the lowest one).
    let zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    while from + 8 <= end {
        let chunk = &bytes[from..from + 8];
        let word = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        let found = zero_byte(word ^ (ONES * u64::from(b'"'))) | zero_byte(word ^ (ONES * 0xe2));
        if found != 0 {
            return from + (found.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while from < end && bytes[from] != b'"' && bytes[from] != 0xe2 {
        from += 1;
    }
    from
}

fn open_len(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(1, char::len_utf8)
}

/// The speaker of the quote `span` in a paragraph starting at `paragraph_start`.
fn attribute(doc: &Document, entities: &Entities, span: &Span, paragraph_start: usize, previous: Option<&Quote>) -> (Option<usize>, Option<String>) {
    let sentence = doc.sentence_at(span.open).unwrap_or(paragraph_start..span.open);
    let before = sentence.start..span.open;
    if let Some(verb) = last_speech_verb(doc, before.clone()) {
        let in_subject = |m: &&Located| m.start >= before.start && m.end <= verb;
        let named = entities.mentions.iter().rev().filter(in_subject).find(|m| speaker_kind(entities, m.entity)).or_else(|| {
            // Metonymy ("Downing Street insisted", "Moscow said"): a place right before the verb speaks for its government.
            entities.mentions.iter().rev().find(in_subject).filter(|m| doc.text.get(m.end..verb).is_some_and(|gap| gap.trim().is_empty()))
        });
        if let Some(m) = named {
            return (Some(m.entity), doc.text.get(m.start..m.end).map(str::to_owned));
        }
        let subject = doc.text[before.start..verb].trim().trim_end_matches([',', ':']).trim();
        let first_word = subject.split_whitespace().next().unwrap_or("");
        if let Some(found) = pronoun(doc, entities, first_word, span.open) {
            return found;
        }
        if !subject.is_empty() && subject.split_whitespace().count() <= 8 {
            return (None, Some(subject.to_owned()));
        }
    }
    if let Some(close) = span.close {
        let after_end = doc.sentence_at(close).map_or(close, |s| s.end).max(close);
        let after = close..after_end;
        if first_speech_verb(doc, after.clone(), 6).is_some() {
            let named = entities.mentions.iter().find(|m| m.start >= after.start && m.end <= after.end && speaker_kind(entities, m.entity));
            if let Some(m) = named {
                return (Some(m.entity), doc.text.get(m.start..m.end).map(str::to_owned));
            }
            let tail = &doc.text[after.clone()];
            let word = tail.split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
            if let Some(found) = pronoun(doc, entities, word, span.open) {
                return found;
            }
        }
    }
    if span.open == paragraph_start {
        if let Some(previous) = previous.filter(|q| q.speaker.is_some() || q.speaker_text.is_some()) {
            return (previous.speaker, previous.speaker_text.clone());
        }
    }
    (None, None)
}

fn speaker_kind(entities: &Entities, entity: usize) -> bool {
    entities.entities.get(entity).is_some_and(|e| matches!(e.kind, Kind::Person | Kind::Organisation))
}

/// "he"/"she" (alone) as the last person named before `before`.
fn pronoun(doc: &Document, entities: &Entities, word: &str, before: usize) -> Option<(Option<usize>, Option<String>)> {
    if !matches!(word.to_lowercase().as_str(), "he" | "she") {
        return None;
    }
    let m = entities.mentions.iter().rev().find(|m| m.end <= before && entities.entities.get(m.entity).is_some_and(|e| e.kind == Kind::Person))?;
    Some((Some(m.entity), doc.text.get(m.start..m.end).map(str::to_owned)))
}

/// Whether `word` is a reporting verb in any ASCII letter case.
fn is_speech_verb(word: &str) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> = std::sync::OnceLock::new();
    // The longest verb has 13 letters; none is written with anything but ASCII letters.
    const LONGEST: usize = 16;
    if !word.is_ascii() || word.len() > LONGEST || word.len() < 3 {
        return false;
    }
    let mut buffer = [0u8; LONGEST];
    let lower = &mut buffer[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    let set = SET.get_or_init(|| SPEECH_VERBS.iter().copied().collect());
    std::str::from_utf8(lower).is_ok_and(|w| set.contains(w))
}

/// Byte offset of the last reporting verb in `range`.
fn last_speech_verb(doc: &Document, range: std::ops::Range<usize>) -> Option<usize> {
    let from = doc.token_index_at(range.start);
    doc.tokens[from..].iter().take_while(|t| t.end <= range.end).filter(|t| is_speech_verb(t.text(&doc.text))).last().map(|t| t.start)
}

/// Byte offset of a reporting verb among the first `within` words of `range`.
fn first_speech_verb(doc: &Document, range: std::ops::Range<usize>, within: usize) -> Option<usize> {
    let from = doc.token_index_at(range.start);
    doc.tokens[from..].iter().take_while(|t| t.end <= range.end).take(within).find(|t| is_speech_verb(t.text(&doc.text))).map(|t| t.start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::merge;
    use crate::gazetteer::Gazetteer;
    use crate::ner::{EntityKind, Mention};

    fn people(doc: &Document, names: &[&str]) -> Entities {
        let mut mentions = Vec::new();
        for name in names {
            for (start, _) in doc.text.match_indices(name) {
                mentions.push(Mention { kind: EntityKind::Person, text: (*name).to_owned(), start, end: start + name.len() });
            }
        }
        merge(&doc.text, &doc.tokens, &mentions, &Gazetteer::default())
    }

    fn speakers(doc: &Document, entities: &Entities) -> Vec<(String, Option<String>)> {
        find_quotes(doc, entities)
            .into_iter()
            .map(|q| (q.text, q.speaker.map(|s| entities.entities[s].name.clone()).or(q.speaker_text)))
            .collect()
    }

    #[test]
    fn a_speaker_named_before_a_reporting_verb_said_the_quote() {
        let doc = Document::from_parts("", "Liz Truss spoke. Ms Truss told reporters at the Foreign Office: “I went to Russia to deliver a message.”");
        let entities = people(&doc, &["Liz Truss", "Ms Truss"]);
        assert_eq!(speakers(&doc, &entities), [("I went to Russia to deliver a message.".to_owned(), Some("Liz Truss".to_owned()))]);
    }

    #[test]
    fn a_speaker_named_after_the_quote_said_it() {
        let doc = Document::from_parts("", "“It was a conversation between the deaf,” Mr Lavrov said.");
        let entities = people(&doc, &["Mr Lavrov"]);
        assert_eq!(speakers(&doc, &entities)[0].1.as_deref(), Some("Lavrov"));
    }

    #[test]
    fn a_quote_open_at_a_paragraph_end_continues_into_the_next() {
        let doc = Document::from_parts("", "Mr Lavrov said: “We will not move.\n\n“We were clear about that.”\n\nThen he left.");
        let entities = people(&doc, &["Mr Lavrov"]);
        assert_eq!(speakers(&doc, &entities), [("We will not move. We were clear about that.".to_owned(), Some("Lavrov".to_owned()))]);
    }

    #[test]
    fn a_whole_paragraph_quote_keeps_the_previous_speaker_and_descriptions_are_kept_as_text() {
        let doc = Document::from_parts("", "The Prime Minister’s official spokesman said: “It is an important opportunity.”\n\n“We will continue to explore all paths.”");
        let entities = people(&doc, &[]);
        let got = speakers(&doc, &entities);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1.as_deref(), Some("The Prime Minister’s official spokesman"));
        assert_eq!(got[1].1.as_deref(), Some("The Prime Minister’s official spokesman"));
    }

    #[test]
    fn a_place_right_before_the_reporting_verb_is_the_speaker() {
        let doc = Document::from_parts("", "Downing Street insisted that “no-one was under any illusions”.");
        let start = 0;
        let mentions = vec![Mention { kind: EntityKind::Location, text: "Downing Street".into(), start, end: start + "Downing Street".len() }];
        let entities = merge(&doc.text, &doc.tokens, &mentions, &Gazetteer::default());
        let quotes = find_quotes(&doc, &entities);
        assert_eq!(quotes[0].speaker.map(|s| entities.entities[s].name.as_str()), Some("Downing Street"));
    }

    #[test]
    fn an_unattributed_quote_paragraph_far_from_the_last_quote_has_no_speaker() {
        let doc = Document::from_parts("", "Mr Lavrov said: “We are ready for more talks.”\n\nThe talks ended late.\n\n“Nobody expected a breakthrough here.”");
        let entities = people(&doc, &["Mr Lavrov"]);
        let got = speakers(&doc, &entities);
        assert_eq!(got[1], ("Nobody expected a breakthrough here.".to_owned(), None));
    }

    #[test]
    fn a_quote_paragraph_after_a_long_continued_quote_keeps_its_speaker() {
        let doc = Document::from_parts("", "Mr Lavrov said: “We will not move.\n\n“We were clear about that.”\n\n“And we will say it again tomorrow.”");
        let entities = people(&doc, &["Mr Lavrov"]);
        let got = speakers(&doc, &entities);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1.as_deref(), Some("Lavrov"));
    }

    #[test]
    fn reporting_verbs_are_recognised_in_any_ascii_case_only() {
        assert!(SPEECH_VERBS.iter().all(|v| v.is_ascii() && v.len() >= 3 && v.len() <= 16 && is_speech_verb(v)));
        assert!(is_speech_verb("SAID") && is_speech_verb("Told"));
        assert!(!is_speech_verb("sad") && !is_speech_verb("saïd"));
    }

    #[test]
    fn inch_marks_are_not_quotes() {
        let doc = Document::from_parts("", "The 34\" monitor and the 27\" one are on sale today for less.");
        assert!(find_quotes(&doc, &people(&doc, &[])).is_empty());
    }

    #[test]
    fn pronouns_stand_for_the_last_person_named_and_scare_quotes_are_not_quotes() {
        let doc = Document::from_parts("", "Sergei Lavrov arrived for “talks”. “We are ready to talk now,” he said. She then told reporters: “We are not done yet.”");
        let entities = people(&doc, &["Sergei Lavrov"]);
        assert_eq!(speakers(&doc, &entities)[0], ("We are ready to talk now".to_owned(), Some("Sergei Lavrov".to_owned())));
        assert_eq!(speakers(&doc, &entities)[1].1.as_deref(), Some("Sergei Lavrov"), "“she” is the last person named, right or wrong");
    }
}
