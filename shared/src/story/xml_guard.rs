//! The one set of guards every XML reader of newswire applies, so that a story
//! ingest lets in is read by normalize under the same rules.
//!
//! quick-xml never fetches external entities or expands custom ones; on top of
//! that a DOCTYPE that *declares* general entities is refused outright (XXE and
//! "billion laughs" alike), a reference to an undeclared entity is refused
//! (only XML's five and character references exist), and nesting deeper than
//! a limit is refused before any reader's stack or recursion can suffer.

use quick_xml::events::{BytesRef, Event};

/// The entities every XML document may use without declaring them.
pub const PREDEFINED_ENTITIES: [(&str, char); 5] = [("lt", '<'), ("gt", '>'), ("amp", '&'), ("apos", '\''), ("quot", '"')];

/// Why a guard refused a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlRefusal {
    /// The DOCTYPE declares a general entity.
    #[error("the DOCTYPE declares entities; entity declarations are refused (no external entities, no entity expansion)")]
    EntitiesDeclared,
    /// A reference to an entity that is not predefined, or a bad character reference.
    #[error("{0}")]
    BadReference(String),
    /// Elements nest deeper than the limit.
    #[error("elements are nested more than {0} deep")]
    TooDeep(usize),
}

/// Checks the events of one document against the guards, counting depth.
#[derive(Debug, Clone)]
pub struct XmlGuard {
    max_depth: usize,
    depth: usize,
}

impl XmlGuard {
    /// A guard refusing nesting deeper than `max_depth` elements.
    pub fn new(max_depth: usize) -> Self {
        XmlGuard { max_depth, depth: 0 }
    }

    /// The elements open now.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Checks one event: a DOCTYPE declaring general entities and a start tag
    /// past the depth limit are refused; start and end tags are counted.
    /// Entity references are left to [`resolve_reference`] (HTML read as
    /// markup has entities of its own).
    pub fn check(&mut self, event: &Event<'_>) -> Result<(), XmlRefusal> {
        match event {
            Event::DocType(doctype) if declares_general_entity(doctype) => Err(XmlRefusal::EntitiesDeclared),
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > self.max_depth {
                    return Err(XmlRefusal::TooDeep(self.max_depth));
                }
                Ok(())
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// An attribute value with its references resolved: XML's five entities and
/// character references only (quick-xml's plain `unescape` also knows HTML's
/// entities when a crate of the build enables `escape-html`, which XML must not).
pub fn unescape(raw: &str) -> Result<std::borrow::Cow<'_, str>, XmlRefusal> {
    quick_xml::escape::unescape_with(raw, quick_xml::escape::resolve_xml_entity)
        .map_err(|e| XmlRefusal::BadReference(format!("in an attribute: {e}")))
}

/// Whether a DOCTYPE's internal subset declares a general entity (`<!ENTITY x …>`),
/// the kind a document can reference as `&x;`. Parameter entities
/// (`<!ENTITY % nitf SYSTEM "nitf.dtd"> %nitf;`, how NewsML 1.x DOCTYPEs pull in
/// the NITF DTD) exist only for a DTD processor: none ever reads the DTD here,
/// so they are never fetched or expanded, and the document cannot refer to them.
pub fn declares_general_entity(doctype: &[u8]) -> bool {
    doctype.windows(8).enumerate().filter(|(_, w)| *w == b"<!ENTITY").any(|(at, _)| {
        let after = &doctype[at + 8..];
        after.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'%')
    })
}

/// The character a reference stands for: a character reference, or one of the
/// five predefined entities; anything else is refused, saying so.
pub fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, XmlRefusal> {
    let name = String::from_utf8_lossy(reference);
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(XmlRefusal::BadReference(format!("&{name}; is not a valid character reference"))),
        };
    }
    PREDEFINED_ENTITIES.iter().find(|(entity, _)| *entity == name).map(|(_, c)| *c).ok_or_else(|| {
        XmlRefusal::BadReference(format!(
            "&{name}; refers to an undeclared entity (only &lt; &gt; &amp; &apos; &quot; and character references are allowed)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;

    fn guard_all(doc: &str, max_depth: usize) -> Result<(), XmlRefusal> {
        let mut reader = Reader::from_str(doc);
        let mut guard = XmlGuard::new(max_depth);
        loop {
            let event = reader.read_event().expect("well-formed");
            if let Event::GeneralRef(r) = &event {
                resolve_reference(r)?;
            }
            if event == Event::Eof {
                return Ok(());
            }
            guard.check(&event)?;
        }
    }

    #[test]
    fn entity_declarations_are_refused_but_a_parameter_entity_pulling_in_a_dtd_is_not() {
        assert_eq!(guard_all("<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><r/>", 10), Err(XmlRefusal::EntitiesDeclared));
        assert_eq!(guard_all("<!DOCTYPE r [<!ENTITY % p SYSTEM 'p.dtd'> %p; <!ENTITY x 'y'>]><r/>", 10), Err(XmlRefusal::EntitiesDeclared));
        assert_eq!(guard_all("<!DOCTYPE NewsML [<!ENTITY % nitf SYSTEM 'nitf.dtd'> %nitf; ]><NewsML/>", 10), Ok(()));
    }

    #[test]
    fn only_predefined_and_character_references_resolve() {
        assert_eq!(guard_all("<a>&lt;&amp;&#233;&#x41;</a>", 10), Ok(()));
        assert!(matches!(guard_all("<a>&nbsp;</a>", 10), Err(XmlRefusal::BadReference(why)) if why.contains("&nbsp;")));
        assert_eq!(unescape("a &amp; b &#233;").as_deref(), Ok("a & b é"));
        assert!(matches!(unescape("a&nbsp;b"), Err(XmlRefusal::BadReference(why)) if why.contains("nbsp")), "whatever features the build enables");
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let deep = format!("{}{}", "<a>".repeat(11), "</a>".repeat(11));
        assert_eq!(guard_all(&deep, 10), Err(XmlRefusal::TooDeep(10)));
        assert_eq!(guard_all(&deep, 11), Ok(()));
    }
}
