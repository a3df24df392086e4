//! Which character encoding a story's bytes are in: decided once, at ingest,
//! from the declaration and the bytes together, and trusted after.
//!
//! The declaration is taken, in order, from a byte-order mark, the Content-Type
//! `charset` parameter, the XML declaration (`<?xml … encoding="…"?>`) or an
//! HTML `<meta charset>` / `http-equiv` declaration. Labels are resolved the
//! WHATWG way (encoding_rs), so `ISO-8859-1` means windows-1252.
//!
//! The bytes then have the last word where they are unambiguous: a body that is
//! valid UTF-8 and holds multi-byte sequences is UTF-8 whatever its (ASCII-
//! compatible, single- or multi-byte legacy) label says — agencies' templates
//! often declare `iso-8859-1` over UTF-8 text, and reading it as labelled
//! would mangle every accented letter. The same holds for a label no encoding
//! answers to. Either way the decision carries a [`CharsetNote`], so the story
//! records what was declared. A body that decodes in nothing chosen is refused.

use encoding_rs::{DecoderResult, Encoding, UTF_8};

/// Where a body's charset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A UTF-8 or UTF-16 byte-order mark.
    Bom,
    /// The `charset` parameter of the Content-Type.
    ContentType,
    /// The XML declaration's `encoding`.
    XmlDeclaration,
    /// An HTML `<meta>` declaration.
    HtmlMeta,
    /// Nothing was declared: UTF-8 is assumed.
    Assumed,
    /// The `newswire-charset` header of a record ingest wrote.
    Header,
}

impl CharsetSource {
    /// The source's name for people, as used in notes and refusals.
    pub fn name(self) -> &'static str {
        match self {
            CharsetSource::Bom => "byte-order mark",
            CharsetSource::ContentType => "Content-Type header",
            CharsetSource::XmlDeclaration => "XML declaration",
            CharsetSource::HtmlMeta => "HTML <meta> tag",
            CharsetSource::Assumed => "default",
            CharsetSource::Header => "newswire-charset header",
        }
    }
}

/// A declaration the bytes overruled, kept so the story can record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CharsetNote {
    /// The label named an encoding, but the bytes are multi-byte UTF-8.
    LabelOverruled {
        /// The label as declared.
        label: String,
        /// Where it was declared.
        source: CharsetSource,
    },
    /// The label names no known encoding; the bytes are UTF-8.
    UnknownLabel {
        /// The label as declared.
        label: String,
        /// Where it was declared.
        source: CharsetSource,
    },
}

impl CharsetNote {
    /// A fixed, low-cardinality word for the kind of note (a metric label).
    pub fn kind(&self) -> &'static str {
        match self {
            CharsetNote::LabelOverruled { .. } => "label_overruled",
            CharsetNote::UnknownLabel { .. } => "unknown_label",
        }
    }
}

impl std::fmt::Display for CharsetNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CharsetNote::LabelOverruled { label, source } => {
                write!(f, "the {} declares {label:?}, but the bytes are UTF-8; read as UTF-8", source.name())
            }
            CharsetNote::UnknownLabel { label, source } => {
                write!(f, "the {} declares {label:?}, which is no known encoding; the bytes are UTF-8", source.name())
            }
        }
    }
}

/// A body's encoding, where it came from, and what the bytes overruled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charset {
    /// The encoding the bytes are in.
    pub encoding: &'static Encoding,
    /// Where it was declared (or that it was assumed).
    pub source: CharsetSource,
    /// A declaration the bytes overruled, if any.
    pub note: Option<CharsetNote>,
}

/// Why a body's bytes cannot be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CharsetError {
    /// The label names no encoding, and the bytes are not UTF-8 either.
    #[error("unknown charset {label:?} (declared in the {}), and the bytes are not UTF-8", declared_in.name())]
    UnknownLabel {
        /// The label as declared.
        label: String,
        /// Where it was declared.
        declared_in: CharsetSource,
    },
    /// A byte sequence that does not decode in the chosen encoding.
    #[error("the body is not valid {} (undecodable byte at offset {offset}); {}", encoding, hint(*declared_in))]
    Undecodable {
        /// The encoding's name.
        encoding: &'static str,
        /// Byte offset of the first undecodable sequence.
        offset: usize,
        /// Where the encoding came from.
        declared_in: CharsetSource,
    },
}

