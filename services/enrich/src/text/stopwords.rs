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
    stopwords().contains(word)
}

/// Whether `word`, in any letter case, is a stop word.
pub fn is_stopword_any_case(word: &str) -> bool {
    stopwords().contains_any_case(word)
}

fn stopwords() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| WordSet::new(STOPWORDS.iter().copied()))
}

/// Bits in a [`WordSet`]'s quick test.
const FILTER_BITS: usize = 1 << 16;

/// A set of lower-case words that answers most "no"s without hashing or
/// lower-casing: an ASCII word whose length and first two letters no member
/// has is not in it (one bit of a small table tells). An ASCII word that may be
/// in it is looked for in a small table of the ASCII members, compared in place
/// without lower-casing it.
#[derive(Debug, Clone)]
pub struct WordSet {
    words: HashSet<&'static str>,
    filter: Vec<u64>,
    /// The ASCII members by [`quick_slot`] (open addressing), as indexes into `ascii`.
    slots: Vec<u16>,
    ascii: Vec<&'static str>,
}

/// An empty slot of a [`WordSet`]'s table.
const EMPTY: u16 = u16::MAX;

impl WordSet {
    /// The set of `words` (lower case).
    pub fn new(words: impl IntoIterator<Item = &'static str>) -> Self {
        let words: HashSet<&'static str> = words.into_iter().collect();
        let mut filter = vec![0u64; FILTER_BITS / 64];
        for word in &words {
            if let Some(bit) = filter_bit(word) {
                filter[bit / 64] |= 1 << (bit % 64);
            }
        }
        let mut ascii: Vec<&'static str> = words.iter().copied().filter(|w| w.is_ascii() && w.to_ascii_lowercase() == **w).collect();
        ascii.sort_unstable();
        let size = (ascii.len() * 4).next_power_of_two().max(16);
        let mut slots = vec![EMPTY; size];
        for (i, word) in ascii.iter().enumerate() {
            let mut at = quick_slot(word.as_bytes(), size);
            while slots[at] != EMPTY {
                at = (at + 1) & (size - 1);
            }
            slots[at] = i as u16;
        }
        WordSet { words, filter, slots, ascii }
    }

    /// Whether an ASCII `word` (in any letter case) may be in the set; true for any other word.
    #[inline]
    fn may_contain(&self, word: &str) -> bool {
        filter_bit(word).is_none_or(|bit| self.filter[bit / 64] & (1 << (bit % 64)) != 0)
    }

    /// Whether ASCII `word` is a member, compared with `same`.
    #[inline]
    fn find_ascii(&self, word: &str, same: impl Fn(&str, &str) -> bool) -> bool {
        let size = self.slots.len();
        let mut at = quick_slot(word.as_bytes(), size);
        loop {
            match self.slots[at] {
                EMPTY => return false,
                i if same(self.ascii[usize::from(i)], word) => return true,
                _ => at = (at + 1) & (size - 1),
            }
        }
    }

    /// Whether lower-case `word` is in the set.
    pub fn contains(&self, word: &str) -> bool {
        if !self.may_contain(word) {
            return false;
        }
        if word.is_ascii() {
            return self.find_ascii(word, |member, word| member == word);
        }
        self.words.contains(word)
    }

    /// Whether `word`, in any letter case (as [`with_lowercase`] folds it), is in the set.
    pub fn contains_any_case(&self, word: &str) -> bool {
        if !self.may_contain(word) {
            return false;
        }
        if word.is_ascii() {
            return self.find_ascii(word, |member, word| member.eq_ignore_ascii_case(word));
        }
        with_lowercase(word, |lower| self.words.contains(lower))
    }
}

/// Where an ASCII word's search starts in a [`WordSet`]'s table of `size`
/// slots: from its length and its first, second and last letters in lower case.
#[inline]
fn quick_slot(bytes: &[u8], size: usize) -> usize {
    let byte = |i: usize| u64::from(bytes.get(i).map_or(0, u8::to_ascii_lowercase));
    let last = bytes.len().saturating_sub(1);
    let key = (bytes.len() as u64) | byte(0) << 8 | byte(1) << 16 | byte(last) << 24;
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & (size - 1)
}

/// The quick test's bit for an ASCII word: its length and first two bytes,
/// in lower case (`None` for other words, which the test lets through).
#[inline]
fn filter_bit(word: &str) -> Option<usize> {
    if !word.is_ascii() {
        return None;
    }
    let bytes = word.as_bytes();
    let byte = |i: usize| usize::from(bytes.get(i).map_or(0, u8::to_ascii_lowercase));
    Some(((bytes.len().min(31) << 14) ^ (byte(0) << 7) ^ byte(1)) % FILTER_BITS)
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

    #[test]
    fn a_word_set_finds_every_member_in_any_case_and_nothing_else() {
        let set = super::WordSet::new(super::STOPWORDS.iter().copied());
        for word in super::STOPWORDS {
            assert!(set.contains(word) && set.contains_any_case(word), "{word}");
            assert!(set.contains_any_case(&word.to_uppercase()), "{word}");
        }
        for word in ["troops", "Moscow", "THEM2", "", "x", "Ünïcödé", "didn’", "İstanbul"] {
            assert!(!set.contains(word) && !set.contains_any_case(word), "{word}");
        }
    }
}
