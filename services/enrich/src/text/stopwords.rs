//! English function words and other words too common to be keywords or places.

use rustc_hash::FxHashSet as HashSet;
use std::sync::OnceLock;

/// Lower-case English stop words: function words, auxiliaries, pronouns, and
/// reporting words common in every news story.
pub const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
    "each", "even", "ever", "every", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "last", "least",
    "less", "like", "made", "make", "many", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "never", "new", "no",
    "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
    "per", "put", "rather", "said", "same", "say", "says", "see", "seen", "she", "should", "since", "so", "some", "still", "such",
    "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to",
    "too", "told", "under", "until", "up", "upon", "us", "very", "was", "we", "week", "were", "what", "when", "where", "whether", "which",
    "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "year", "years", "yet", "you", "your",
    "yours", "yourself", "de", "la", "le", "el", "der", "die", "das", "two", "three", "four", "five", "first", "second", "well",
    "according", "added", "asked", "get", "got", "go", "going", "went", "come", "came", "take", "took", "way", "back", "time",
    "day", "days", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "june", "july", "august", "september", "october", "november", "december", "mr", "mrs", "ms", "dr", "sir", "didn’t",
    "don’t", "it’s", "can’t", "won’t", "isn’t", "wasn’t", "didn't", "don't", "it's", "can't", "won't", "isn't", "wasn't", "let",
    "lot", "need", "there’s", "that’s", "we’re", "they’re", "i’m", "i’ve", "we’ve", "able", "around", "already", "among", "across",
    "along", "next", "set", "want", "part", "including", "told", "there's", "that's", "we're", "they're", "i'm", "saying",
];

/// Whether lower-case `word` is a stop word.
pub fn is_stopword(word: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOPWORDS.iter().copied().collect()).contains(word)
}

/// Whether `word`, in any letter case, is a stop word.
pub fn is_stopword_any_case(word: &str) -> bool {
    with_lowercase(word, is_stopword)
}

/// Calls `f` with `word` in lower case, without allocating for lower-case
/// words or ASCII words up to 24 letters.
pub fn with_lowercase<T>(word: &str, f: impl FnOnce(&str) -> T) -> T {
    if !word.chars().any(char::is_uppercase) {
        return f(word);
    }
    let bytes = word.as_bytes();
    if word.is_ascii() && bytes.len() <= 24 {
        let mut buffer = [0u8; 24];
        buffer[..bytes.len()].copy_from_slice(bytes);
        buffer[..bytes.len()].make_ascii_lowercase();
        return f(std::str::from_utf8(&buffer[..bytes.len()]).unwrap_or(""));
    }
    f(&word.to_lowercase())
}

#[cfg(test)]
mod tests {
    #[test]
    fn function_words_are_stop_words_and_content_words_are_not() {
        assert!(super::is_stopword("the"));
        assert!(super::is_stopword("monday"));
        assert!(!super::is_stopword("troops"));
        assert!(super::is_stopword_any_case("The") && super::is_stopword_any_case("MONDAY"));
        assert!(!super::is_stopword_any_case("Moscow"));
    }
}
