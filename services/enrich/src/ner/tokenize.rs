//! Splitting article text into sentences of word and punctuation tokens with
//! byte offsets, the way CoNLL-2003's text is split: punctuation apart,
//! possessive `'s` and `n't` apart, abbreviations (`U.S.`, `Mr.`, `J.`) kept whole.

/// A token: `text[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
}

/// Sentences longer than this are cut, so one run-on paragraph cannot make
/// decoding slow or feature windows meaningless.
const MAX_SENTENCE_TOKENS: usize = 120;

const OPENING: &[char] = &['(', '[', '{', '"', '\'', '\u{201c}', '\u{2018}', '\u{00ab}', '\u{00bf}', '\u{00a1}'];
const CLOSING: &[char] =
    &[')', ']', '}', '"', '\'', '\u{201d}', '\u{2019}', '\u{00bb}', ',', ';', ':', '!', '?', '\u{2026}'];
/// Endings split off as tokens of their own, as CoNLL does (`Russia 's`, `do n't`).
const CLITICS: &[&str] = &["'s", "'S", "\u{2019}s", "\u{2019}S", "n't", "N'T", "n\u{2019}t", "N\u{2019}T"];
const DASHES: &[char] = &['\u{2013}', '\u{2014}'];
const SENTENCE_END: &[&str] = &[".", "!", "?", "\u{2026}"];

/// Short words that keep their full stop (case-insensitive).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "gov", "sen",
    "rep", "rev", "hon", "inc", "corp", "co", "ltd", "plc", "bros", "vs", "etc", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "approx", "dept", "univ",
];

/// The sentences of `text`, each a list of tokens.
pub fn sentences(text: &str) -> Vec<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut bounds = Vec::new();
    split(text, &mut tokens, &mut bounds);
    bounds.windows(2).map(|b| tokens[b[0]..b[1]].to_vec()).collect()
}

/// The tokens of `text` in `tokens`, and where its sentences start and end in
/// `bounds` (sentence `k` is `tokens[bounds[k]..bounds[k + 1]]`): what
/// [`sentences`] returns, without a list per sentence. Both are cleared first.
pub fn split(text: &str, tokens: &mut Vec<Token>, bounds: &mut Vec<usize>) {
    tokens.clear();
    bounds.clear();
    bounds.push(0);
    tokens.reserve(text.len() / 4);
    let mut chunk = Vec::new();
    let mut trailing = Vec::new();
    let mut sentence = SentenceState::default();
    let mut newline_before = false;
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    loop {
        // White space (noting line breaks), then a chunk up to the next white space.
        while i < n {
            match space_at(text, i) {
                Some(width) => {
                    newline_before |= bytes[i] == b'\n';
                    i += width;
                }
                None => break,
            }
        }
        if i == n {
            break;
        }
        let start = i;
        // Whether the chunk has a byte beyond ASCII (a dash would be one).
        let mut beyond_ascii = false;
        loop {
            i = next_maybe_special(bytes, i);
            if i >= n {
                i = n;
                break;
            }
            match BYTE_CLASS[usize::from(bytes[i])] {
                SPACE => break,
                MAYBE_SPACE if space_at(text, i).is_some() => break,
                _ => {
                    beyond_ascii |= bytes[i] >= 0x80;
                    i += 1;
                }
            }
        }
        chunk.clear();
        if is_plain_word(bytes, start, i, beyond_ascii) {
            chunk.push(Token { start, end: i });
        } else {
            split_chunk(text, start, i, &mut chunk, &mut trailing);
        }
        for &token in &chunk {
            let open = tokens.len() - bounds[bounds.len() - 1];
            let breaks = newline_before || sentence.ends_before(text, token) || open >= MAX_SENTENCE_TOKENS;
            if breaks && open > 0 {
                bounds.push(tokens.len());
                sentence = SentenceState::default();
            }
            newline_before = false;
            sentence.push(&text[token.start..token.end]);
            tokens.push(token);
        }
    }
    if tokens.len() > bounds[bounds.len() - 1] {
        bounds.push(tokens.len());
    }
}

/// What a byte can start: nothing special, white space, or (C2, E1, E2, E3)
/// perhaps a white-space character beyond ASCII.
const ORDINARY: u8 = 0;
const SPACE: u8 = 1;
const MAYBE_SPACE: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut class = [ORDINARY; 256];
    let mut b = 0;
    while b < 256 {
        if b == b' ' as usize || (b >= b'\t' as usize && b <= b'\r' as usize) {
            class[b] = SPACE;
        }
        if b == 0xc2 || b == 0xe1 || b == 0xe2 || b == 0xe3 {
            class[b] = MAYBE_SPACE;
        }
        b += 1;
    }
    class
};

