//! Sentence boundaries inside one paragraph.

use std::ops::Range;

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "prof", "sir", "rev", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "jr", "sr", "no",
    "vs", "etc", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s",
    "u.k", "e.g", "i.e", "a.m", "p.m",
];

/// The sentences of `paragraph`, as byte ranges into it, trimmed of spaces.
///
/// A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets after
/// it) followed by white space and then something that can start a sentence: an
/// upper-case letter, a digit or an opening quote. A full stop after a known
/// abbreviation or a single capital (an initial) does not end one.
pub fn sentences(paragraph: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    sentences_into(paragraph, 0, &mut out);
    out
}

/// [`sentences`], appended to `out`, as ranges shifted by `offset` (where the
/// paragraph starts in a longer text).
pub fn sentences_into(paragraph: &str, offset: usize, out: &mut Vec<Range<usize>>) {
    let from = out.len();
    let bytes = paragraph.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Straight to the next full stop, exclamation or question mark.
        match bytes[i..].iter().position(|b| matches!(b, b'.' | b'!' | b'?')) {
            Some(k) => i += k,
            None => break,
        }
        let c = bytes[i];
        if !(c == b'.' && after_abbreviation(&paragraph[start..i])) {
            let mut end = i + 1;
            while end < bytes.len() {
                let rest = &paragraph[end..];
                let closer = rest.chars().next().filter(|ch| matches!(ch, '"' | '”' | '’' | '\'' | ')' | ']'));
                match closer {
                    Some(ch) => end += ch.len_utf8(),
                    None => break,
                }
            }
            let rest = &paragraph[end..];
            let trimmed = rest.trim_start();
            let gap = rest.len() - trimmed.len();
            let starts_new = trimmed.chars().next().is_some_and(|ch| ch.is_uppercase() || ch.is_ascii_digit() || matches!(ch, '"' | '“' | '‘' | '\'' | '('));
            if end == bytes.len() || (gap > 0 && starts_new) {
                push_trimmed(paragraph, start..end, out);
                start = end + gap;
                i = start;
                continue;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    push_trimmed(paragraph, start..paragraph.len(), out);
    for range in &mut out[from..] {
        *range = range.start + offset..range.end + offset;
    }
}

fn after_abbreviation(before: &str) -> bool {
    let word = before.rsplit(|c: char| c.is_whitespace() || c == '(' || c == '“' || c == '"').next().unwrap_or("");
    super::stopwords::with_lowercase(word, |lower| ABBREVIATIONS.contains(&lower))
        || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let slice = &text[range.clone()];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail < slice.len() {
        out.push(range.start + lead..range.end - trail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn sentences_end_at_stops_but_not_after_honorifics_or_initials() {
        assert_eq!(split("Mr. Lavrov spoke. J. Smith replied! Was it 3.5 per cent? Yes."), ["Mr. Lavrov spoke.", "J. Smith replied!", "Was it 3.5 per cent?", "Yes."]);
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        assert_eq!(split("She said: “It is over.” Then she left."), ["She said: “It is over.”", "Then she left."]);
        assert_eq!(split("“It is over,” she said. “We go on.”"), ["“It is over,” she said.", "“We go on.”"]);
    }
}
