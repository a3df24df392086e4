//! The source format of a story's record: decided once, by ingest, carried in
//! the `newswire-format` header, and read back as this enum by every stage after.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The story formats newswire accepts, as one record holds them: an RSS or
/// Atom record is one `<item>` / `<entry>`, a NewsML 1.x record one `NewsItem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// IPTC ninjs JSON.
    Ninjs,
    /// IPTC NewsML-G2 XML (a `newsItem`, or a package's inline text item).
    NewsmlG2,
    /// IPTC NewsML 1.x XML: one `NewsItem`.
    Newsml1,
    /// NITF XML.
    Nitf,
    /// One `<item>` of an RSS 2.0 or RSS 1.0 / RDF document.
    Rss,
    /// One `<entry>` of an Atom feed.
    Atom,
    /// An HTML page.
    Html,
    /// IPTC 7901 / ANPA-1312 wire text.
    Anpa,
    /// Plain text: clean wire copy or a scraped page's text.
    ScrapedText,
}

impl SourceFormat {
    /// Every format, in the order of the enum.
    pub const ALL: [SourceFormat; 9] = [
        SourceFormat::Ninjs,
        SourceFormat::NewsmlG2,
        SourceFormat::Newsml1,
        SourceFormat::Nitf,
        SourceFormat::Rss,
        SourceFormat::Atom,
        SourceFormat::Html,
        SourceFormat::Anpa,
        SourceFormat::ScrapedText,
    ];

    /// The value of the `newswire-format` header (and of the article's
    /// `newswire.source_format`).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Ninjs => "ninjs",
            SourceFormat::NewsmlG2 => "newsml-g2",
            SourceFormat::Newsml1 => "newsml-1",
            SourceFormat::Nitf => "nitf",
            SourceFormat::Rss => "rss-item",
            SourceFormat::Atom => "atom-entry",
            SourceFormat::Html => "html",
            SourceFormat::Anpa => "anpa",
            SourceFormat::ScrapedText => "scraped-text",
        }
    }

    /// The format's name for people, as used in refusals and dead letters.
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Ninjs => "ninjs",
            SourceFormat::NewsmlG2 => "NewsML-G2",
            SourceFormat::Newsml1 => "NewsML 1.2",
            SourceFormat::Nitf => "NITF",
            SourceFormat::Rss => "RSS",
            SourceFormat::Atom => "Atom",
            SourceFormat::Html => "HTML",
            SourceFormat::Anpa => "IPTC 7901",
            SourceFormat::ScrapedText => "text",
        }
    }
}

/// A `newswire-format` header value that names no format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a newswire source format (one of ninjs, newsml-g2, newsml-1, nitf, rss-item, atom-entry, html, anpa, scraped-text)")]
pub struct UnknownFormat(pub String);

impl FromStr for SourceFormat {
    type Err = UnknownFormat;

    /// Reads a header value written by [`SourceFormat::as_str`].
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        SourceFormat::ALL.into_iter().find(|f| f.as_str() == value).ok_or_else(|| UnknownFormat(value.to_owned()))
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SourceFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SourceFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        value.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_value_reads_back_as_its_format() {
        for format in SourceFormat::ALL {
            assert_eq!(format.as_str().parse::<SourceFormat>(), Ok(format));
            assert_eq!(serde_json::to_string(&format).unwrap(), format!("\"{format}\""));
            assert_eq!(serde_json::from_str::<SourceFormat>(&format!("\"{format}\"")).unwrap(), format);
        }
    }

    #[test]
    fn an_unknown_value_is_an_error_naming_it() {
        let err = "rss".parse::<SourceFormat>().unwrap_err();
        assert!(err.to_string().contains("\"rss\""), "{err}");
        assert!(serde_json::from_str::<SourceFormat>("\"xml\"").is_err());
    }
}