/// The first position at or after `from` of a byte below `!` or above `\x7f`
/// (all the white space there is, and more), or `bytes.len()`: eight bytes at
/// a time, so that a word costs one test instead of one a byte.
#[inline]
fn next_maybe_special(bytes: &[u8], mut from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(from..from + 8) {
        let word = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        // High bit set in the lowest byte that is below 0x21 or at least 0x80
        // (exact for the lowest such byte, which is all that is used).
        let flags = (word.wrapping_sub(ONES * 0x21) & !word & HIGHS) | (word & HIGHS);
        if flags != 0 {
            return from + (flags.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while from < bytes.len() && (0x21..0x80).contains(&bytes[from]) {
        from += 1;
    }
    from
}

/// Whether ASCII byte `b` is white space (as `char::is_whitespace` says).
#[inline]
fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// The width of the white-space character at byte `at` (a character
/// boundary), if it is one. Beyond ASCII only U+0085, U+00A0, U+1680,
/// U+2000–U+205F and U+3000 are white space, whose first bytes are C2, E1, E2, E3.
#[inline]
fn space_at(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes()[at];
    if b < 0x80 {
        return is_ascii_space(b).then_some(1);
    }
    if !matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3) {
        return None;
    }
    let c = text[at..].chars().next()?;
    c.is_whitespace().then(|| c.len_utf8())
}

/// What the sentence being read ends with, for [`ends_sentence`]'s test: whether
/// its last token ends a sentence, is short closing punctuation, and whether the
/// token before the last ends a sentence.
#[derive(Debug, Default, Clone, Copy)]
struct SentenceState {
    last_ends: bool,
    last_closes: bool,
    before_last_ends: bool,
}

impl SentenceState {
    fn push(&mut self, word: &str) {
        self.before_last_ends = self.last_ends;
        // Both tests are about punctuation of at most 3 bytes.
        let short = word.len() <= 3;
        self.last_ends = short && SENTENCE_END.contains(&word);
        self.last_closes = short && word.chars().all(|c| CLOSING.contains(&c));
    }

    /// Whether `next` starts a new sentence after this one (see [`ends_sentence`]).
    fn ends_before(&self, text: &str, next: Token) -> bool {
        if !(self.last_ends || (self.last_closes && self.before_last_ends)) {
            return false;
        }
        let word = &text[next.start..next.end];
        let starts_lower = word.chars().next().is_some_and(char::is_lowercase);
        let closes = word.chars().all(|c| CLOSING.contains(&c) || c == '.');
        !(starts_lower || closes)
    }
}

/// Whether `next` starts a new sentence after the tokens of `current`: the last
/// token (or the one before a closing quote or bracket) ends a sentence and
/// `next` neither starts in lower case nor is closing punctuation.
#[cfg(test)]
fn ends_sentence(text: &str, current: &[Token], next: Token) -> bool {
    let word = |t: &Token| &text[t.start..t.end];
    let starts_lower = word(&next).chars().next().is_some_and(char::is_lowercase);
    let closes = word(&next).chars().all(|c| CLOSING.contains(&c) || c == '.');
    if starts_lower || closes {
        return false;
    }
    let mut last = current.iter().rev();
    match last.next().map(word) {
        Some(w) if SENTENCE_END.contains(&w) => true,
        Some(w) if w.len() <= 3 && w.chars().all(|c| CLOSING.contains(&c)) => {
            last.next().map(word).is_some_and(|w| SENTENCE_END.contains(&w))
        }
        _ => false,
    }
}

/// Whether the whitespace-free `bytes[start..end]` is one token: it starts and
/// ends with an ASCII letter or digit (so nothing opens or closes it), does not
/// end in a clitic, and holds no dash (no byte E2, which only a chunk with bytes
/// beyond ASCII, `beyond_ascii`, can hold).
fn is_plain_word(bytes: &[u8], start: usize, end: usize, beyond_ascii: bool) -> bool {
    let (first, last) = (bytes[start], bytes[end - 1]);
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && !(matches!(last, b's' | b'S' | b't' | b'T') && end - start >= 3 && matches!(bytes[end - 2], b'\'' | 0x99))
        && !(beyond_ascii && bytes[start..end].contains(&0xe2))
}

/// Splits the whitespace-free `text[start..end]` into tokens.
fn split_chunk(text: &str, mut start: usize, mut end: usize, out: &mut Vec<Token>, trailing: &mut Vec<Token>) {
    while let Some(c) = text[start..end].chars().next().filter(|c| OPENING.contains(c)) {
        if end - start == c.len_utf8() {
            break;
        }
        out.push(Token { start, end: start + c.len_utf8() });
        start += c.len_utf8();
    }
    trailing.clear();
    loop {
        let core = &text[start..end];
        let Some(&last_byte) = core.as_bytes().last() else { break };
        // A word ending in a letter or digit that no clitic ends in has nothing to split off.
        if last_byte.is_ascii_alphanumeric() && !matches!(last_byte, b's' | b'S' | b't' | b'T') {
            break;
        }
        let Some(last) = core.chars().next_back() else { break };
        if core.len() == last.len_utf8() {
            break;
        }
        let suffix = CLITICS.iter().find(|s| core.ends_with(**s) && core.len() > s.len());
        let cut = if let Some(suffix) = suffix {
            suffix.len()
        } else if CLOSING.contains(&last) {
            last.len_utf8()
        } else if last == '.' && !keeps_full_stop(&core[..core.len() - 1]) {
            1
        } else {
            break;
        };
        trailing.push(Token { start: end - cut, end });
        end -= cut;
    }
    split_dashes(text, start, end, out);
    out.extend(trailing.drain(..).rev());
}

/// Splits at dashes inside a word (`word—word`), keeping the dashes as tokens.
fn split_dashes(text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    let mut from = start;
    // Both dashes are three bytes starting 0xE2 0x80.
    if text.as_bytes()[start..end].contains(&0xe2) {
        for (i, c) in text[start..end].char_indices() {
            if DASHES.contains(&c) {
                let at = start + i;
                if at > from {
                    out.push(Token { start: from, end: at });
                }
                out.push(Token { start: at, end: at + c.len_utf8() });
                from = at + c.len_utf8();
            }
        }
    }
    if end > from {
        out.push(Token { start: from, end });
    }
}

/// Whether a word keeps its final full stop: initials (`J.`), dotted
/// abbreviations (`U.S.`), and common short abbreviations (`Mr.`, `Inc.`).
fn keeps_full_stop(word: &str) -> bool {
    let mut chars = word.chars();
    let single_letter = matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic());
    if single_letter || word.contains('.') {
        return true;
    }
    if word.is_ascii() {
        return word.len() <= 6 && ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word));
    }
    ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<&str>> {
        sentences(text).iter().map(|s| s.iter().map(|t| &text[t.start..t.end]).collect()).collect()
    }

    #[test]
    fn punctuation_and_possessives_become_their_own_tokens() {
        assert_eq!(
            words("Russia\u{2019}s troops (near Ukraine), said \u{201c}Truss\u{201d}."),
            [[
                "Russia",
                "\u{2019}s",
                "troops",
                "(",
                "near",
                "Ukraine",
                ")",
                ",",
                "said",
                "\u{201c}",
                "Truss",
                "\u{201d}",
                "."
            ]]
        );
        assert_eq!(words("They don't."), [["They", "do", "n't", "."]]);
    }

    #[test]
    fn abbreviations_and_initials_keep_their_full_stop() {
        assert_eq!(words("Mr. J. Smith of the U.S. left"), [["Mr.", "J.", "Smith", "of", "the", "U.S.", "left"]]);
    }

    #[test]
    fn sentences_end_at_full_stops_before_capitals_and_at_line_breaks() {
        let text = "Truss met Lavrov. He said no.\u{201d} Then she left\nHEADLINE here";
        let s = words(text);
        assert_eq!(s.len(), 4, "{s:?}");
        assert_eq!(s[1], ["He", "said", "no", ".", "\u{201d}"]);
        assert_eq!(s[3], ["HEADLINE", "here"]);
        assert_eq!(words("It rose 3.5 per cent. to 4"), [["It", "rose", "3.5", "per", "cent", ".", "to", "4"]]);
    }

    #[test]
    fn dashes_inside_words_split_but_hyphens_do_not() {
        assert_eq!(words("Anglo-Russian talks\u{2014}again"), [["Anglo-Russian", "talks", "\u{2014}", "again"]]);
    }

    #[test]
    fn offsets_slice_back_to_the_token_text() {
        let text = "  \u{00ab}Caf\u{00e9}\u{00bb}, M\u{00fc}nchen!  ";
        for t in sentences(text).concat() {
            assert!(text.get(t.start..t.end).is_some_and(|w| !w.trim().is_empty()));
        }
        assert_eq!(words(text), [["\u{00ab}", "Caf\u{00e9}", "\u{00bb}", ",", "M\u{00fc}nchen", "!"]]);
    }

    /// The sentence splitting as first written, token by token, to check the
    /// incremental test against.
    fn reference(text: &str) -> Vec<Vec<Token>> {
        let (mut out, mut current) = (Vec::new(), Vec::new());
        let mut all = Vec::new();
        let mut bounds = Vec::new();
        split(text, &mut all, &mut bounds);
        for token in all {
            if ends_sentence(text, &current, token) && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            current.push(token);
        }
        if !current.is_empty() {
            out.push(current);
        }
        out
    }

    #[test]
    fn sentence_ends_tested_incrementally_agree_with_the_whole_test() {
        let text = "Truss met Lavrov. He said no.\u{201d} Then (she left.) And \"so?\" It ends. . . .\u{2026} Yes!) no";
        assert_eq!(sentences(text), reference(text));
    }

    #[test]
    fn empty_and_blank_text_have_no_sentences() {
        assert!(sentences("").is_empty());
        assert!(sentences(" \n\t ").is_empty());
    }
}
