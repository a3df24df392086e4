//! One safe pass over an XML document: is it well-formed, is it safe, and where
//! are the elements a story is cut from.
//!
//! The guards against entities and deep nesting are newswire's one set
//! ([`newswire_shared::story::xml_guard`], which normalize's reader applies
//! too): a DOCTYPE declaring entities is `xml_entities_refused`, nesting deeper
//! than the configured limit `xml_too_deep`, a reference to an undeclared
//! entity `malformed_xml`. Elements are matched
//! by their LOCAL name, so `<g2:newsItem>` and `<newsItem>` are the same, and a
//! captured element's byte range is exact: its payload is the original slice.

use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use newswire_shared::story::xml_fields::local_name;
use newswire_shared::story::xml_guard::{resolve_reference, XmlGuard, XmlRefusal};
use crate::rejection::Rejection;

/// The UTF-8 byte-order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What one pass over a document found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The root element's local name.
    pub root: String,
    /// The outermost elements whose local name was asked for, in document
    /// order, each as `(local name, byte range)`.
    pub captured: Vec<(String, Range<usize>)>,
}

impl Scan {
    /// The byte ranges of captured elements called `local_name`.
    pub fn ranges<'a>(&'a self, local_name: &'a str) -> impl Iterator<Item = Range<usize>> + 'a {
        self.captured.iter().filter(move |(name, _)| name == local_name).map(|(_, range)| range.clone())
    }
}