fn hint(source: CharsetSource) -> String {
    match source {
        CharsetSource::Assumed => "no charset was declared, so UTF-8 was expected; declare its charset in Content-Type".to_owned(),
        source => format!("the charset was declared in the {}", source.name()),
    }
}

impl Charset {
    /// The value for the `newswire-charset` header: the encoding's canonical
    /// WHATWG name, lower-cased (also when UTF-8 was assumed, so that readers
    /// of the record never decide again).
    pub fn header_value(&self) -> String {
        self.encoding.name().to_ascii_lowercase()
    }

    /// Whether the encoding is one of the UTF-16 forms (not byte-compatible with ASCII markup).
    pub fn is_utf16(&self) -> bool {
        self.encoding == encoding_rs::UTF_16LE || self.encoding == encoding_rs::UTF_16BE
    }

    /// Decodes `bytes` (the body, or a fragment of a body already decided on)
    /// to text; lossy only for fragments cut inside a multi-byte sequence,
    /// which the decision rules out for the whole body.
    pub fn decode_lossy(&self, bytes: &[u8]) -> String {
        self.encoding.decode_without_bom_handling(bytes).0.into_owned()
    }

    /// Decodes a whole body strictly: its byte-order mark is left out, and a
    /// malformed sequence is an error at its offset.
    pub fn decode<'a>(&self, body: &'a [u8]) -> Result<std::borrow::Cow<'a, str>, CharsetError> {
        let body = match Encoding::for_bom(body) {
            Some((_, len)) => &body[len..],
            None => body,
        };
        let undecodable = |offset| CharsetError::Undecodable { encoding: self.encoding.name(), offset, declared_in: self.source };
        if self.encoding == UTF_8 {
            return std::str::from_utf8(body).map(std::borrow::Cow::Borrowed).map_err(|e| undecodable(e.valid_up_to()));
        }
        self.encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .ok_or_else(|| undecodable(first_malformed_offset(self.encoding, body).unwrap_or(0)))
    }
}

/// Decides the charset of a pushed `body` from its Content-Type and its bytes,
/// and checks that the whole body decodes in it.
pub fn decide(content_type: Option<&str>, body: &[u8]) -> Result<Charset, CharsetError> {
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return checked(Charset { encoding, source: CharsetSource::Bom, note: None }, body);
    }
    let declared = [
        (content_type.and_then(content_type_param), CharsetSource::ContentType),
        (xml_declaration_encoding(body), CharsetSource::XmlDeclaration),
        (html_meta_charset(body), CharsetSource::HtmlMeta),
    ];
    let Some((label, source)) = declared.into_iter().find_map(|(label, source)| label.map(|l| (l.trim().to_owned(), source))) else {
        return checked(Charset { encoding: UTF_8, source: CharsetSource::Assumed, note: None }, body);
    };
    let utf8 = |note| Charset { encoding: UTF_8, source, note: Some(note) };
    match Encoding::for_label(label.as_bytes()) {
        None if std::str::from_utf8(body).is_ok() => Ok(utf8(CharsetNote::UnknownLabel { label, source })),
        None => Err(CharsetError::UnknownLabel { label, declared_in: source }),
        Some(encoding) if encoding != UTF_8 && encoding.is_ascii_compatible() && is_multibyte_utf8(body) => {
            Ok(utf8(CharsetNote::LabelOverruled { label, source }))
        }
        Some(encoding) => checked(Charset { encoding, source, note: None }, body),
    }
}

