//! Word count and reading time.

use crate::text::Document;

/// Reading speed assumed for the reading time, in words per minute.
pub const WORDS_PER_MINUTE: usize = 230;

/// The number of words in `doc`'s body (tokens with a letter in them).
pub fn word_count(doc: &Document) -> usize {
    let body_start = doc.paragraphs.first().map_or(usize::MAX, |p| p.start);
    let has_letter = |word: &str| word.bytes().any(|b| b.is_ascii_alphabetic()) || (!word.is_ascii() && word.chars().any(char::is_alphabetic));
    doc.tokens.iter().filter(|t| t.start >= body_start && has_letter(t.text(&doc.text))).count()
}

/// Seconds needed to read `words` words, rounded up to a whole second.
pub fn reading_time_seconds(words: usize) -> u64 {
    (words as u64 * 60).div_ceil(WORDS_PER_MINUTE as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_in_the_body_only_and_numbers_are_not_words() {
        let doc = Document::from_parts("Three headline words", "One two, three 100 four-five.");
        assert_eq!(word_count(&doc), 4);
    }

    #[test]
    fn reading_time_rounds_up_at_230_words_a_minute() {
        assert_eq!(reading_time_seconds(230), 60);
        assert_eq!(reading_time_seconds(231), 61);
        assert_eq!(reading_time_seconds(0), 0);
    }
}