/// Checks `body` and records the outermost elements named in `capture`.
pub fn scan(body: &[u8], capture: &[&str], max_depth: usize) -> Result<Scan, Rejection> {
    // quick-xml skips a UTF-8 byte-order mark without counting it in its
    // positions; read past it here so positions stay offsets into `body`.
    let bom = if body.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
    // quick-xml would drop a second mark too, again without counting it, and
    // every captured range would then start 3 bytes early. A second U+FEFF is a
    // character before the root element anyway: not well-formed.
    if body[bom..].starts_with(UTF8_BOM) {
        return Err(malformed(body, bom, "text outside the root element (a second byte-order mark)"));
    }
    let at = |position: u64| usize::try_from(position).unwrap_or(usize::MAX).saturating_add(bom);
    let mut reader = Reader::from_reader(&body[bom..]);
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut root: Option<String> = None;
    let mut capturing: Option<(String, usize, usize)> = None; // name, start, depth
    let mut captured = Vec::new();
    let mut guard = XmlGuard::new(max_depth);
    loop {
        let before = at(reader.buffer_position());
        let event = reader.read_event().map_err(|e| malformed(body, at(reader.error_position()), &e.to_string()))?;
        let after = at(reader.buffer_position());
        guard.check(&event).map_err(|refusal| refused(body, before, &refusal))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && open.is_empty() => {
                return Err(malformed(
                    body,
                    before,
                    &format!("element <{}> follows the root element", name_of(&start)),
                ));
            }
            Event::Start(start) => {
                check_attributes(body, before, &start)?;
                let local = local_name(&start);
                root.get_or_insert_with(|| local.clone());
                open.push((local.clone(), before));
                if capturing.is_none() && capture.contains(&local.as_str()) {
                    capturing = Some((local, before, open.len()));
                }
            }
            Event::Empty(start) => {
                check_attributes(body, before, &start)?;
                let local = local_name(&start);
                root.get_or_insert_with(|| local.clone());
                if capturing.is_none() && capture.contains(&local.as_str()) {
                    captured.push((local, before..after));
                }
            }
            Event::End(_) => {
                if capturing.as_ref().is_some_and(|(_, _, depth)| *depth == open.len()) {
                    if let Some((name, start, _)) = capturing.take() {
                        captured.push((name, start..after));
                    }
                }
                open.pop();
            }
            Event::GeneralRef(reference) => {
                if open.is_empty() {
                    return Err(malformed(body, before, "an entity reference outside the root element"));
                }
                resolve_reference(&reference).map_err(|refusal| refused(body, before, &refusal))?;
            }
            Event::Text(text) if open.is_empty() && !text.iter().all(u8::is_ascii_whitespace) => {
                return Err(malformed(body, before, "text outside the root element"));
            }
            Event::CData(_) if open.is_empty() => {
                return Err(malformed(body, before, "CDATA outside the root element"))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some((name, at)) = open.last() {
        return Err(malformed(body, *at, &format!("element <{name}> is never closed")));
    }
    let root = root.ok_or_else(|| malformed(body, body.len(), "the document has no root element"))?;
    Ok(Scan { root, captured })
}

/// The rejection for what the shared guards refused at `offset`.
fn refused(body: &[u8], offset: usize, refusal: &XmlRefusal) -> Rejection {
    let error = match refusal {
        XmlRefusal::EntitiesDeclared => "xml_entities_refused",
        XmlRefusal::TooDeep(_) => "xml_too_deep",
        XmlRefusal::BadReference(_) => "malformed_xml",
    };
    Rejection::new(400, error, format!("{}: {refusal}", position(body, offset)))
}

fn check_attributes(body: &[u8], at: usize, start: &BytesStart<'_>) -> Result<(), Rejection> {
    for attribute in start.attributes() {
        attribute.map_err(|e| malformed(body, at, &format!("in <{}>: {e}", name_of(start))))?;
    }
    Ok(())
}

fn name_of(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn malformed(body: &[u8], offset: usize, why: &str) -> Rejection {
    Rejection::new(400, "malformed_xml", format!("{}: {why}", position(body, offset)))
}

/// `line L, column C` (1-based; the column counts bytes) of a byte offset.
pub fn position(body: &[u8], offset: usize) -> String {
    let offset = offset.min(body.len());
    let before = &body[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = offset - before.iter().rposition(|b| *b == b'\n').map_or(0, |nl| nl + 1) + 1;
    format!("line {line}, column {column}")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn captured_elements_are_exact_slices_matched_by_local_name() {
        let doc = b"<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='r'><rss:item a='1'>one</rss:item>\n<item/><x><item>nested</item></x></rdf:RDF>";
        let scan = scan(doc, &["item"], 10).unwrap();
        assert_eq!(scan.root, "RDF");
        let slices: Vec<&[u8]> = scan.ranges("item").map(|r| &doc[r]).collect();
        assert_eq!(slices, vec![&b"<rss:item a='1'>one</rss:item>"[..], b"<item/>", b"<item>nested</item>"]);
    }

    #[test]
    fn only_the_outermost_captured_element_is_kept() {
        let doc = b"<feed><entry><entry>inner</entry></entry></feed>";
        let scan = scan(doc, &["entry"], 10).unwrap();
        assert_eq!(scan.captured.len(), 1);
        assert_eq!(&doc[scan.captured[0].1.clone()], b"<entry><entry>inner</entry></entry>");
    }

    #[test]
    fn mismatched_and_unclosed_tags_are_malformed_with_their_line() {
        let err = scan(b"<a>\n<b></c></a>", &[], 10).unwrap_err();
        assert_eq!(err.error, "malformed_xml");
        assert!(err.detail.starts_with("line 2"), "{}", err.detail);
        let err = scan(b"<a>\n  <b>", &[], 10).unwrap_err();
        assert!(err.detail.contains("line 2, column 3") && err.detail.contains("<b>"), "{}", err.detail);
        let err = scan(b"<a x=1/>", &[], 10).unwrap_err();
        assert_eq!(err.error, "malformed_xml", "{}", err.detail);
    }

    #[test]
    fn content_after_the_root_and_missing_roots_are_malformed() {
        assert_eq!(scan(b"<a/><b/>", &[], 10).unwrap_err().error, "malformed_xml");
        assert_eq!(scan(b"<a/>trailing", &[], 10).unwrap_err().error, "malformed_xml");
        assert_eq!(scan(b"<?xml version='1.0'?>", &[], 10).unwrap_err().error, "malformed_xml");
    }

    #[test]
    fn entity_declarations_are_refused_whether_external_or_recursive() {
        let xxe = b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><r>&x;</r>";
        assert_eq!(scan(xxe, &[], 10).unwrap_err().error, "xml_entities_refused");
        let laughs = b"<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;'>]><lolz>&lol2;</lolz>";
        assert_eq!(scan(laughs, &[], 10).unwrap_err().error, "xml_entities_refused");
        // A DOCTYPE that only names a DTD is harmless: it is never fetched.
        assert!(scan(b"<!DOCTYPE nitf SYSTEM 'nitf.dtd'><nitf/>", &[], 10).is_ok());
        let mixed = b"<!DOCTYPE r [<!ENTITY % p SYSTEM 'p.dtd'> %p; <!ENTITY x SYSTEM 'file:///etc/passwd'>]><r>&x;</r>";
        assert_eq!(scan(mixed, &[], 10).unwrap_err().error, "xml_entities_refused");
    }

    #[test]
    fn a_parameter_entity_pulling_in_a_dtd_is_accepted_because_no_dtd_is_ever_read() {
        // NewsML 1.x DOCTYPEs (ATS, Kyodo) bring in the NITF DTD this way.
        let newsml = b"<!DOCTYPE NewsML PUBLIC 'urn:newsml:iptc.org:20031010:NewsMLv1.2.dtd:1' 'NewsML-1.2.dtd'\n[<!ENTITY % nitf SYSTEM 'nitf-3-0.dtd'> %nitf; ]>\n<NewsML/>";
        assert_eq!(scan(newsml, &[], 10).unwrap().root, "NewsML");
        // The document still cannot use an entity the DTD would have declared.
        let err = scan(b"<!DOCTYPE r [<!ENTITY % p SYSTEM 'p.dtd'> %p;]><r>&nbsp;</r>", &[], 10).unwrap_err();
        assert_eq!(err.error, "malformed_xml");
    }

    #[test]
    fn undeclared_entities_are_malformed_but_predefined_and_numeric_ones_pass() {
        assert!(scan(b"<a>&lt;&amp;&#233;&#x41;</a>", &[], 10).is_ok());
        let err = scan(b"<a>\n&nbsp;</a>", &[], 10).unwrap_err();
        assert!(err.detail.contains("line 2") && err.detail.contains("&nbsp;"), "{}", err.detail);
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let deep = format!("{}{}", "<a>".repeat(11), "</a>".repeat(11));
        assert_eq!(scan(deep.as_bytes(), &[], 10).unwrap_err().error, "xml_too_deep");
        assert!(scan(deep.as_bytes(), &[], 11).is_ok());
    }

    #[test]
    fn a_second_byte_order_mark_is_malformed_rather_than_shifting_every_range() {
        // Found with the ingest_prepare fuzz target's "a cut story is one element"
        // check: quick-xml silently dropped the second mark, so each <item> was cut
        // 3 bytes early ("el><item>…</it").
        let doc = b"\xEF\xBB\xBF\xEF\xBB\xBF<rss><channel><item><guid>1</guid></item></channel></rss>";
        let err = scan(doc, &["item"], 10).unwrap_err();
        assert_eq!(err.error, "malformed_xml");
        assert!(err.detail.starts_with("line 1, column 4"), "{}", err.detail);
        let one = &doc[3..];
        let range = scan(one, &["item"], 10).unwrap().captured[0].1.clone();
        assert_eq!(&one[range], b"<item><guid>1</guid></item>");
    }
}
