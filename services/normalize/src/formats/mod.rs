//! One module per source format, each turning original bytes into an [`Article`].

pub mod html;
pub mod ninjs;
pub mod scraped_text;

use chrono_tz::Tz;
use newswire_shared::article::{Article, Text};
use newswire_shared::stage::StageError;

use crate::text;

/// Parses `payload` in the format ingest recognised.
pub fn parse(format: &str, payload: &[u8], zone: Tz) -> Result<Article, StageError> {
    let text = std::str::from_utf8(payload)
        .map_err(|e| StageError::new("bad_encoding", format!("not valid UTF-8 at byte {}", e.valid_up_to())))?;
    match format {
        "ninjs" => ninjs::parse(text),
        "scraped-text" => Ok(scraped_text::parse(text, zone)),
        "html" => html::parse(text, zone),
        other => Err(StageError::new("unsupported_format", format!("no normalizer for format {other:?} yet"))),
    }
}

/// The plain-text and HTML bodies for a list of clean paragraphs.
pub fn bodies_from_paragraphs(paragraphs: &[String]) -> Vec<Text> {
    if paragraphs.is_empty() {
        return Vec::new();
    }
    vec![Text::plain("main", text::join_paragraphs(paragraphs)), Text::html("main", text::paragraphs_to_html(paragraphs))]
}
