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
    let mut out: Vec<Vec<Token>> = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut chunk_start = None;
    let mut newline_before = false;
    let (mut tokens, mut trailing) = (Vec::new(), Vec::new());
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if c.is_whitespace() {
            if let Some(start) = chunk_start.take() {
                tokens.clear();
                split_chunk(text, start, i, &mut tokens, &mut trailing);
                for &token in &tokens {
                    let breaks =
                        newline_before || ends_sentence(text, &current, token) || current.len() >= MAX_SENTENCE_TOKENS;
                    if breaks && !current.is_empty() {
                        out.push(std::mem::take(&mut current));
                    }
                    newline_before = false;
                    current.push(token);
                }
            }
            newline_before |= c == '\n';
        } else if chunk_start.is_none() {
            chunk_start = Some(i);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether `next` starts a new sentence after the tokens of `current`: the last
/// token (or the one before a closing quote or bracket) ends a sentence and
/// `next` neither starts in lower case nor is closing punctuation.
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
    if end > from {
        out.push(Token { start: from, end });
    }
}

/// Whether a word keeps its final full stop: initials (`J.`), dotted
/// abbreviations (`U.S.`), and common short abbreviations (`Mr.`, `Inc.`).
fn keeps_full_stop(word: &str) -> bool {
    let mut chars = word.chars();
    let single_letter = matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic());
    single_letter || word.contains('.') || ABBREVIATIONS.contains(&word.to_lowercase().as_str())
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

    #[test]
    fn empty_and_blank_text_have_no_sentences() {
        assert!(sentences("").is_empty());
        assert!(sentences(" \n\t ").is_empty());
    }
}