/// The charset of a record ingest wrote, from its `newswire-charset` header:
/// trusted as decided; a record without one (written before the header was
/// always set) is decided as ingest would, from its bytes alone.
pub fn of_record(header: Option<&str>, body: &[u8]) -> Result<Charset, CharsetError> {
    match header.map(str::trim).filter(|h| !h.is_empty()) {
        Some(label) => match Encoding::for_label(label.as_bytes()) {
            Some(encoding) => Ok(Charset { encoding, source: CharsetSource::Header, note: None }),
            None => Err(CharsetError::UnknownLabel { label: label.to_owned(), declared_in: CharsetSource::Header }),
        },
        None => decide(None, body),
    }
}

/// The charset, once every byte of `body` is known to decode in it.
fn checked(charset: Charset, body: &[u8]) -> Result<Charset, CharsetError> {
    let offset = if charset.encoding == UTF_8 {
        let after_bom = if body.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        std::str::from_utf8(&body[after_bom..]).err().map(|e| after_bom + e.valid_up_to())
    } else {
        first_malformed_offset(charset.encoding, body)
    };
    match offset {
        None => Ok(charset),
        Some(offset) => Err(CharsetError::Undecodable { encoding: charset.encoding.name(), offset, declared_in: charset.source }),
    }
}

/// Valid UTF-8 that holds at least one multi-byte sequence: text no
/// single-byte legacy encoding would plausibly produce by accident.
fn is_multibyte_utf8(body: &[u8]) -> bool {
    !body.is_ascii() && std::str::from_utf8(body).is_ok()
}

fn first_malformed_offset(encoding: &'static Encoding, body: &[u8]) -> Option<usize> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(decoder.max_utf8_buffer_length(body.len().min(64 * 1024)).unwrap_or(64 * 1024));
    let mut consumed = 0;
    loop {
        out.clear();
        let (result, read) = decoder.decode_to_string_without_replacement(&body[consumed..], &mut out, true);
        consumed += read;
        match result {
            DecoderResult::InputEmpty => return None,
            DecoderResult::OutputFull => out.reserve(64 * 1024),
            DecoderResult::Malformed(bad, extra) => return Some(consumed.saturating_sub(bad as usize + extra as usize)),
        }
    }
}

/// The `charset` parameter of a Content-Type.
pub fn content_type_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"'))
    })
}

/// The `encoding` pseudo-attribute of a leading `<?xml …?>` declaration.
fn xml_declaration_encoding(body: &[u8]) -> Option<&str> {
    let rest = trim_ascii_start(body).strip_prefix(b"<?xml")?;
    let end = rest.windows(2).take(512).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&rest[..end]).ok()?;
    pseudo_attribute(declaration, "encoding")
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    &bytes[bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len())..]
}

/// `name="value"` or `name='value'` inside a declaration.
fn pseudo_attribute<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let at = text.find(name)?;
    let after = text[at + name.len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    value.find(quote).map(|end| &value[..end])
}

