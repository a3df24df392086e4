//! Titles and roles written next to a person's name: before it ("Russian Foreign
//! Minister Sergei Lavrov") or in apposition after it ("Lavrov, Russia’s foreign
//! minister,").

use std::sync::OnceLock;

use crate::text::stopwords::WordSet;
use crate::text::tokens::{is_capitalized, Token};

/// Words a role ends in.
pub const ROLE_HEADS: &[&str] = &[
    "secretary", "minister", "president", "chancellor", "spokesman", "spokeswoman", "spokesperson", "leader", "ambassador", "envoy",
    "governor", "mayor", "senator", "congressman", "congresswoman", "chief", "director", "chairman", "chairwoman", "chair", "ceo",
    "executive", "king", "queen", "prince", "princess", "pope", "general", "commander", "premier", "adviser", "advisor", "mp", "mep",
    "judge", "captain", "coach", "manager", "founder", "head", "emir", "sheikh", "archbishop", "bishop", "prosecutor", "commissioner",
    "chancellor", "officer", "correspondent", "editor", "economist", "analyst", "professor", "vice-president", "president-elect",
];

/// Words that may stand inside a role before its head ("foreign", "deputy", "of").
const ROLE_MODIFIERS: &[&str] = &[
    "foreign", "prime", "home", "deputy", "vice", "chief", "executive", "defence", "defense", "health", "finance", "interior",
    "justice", "economy", "culture", "education", "shadow", "general", "state", "of", "junior", "senior", "first", "official",
    "former", "acting", "interim", "environment", "trade", "business", "transport", "energy", "digital", "armed", "forces",
];

/// Whether `word` is a role head, in any letter case.
pub fn is_head(word: &str) -> bool {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| WordSet::new(ROLE_HEADS.iter().copied())).contains_any_case(word)
}

fn is_role_word(word: &str) -> bool {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| WordSet::new(ROLE_HEADS.iter().chain(ROLE_MODIFIERS).copied())).contains_any_case(word)
}

/// Whether `name` is only a title ("Foreign Secretary", "the Prime Minister"):
/// role words throughout, ending in a role head. Such a mention names nobody and
/// no place, whatever the tagger thought.
pub fn is_role_title(name: &str) -> bool {
    let mut last = None;
    for word in name.split_whitespace().filter(|w| !w.eq_ignore_ascii_case("the")) {
        if !is_role_word(word) {
            return false;
        }
        last = Some(word);
    }
    last.is_some_and(is_head)
}

/// The role written right before the name starting at token `first`, if any:
/// the longest run of capitalised or role words, joined by single spaces, that
/// ends in a role head. A leading "The" is dropped.
pub fn role_before(text: &str, tokens: &[Token], first: usize) -> Option<String> {
    // The role must end in a head right before the name (checked first: it
    // rules out almost every word).
    if first >= tokens.len() || first == 0 || !is_head(tokens[first - 1].text(text)) {
        return None;
    }
    let mut start = first;
    while start > 0 && first - start < 5 {
        let (prev, next) = (tokens[start - 1], tokens[start]);
        if text.get(prev.end..next.start) != Some(" ") {
            break;
        }
        let word = prev.text(text);
        let possessive = word.ends_with("’s") || word.ends_with("'s");
        if !(is_capitalized(word) || is_role_word(word)) || (possessive && start == first) {
            break;
        }
        start -= 1;
    }
    while start < first && matches!(tokens[start].text(text), "The" | "the" | "A" | "a" | "Of" | "of") {
        start += 1;
    }
    if start == first || !is_head(tokens[first - 1].text(text)) {
        return None;
    }
    text.get(tokens[start].start..tokens[first - 1].end).map(str::to_owned)
}

/// A title written inside a person's name as tagged ("Foreign Secretary Liz
/// Truss") split off: `(Some("Foreign Secretary"), "Liz Truss")`. The title is
/// the longest run of leading words ending in a role head, of which every
/// earlier word is a role word or capitalised, with at least one word left.
pub fn split_leading_role(name: &str) -> (Option<&str>, &str) {
    let count = name.split(' ').count();
    // The last head (not the last word) with only role words or capitalised words before it.
    let (mut rest, mut at, mut all_fit) = (None, 0, true);
    for (i, word) in name.split(' ').enumerate() {
        let next = at + word.len() + 1;
        if i + 1 < count && all_fit && is_head(word) {
            rest = Some(next);
        }
        all_fit &= is_role_word(word) || is_capitalized(word);
        at = next;
    }
    match rest {
        Some(rest) => (Some(name[..rest].trim_end()), &name[rest..]),
        None => (None, name),
    }
}

