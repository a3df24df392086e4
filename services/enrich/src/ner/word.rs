//! What one token looks like: its folded lower-case form, its shape and its
//! capitalisation, hashed once per token for the features to combine.

use super::hashing::FeatureHash;

/// What one token looks like, computed once per token.
#[derive(Debug, Clone)]
pub(super) struct Word<'a> {
    /// The token as written.
    pub(super) text: &'a str,
    /// Hash of its [`lowered`] form.
    pub(super) lower_hash: u64,
    /// Hash of the shape: character classes with repeats collapsed (`Xx`, `X.X.`, `d-d`).
    pub(super) shape_hash: u64,
    /// Character count, capped at 6.
    pub(super) len_bucket: u8,
    /// First character upper-case.
    pub(super) capitalised: bool,
    /// Has letters and none of them lower-case.
    pub(super) all_caps: bool,
    /// Has an upper-case letter or a digit: could be (next to) a name.
    pub(super) marked: bool,
}

impl<'a> Word<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut shape = FeatureHash::template(254);
        let (mut letters, mut lowers, mut uppers, mut digits, mut chars) = (0usize, 0usize, 0usize, 0usize, 0usize);
        let mut last_class = '\0';
        for c in text.chars() {
            chars += 1;
            let class = if c.is_uppercase() {
                letters += 1;
                uppers += 1;
                'X'
            } else if c.is_lowercase() {
                letters += 1;
                lowers += 1;
                'x'
            } else if c.is_numeric() {
                digits += 1;
                'd'
            } else if c.is_alphabetic() {
                letters += 1;
                'x'
            } else {
                fold(c)
            };
            if class != last_class {
                let mut buf = [0u8; 4];
                shape = class.encode_utf8(&mut buf).bytes().fold(shape, FeatureHash::byte);
                last_class = class;
            }
        }
        Word {
            lower_hash: lower_hash(text),
            text,
            shape_hash: shape.finish(),
            len_bucket: chars.min(6) as u8,
            capitalised: text.chars().next().is_some_and(char::is_uppercase),
            all_caps: letters > 0 && lowers == 0,
            marked: uppers > 0 || digits > 0,
        }
    }
}

/// The word form features use: lower case, typographic quotes and dashes folded
/// to ASCII as in CoNLL's text, digits as `0`.
pub(super) fn lowered(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(lowered_char)
}

pub(super) fn lowered_char(c: char) -> std::char::ToLowercase {
    if c.is_ascii_digit() { '0' } else { fold(c) }.to_lowercase()
}

fn fold(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' | '`' => '\'',
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{00ab}' | '\u{00bb}' => '"',
        '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        other => other,
    }
}

/// The hash of a word's [`lowered`] form.
pub(super) fn lower_hash(text: &str) -> u64 {
    if text.is_ascii() {
        let fold = |h: FeatureHash, b: u8| h.byte(if b.is_ascii_digit() { b'0' } else { b.to_ascii_lowercase() });
        return text.bytes().fold(FeatureHash::template(255), fold).finish();
    }
    lowered(text).fold(FeatureHash::template(255), hash_char).finish()
}

pub(super) fn hash_char(h: FeatureHash, c: char) -> FeatureHash {
    let mut buf = [0u8; 4];
    c.encode_utf8(&mut buf).bytes().fold(h, FeatureHash::byte)
}

/// Whether a sentence is set in capitals (a headline or a dateline), where
/// capitalisation says nothing about names.
pub(super) fn shouting<S: AsRef<str>>(sentence: &[S]) -> bool {
    let mut cased = 0;
    for word in sentence {
        let word = word.as_ref();
        if word.chars().any(char::is_lowercase) {
            return false;
        }
        if word.chars().any(char::is_uppercase) {
            cased += 1;
        }
    }
    cased >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_one_shape_share_a_shape_hash() {
        assert_eq!(Word::new("Truss").shape_hash, Word::new("Lavrov").shape_hash);
        assert_eq!(Word::new("U.S.").shape_hash, Word::new("U.K.").shape_hash);
        assert_eq!(Word::new("1996-08-22").shape_hash, Word::new("22-1-2").shape_hash);
        assert_ne!(Word::new("McDonald").shape_hash, Word::new("Truss").shape_hash);
        assert_ne!(Word::new("NATO").shape_hash, Word::new("Nato").shape_hash);
    }

    #[test]
    fn typographic_quotes_and_digits_are_folded_in_the_word_form() {
        assert_eq!(lowered("Russia\u{2019}s").collect::<String>(), "russia's");
        assert_eq!(lowered("2022").collect::<String>(), "0000");
        assert_eq!(Word::new("Russia\u{2019}s").lower_hash, Word::new("RUSSIA's").lower_hash);
    }

    #[test]
    fn headlines_in_capitals_are_recognised_as_shouting() {
        assert!(shouting(&["SOCCER", "-", "JAPAN", "WIN"]));
        assert!(!shouting(&["Japan", "WIN"]));
        assert!(!shouting(&["-", "1996"]));
    }
}
