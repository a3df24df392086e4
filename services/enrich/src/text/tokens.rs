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
    let mut tokens = Vec::with_capacity(text.len() / 6);
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        let joiner = matches!(c, '\'' | '’' | '-' | '.' | '&');
        let next_is_word = chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        if start.is_some() && joiner && next_is_word {
            continue;
        }
        if let Some(s) = start.take() {
            tokens.push(Token { start: s, end: i });
        }
    }
    if let Some(s) = start {
        tokens.push(Token { start: s, end: text.len() });
    }
    tokens
}

/// Whether `word` starts with an upper-case letter.
pub fn is_capitalized(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// `word` without a possessive `’s` / `'s` ending.
pub fn strip_possessive(word: &str) -> &str {
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
    fn possessives_are_stripped() {
        assert_eq!(strip_possessive("Russia’s"), "Russia");
        assert_eq!(strip_possessive("Lavrov's"), "Lavrov");
        assert_eq!(strip_possessive("Truss"), "Truss");
        assert_eq!(strip_possessive("Jones’"), "Jones");
    }
}
