//! Words with their byte offsets.

/// One word: letters and digits, with inner apostrophes, hyphens and dots kept
/// (`didn’t`, `de-escalating`, `U.S`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

impl Token {
    /// The word's text in `text`.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// Every word of `text`, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(text.len() / 6);
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (word_char, width) = if b < 0x80 {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            let c = char_at(text, i);
            (is_alphanumeric(c), c.len_utf8())
        };
        if word_char {
            if start.is_none() {
                start = Some(i);
            }
            i += width;
            continue;
        }
        if start.is_some() {
            let joiner = matches!(b, b'\'' | b'-' | b'.' | b'&') || (b == 0xe2 && text[i..].starts_with('’'));
            if joiner && is_word_char_at(text, i + width) {
                i += width;
                continue;
            }
            tokens.push(Token { start: start.take().unwrap_or(i), end: i });
        }
        i += width;
    }
    if let Some(s) = start {
        tokens.push(Token { start: s, end: text.len() });
    }
    tokens
}

/// The character starting at byte `at`, a character boundary inside `text`.
#[inline]
fn char_at(text: &str, at: usize) -> char {
    text[at..].chars().next().unwrap_or(' ')
}

/// Whether a letter or digit starts at byte `at` (false at the end).
#[inline]
fn is_word_char_at(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => is_alphanumeric(char_at(text, at)),
    }
}

/// `char::is_alphanumeric`, answering at once for General Punctuation
/// (U+2000–U+206F: the typographic quotes and dashes of news text), none of
/// which is a letter or digit.
#[inline]
fn is_alphanumeric(c: char) -> bool {
    !('\u{2000}'..='\u{206f}').contains(&c) && c.is_alphanumeric()
}

/// Whether `word` starts with an upper-case letter.
pub fn is_capitalized(word: &str) -> bool {
    match word.as_bytes().first() {
        Some(b) if b.is_ascii() => b.is_ascii_uppercase(),
        _ => word.chars().next().is_some_and(char::is_uppercase),
    }
}

/// `word` without a possessive `’s` / `'s` ending.
pub fn strip_possessive(word: &str) -> &str {
    // Every ending stripped ends in `s`, `’` (bytes E2 80 99) or `'`.
    if !matches!(word.as_bytes().last(), Some(b's' | 0x99 | b'\'')) {
        return word;
    }
    word.strip_suffix("’s").or_else(|| word.strip_suffix("'s")).or_else(|| word.strip_suffix('’').filter(|w| w.ends_with('s')))
        .or_else(|| word.strip_suffix('\'').filter(|w| w.ends_with('s')))
        .map_or(word, |w| w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text(text)).collect()
    }

    #[test]
    fn words_keep_inner_apostrophes_and_hyphens_but_not_outer_punctuation() {
        assert_eq!(words("“Of course, the Russians didn’t like it” — de-escalating."), ["Of", "course", "the", "Russians", "didn’t", "like", "it", "de-escalating"]);
        assert_eq!(words("Russia’s 100,000 troops"), ["Russia’s", "100", "000", "troops"]);
    }

    #[test]
    fn no_general_punctuation_is_a_letter_or_digit() {
        assert!(('\u{2000}'..='\u{206f}').all(|c| !c.is_alphanumeric()));
    }

    #[test]
    fn possessives_are_stripped() {
        assert_eq!(strip_possessive("Russia’s"), "Russia");
        assert_eq!(strip_possessive("Lavrov's"), "Lavrov");
        assert_eq!(strip_possessive("Truss"), "Truss");
        assert_eq!(strip_possessive("Jones’"), "Jones");
    }
}
