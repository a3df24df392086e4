//! Text clean-up shared by every format: NFC, entities, control characters,
//! whitespace, double-encoded UTF-8, stray full-width punctuation.

mod fullwidth;
mod mojibake;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Cleans one line or paragraph: Unicode NFC, control characters removed,
/// runs of whitespace collapsed to one space, trimmed. Typographic quotes and
/// dashes are kept as they are. Double-encoded UTF-8 is decoded again
/// ([`mojibake`]) and full-width ASCII outside East Asian text made ASCII
/// ([`fullwidth`]).
pub fn clean(text: &str) -> String {
    if let Some(repaired) = mojibake::repaired(text) {
        return clean(&repaired);
    }
    if let Some(ascii) = fullwidth::to_ascii(text) {
        return clean(&ascii);
    }
    // Most text is NFC already (all ASCII text is), and the quick check says so
    // without the cost of recomposing it.
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        collapse(text.chars(), text.len())
    } else {
        collapse(text.nfc(), text.len())
    }
}

/// [`clean`] of characters already in NFC.
fn collapse(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = true;
        } else if c.is_control() || matches!(c, '\u{200b}' | '\u{feff}') {
            continue;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

/// Paragraphs joined as the plain-text body: separated by one blank line.
pub fn join_paragraphs(paragraphs: &[String]) -> String {
    paragraphs.join("\n\n")
}

/// The paragraphs as minimal, safe HTML: each escaped and wrapped in `<p>`.
/// A paragraph of several lines (a table or list kept as one block, see
/// [`crate::extract::line_blocks`]) keeps its line breaks as `<br>`.
pub fn paragraphs_to_html(paragraphs: &[String]) -> String {
    paragraphs.iter().map(|p| format!("<p>{}</p>", escape_html(p).replace('\n', "<br>"))).collect::<Vec<_>>().join("\n")
}

/// Escapes `&`, `<`, `>` and `"` for HTML text and attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_collapses_space_drops_controls_keeps_typography() {
        assert_eq!(clean("  “Hello”\u{0007}\t —  world\u{200b}  "), "“Hello” — world");
        // "e" + combining acute becomes the single NFC code point.
        assert_eq!(clean("cafe\u{301}"), "caf\u{e9}");
        assert_eq!(clean("Ca\u{301}diz  and  caf\u{e9}"), "C\u{e1}diz and caf\u{e9}");
    }

    #[test]
    fn html_is_escaped_paragraph_by_paragraph() {
        let html = paragraphs_to_html(&["a < b & c".into(), "“q”".into()]);
        assert_eq!(html, "<p>a &lt; b &amp; c</p>\n<p>“q”</p>");
    }

    #[test]
    fn the_lines_of_a_block_paragraph_keep_their_breaks_in_html() {
        let html = paragraphs_to_html(&["Plymouth 2 Preston 1\nBury <0> Hull 0".into()]);
        assert_eq!(html, "<p>Plymouth 2 Preston 1<br>Bury &lt;0&gt; Hull 0</p>");
    }
}
