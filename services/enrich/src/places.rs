//! The gazetteer as a fallback place recogniser: a run of capitalised words that
//! is, as a whole, the name of a country or city, where no other mention is.

use crate::gazetteer::Gazetteer;
use crate::ner::{EntityKind, Mention};
use crate::text::spans::Spans;
use crate::text::stopwords::is_stopword_any_case;
use crate::text::tokens::{is_capitalized, strip_possessive, Token};

/// Place mentions in `text` found by looking up each run of capitalised words
/// (joined by single spaces, leading stop words such as "The" or "In" dropped,
/// a possessive ending ignored) in `gazetteer`; runs overlapping `taken` spans
/// (mentions already found) are skipped. Only whole runs match, so "Boris
/// Johnson" is never read as a place called "Johnson".
pub fn fallback_places(text: &str, tokens: &[Token], gazetteer: &Gazetteer, taken: &[(usize, usize)]) -> Vec<Mention> {
    let taken = Spans::new(taken);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_capitalized(tokens[i].text(text)) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < tokens.len() && end - i < 4 && is_capitalized(tokens[end].text(text)) && text.get(tokens[end - 1].end..tokens[end].start) == Some(" ") {
            if strip_possessive(tokens[end - 1].text(text)) != tokens[end - 1].text(text) {
                break;
            }
            end += 1;
        }
        let mut start = i;
        while start < end && is_stopword_any_case(tokens[start].text(text)) {
            start += 1;
        }
        if start < end {
            let (from, last) = (tokens[start].start, tokens[end - 1]);
            let to = last.start + strip_possessive(last.text(text)).len();
            let name = &text[from..to];
            if !taken.overlaps(from, to) && gazetteer.lookup(name).is_some() {
                out.push(Mention { kind: EntityKind::Location, text: name.to_owned(), start: from, end: to });
            }
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens::tokenize;

    fn gazetteer() -> Gazetteer {
        Gazetteer::parse("country\t2017370\tRussia\tRU\t\t\t140702000\t\ncity\t524901\tMoscow\tRU\t55.75\t37.61\t10381222\t\ncity\t1\tJohnson\tUS\t1\t1\t20000\t\ncountry\t2635167\tUnited Kingdom\tGB\t\t\t66488991\tUK\n").unwrap()
    }

    fn places(text: &str, taken: &[(usize, usize)]) -> Vec<String> {
        fallback_places(text, &tokenize(text), &gazetteer(), taken).into_iter().map(|m| m.text).collect()
    }

    #[test]
    fn capitalised_place_names_are_found_with_possessives_and_leading_stop_words_dropped() {
        assert_eq!(places("In Moscow, Russia’s leaders met the United Kingdom envoy. The UK agreed.", &[]), ["Moscow", "Russia", "United Kingdom", "UK"]);
    }

    #[test]
    fn place_names_inside_longer_names_or_taken_spans_are_not_places() {
        assert!(places("Boris Johnson spoke in moscow.", &[]).is_empty());
        assert!(places("Moscow Dynamo won.", &[]).is_empty());
        assert!(places("Johnson spoke.", &[(0, 7)]).is_empty());
    }
}
