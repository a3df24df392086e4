//! A small element tree over quick-xml, for the XML formats.
//!
//! Ingest splits feeds and packages into single items whose ancestors' `xmlns`
//! declarations are gone, so names are matched by their LOCAL part and
//! namespaces are ignored. XML is read under newswire's one set of guards
//! ([`newswire_shared::story::xml_guard`], which ingest applies at the door): no
//! DTD is read, a DOCTYPE declaring entities is refused, no entity other than
//! XML's five and character references is expanded, and nesting is limited, so
//! an external or billion-laughs entity can never be fetched or grow. Sanitized
//! HTML (never a story's own bytes) also has HTML5's named entities.

use quick_xml::encoding::Decoder;
use quick_xml::escape::{resolve_html5_entity, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use newswire_shared::stage::StageError;
use newswire_shared::story::xml_guard::{resolve_reference, XmlGuard};

/// How strictly markup is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Well-formed XML: a mismatched end tag is an error.
    Xml,
    /// Serialized (sanitized) HTML: void elements have no end tag, a stray end tag is skipped.
    Html,
}

/// The deepest nesting read; deeper documents are refused rather than risk the
/// stack in the recursive walks over the tree.
pub const MAX_DEPTH: usize = 256;

/// HTML elements that never have content or an end tag.
const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// A node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// An element.
    Element(Element),
    /// Character data, entities resolved.
    Text(String),
}

/// An element, by its local name, with its attributes as written and its children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    /// Local name, without any prefix: `newsItem` for `<g2:newsItem>`.
    pub name: String,
    /// Attributes: (qualified name as written, value with entities resolved).
    pub attrs: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

impl Element {
    /// The value of the attribute whose local name is `local` (`lang` finds `xml:lang`).
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| local_part(k) == local).map(|(_, v)| v.as_str())
    }

    /// The value of `local`, trimmed, when it is not blank.
    pub fn attr_nonblank(&self, local: &str) -> Option<&str> {
        self.attr(local).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element called `local`.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == local)
    }

    /// Every child element called `local`.
    pub fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == local)
    }

    /// The first element called `local` below this one, depth first.
    pub fn find(&self, local: &str) -> Option<&Element> {
        self.elements().find_map(|e| if e.name == local { Some(e) } else { e.find(local) })
    }

    /// Every element called `local` below this one, depth first (not inside a match).
    pub fn find_all<'a>(&'a self, local: &str) -> Vec<&'a Element> {
        let mut out = Vec::new();
        self.collect(local, &mut out);
        out
    }

    fn collect<'a>(&'a self, local: &str, out: &mut Vec<&'a Element>) {
        for e in self.elements() {
            if e.name == local {
                out.push(e);
            } else {
                e.collect(local, out);
            }
        }
    }

    /// All the text below this element, concatenated, cleaned (see [`crate::text::clean`]).
    pub fn text(&self) -> String {
        let mut raw = String::new();
        self.raw_text(&mut raw);
        crate::text::clean(&raw)
    }

    /// The cleaned text, when it is not empty.
    pub fn text_nonblank(&self) -> Option<String> {
        Some(self.text()).filter(|t| !t.is_empty())
    }

    fn raw_text(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.raw_text(out),
            }
        }
    }

    /// The cleaned text of the first child called `local`, when there is some.
    pub fn child_text(&self, local: &str) -> Option<String> {
        self.child(local).and_then(Element::text_nonblank)
    }
}