/// A charset declared by a `<meta>` tag in the first 2 KiB of an HTML page
/// (`<meta charset=x>` or `<meta http-equiv=Content-Type content="…; charset=x">`).
fn html_meta_charset(body: &[u8]) -> Option<&str> {
    let head = &body[..body.len().min(2048)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at;
        let end = start + find(&lower[start..], b">").unwrap_or(lower.len() - start);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset=") {
            let value_start = start + c + b"charset=".len();
            let value = &head[value_start..end];
            let value = value.strip_prefix(b"\"").or_else(|| value.strip_prefix(b"'")).unwrap_or(value);
            let len = value.iter().position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>')).unwrap_or(value.len());
            return std::str::from_utf8(&value[..len]).ok().filter(|v| !v.is_empty());
        }
        from = end.max(start + 1);
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(content_type: Option<&str>, body: &[u8]) -> String {
        decide(content_type, body).unwrap().header_value()
    }

    #[test]
    fn the_content_type_parameter_wins_over_the_xml_declaration() {
        let body = b"<?xml version='1.0' encoding='UTF-8'?><rss>caf\xe9</rss>";
        assert_eq!(name(Some("application/rss+xml; charset=ISO-8859-1"), body), "windows-1252");
    }

    #[test]
    fn the_xml_declaration_or_an_html_meta_tag_names_the_charset_when_the_header_does_not() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>caf\xe9</rss>";
        assert_eq!(name(Some("application/xml"), body), "windows-1252");
        assert_eq!(decide(None, body).unwrap().source, CharsetSource::XmlDeclaration);
        let page = b"<!doctype html><html><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head>\x96";
        assert_eq!(name(Some("text/html"), page), "windows-1252");
        assert_eq!(name(Some("text/html"), b"<html><head><meta charset='iso-8859-2'>\xb1"), "iso-8859-2");
    }

    #[test]
    fn a_byte_order_mark_wins_and_nothing_declared_is_utf8() {
        assert_eq!(name(Some("text/plain; charset=latin1"), b"\xEF\xBB\xBFtext"), "utf-8");
        let assumed = decide(Some("text/plain"), b"plain").unwrap();
        assert_eq!((assumed.encoding, assumed.source, assumed.header_value().as_str()), (UTF_8, CharsetSource::Assumed, "utf-8"));
    }

    #[test]
    fn multibyte_utf8_bytes_overrule_a_latin1_label_and_the_decision_notes_it() {
        // An NITF template declaring iso-8859-1 over UTF-8 text ("41-årig").
        let body = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><nitf><hl1>41-årig</hl1></nitf>".as_bytes();
        let charset = decide(Some("application/xml"), body).unwrap();
        assert_eq!(charset.encoding, UTF_8);
        assert_eq!(charset.note, Some(CharsetNote::LabelOverruled { label: "iso-8859-1".into(), source: CharsetSource::XmlDeclaration }));
        assert!(charset.decode(body).unwrap().contains("41-årig"));
        // The same label over Latin-1 bytes is read as labelled, and ASCII alone needs no note.
        let latin1 = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><nitf><hl1>41-\xe5rig</hl1></nitf>";
        let charset = decide(None, latin1).unwrap();
        assert_eq!((charset.encoding.name(), charset.note.clone()), ("windows-1252", None));
        assert!(charset.decode(latin1).unwrap().contains("41-årig"));
        assert_eq!(decide(Some("text/plain; charset=iso-8859-1"), b"plain").unwrap().note, None);
    }

    #[test]
    fn an_unknown_label_over_utf8_is_noted_and_over_other_bytes_refused_with_its_name() {
        let charset = decide(Some("text/plain; charset=klingon"), "Qapla’".as_bytes()).unwrap();
        assert_eq!(charset.encoding, UTF_8);
        assert_eq!(charset.note.as_ref().map(CharsetNote::kind), Some("unknown_label"));
        let err = decide(Some("text/plain; charset=klingon"), b"x\xff").unwrap_err();
        assert!(err.to_string().contains("klingon"), "{err}");
    }

    #[test]
    fn undecodable_bytes_are_refused_at_their_offset() {
        let err = decide(None, b"caf\xE9 au lait").unwrap_err();
        assert!(err.to_string().contains("offset 3"), "{err}");
        let err = decide(Some("text/plain; charset=shift_jis"), b"abcd\x81").unwrap_err();
        assert!(err.to_string().contains("offset 4"), "{err}");
        let err = decide(Some("text/plain; charset=utf-8"), b"\xffok").unwrap_err();
        assert!(err.to_string().contains("offset 0"), "{err}");
    }

    #[test]
    fn a_record_header_is_trusted_and_a_record_without_one_is_decided_from_its_bytes() {
        let charset = of_record(Some("windows-1252"), b"caf\xe9").unwrap();
        assert_eq!(charset.decode(b"caf\xe9").unwrap(), "café");
        assert_eq!(of_record(None, "été".as_bytes()).unwrap().encoding, UTF_8);
        assert!(of_record(Some("klingon-8"), b"ok").is_err());
        assert!(of_record(Some("utf-8"), b"\xffok").unwrap().decode(b"\xffok").is_err());
        assert_eq!(of_record(Some("utf-8"), b"\xef\xbb\xbfok").unwrap().decode(b"\xef\xbb\xbfok").unwrap(), "ok");
    }
}
