//! A story's terms for event clustering: the words of its headline (the
//! capitalised ones, a cheap proper-noun signal, weighted higher) and the words
//! of its URL's slug, lower-cased, without stopwords, lightly stemmed.
//!
//! Measured on the UCI News Aggregator dev months (`docs/event-clustering.md`):
//! slug words added 0.013–0.018 of B-cubed F1, stemming 0.009, a capitalised
//! weight of 1.5 beat 1.0 and 2.0; title bigrams cost 0.018 and are left out.

use std::collections::BTreeMap;

/// How much a word counts before IDF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermWeights {
    /// A capitalised headline word (a plain one counts 1).
    pub capitalised: f32,
    /// A slug word the headline does not have.
    pub slug: f32,
}

impl Default for TermWeights {
    fn default() -> Self {
        TermWeights { capitalised: 1.5, slug: 1.0 }
    }
}

/// A headline whose words are at least this share capitalised is in title case
/// (or capitals), so its capitals say nothing about proper nouns.
const TITLE_CASE_SHARE: f32 = 0.7;

/// Function words and headline filler that say nothing about an event.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "amid", "an", "and", "any", "are", "at", "back", "be", "been", "before", "being",
    "but", "by", "can", "could", "day", "days", "did", "do", "does", "done", "down", "each", "few", "first", "for", "from", "get",
    "gets", "got", "had", "has", "have", "having", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "just", "last", "make", "makes", "may", "me", "might", "more", "most", "must", "my", "new", "no", "not", "now", "of", "off",
    "on", "one", "only", "onto", "or", "other", "our", "out", "over", "own", "report", "reports", "s", "said", "same", "say", "says",
    "shall", "she", "should", "so", "some", "still", "such", "t", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "time", "to", "too", "two", "under", "up", "us", "very", "via", "vs", "was", "we", "week", "were",
    "what", "when", "where", "which", "who", "whom", "whose", "why", "will", "with", "would", "year", "years", "you", "your",
];

/// Slug words that are site furniture, not content.
const SLUG_FURNITURE: &[&str] =
    &["article", "articles", "asp", "aspx", "cfm", "com", "cspx", "htm", "html", "index", "news", "php", "shtml", "story", "www"];

/// A slug segment is read as words when it splits into at least this many alphabetic parts.
const SLUG_MIN_WORDS: usize = 3;

/// The story's terms and their weights (term frequency, capitalised headline
/// words counted `weights.capitalised`, slug words the headline lacks counted
/// `weights.slug` once), ordered by term.
pub fn story_terms(headline: &str, url: Option<&str>, weights: &TermWeights) -> BTreeMap<String, f32> {
    let mut terms = BTreeMap::new();
    for (word, capitalised) in headline_words(headline) {
        *terms.entry(word).or_insert(0.0) += if capitalised { weights.capitalised } else { 1.0 };
    }
    if let Some(url) = url {
        for word in slug_words(url) {
            if !is_stopword(&word) {
                terms.entry(stem(&word)).or_insert(weights.slug);
            }
        }
    }
    terms
}

/// The headline's content words, stemmed, each with whether it was capitalised.
fn headline_words(headline: &str) -> Vec<(String, bool)> {
    let text = headline.replace('\u{2026}', " ").replace("...", " ");
    let tokens = tokens(&text);
    let capitalised_share = tokens.iter().filter(|t| starts_upper(t)).count() as f32 / tokens.len().max(1) as f32;
    let mut words = Vec::with_capacity(tokens.len());
    for token in tokens {
        let word = without_apostrophes(token);
        let lower = word.to_lowercase();
        if lower.chars().count() < 2 || is_stopword(&lower) {
            continue;
        }
        let capitalised = starts_upper(&word) && (capitalised_share < TITLE_CASE_SHARE || is_all_caps(&word));
        words.push((stem(&lower), capitalised));
    }
    words
}

/// Runs of letters (Latin, including accented) and digits, each with at most
/// one apostrophe suffix ("Obama's", "don't").
fn tokens(text: &str) -> Vec<&str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || ('\u{C0}'..='\u{24F}').contains(&c);
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_word(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, c)) = chars.peek() {
            if is_word(c) {
                end = i + c.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        // An apostrophe followed by ASCII letters belongs to the word.
        if let Some(&(i, apostrophe)) = chars.peek() {
            if apostrophe == '\'' || apostrophe == '\u{2019}' {
                let after = i + apostrophe.len_utf8();
                let suffix = text[after..].chars().take_while(|c| c.is_ascii_alphabetic()).map(char::len_utf8).sum::<usize>();
                if suffix > 0 {
                    end = after + suffix;
                    chars.next();
                    while chars.peek().is_some_and(|&(i, _)| i < end) {
                        chars.next();
                    }
                }
            }
        }
        tokens.push(&text[start..end]);
    }
    tokens
}

