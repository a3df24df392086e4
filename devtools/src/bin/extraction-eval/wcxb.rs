//! The WCXB development set run through `newswire_normalize::normalize`
//! exactly as the stage runs an HTML story, and scored with the shared
//! scorer ([`newswire_devtools::wcxb::score`]).

use std::path::Path;
use std::time::{Duration, Instant};

use newswire_devtools::wcxb::{self, Page, PageScore, WcxbError};
use newswire_normalize::config::NormalizeConfig;
use newswire_shared::story::SourceFormat;

/// What the pipeline made of one page, and how it scores.
#[derive(Debug, Clone)]
pub struct PageResult {
    /// The page id (`0001`).
    pub id: String,
    /// The page's URL (for people).
    pub url: String,
    /// Its scores.
    pub score: PageScore,
    /// Body words extracted, and in the ground truth.
    pub word_counts: (usize, usize),
    /// No date was read although the page has date candidates (a parser limit).
    pub date_unreadable: bool,
    /// What the pipeline produced: headline, by, firstcreated.
    pub produced: (Option<String>, Option<String>, Option<String>),
    /// What the truth says: title, author, date.
    pub expected: (Option<String>, Option<String>, Option<String>),
    /// The field problems the pipeline recorded (`field/kind`).
    pub problems: Vec<String>,
    /// The stage error, when the page failed (it then scores 0).
    pub error: Option<String>,
    /// Time spent in `normalize` (reading and unzipping excluded).
    pub elapsed: Duration,
}

/// Runs every page of the set in `dir` through normalize and scores it, in id order.
pub fn evaluate(dir: &Path) -> Result<Vec<PageResult>, WcxbError> {
    let config = NormalizeConfig::default();
    wcxb::pages(dir)?
        .into_iter()
        .map(|page| {
            let bytes = wcxb::page_bytes(dir, &page.id)?;
            Ok(score_page(&page, &bytes, &config))
        })
        .collect()
}

/// Normalizes one page as the stage would (format `html`, the charset ingest
/// decides for a bare `text/html` push as the `newswire-charset` header) and scores it.
fn score_page(page: &Page, bytes: &[u8], config: &NormalizeConfig) -> PageResult {
    let charset = declared_charset(bytes);
    let started = Instant::now();
    let result = newswire_normalize::normalize(SourceFormat::Html, bytes, charset.as_deref(), "wcxb", &page.id, config);
    let elapsed = started.elapsed();
    let article = result.as_ref().ok();
    let body = article.and_then(|a| a.body_text()).unwrap_or_default();
    let count = |s: &str| s.split(|c: char| !c.is_alphanumeric() && c != '_').filter(|w| !w.is_empty()).count();
    let truth = &page.truth;
    PageResult {
        id: page.id.clone(),
        url: page.url.clone(),
        score: wcxb::score(truth, article),
        word_counts: (count(body), truth.main_content.as_deref().map_or(0, count)),
        date_unreadable: article.is_some_and(|a| a.firstcreated.is_none()) && has_date_candidates(bytes, charset.as_deref()),
        produced: (
            article.and_then(|a| a.headline()).map(str::to_owned),
            article.and_then(|a| a.by.clone()),
            article.and_then(|a| a.firstcreated).map(|t| t.to_rfc3339()),
        ),
        expected: (truth.title.clone(), truth.author.clone(), truth.publish_date.clone()),
        problems: article.map(|a| a.newswire.problems.iter().map(|p| format!("{}/{}: {}", p.field, p.kind, p.detail)).collect()).unwrap_or_default(),
        error: result.as_ref().err().map(ToString::to_string),
        elapsed,
    }
}

/// Whether the page offers publication-time candidates at all (when none was
/// read, a page that has some is a miss of the date parser, not of the candidate choice).
fn has_date_candidates(bytes: &[u8], charset: Option<&str>) -> bool {
    let Ok(charset) = newswire_shared::story::charset::of_record(charset, bytes) else { return false };
    let Ok(text) = charset.decode(bytes) else { return false };
    let doc = dom_query::Document::from(text.as_ref());
    !newswire_normalize::extract::page_meta::read(&doc).published.is_empty()
        || !newswire_normalize::extract::page_dates::visible(&doc).is_empty()
}

/// The charset ingest would put in `newswire-charset` for a page pushed as a
/// bare `text/html`: the shared decision ([`newswire_shared::story::charset::decide`]),
/// so the eval reads pages exactly as the pipeline does. `None` when ingest
/// would refuse the page's bytes.
pub fn declared_charset(bytes: &[u8]) -> Option<String> {
    newswire_shared::story::charset::decide(Some("text/html"), bytes).ok().map(|c| c.header_value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charset_is_decided_as_ingest_decides_it() {
        assert_eq!(declared_charset(b"<html><head><meta charset=\"ISO-8859-1\">caf\xe9").as_deref(), Some("windows-1252"));
        assert_eq!(declared_charset("<html><head><meta charset=\"ISO-8859-1\">café".as_bytes()).as_deref(), Some("utf-8"), "UTF-8 bytes overrule the label");
        assert_eq!(declared_charset(b"\xef\xbb\xbf<html>").as_deref(), Some("utf-8"));
        assert_eq!(declared_charset(b"<html>caf\xe9"), None, "undeclared non-UTF-8 bytes are refused");
    }
}
