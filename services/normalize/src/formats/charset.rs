//! Decoding a story's original bytes to text: the `newswire-charset` header
//! first, then a byte-order mark, then the XML prolog or HTML `<meta>`, else UTF-8.

use std::borrow::Cow;
use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8};
use newswire_shared::stage::StageError;
use regex::bytes::Regex;

/// `<?xml … encoding="…"?>` at the start of a document.
static XML_PROLOG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*<\?xml[^>]*?(?-u:\b)encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']"#).expect("static regex"));
/// `<meta charset="…">` or `<meta http-equiv=… content="…; charset=…">`.
static HTML_META: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)<meta[^>]*?charset\s*=\s*["']?([A-Za-z0-9._:-]+)"#).expect("static regex"));

/// How far into the bytes a declared encoding is looked for.
const SNIFF_BYTES: usize = 2048;

/// Decodes `payload` to text. `declared` is the `newswire-charset` header.
/// A label no encoding answers to, or bytes invalid in the chosen encoding,
/// are a `bad_encoding` error naming the encoding and the byte offset.
pub fn decode<'a>(payload: &'a [u8], declared: Option<&str>) -> Result<Cow<'a, str>, StageError> {
    let (encoding, body) = match declared.map(str::trim).filter(|d| !d.is_empty()) {
        Some(label) => {
            let encoding = Encoding::for_label(label.as_bytes())
                .ok_or_else(|| StageError::new("bad_encoding", format!("newswire-charset {label:?} is not a known encoding")))?;
            // A BOM still wins over a declaration (WHATWG), and is never part of the text.
            match Encoding::for_bom(payload) {
                Some((bom, len)) => (bom, &payload[len..]),
                None => (encoding, payload),
            }
        }
        None => match Encoding::for_bom(payload) {
            Some((bom, len)) => (bom, &payload[len..]),
            None => (sniffed(payload).unwrap_or(UTF_8), payload),
        },
    };
    decode_strictly(encoding, body)
}

/// The encoding the document declares in its XML prolog or HTML `<meta>`, if any.
fn sniffed(payload: &[u8]) -> Option<&'static Encoding> {
    let head = &payload[..payload.len().min(SNIFF_BYTES)];
    let label = XML_PROLOG.captures(head).or_else(|| HTML_META.captures(head))?.get(1)?.as_bytes();
    Encoding::for_label(label)
}

/// Decodes without replacement characters: a malformed byte is an error.
fn decode_strictly<'a>(encoding: &'static Encoding, body: &'a [u8]) -> Result<Cow<'a, str>, StageError> {
    if encoding == UTF_8 {
        return std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|e| StageError::new("bad_encoding", format!("not valid UTF-8 at byte {}", e.valid_up_to())));
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .ok_or_else(|| StageError::new("bad_encoding", format!("bytes that are not valid {}", encoding.name())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charset_header_decodes_latin1_and_windows_1252() {
        assert_eq!(decode(b"caf\xe9", Some("iso-8859-1")).unwrap(), "café");
        // 0x93/0x94 are curly quotes in Windows-1252.
        assert_eq!(decode(b"\x93Hi\x94", Some("windows-1252")).unwrap(), "“Hi”");
    }

    #[test]
    fn without_a_header_the_xml_prolog_or_html_meta_decides() {
        let xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9t\xe9</a>";
        assert!(decode(xml, None).unwrap().ends_with("<a>été</a>"));
        let html = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head>\x96</html>";
        assert!(decode(html, None).unwrap().contains('–'));
    }

    #[test]
    fn utf8_is_the_default_and_a_bom_is_stripped() {
        assert_eq!(decode("été".as_bytes(), None).unwrap(), "été");
        assert_eq!(decode(b"\xef\xbb\xbfok", None).unwrap(), "ok");
    }

    #[test]
    fn undecodable_bytes_and_unknown_labels_are_bad_encoding() {
        let err = decode(b"ok\xff", None).unwrap_err();
        assert_eq!(err.reason, "bad_encoding");
        assert!(err.detail.contains("byte 2"), "{}", err.detail);
        assert_eq!(decode(b"ok", Some("klingon-8")).unwrap_err().reason, "bad_encoding");
        assert_eq!(decode(b"\xffok", Some("utf-8")).unwrap_err().reason, "bad_encoding");
    }
}
