//! Clean text paragraphs from an HTML tree, split at block elements.
//!
//! The walk is iterative (an explicit stack), so even a deep tree cannot
//! overflow the thread's stack.

use dom_query::{Document, NodeRef};

use crate::text::clean;

/// Elements that end one paragraph and start another.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "pre",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "hr",
    "figure",
    "figcaption",
    "header",
    "footer",
    "aside",
    "main",
    "nav",
    "address",
    "details",
    "summary",
    "caption",
    "form",
];

/// Elements whose content is never story text.
const SKIP: &[&str] = &["script", "style", "noscript", "template", "iframe", "object", "head", "title", "svg", "button", "select"];

enum Step<'a> {
    Enter(NodeRef<'a>),
    Leave,
}

/// The paragraphs of an HTML fragment, each cleaned with [`clean`].
pub fn of_html(html: &str) -> Vec<String> {
    let doc = Document::fragment(html);
    let root = doc.root();
    of_node(&root)
}

/// The paragraphs under `node`.
pub fn of_node(node: &NodeRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    let mut stack: Vec<Step<'_>> = node.children_it(true).map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        match step {
            Step::Leave => flush(&mut run, &mut out),
            Step::Enter(n) if n.is_text() => run.push_str(&n.text()),
            Step::Enter(n) if n.is_element() => {
                let name = n.node_name().unwrap_or_default();
                if SKIP.contains(&&*name) {
                    continue;
                }
                if BLOCKS.contains(&&*name) {
                    flush(&mut run, &mut out);
                    stack.push(Step::Leave);
                } else if !run.ends_with(char::is_whitespace) && matches!(&*name, "td" | "th" | "span") {
                    run.push(' ');
                }
                stack.extend(n.children_it(true).map(Step::Enter));
            }
            Step::Enter(n) => {
                if n.is_document() || n.is_fragment() {
                    stack.extend(n.children_it(true).map(Step::Enter));
                }
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `html` (a fragment) without the block elements whose whole text, cleaned,
/// is one of `dropped`: keeps the HTML body in step with paragraphs filtered
/// out of the text body.
pub fn without_blocks(html: &str, dropped: &[String]) -> String {
    if dropped.is_empty() {
        return html.to_owned();
    }
    let doc = Document::fragment(html);
    let blocks: Vec<NodeRef<'_>> = doc.root().descendants_it().filter(|n| is_block(n)).collect();
    for block in blocks {
        if dropped.contains(&clean(&block.text())) {
            block.remove_from_parent();
        }
    }
    doc.select("html").inner_html().to_string()
}

fn is_block(node: &NodeRef<'_>) -> bool {
    node.is_element() && node.node_name().is_some_and(|name| BLOCKS.contains(&&*name))
}

fn flush(run: &mut String, out: &mut Vec<String>) {
    let paragraph = clean(run);
    if !paragraph.is_empty() {
        out.push(paragraph);
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_split_paragraphs_and_inline_elements_do_not() {
        let p = of_html("<div><p>One <b>bold</b> word.</p><p>Two<br>lines</p>Tail <i>text</i></div>");
        assert_eq!(p, vec!["One bold word.", "Two", "lines", "Tail text"]);
    }

    #[test]
    fn scripts_styles_and_entities_are_handled() {
        let p = of_html("<p>A &amp; B&nbsp;C</p><script>var x = '<p>no</p>';</script><style>p{}</style>");
        assert_eq!(p, vec!["A & B C"]);
    }

    #[test]
    fn dropped_paragraphs_leave_the_html_too() {
        let html = "<p>Keep <b>this</b>.</p><div><p>Share on Twitter</p></div><p>And this.</p>";
        let kept = without_blocks(html, &["Share on Twitter".to_owned()]);
        assert_eq!(kept, "<p>Keep <b>this</b>.</p><p>And this.</p>");
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let html = format!("{}deep{}", "<span>".repeat(20_000), "</span>".repeat(20_000));
        assert_eq!(of_html(&html), vec!["deep"]);
    }
}
