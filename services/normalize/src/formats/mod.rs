//! One module per source format, each turning original bytes into an [`Article`].

pub mod anpa;
pub mod body;
pub mod body_fallback;
pub mod charset;
pub mod html;
pub mod newsml_g2;
pub mod ninjs;
pub mod nitf;
pub mod rss;
pub mod scraped_text;
pub mod wire_copy;
pub mod xml;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use newswire_shared::article::{Article, PubStatus, Text};
use newswire_shared::stage::StageError;

use crate::config::FeedKind;
use crate::{dates, text};

/// Decodes `payload` (`charset` is the `newswire-charset` header) and parses it
/// in the format ingest recognised. `zone` is the feed's zone for times without offset;
/// `kind` what the feed declares its plain text to be (`None`: told apart per story).
pub fn parse(format: &str, payload: &[u8], charset: Option<&str>, zone: Tz, kind: Option<FeedKind>) -> Result<Article, StageError> {
    let text = charset::decode(payload, charset)?;
    let text = text.as_ref();
    match format {
        "ninjs" => ninjs::parse(text),
        "newsml-g2" => newsml_g2::parse(text, zone),
        "nitf" => nitf::parse(text, zone),
        "rss-item" | "atom-entry" => rss::parse(text, zone),
        "anpa" => anpa::parse(text, zone),
        "scraped-text" => Ok(scraped_text::parse_as(text, zone, kind)),
        "html" => html::parse(text, zone),
        other => Err(StageError::new("unsupported_format", format!("no normalizer for format {other:?}"))),
    }
}

/// The plain-text and HTML bodies for a list of clean paragraphs.
pub fn bodies_from_paragraphs(paragraphs: &[String]) -> Vec<Text> {
    if paragraphs.is_empty() {
        return Vec::new();
    }
    vec![Text::plain("main", text::join_paragraphs(paragraphs)), Text::html("main", text::paragraphs_to_html(paragraphs))]
}

/// Reads the time in `field` (named in the error): an impossible or unreadable
/// time is a `bad_date` error, never a guess.
pub fn time(field: &str, value: &str, zone: Tz) -> Result<DateTime<Utc>, StageError> {
    dates::parse_in_zone(value, zone).map_err(|e| StageError::new("bad_date", format!("{field}: {e}")))
}

/// A publication status from a code such as `stat:canceled`, `usable` or an IPTC
/// NewsCodes URI; an unknown status is a `bad_pubstatus` error naming `field`.
pub fn pubstatus(field: &str, code: &str) -> Result<PubStatus, StageError> {
    let last = code.trim().rsplit([':', '/']).next().unwrap_or_default().to_ascii_lowercase();
    match last.as_str() {
        "usable" => Ok(PubStatus::Usable),
        "withheld" => Ok(PubStatus::Withheld),
        "canceled" | "cancelled" => Ok(PubStatus::Canceled),
        _ => Err(StageError::new("bad_pubstatus", format!("{field}: {code:?} is not usable, withheld or canceled"))),
    }
}

/// An urgency 1–9 from text; anything else is a `bad_urgency` error naming `field`.
pub fn urgency(field: &str, value: &str) -> Result<u8, StageError> {
    match value.trim().parse::<u8>() {
        Ok(u @ 1..=9) => Ok(u),
        _ => Err(StageError::new("bad_urgency", format!("{field}: {value:?} is not an urgency from 1 to 9"))),
    }
}

/// A version number; anything but a whole number is a `bad_version` error naming `field`.
pub fn version(field: &str, value: &str) -> Result<u64, StageError> {
    value.trim().parse().map_err(|_| StageError::new("bad_version", format!("{field}: {value:?} is not a whole number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_times_are_bad_date_naming_the_field() {
        let err = time("pubDate", "Mon, 30 Feb 2022 10:00:00 GMT", Tz::UTC).unwrap_err();
        assert_eq!(err.reason, "bad_date");
        assert!(err.detail.starts_with("pubDate:"), "{}", err.detail);
    }

    #[test]
    fn pubstatus_codes_in_every_spelling() {
        assert_eq!(pubstatus("f", "stat:canceled").unwrap(), PubStatus::Canceled);
        assert_eq!(pubstatus("f", "http://cv.iptc.org/newscodes/pubstatusg2/withheld").unwrap(), PubStatus::Withheld);
        assert_eq!(pubstatus("f", "usable").unwrap(), PubStatus::Usable);
        assert_eq!(pubstatus("f", "stat:maybe").unwrap_err().reason, "bad_pubstatus");
    }

    #[test]
    fn a_latin1_story_is_decoded_from_its_charset_header() {
        let a = parse("ninjs", b"{\"uri\":\"u\",\"headline\":\"Caf\xe9\"}", Some("iso-8859-1"), Tz::UTC, None).unwrap();
        assert_eq!(a.headline(), Some("Café"));
    }
}
