//! Content that a page streams in after its first paint.
//!
//! React's streaming server rendering (React 18+, as Next.js uses it) sends a
//! page's slow parts, often the whole article, at the end of the document as
//! `<div hidden id="S:0">…</div>`, and a script then moves each such segment
//! into its placeholder. The `hidden` attribute is the transport, not the
//! author's wish: a reader sees the segment, so the extractor must too (it
//! skips hidden elements, as a browser would).

use dom_query::Document;

/// React's streamed segments: hidden `<div>`s whose id is `S:` and a number.
const SEGMENTS: &str = "div[hidden][id^='S:']";

/// Shows the page's streamed segments (removes their `hidden` attribute), so
/// that main-content extraction reads them as the reader sees them.
pub fn reveal(doc: &Document) {
    let segments = doc.select(SEGMENTS);
    for segment in segments.iter() {
        let numbered = segment.attr("id").is_some_and(|id| id.strip_prefix("S:").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())));
        if numbered {
            segment.remove_attr("hidden");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_segment_is_shown_and_other_hidden_blocks_stay_hidden() {
        let doc = Document::from(r#"<div hidden id="S:3"><p>Story</p></div><div hidden id="S:menu">Menu</div><div hidden id="modal">Log in</div>"#);
        reveal(&doc);
        assert!(!doc.select("#S\\:3").has_attr("hidden"));
        assert!(doc.select("#S\\:menu").has_attr("hidden"), "only numbered segments are React's");
        assert!(doc.select("#modal").has_attr("hidden"));
    }
}
