//! People the text itself marks as people, whatever the model says: a name after
//! an honorific ("Ms Truss", "Mr Lavrov") or after a capitalised title ("Foreign
//! Secretary Liz Truss", "President Putin"), and then any run of two or three
//! capitalised words ending in one of those people's surnames ("Liz Truss"
//! elsewhere in a story that says "Ms Truss").

use crate::ner::{EntityKind, Mention};
use std::sync::OnceLock;

use crate::text::stopwords::{WordSet, STOPWORDS};
use crate::text::tokens::{is_capitalized, strip_possessive, Token};

use super::honorifics::is_honorific;
use super::roles::{role_before, ROLE_HEADS};

/// Person mentions marked by an honorific or a title, as `Mention`s whose text
/// includes the honorific (but not the title or a possessive ending), plus the
/// full names ending in their surnames, in text order.
pub fn person_mentions(text: &str, tokens: &[Token]) -> Vec<Mention> {
    let name_word: Vec<bool> = tokens.iter().map(|t| is_name_word(t.text(text))).collect();
    let mut out = marked_people(text, tokens, &name_word);
    let surnames: Vec<String> = out.iter().filter_map(|m| m.text.split_whitespace().last()).map(str::to_owned).collect();
    let mut i = 0;
    while i < tokens.len() {
        let mut end = i;
        while end < tokens.len() && end - i < 3 && (end == i || joined(text, tokens, end, false)) && name_word[end] {
            end += 1;
            if tokens[end - 1].text(text) != strip_possessive(tokens[end - 1].text(text)) {
                break;
            }
        }
        if end - i >= 2 {
            let last = tokens[end - 1];
            let surname = strip_possessive(last.text(text));
            let (start, stop) = (tokens[i].start, last.start + surname.len());
            if surnames.iter().any(|s| s == surname) && !out.iter().any(|m| m.start < stop && start < m.end) {
                out.push(Mention { kind: EntityKind::Person, text: text[start..stop].to_owned(), start, end: stop });
            }
        }
        i = end.max(i + 1);
    }
    out.sort_by_key(|m| m.start);
    out
}

/// People marked by an honorific or a title (`name_word[i]`: whether token `i`
/// can be part of a name, see [`is_name_word`]).
fn marked_people(text: &str, tokens: &[Token], name_word: &[bool]) -> Vec<Mention> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let word = tokens[i].text(text);
        let honorific = is_capitalized(word) && is_honorific(word);
        let titled = !honorific && name_word[i] && is_capitalized(word) && i > 0 && role_before(text, tokens, i).is_some_and(|r| r.split_whitespace().all(is_capitalized));
        let name_start = if honorific { i + 1 } else { i };
        if !(honorific || titled) {
            i += 1;
            continue;
        }
        let mut end = name_start;
        while end < tokens.len() && end - name_start < 3 && joined(text, tokens, end, honorific && end == name_start) && name_word[end] {
            end += 1;
            if tokens[end - 1].text(text) != strip_possessive(tokens[end - 1].text(text)) {
                break;
            }
        }
        if end > name_start {
            let start = tokens[i].start;
            let last = tokens[end - 1];
            let last_word = strip_possessive(last.text(text));
            let stop = last.start + last_word.len();
            out.push(Mention { kind: EntityKind::Person, text: text[start..stop].to_owned(), start, end: stop });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether token `i` follows the previous one after exactly one space (or, right
/// after an abbreviated honorific, a full stop and a space).
fn joined(text: &str, tokens: &[Token], i: usize, after_honorific: bool) -> bool {
    i == 0 || text.get(tokens[i - 1].end..tokens[i].start).is_some_and(|gap| gap == " " || (after_honorific && gap == ". "))
}

fn is_name_word(word: &str) -> bool {
    let bare = strip_possessive(word);
    let has_lower = if bare.is_ascii() { bare.bytes().any(|b| b.is_ascii_lowercase()) } else { bare.chars().any(char::is_lowercase) };
    is_capitalized(bare) && has_lower && !is_honorific(bare) && !not_names().contains_any_case(bare)
}

/// Stop words and role heads, in lower case: capitalised, they are no part of a name.
fn not_names() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| WordSet::new(STOPWORDS.iter().chain(ROLE_HEADS).copied()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens::tokenize;

    fn people(text: &str) -> Vec<String> {
        person_mentions(text, &tokenize(text)).into_iter().map(|m| m.text).collect()
    }

    #[test]
    fn names_after_honorifics_are_people() {
        assert_eq!(people("On Monday, Ms Truss said that Mr Lavrov’s view was wrong."), ["Ms Truss", "Mr Lavrov"]);
        assert_eq!(people("Dr. Jane Goodall spoke."), ["Dr. Jane Goodall"]);
    }

    #[test]
    fn names_after_capitalised_titles_are_people() {
        assert_eq!(
            people("Foreign Secretary Liz Truss with Russian Foreign Minister Sergei Lavrov in Moscow"),
            ["Liz Truss", "Sergei Lavrov"]
        );
        assert_eq!(people("President Putin’s government"), ["Putin"]);
    }

    #[test]
    fn full_names_ending_in_a_marked_surname_are_people() {
        assert_eq!(
            people("Liz Truss defended the talks. Ms Truss said so, and Vladimir Putin’s aide and Mr Lavrov agreed with Sergei Lavrov’s view."),
            ["Liz Truss", "Ms Truss", "Mr Lavrov", "Sergei Lavrov"]
        );
    }

    #[test]
    fn capitalised_words_without_a_title_are_not_people() {
        assert!(people("The Prime Minister’s official spokesman said. Downing Street insisted.").is_empty());
        assert!(people("The Foreign Office and Nato").is_empty());
    }
}
