//! Request bodies sent with `Content-Encoding: gzip` or `deflate`, inflated
//! with a cap on the inflated size so a compression bomb costs at most the cap.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use crate::rejection::Rejection;

/// The body as the story's bytes: inflated when it was compressed, refused with
/// 413 when inflating would pass `max_bytes`, with 415 for unknown codings.
pub fn decode_body<'a>(
    content_encoding: Option<&str>,
    body: &'a [u8],
    max_bytes: usize,
) -> Result<Cow<'a, [u8]>, Rejection> {
    let coding = content_encoding.map(|c| c.trim().to_ascii_lowercase()).unwrap_or_default();
    let inflated = match coding.as_str() {
        "" | "identity" => return Ok(Cow::Borrowed(body)),
        "gzip" | "x-gzip" => inflate(MultiGzDecoder::new(body), max_bytes, "gzip")?,
        // HTTP's "deflate" is zlib-wrapped, but some senders send raw deflate.
        "deflate" => match inflate(ZlibDecoder::new(body), max_bytes, "deflate") {
            Err(rejection) if rejection.status == 400 => inflate(DeflateDecoder::new(body), max_bytes, "deflate")?,
            other => other?,
        },
        other => {
            return Err(Rejection::new(
                415,
                "unsupported_content_encoding",
                format!("Content-Encoding {other:?} is not supported (gzip, deflate or identity)"),
            ))
        }
    };
    Ok(Cow::Owned(inflated))
}

fn inflate(reader: impl Read, max_bytes: usize, coding: &str) -> Result<Vec<u8>, Rejection> {
    let mut out = Vec::new();
    // Read one byte past the cap: if it arrives, the body is too large.
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_to_end(&mut out).map_err(|e| {
        Rejection::new(400, "bad_content_encoding", format!("the {coding} body cannot be inflated: {e}"))
    })?;
    if out.len() > max_bytes {
        return Err(Rejection::new(
            413,
            "payload_too_large",
            format!("the {coding} body inflates to more than {max_bytes} bytes, the limit"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_and_deflate_bodies_are_inflated() {
        assert_eq!(decode_body(Some("gzip"), &gzip(b"story"), 100).unwrap().as_ref(), b"story");
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(b"story").unwrap();
        assert_eq!(decode_body(Some("Deflate"), &zlib.finish().unwrap(), 100).unwrap().as_ref(), b"story");
        assert!(matches!(decode_body(None, b"plain", 100).unwrap(), Cow::Borrowed(b"plain")));
    }

    #[test]
    fn a_gzip_bomb_is_refused_with_413_without_inflating_it_all() {
        let bomb = gzip(&vec![0u8; 50 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024, "the bomb compresses to {} bytes", bomb.len());
        let err = decode_body(Some("gzip"), &bomb, 1024 * 1024).unwrap_err();
        assert_eq!((err.status, err.error), (413, "payload_too_large"));
    }

    #[test]
    fn corrupt_and_unknown_encodings_are_refused() {
        assert_eq!(decode_body(Some("gzip"), b"not gzip", 100).unwrap_err().error, "bad_content_encoding");
        assert_eq!(decode_body(Some("br"), b"x", 100).unwrap_err().status, 415);
    }
}