/// The role in apposition right after a name ending at byte `end`:
/// `", Russia’s foreign minister,"` → `"Russia’s foreign minister"`.
pub fn role_after(text: &str, end: usize) -> Option<String> {
    let rest = text.get(end..)?.strip_prefix(", ")?;
    let stop = rest.find([',', '.', ';', '(', ')', '“', '"', '\n'])?;
    if !rest[stop..].starts_with([',', '.', ';']) || stop > 60 {
        return None;
    }
    let phrase = rest[..stop].trim();
    let mut words = phrase.split_whitespace();
    let first = words.next()?;
    let last = phrase.split_whitespace().last()?;
    let article = matches!(first, "the" | "a" | "an" | "The" | "his" | "her" | "their");
    if !(article || is_capitalized(first)) || !is_head(last) {
        return None;
    }
    if phrase.split_whitespace().any(|w| matches!(w, "who" | "which" | "that" | "said" | "says" | "and")) {
        return None;
    }
    let phrase = phrase.strip_prefix("the ").or_else(|| phrase.strip_prefix("The ")).or_else(|| phrase.strip_prefix("a ")).or_else(|| phrase.strip_prefix("an ")).unwrap_or(phrase);
    Some(phrase.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens::tokenize;

    fn before(text: &str, name: &str) -> Option<String> {
        let tokens = tokenize(text);
        let at = text.find(name).unwrap();
        let first = tokens.iter().position(|t| t.start == at).unwrap();
        role_before(text, &tokens, first)
    }

    #[test]
    fn capitalised_titles_before_a_name_are_roles() {
        assert_eq!(before("Foreign Secretary Liz Truss went", "Liz").as_deref(), Some("Foreign Secretary"));
        assert_eq!(before("Truss with Russian Foreign Minister Sergei Lavrov in Moscow", "Sergei").as_deref(), Some("Russian Foreign Minister"));
        assert_eq!(before("said Russia’s foreign minister Sergei Lavrov", "Sergei").as_deref(), Some("Russia’s foreign minister"));
        assert_eq!(before("The Prime Minister Boris Johnson", "Boris").as_deref(), Some("Prime Minister"));
    }

    #[test]
    fn words_before_a_name_that_do_not_end_in_a_role_are_not_roles() {
        assert_eq!(before("talks with counterpart Sergei Lavrov", "Sergei"), None);
        assert_eq!(before("On Monday, Liz Truss said", "Liz"), None);
        assert_eq!(before("Vladimir Putin’s government", "Putin"), None);
    }

    #[test]
    fn titles_inside_a_tagged_name_are_split_off() {
        assert_eq!(split_leading_role("Foreign Secretary Liz Truss"), (Some("Foreign Secretary"), "Liz Truss"));
        assert!(is_role_title("Foreign Secretary") && is_role_title("the Prime Minister"));
        assert!(!is_role_title("Liz Truss") && !is_role_title("Downing Street") && !is_role_title("Foreign Office"));
        assert_eq!(split_leading_role("President Putin"), (Some("President"), "Putin"));
        assert_eq!(split_leading_role("Liz Truss"), (None, "Liz Truss"));
        assert_eq!(split_leading_role("Minister"), (None, "Minister"));
    }

    #[test]
    fn appositions_after_a_name_are_roles() {
        let text = "Sergei Lavrov, Russia’s foreign minister, said";
        assert_eq!(role_after(text, "Sergei Lavrov".len()).as_deref(), Some("Russia’s foreign minister"));
        let text = "Liz Truss, the Foreign Secretary, said";
        assert_eq!(role_after(text, "Liz Truss".len()).as_deref(), Some("Foreign Secretary"));
        let text = "Liz Truss, who met him, said";
        assert_eq!(role_after(text, "Liz Truss".len()), None);
        let text = "Truss, Lavrov and Putin met.";
        assert_eq!(role_after(text, "Truss".len()), None);
    }
}
