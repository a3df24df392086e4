//! Which character encoding a pushed body is in, and whether its bytes really
//! decode in it.
//!
//! The charset is taken, in order, from a byte-order mark, the Content-Type
//! `charset` parameter, the XML declaration (`<?xml … encoding="…"?>`) or an
//! HTML `<meta charset>` / `http-equiv` declaration. Labels are resolved the
//! WHATWG way (encoding_rs), so `ISO-8859-1` means windows-1252. A body with no
//! declaration at all must be UTF-8.

use encoding_rs::{DecoderResult, Encoding, UTF_8};

use crate::rejection::Rejection;

/// Where a body's charset was found.
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
}

/// A body's encoding and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charset {
    /// The encoding the bytes are in.
    pub encoding: &'static Encoding,
    /// Where it was declared (or that it was assumed).
    pub source: CharsetSource,
}

impl Charset {
    /// The value for the `newswire-charset` header: the encoding's canonical
    /// WHATWG name, lower-cased, when one was declared; `None` when assumed.
    pub fn header_value(&self) -> Option<String> {
        (self.source != CharsetSource::Assumed).then(|| self.encoding.name().to_ascii_lowercase())
    }

    /// Whether the encoding is one of the UTF-16 forms (not byte-compatible with ASCII markup).
    pub fn is_utf16(&self) -> bool {
        self.encoding == encoding_rs::UTF_16LE || self.encoding == encoding_rs::UTF_16BE
    }
}

/// Finds the charset of `body`; an unknown declared label is refused.
pub fn detect(content_type: Option<&str>, body: &[u8]) -> Result<Charset, Rejection> {
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return Ok(Charset { encoding, source: CharsetSource::Bom });
    }
    let declared = [
        (content_type.and_then(content_type_param), CharsetSource::ContentType),
        (xml_declaration_encoding(body), CharsetSource::XmlDeclaration),
        (html_meta_charset(body), CharsetSource::HtmlMeta),
    ];
    for (label, source) in declared {
        if let Some(label) = label {
            let encoding = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                Rejection::new(
                    400,
                    "bad_encoding",
                    format!("unknown charset {label:?} (declared in the {})", source_name(source)),
                )
            })?;
            return Ok(Charset { encoding, source });
        }
    }
    Ok(Charset { encoding: UTF_8, source: CharsetSource::Assumed })
}

/// Checks that every byte of `body` decodes in `charset`; the refusal names
/// the byte offset of the first undecodable sequence.
pub fn validate(charset: &Charset, body: &[u8]) -> Result<(), Rejection> {
    let offset = if charset.encoding == UTF_8 {
        std::str::from_utf8(body).err().map(|e| e.valid_up_to())
    } else {
        first_malformed_offset(charset.encoding, body)
    };
    match offset {
        None => Ok(()),
        Some(offset) => Err(Rejection::new(
            400,
            "bad_encoding",
            format!(
                "the body is not valid {} (undecodable byte at offset {offset}); {}",
                charset.encoding.name(),
                match charset.source {
                    CharsetSource::Assumed =>
                        "no charset was declared, so UTF-8 was expected; declare its charset in Content-Type".to_owned(),
                    source => format!("the charset was declared in the {}", source_name(source)),
                }
            ),
        )),
    }
}

/// Decodes `bytes` (a fragment of a body already validated) to text; lossy only
/// for fragments cut inside a multi-byte sequence, which validation rules out.
pub fn decode(charset: &Charset, bytes: &[u8]) -> String {
    charset.encoding.decode_without_bom_handling(bytes).0.into_owned()
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
            DecoderResult::OutputFull => {
                out.reserve(64 * 1024);
            }
            DecoderResult::Malformed(bad, extra) => {
                return Some(consumed.saturating_sub(bad as usize + extra as usize))
            }
        }
    }
}

fn source_name(source: CharsetSource) -> &'static str {
    match source {
        CharsetSource::Bom => "byte-order mark",
        CharsetSource::ContentType => "Content-Type header",
        CharsetSource::XmlDeclaration => "XML declaration",
        CharsetSource::HtmlMeta => "HTML <meta> tag",
        CharsetSource::Assumed => "default",
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
    let rest = body.strip_prefix(b"<?xml")?;
    let end = rest.windows(2).take(512).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&rest[..end]).ok()?;
    pseudo_attribute(declaration, "encoding")
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
            let len =
                value.iter().position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>')).unwrap_or(value.len());
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

    fn header(content_type: Option<&str>, body: &[u8]) -> Option<String> {
        detect(content_type, body).unwrap().header_value()
    }

    #[test]
    fn the_content_type_parameter_wins_over_the_xml_declaration() {
        let body = b"<?xml version='1.0' encoding='UTF-8'?><rss/>";
        assert_eq!(header(Some("application/rss+xml; charset=ISO-8859-1"), body).as_deref(), Some("windows-1252"));
    }

    #[test]
    fn the_xml_declaration_names_the_charset_when_the_header_does_not() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss/>";
        assert_eq!(header(Some("application/xml"), body).as_deref(), Some("windows-1252"));
        assert_eq!(detect(None, body).unwrap().source, CharsetSource::XmlDeclaration);
    }

    #[test]
    fn an_html_meta_tag_names_the_charset() {
        let body = b"<!doctype html><html><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head>";
        assert_eq!(header(Some("text/html"), body).as_deref(), Some("windows-1252"));
        assert_eq!(
            header(Some("text/html"), b"<html><head><meta charset='iso-8859-2'>").as_deref(),
            Some("iso-8859-2")
        );
    }

    #[test]
    fn a_byte_order_mark_wins_and_nothing_declared_means_utf8_without_a_header() {
        assert_eq!(header(Some("text/plain; charset=latin1"), b"\xEF\xBB\xBFtext").as_deref(), Some("utf-8"));
        assert_eq!(header(Some("text/plain"), b"plain"), None);
        assert_eq!(detect(None, b"plain").unwrap().encoding, UTF_8);
    }

    #[test]
    fn an_unknown_charset_label_is_refused_with_its_name() {
        let err = detect(Some("text/plain; charset=klingon"), b"x").unwrap_err();
        assert_eq!((err.status, err.error), (400, "bad_encoding"));
        assert!(err.detail.contains("klingon"), "{}", err.detail);
    }

    #[test]
    fn undecodable_bytes_are_refused_at_their_offset() {
        let utf8 = detect(None, b"").unwrap();
        let err = validate(&utf8, b"caf\xE9 au lait").unwrap_err();
        assert!(err.detail.contains("offset 3"), "{}", err.detail);
        let sjis = detect(Some("text/plain; charset=shift_jis"), b"").unwrap();
        let err = validate(&sjis, b"abcd\x81").unwrap_err();
        assert!(err.detail.contains("offset 4"), "{}", err.detail);
        let latin1 = detect(Some("text/plain; charset=iso-8859-1"), b"").unwrap();
        assert!(validate(&latin1, b"caf\xE9").is_ok());
        assert_eq!(decode(&latin1, b"caf\xE9"), "café");
    }
}