/// The part of a qualified name after its prefix.
pub fn local_part(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

/// Parses `text` and returns its root element (the first top-level element).
pub fn parse(text: &str, mode: Mode) -> Result<Element, StageError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = mode == Mode::Xml;
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut guard = XmlGuard::new(MAX_DEPTH);
    loop {
        let event = reader
            .read_event()
            .map_err(|e| StageError::new("malformed_xml", format!("at byte {}: {e}", reader.error_position())))?;
        if mode == Mode::Xml {
            guard.check(&event).map_err(|refusal| located(&reader, refusal.to_string()))?;
        }
        match event {
            Event::Start(start) => {
                let element = element_of(&start, mode, reader.decoder()).map_err(|d| located(&reader, d))?;
                if mode == Mode::Html && VOID.contains(&element.name.as_str()) {
                    push_child(&mut stack, Node::Element(element));
                } else if mode == Mode::Html && stack.len() > MAX_DEPTH {
                    // Markup without end-tag discipline: its depth is the open elements kept.
                    return Err(located(&reader, format!("elements nest deeper than {MAX_DEPTH} levels")));
                } else {
                    stack.push(element);
                }
            }
            Event::Empty(start) => {
                let element = element_of(&start, mode, reader.decoder()).map_err(|d| located(&reader, d))?;
                push_child(&mut stack, Node::Element(element));
            }
            Event::End(end) => {
                let name = String::from_utf8_lossy(end.local_name().as_ref()).into_owned();
                // Pops to the matching open element; in HTML mode a stray end tag is ignored.
                if let Some(depth) = stack.iter().skip(1).rposition(|e| e.name == name) {
                    while stack.len() > depth + 1 {
                        if let Some(done) = stack.pop() {
                            push_child(&mut stack, Node::Element(done));
                        }
                    }
                }
            }
            Event::Text(t) => {
                let text = t.xml_content().map_err(|e| located(&reader, e.to_string()))?;
                push_text(&mut stack, &text);
            }
            Event::CData(c) => {
                let text = c.decode().map_err(|e| located(&reader, e.to_string()))?;
                push_text(&mut stack, &text);
            }
            Event::GeneralRef(r) if mode == Mode::Xml => {
                let c = resolve_reference(&r).map_err(|refusal| located(&reader, refusal.to_string()))?;
                if c != '\0' {
                    push_text(&mut stack, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| located(&reader, e.to_string()))? {
                    if c != '\0' {
                        push_text(&mut stack, c.encode_utf8(&mut [0; 4]));
                    }
                } else {
                    let name = r.decode().map_err(|e| located(&reader, e.to_string()))?;
                    if let Some(value) = resolve_entity(&name, mode) {
                        push_text(&mut stack, value);
                    }
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
        }
    }
    if mode == Mode::Xml && stack.len() > 1 {
        let open = stack.last().map(|e| e.name.clone()).unwrap_or_default();
        return Err(StageError::new("malformed_xml", format!("the document ends inside <{open}>")));
    }
    while stack.len() > 1 {
        if let Some(done) = stack.pop() {
            push_child(&mut stack, Node::Element(done));
        }
    }
    let document = stack.pop().unwrap_or_default();
    let root = document.elements().next().cloned();
    root.ok_or_else(|| StageError::new("malformed_xml", "the document has no element"))
}

/// XML's own entities; HTML's named entities too when reading HTML.
fn resolve_entity(name: &str, mode: Mode) -> Option<&'static str> {
    resolve_predefined_entity(name).or_else(|| if mode == Mode::Html { resolve_html5_entity(name) } else { None })
}

fn located(reader: &Reader<&[u8]>, detail: String) -> StageError {
    StageError::new("malformed_xml", format!("at byte {}: {detail}", reader.buffer_position()))
}

fn element_of(start: &BytesStart<'_>, mode: Mode, decoder: Decoder) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    let attributes = match mode {
        Mode::Xml => start.attributes(),
        Mode::Html => start.html_attributes(),
    };
    for attr in attributes {
        let attr = attr.map_err(|e| format!("<{name}>: {e}"))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .decode_and_unescape_value_with(decoder, |e| resolve_entity(e, mode))
            .map_err(|e| format!("<{name} {key}>: {e}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element { name, attrs, children: Vec::new() })
}

fn push_child(stack: &mut [Element], node: Node) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        match top.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => top.children.push(Node::Text(text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_elements_without_their_xmlns_match_by_local_name() {
        let root = parse(r#"<g2:newsItem guid="urn:1" xml:lang="en"><g2:headline>Hi &amp; bye&#x2019;</g2:headline></g2:newsItem>"#, Mode::Xml)
            .unwrap();
        assert_eq!(root.name, "newsItem");
        assert_eq!(root.attr("lang"), Some("en"));
        assert_eq!(root.child_text("headline").as_deref(), Some("Hi & bye’"));
    }

    #[test]
    fn undefined_entities_are_refused_and_doctypes_are_not_read() {
        let xxe = r#"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        let err = parse(xxe, Mode::Xml).unwrap_err();
        assert_eq!(err.reason, "malformed_xml");
        assert!(err.detail.contains("DOCTYPE declares entities"), "{}", err.detail);
        let err = parse("<a>&x;</a>", Mode::Xml).unwrap_err();
        assert!(err.detail.contains("&x;"), "{}", err.detail);
        assert!(parse(r#"<!DOCTYPE nitf SYSTEM "nitf.dtd"><nitf>&#233;&amp;</nitf>"#, Mode::Xml).is_ok(), "a DTD named is never read");
    }

    #[test]
    fn absurdly_deep_nesting_is_refused_not_recursed() {
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 5), "</a>".repeat(MAX_DEPTH + 5));
        let err = parse(&deep, Mode::Xml).unwrap_err();
        assert!(err.detail.contains("nested more than"), "{}", err.detail);
        assert!(parse(&format!("{}{}", "<a>".repeat(50), "</a>".repeat(50)), Mode::Xml).is_ok());
    }

    #[test]
    fn mismatched_tags_are_malformed_xml_but_html_void_elements_are_fine() {
        assert_eq!(parse("<a><b></a>", Mode::Xml).unwrap_err().reason, "malformed_xml");
        let html = parse("<div><p>one<br>two&nbsp;x</p><img src=x></div>", Mode::Html).unwrap();
        assert_eq!(html.find_all("p").len(), 1);
        assert_eq!(html.text(), "onetwo x");
        assert!(html.find("img").is_some());
    }
}
