//! Story bodies given as markup: sanitized HTML, and the plain-text paragraphs
//! derived from that sanitized HTML (so the two never disagree).

use std::sync::LazyLock;

use newswire_shared::article::Text;
use newswire_shared::stage::StageError;

use crate::formats::xml::{self, Element, Mode, Node};
use crate::text::{self, escape_html};

/// Elements that end one paragraph and start another.
const BLOCKS: &[&str] = &[
    "p", "div", "section", "article", "blockquote", "pre", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th",
    "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "figure", "figcaption", "header", "footer", "aside", "main",
];

/// Elements whose content is never story text.
const SKIP: &[&str] = &["script", "style", "noscript", "template", "iframe", "object", "head", "title"];

/// Source-vocabulary elements renamed to their HTML equivalent before sanitizing
/// (NITF's `hl2` is a sub-heading, its `block` a division).
const RENAMES: &[(&str, &str)] = &[("hl2", "h2"), ("block", "div"), ("body.content", "div"), ("bq", "blockquote"), ("hl1", "h1")];

/// The one HTML sanitizer of normalize: ammonia's defaults (no scripts, styles,
/// event handlers or `javascript:` links), minus images and figures with all
/// their content, because pictures become associations, not inline markup.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.rm_tags(["img", "figure", "figcaption"]);
    builder.add_clean_content_tags(["figure", "figcaption"]);
    builder
});

/// Sanitizes an HTML fragment with normalize's sanitizer.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Bodies from an HTML fragment (e.g. an RSS `description`): sanitized HTML plus
/// the plain-text paragraphs read back from it.
pub fn from_html(html: &str) -> Result<Vec<Text>, StageError> {
    let clean_html = sanitize(html);
    let paragraphs = paragraphs_of_html(&clean_html)?;
    if paragraphs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Text::plain("main", text::join_paragraphs(&paragraphs)), Text::html("main", clean_html.trim())])
}

/// Bodies from an XML element's content (NITF `body.content`, an XHTML `body`).
/// `skip` names elements handled elsewhere, such as NITF `media`.
pub fn from_element(element: &Element, skip: &[&str]) -> Result<Vec<Text>, StageError> {
    let mut html = String::new();
    for child in &element.children {
        serialize(child, skip, &mut html);
    }
    from_html(&html)
}

/// Bodies from plain text: paragraphs are separated by blank lines.
pub fn from_plain(text: &str) -> Vec<Text> {
    let paragraphs: Vec<String> =
        text.split("\n\n").flat_map(|p| p.split("\r\n\r\n")).map(text::clean).filter(|p| !p.is_empty()).collect();
    crate::formats::bodies_from_paragraphs(&paragraphs)
}

/// The paragraphs of (sanitized, well-nested) HTML.
fn paragraphs_of_html(html: &str) -> Result<Vec<String>, StageError> {
    if html.trim().is_empty() {
        return Ok(Vec::new());
    }
    let root = xml::parse(&format!("<div>{html}</div>"), Mode::Html)?;
    Ok(paragraphs(&root))
}

/// The element's text split into paragraphs at block boundaries, cleaned.
pub fn paragraphs(element: &Element) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    walk(element, &mut run, &mut out);
    flush(&mut run, &mut out);
    out
}

fn walk(element: &Element, run: &mut String, out: &mut Vec<String>) {
    for child in &element.children {
        match child {
            Node::Text(t) => run.push_str(t),
            Node::Element(e) if SKIP.contains(&e.name.as_str()) => {}
            Node::Element(e) if BLOCKS.contains(&e.name.as_str()) => {
                flush(run, out);
                walk(e, run, out);
                flush(run, out);
            }
            Node::Element(e) => walk(e, run, out),
        }
    }
}

fn flush(run: &mut String, out: &mut Vec<String>) {
    let paragraph = text::clean(run);
    if !paragraph.is_empty() {
        out.push(paragraph);
    }
    run.clear();
}

/// Writes a node back out as HTML, local names only, NITF vocabulary renamed.
fn serialize(node: &Node, skip: &[&str], out: &mut String) {
    match node {
        Node::Text(t) => out.push_str(&escape_html(t)),
        Node::Element(e) if skip.contains(&e.name.as_str()) => {}
        Node::Element(e) => {
            let name = RENAMES.iter().find(|(from, _)| *from == e.name).map_or(e.name.as_str(), |(_, to)| to);
            out.push('<');
            out.push_str(name);
            for (key, value) in &e.attrs {
                if !key.starts_with("xmlns") && !key.contains(':') {
                    out.push_str(&format!(" {key}=\"{}\"", escape_html(value)));
                }
            }
            out.push('>');
            for child in &e.children {
                serialize(child, skip, out);
            }
            out.push_str(&format!("</{name}>"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed_and_paragraphs_follow_blocks() {
        let bodies = from_html(r#"<p onclick="x()">First &amp; <b>bold</b></p><script>evil()</script><p>Second<br>line</p>"#).unwrap();
        assert_eq!(bodies[0].value, "First & bold\n\nSecond\n\nline");
        assert!(!bodies[1].value.contains("script") && !bodies[1].value.contains("onclick"), "{}", bodies[1].value);
        assert!(bodies[1].value.contains("<b>bold</b>"));
    }

    #[test]
    fn xml_bodies_lose_skipped_elements_and_namespaces() {
        let root = xml::parse(
            r#"<body.content xmlns="urn:n"><p>One</p><media><media-caption>Cap</media-caption></media><hl2>Sub</hl2><p>Two</p></body.content>"#,
            Mode::Xml,
        )
        .unwrap();
        let bodies = from_element(&root, &["media"]).unwrap();
        assert_eq!(bodies[0].value, "One\n\nSub\n\nTwo");
        assert!(bodies[1].value.contains("<h2>Sub</h2>"), "{}", bodies[1].value);
        assert!(!bodies[1].value.contains("Cap"));
    }

    #[test]
    fn plain_text_paragraphs_split_on_blank_lines() {
        let bodies = from_plain("One\nstill one\n\n  Two  ");
        assert_eq!(bodies[0].value, "One still one\n\nTwo");
    }
}
