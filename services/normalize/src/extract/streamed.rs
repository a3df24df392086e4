//! Content that a page streams in after its first paint.
//!
//! React's streaming server rendering (React 18+, as Next.js uses it) sends a
//! page's slow parts, often the whole article, at the end of the document as
//! `<div hidden id="S:0">…</div>`, and a script then moves each segment to
//! its place: the `<template id="B:0">` (or `P:0`) marker in the page, whose
//! stand-in ("Loading…") up to the boundary's closing `<!--/$-->` comment it
//! replaces. The `hidden` attribute is the transport, not the author's wish:
//! a reader sees the segment where the marker is, so the extractor must too.

use dom_query::{Document, NodeData, NodeRef};

/// React's streamed segments: hidden `<div>`s whose id is `S:` and a (hex) number.
const SEGMENTS: &str = "div[hidden][id^='S:']";

/// Moves each streamed segment to its marker, as React's script would, its
/// stand-in removed; a segment whose marker is missing is shown where it is.
pub fn reveal(doc: &Document) {
    let segments = doc.select(SEGMENTS);
    for segment in segments.nodes() {
        let Some(number) = segment.attr("id").and_then(|id| id.strip_prefix("S:").map(str::to_owned)) else { continue };
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let marker = doc.select(&format!("template[id='B:{number}'], template[id='P:{number}']"));
        let Some(marker) = marker.nodes().first() else {
            segment.remove_attr("hidden");
            continue;
        };
        remove_stand_in(marker);
        if let Some(first) = segment.first_child() {
            marker.insert_siblings_before(&first);
        }
        marker.remove_from_parent();
        segment.remove_from_parent();
    }
}

/// Removes what follows `marker` up to the boundary's closing `<!--/$-->`
/// comment (left alone when the comment is not there: nothing is guessed).
fn remove_stand_in(marker: &NodeRef) {
    let mut stand_in = Vec::new();
    let mut next = marker.next_sibling();
    while let Some(node) = next {
        if closes_boundary(&node) {
            for node in stand_in {
                NodeRef::remove_from_parent(&node);
            }
            return;
        }
        next = node.next_sibling();
        stand_in.push(node);
    }
}

fn closes_boundary(node: &NodeRef) -> bool {
    node.query(|n| matches!(&n.data, NodeData::Comment { contents } if contents.trim() == "/$")).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_segment_replaces_its_stand_in_at_its_marker() {
        let doc = Document::from(concat!(
            r#"<main><h1>Title</h1><!--$?--><template id="B:a"></template><div>Loading paragraph...</div><!--/$--><p>After</p></main>"#,
            r#"<div hidden id="S:a"><p>First story paragraph.</p><p>Second.</p></div>"#
        ));
        reveal(&doc);
        let main = doc.select("main").text().to_string();
        assert_eq!(main, "TitleFirst story paragraph.Second.After");
        assert!(doc.select("div[hidden]").is_empty());
    }

    #[test]
    fn a_segment_without_its_marker_is_shown_where_it_is_and_other_hidden_blocks_stay_hidden() {
        let doc = Document::from(r#"<div hidden id="S:3"><p>Story</p></div><div hidden id="S:menu">Menu</div><div hidden id="modal">Log in</div>"#);
        reveal(&doc);
        assert!(!doc.select("#S\\:3").has_attr("hidden"));
        assert!(doc.select("#S\\:menu").has_attr("hidden"), "only numbered segments are React's");
        assert!(doc.select("#modal").has_attr("hidden"));
    }

    #[test]
    fn without_the_closing_comment_the_stand_in_is_kept() {
        let doc = Document::from(r#"<main><template id="B:0"></template><div>Loading</div></main><div hidden id="S:0"><p>Story</p></div>"#);
        reveal(&doc);
        assert_eq!(doc.select("main").text().to_string(), "StoryLoading");
    }
}
