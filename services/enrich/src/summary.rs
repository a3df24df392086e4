//! The summary: the story's lede, cut to at most [`MAX_SUMMARY_CHARS`] at a sentence end.

use crate::text::Document;

/// Longest summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;

/// Fewest words a paragraph needs to be taken for the lede.
const MIN_LEDE_WORDS: usize = 8;

/// The lede of `doc`: its first body paragraph that reads as prose (at least
/// eight words, ending like a sentence, not a picture caption ending in a
/// bracketed credit), cut after the last whole sentence that fits in 300
/// characters; when even the first sentence is longer, it is cut at a word
/// boundary and ends with "…".
pub fn summary(doc: &Document) -> Option<String> {
    let lede = doc.paragraphs.iter().find(|p| {
        let text = doc.slice(p);
        text.split_whitespace().count() >= MIN_LEDE_WORDS && text.ends_with(['.', '!', '?', '”', '"', '’']) && !text.ends_with(").")
    })?;
    let mut out = String::new();
    for sentence in doc.sentences.iter().filter(|s| s.start >= lede.start && s.end <= lede.end) {
        let text = doc.slice(sentence);
        let joined = if out.is_empty() { text.chars().count() } else { out.chars().count() + 1 + text.chars().count() };
        if joined > MAX_SUMMARY_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(text);
    }
    if out.is_empty() {
        let text = doc.slice(lede);
        let cut: String = text.chars().take(MAX_SUMMARY_CHARS - 1).collect();
        let at_word = cut.rfind(char::is_whitespace).map_or(cut.as_str(), |i| &cut[..i]);
        out = format!("{}…", at_word.trim_end_matches([',', ';', ':']));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_the_first_prose_paragraph_cut_at_a_sentence_end() {
        let long = "x".repeat(200);
        let body = format!(
            "Foreign Secretary Liz Truss with Sergei Lavrov in Moscow (Russian Foreign Ministry via AP)\n\
             Liz Truss defended her decision to hold talks in Moscow with Sergei Lavrov. She had to deliver a clear message to Russia. And {long} more.\n\
             Second paragraph."
        );
        let got = summary(&Document::from_parts("Headline", &body)).unwrap();
        assert_eq!(got, "Liz Truss defended her decision to hold talks in Moscow with Sergei Lavrov. She had to deliver a clear message to Russia.");
    }

    #[test]
    fn a_first_sentence_longer_than_the_limit_is_cut_at_a_word() {
        let body = format!("{} end.", "word ".repeat(100));
        let got = summary(&Document::from_parts("", &body)).unwrap();
        assert!(got.chars().count() <= MAX_SUMMARY_CHARS && got.ends_with("word…"), "{got}");
    }

    #[test]
    fn a_story_without_prose_has_no_summary() {
        assert_eq!(summary(&Document::from_parts("Headline only", "Menu\nShare this")), None);
    }
}
