//! Reading single values (an attribute, an element's text) out of a story's
//! XML bytes with quick-xml, decoded in the story's charset and unescaped.
//! Elements are matched by their LOCAL name, so `<g2:newsItem>` and
//! `<newsItem>` are the same. Only the predefined entities and character
//! references are resolved ([`crate::story::xml_guard`]); nothing else is ever expanded.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::story::charset::Charset;
use crate::story::xml_guard::{resolve_reference, unescape};

/// Where in the document an element is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The root element itself.
    Root,
    /// A direct child of the root element.
    Child,
    /// Anywhere in the document (the first in document order).
    Anywhere,
}

/// The value of attribute `attribute` (local name) on the first element named
/// `element` at `depth`, decoded, unescaped and trimmed; `None` when absent or blank.
pub fn attribute(fragment: &[u8], charset: &Charset, depth: Depth, element: &str, attribute: &str) -> Option<String> {
    find_element(fragment, depth, element, |start| attribute_value(start, charset, attribute).map(Some))?
}

/// The first value `pick` gives for an element named `element` at `depth`.
pub fn find_element<T>(fragment: &[u8], depth: Depth, element: &str, mut pick: impl FnMut(&BytesStart<'_>) -> Option<T>) -> Option<T> {
    let mut reader = Reader::from_reader(fragment);
    let mut open = 0usize;
    loop {
        let event = reader.read_event().ok()?;
        let (start, empty) = match &event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                open = open.saturating_sub(1);
                continue;
            }
            Event::Eof => return None,
            _ => continue,
        };
        let at_depth = match depth {
            Depth::Root => open == 0,
            Depth::Child => open == 1,
            Depth::Anywhere => true,
        };
        if at_depth && local_name(start) == element {
            if let Some(found) = pick(start) {
                return Some(found);
            }
        }
        if depth == Depth::Root && open == 0 {
            return None;
        }
        if !empty {
            open += 1;
        }
    }
}

/// The unescaped, trimmed value of `name` (local name) on one start tag.
pub fn attribute_value(start: &BytesStart<'_>, charset: &Charset, name: &str) -> Option<String> {
    start.attributes().flatten().find(|a| a.key.local_name().as_ref() == name.as_bytes()).and_then(|a| {
        let raw = charset.decode_lossy(&a.value);
        unescape(&raw).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    })
}

/// The text of the first element named `element` at `depth` (only its direct
/// text and CDATA, trimmed), or `None` when it is absent or empty.
pub fn text_of(fragment: &[u8], charset: &Charset, depth: Depth, element: &str) -> Option<String> {
    let mut reader = Reader::from_reader(fragment);
    let mut open = 0usize;
    let mut inside = 0usize;
    let mut text = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) if inside == 0 => {
                let at_depth = match depth {
                    Depth::Root => open == 0,
                    Depth::Child => open == 1,
                    Depth::Anywhere => true,
                };
                if at_depth && local_name(&start) == element {
                    inside = 1;
                } else {
                    open += 1;
                }
            }
            Event::Start(_) => inside += 1,
            Event::End(_) if inside == 1 => break,
            Event::End(_) if inside > 1 => inside -= 1,
            Event::End(_) => open = open.saturating_sub(1),
            Event::Text(t) if inside == 1 => text.push_str(&charset.decode_lossy(&t)),
            Event::CData(t) if inside == 1 => text.push_str(&charset.decode_lossy(&t)),
            Event::GeneralRef(r) if inside == 1 => text.extend(resolve_reference(&r).ok()),
            Event::Eof => return None,
            _ => {}
        }
    }
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The local name of the root element.
pub fn root_name(fragment: &[u8]) -> Option<String> {
    let mut reader = Reader::from_reader(fragment);
    loop {
        match reader.read_event().ok()? {
            Event::Start(s) | Event::Empty(s) => return Some(local_name(&s)),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// An element's local name.
pub fn local_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::charset;

    fn utf8() -> Charset {
        charset::decide(None, b"").unwrap()
    }

    #[test]
    fn texts_and_attributes_are_decoded_and_unescaped() {
        let doc = b"<item><title>x</title><guid isPermaLink='false'> a&amp;b<![CDATA[c]]> </guid><g2:newsItem guid='urn:&quot;1&quot;'/></item>";
        assert_eq!(text_of(doc, &utf8(), Depth::Anywhere, "guid").as_deref(), Some("a&bc"));
        assert_eq!(text_of(doc, &utf8(), Depth::Anywhere, "link"), None);
        assert_eq!(attribute(doc, &utf8(), Depth::Anywhere, "newsItem", "guid").as_deref(), Some("urn:\"1\""));
        let latin1 = charset::decide(Some("text/xml; charset=iso-8859-1"), b"").unwrap();
        assert_eq!(text_of(b"<i><guid>caf\xE9</guid></i>", &latin1, Depth::Child, "guid").as_deref(), Some("café"));
    }

    #[test]
    fn a_child_is_only_a_direct_child_of_the_root() {
        let entry = b"<entry><source><id>urn:feed</id></source><id>urn:entry</id></entry>";
        assert_eq!(text_of(entry, &utf8(), Depth::Child, "id").as_deref(), Some("urn:entry"));
        assert_eq!(text_of(entry, &utf8(), Depth::Anywhere, "id").as_deref(), Some("urn:feed"));
        let item = b"<newsItem guid='urn:a'><itemRef guid='urn:b'/></newsItem>";
        assert_eq!(attribute(item, &utf8(), Depth::Root, "newsItem", "guid").as_deref(), Some("urn:a"));
        assert_eq!(attribute(item, &utf8(), Depth::Root, "itemRef", "guid"), None);
        assert_eq!(root_name(b"<?xml version='1.0'?><!-- c --><g2:newsItem/>").as_deref(), Some("newsItem"));
    }
}
