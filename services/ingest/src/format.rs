//! Recognising what format a pushed body is in, from its Content-Type and,
//! when that is generic, by sniffing the body.

use crate::rejection::Rejection;

/// The story formats ingest accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// IPTC ninjs JSON.
    Ninjs,
    /// IPTC NewsML-G2 XML.
    NewsmlG2,
    /// NITF XML.
    Nitf,
    /// RSS 2.0.
    Rss,
    /// Atom.
    Atom,
    /// An HTML page.
    Html,
    /// IPTC 7901 / ANPA-1312 wire text.
    Anpa,
    /// Plain or scraped page text.
    ScrapedText,
}

impl Format {
    /// The name carried in the `newswire-format` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ninjs => "ninjs",
            Format::NewsmlG2 => "newsml-g2",
            Format::Nitf => "nitf",
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Html => "html",
            Format::Anpa => "anpa",
            Format::ScrapedText => "scraped-text",
        }
    }
}

/// The media type without parameters, lower-cased: `Text/HTML; charset=x` → `text/html`.
pub fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Chooses the format from the Content-Type, sniffing the body when it is generic.
pub fn detect(content_type: Option<&str>, body: &[u8]) -> Result<Format, Rejection> {
    let media = content_type.map(media_type).unwrap_or_default();
    let by_type = match media.as_str() {
        "application/ninjs+json" | "application/vnd.iptc.ninjs+json" => Some(Format::Ninjs),
        "application/vnd.iptc.g2.newsitem+xml" | "application/vnd.iptc.g2.packageitem+xml" | "application/vnd.iptc.g2.newsmessage+xml" => {
            Some(Format::NewsmlG2)
        }
        "application/nitf+xml" => Some(Format::Nitf),
        "application/rss+xml" => Some(Format::Rss),
        "application/atom+xml" => Some(Format::Atom),
        "text/html" | "application/xhtml+xml" => Some(Format::Html),
        "application/vnd.iptc.7901" | "application/x-anpa" => Some(Format::Anpa),
        "application/json" | "application/xml" | "text/xml" | "text/plain" | "application/octet-stream" | "" => None,
        other => {
            return Err(Rejection::new(
                415,
                "unsupported_media_type",
                format!("Content-Type {other:?} is not a supported story format (ninjs JSON, NewsML-G2, NITF, RSS, Atom, HTML, IPTC 7901, text)"),
            ))
        }
    };
    if let Some(format) = by_type {
        return Ok(format);
    }
    Ok(sniff(&media, body))
}

fn sniff(media: &str, body: &[u8]) -> Format {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_ascii_lowercase();
    let start = head.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        return Format::Ninjs;
    }
    if start.starts_with('\u{1}') || start.starts_with("\u{16}\u{16}\u{1}") {
        return Format::Anpa;
    }
    if start.starts_with('<') {
        if start.contains("<newsitem") || start.contains("<packageitem") || start.contains("<newsmessage") {
            return Format::NewsmlG2;
        }
        if start.contains("<nitf") {
            return Format::Nitf;
        }
        if start.contains("<rss") || start.contains("<rdf:rdf") {
            return Format::Rss;
        }
        if start.contains("<feed") {
            return Format::Atom;
        }
        if start.contains("<html") || start.contains("<!doctype html") || media != "text/plain" {
            return Format::Html;
        }
    }
    Format::ScrapedText
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_types_win_and_generic_ones_are_sniffed() {
        assert_eq!(detect(Some("text/html; charset=utf-8"), b"anything").unwrap(), Format::Html);
        assert_eq!(detect(Some("application/json"), b" {\"uri\":\"x\"}").unwrap(), Format::Ninjs);
        assert_eq!(detect(Some("application/xml"), b"<?xml version='1.0'?><newsItem/>").unwrap(), Format::NewsmlG2);
        assert_eq!(detect(Some("text/xml"), b"<nitf></nitf>").unwrap(), Format::Nitf);
        assert_eq!(detect(None, b"<rss version='2.0'/>").unwrap(), Format::Rss);
        assert_eq!(detect(None, b"<feed xmlns='http://www.w3.org/2005/Atom'/>").unwrap(), Format::Atom);
        assert_eq!(detect(Some("text/plain"), b"Headline\n\nBy Press Association").unwrap(), Format::ScrapedText);
    }

    #[test]
    fn unsupported_types_are_415_with_the_type_named() {
        let err = detect(Some("image/png"), b"\x89PNG").unwrap_err();
        assert_eq!(err.status, 415);
        assert!(err.detail.contains("image/png"));
    }
}
