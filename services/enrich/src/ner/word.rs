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
    /// First character lower-case.
    pub(super) starts_lower: bool,
    /// Has a lower-case letter.
    pub(super) has_lower: bool,
    /// Has an upper-case letter.
    pub(super) has_upper: bool,
    /// Has letters and none of them lower-case.
    pub(super) all_caps: bool,
    /// Has an upper-case letter or a digit: could be (next to) a name.
    pub(super) marked: bool,
}

impl<'a> Word<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return Self::ascii(text);
        }
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
        let first = text.chars().next();
        Word {
            lower_hash: lower_hash(text),
            text,
            shape_hash: shape.finish(),
            len_bucket: chars.min(6) as u8,
            capitalised: first.is_some_and(char::is_uppercase),
            starts_lower: first.is_some_and(char::is_lowercase),
            has_lower: lowers > 0,
            has_upper: uppers > 0,
            all_caps: letters > 0 && lowers == 0,
            marked: uppers > 0 || digits > 0,
        }
    }

    /// [`Word::new`] for ASCII text, in one pass over the bytes (same hashes).
    fn ascii(text: &'a str) -> Self {
        let mut shape = FeatureHash::template(254);
        let mut lower = FeatureHash::template(255);
        let mut kinds = 0u32;
        let mut last_class = 0u8;
        // Table look-ups and selects rather than branches: a word's bytes change
        // class at places no predictor guesses.
        for &b in text.as_bytes() {
            let [class, folded, kind] = ASCII_BYTES[usize::from(b)];
            lower = lower.byte(folded);
            let next = shape.byte(class);
            shape = if class != last_class { next } else { shape };
            last_class = class;
            kinds |= u32::from(kind);
        }
        let (uppers, lowers, digits) = (kinds & UPPER != 0, kinds & LOWER != 0, kinds & DIGIT != 0);
        let first = text.as_bytes().first().copied().unwrap_or(0);
        Word {
            lower_hash: lower.finish(),
            text,
            shape_hash: shape.finish(),
            len_bucket: text.len().min(6) as u8,
            capitalised: first.is_ascii_uppercase(),
            starts_lower: first.is_ascii_lowercase(),
            has_lower: lowers,
            has_upper: uppers,
            all_caps: uppers && !lowers,
            marked: uppers || digits,
        }
    }

    /// Calls `f` with the first four characters of the word's [`lowered`] form.
    pub(super) fn prefix_chars(&self, mut f: impl FnMut(usize, char)) {
        if self.text.is_ascii() {
            for (k, &b) in self.text.as_bytes().iter().take(4).enumerate() {
                f(k, ascii_lowered(b) as char);
            }
        } else {
            for (k, c) in lowered(self.text).take(4).enumerate() {
                f(k, c);
            }
        }
    }

    /// Calls `f` with the last four characters of the word's [`lowered`] form,
    /// last first.
    pub(super) fn suffix_chars(&self, mut f: impl FnMut(usize, char)) {
        if self.text.is_ascii() {
            for (k, &b) in self.text.as_bytes().iter().rev().take(4).enumerate() {
                f(k, ascii_lowered(b) as char);
            }
        } else {
            for (k, c) in self.text.chars().rev().flat_map(lowered_char).take(4).enumerate() {
                f(k, c);
            }
        }
    }
}

const UPPER: u32 = 1;
const LOWER: u32 = 2;
const DIGIT: u32 = 4;

/// For each ASCII byte: its shape class (`X`, `x`, `d`, or itself, a backtick
/// as `'`), its form in [`lower_hash`] (lower case, digits as `0`, a backtick
/// kept) and its kind (upper-case letter, lower-case letter, digit).
const ASCII_BYTES: [[u8; 3]; 128] = {
    let mut table = [[0u8; 3]; 128];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        table[b] = match byte {
            b'A'..=b'Z' => [b'X', byte + 32, UPPER as u8],
            b'a'..=b'z' => [b'x', byte, LOWER as u8],
            b'0'..=b'9' => [b'd', b'0', DIGIT as u8],
            b'`' => [b'\'', b'`', 0],
            other => [other, other, 0],
        };
        b += 1;
    }
    table
};

/// [`lowered_char`] of an ASCII byte.
fn ascii_lowered(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b'0',
        b'`' => b'\'',
        other => other.to_ascii_lowercase(),
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
    if c.is_ascii() {
        return h.byte(c as u8);
    }
    let mut buf = [0u8; 4];
    c.encode_utf8(&mut buf).bytes().fold(h, FeatureHash::byte)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::features::shouting_words;

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
        let shouting = |s: &[&str]| shouting_words(&s.iter().map(|w| Word::new(w)).collect::<Vec<_>>());
        assert!(shouting(&["SOCCER", "-", "JAPAN", "WIN"]));
        assert!(!shouting(&["Japan", "WIN"]));
        assert!(!shouting(&["-", "1996"]));
    }
}