/// The token without a possessive "'s" and without any other apostrophe.
fn without_apostrophes(token: &str) -> String {
    let is_apostrophe = |c: char| c == '\'' || c == '\u{2019}';
    let mut word = token;
    for suffix in ["'s", "'S", "\u{2019}s", "\u{2019}S"] {
        if let Some(stripped) = word.strip_suffix(suffix) {
            word = stripped;
            break;
        }
    }
    word.chars().filter(|&c| !is_apostrophe(c)).collect()
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Every letter upper-case (at least one letter), and longer than one character.
fn is_all_caps(word: &str) -> bool {
    word.chars().count() > 1 && word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase)
}

fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// A light English stemmer: plurals to their singular, nothing else.
fn stem(word: &str) -> String {
    let len = word.chars().count();
    if len > 4 {
        if let Some(base) = word.strip_suffix("ies") {
            return format!("{base}y");
        }
        if let Some(base) = word.strip_suffix("es") {
            if base.ends_with(['s', 'x', 'z']) {
                return base.to_string();
            }
        }
    }
    if len > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        return word[..word.len() - 1].to_string();
    }
    word.to_string()
}

/// The lower-cased words of the URL path's slug segments (those that split on
/// `-_+.,` into at least three alphabetic parts), without site furniture.
fn slug_words(url: &str) -> Vec<String> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut words = Vec::new();
    for segment in path.split('/') {
        let alphabetic: Vec<String> = segment
            .split(['-', '_', '+', '.', ','])
            .filter(|part| !part.is_empty() && part.chars().all(char::is_alphabetic))
            .map(str::to_lowercase)
            .collect();
        if alphabetic.len() >= SLUG_MIN_WORDS {
            words.extend(alphabetic.into_iter().filter(|w| SLUG_FURNITURE.binary_search(&w.as_str()).is_err()));
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(headline: &str, url: Option<&str>) -> Vec<(String, f32)> {
        story_terms(headline, url, &TermWeights::default()).into_iter().collect()
    }

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(SLUG_FURNITURE.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn capitalised_words_count_more_in_a_sentence_case_headline() {
        let t = terms("Fed's Plosser sees high bar for change in tapering", None);
        assert_eq!(
            t,
            vec![
                ("bar".into(), 1.0),
                ("change".into(), 1.0),
                ("fed".into(), 1.5),
                ("high".into(), 1.0),
                ("plosser".into(), 1.5),
                ("see".into(), 1.0),
                ("tapering".into(), 1.0),
            ]
        );
    }

    #[test]
    fn a_title_case_headline_weights_only_its_acronyms() {
        let t = terms("China Bans Use Of Windows 8 On EU Government PCs", None);
        let weight = |w: &str| t.iter().find(|(term, _)| term == w).map(|(_, x)| *x);
        assert_eq!(weight("china"), Some(1.0));
        assert_eq!(weight("eu"), Some(1.5), "in capitals");
        assert_eq!(weight("pcs"), Some(1.0), "not all capitals (and too short to stem)");
        assert_eq!(weight("8"), None, "one character is too short");
        assert_eq!(weight("use"), Some(1.0));
        assert_eq!(weight("of"), None, "a stopword");
    }

    #[test]
    fn slug_words_the_headline_lacks_are_added_once() {
        let t = terms(
            "Fed risks falling 'behind the curve'",
            Some("http://www.ifamagazine.com/news/fed-risks-falling-behind-the-curve-charles-plosser-says-294430?x=1"),
        );
        let weight = |w: &str| t.iter().find(|(term, _)| term == w).map(|(_, x)| *x);
        assert_eq!(weight("plosser"), Some(1.0), "from the slug");
        assert_eq!(weight("charle"), Some(1.0), "stemmed like a plural");
        assert_eq!(weight("risk"), Some(1.0), "in the headline already: counted once");
        assert_eq!(weight("fed"), Some(1.5));
        assert_eq!(weight("news"), None, "site furniture");
        assert_eq!(weight("294430"), None, "not alphabetic");
    }

    #[test]
    fn short_path_segments_are_not_slugs() {
        assert!(slug_words("http://example.com/business/money/index.html").is_empty());
        assert_eq!(slug_words("example.com/a/big-storm-hits-coast"), vec!["big", "storm", "hits", "coast"]);
    }

    #[test]
    fn ellipses_apostrophes_and_plurals() {
        assert_eq!(tokens("Obama’s plan… don't stop"), vec!["Obama’s", "plan", "don't", "stop"]);
        assert_eq!(without_apostrophes("Obama’s"), "Obama");
        assert_eq!(without_apostrophes("don't"), "dont");
        assert_eq!(stem("companies"), "company");
        assert_eq!(stem("taxes"), "tax");
        assert_eq!(stem("bonus"), "bonus");
        assert_eq!(stem("class"), "class");
        assert_eq!(stem("ships"), "ship");
        assert_eq!(terms("Talks...resume", None), vec![("resume".into(), 1.0), ("talk".into(), 1.5)]);
    }
}
