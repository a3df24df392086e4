//! The WCXB development set (`../shared/wcxb-dev`: gzipped article pages and
//! their ground truth) run through `newswire_normalize::normalize` exactly as
//! the stage runs an HTML story, and scored field by field.

use newswire_shared::story::SourceFormat;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newswire_normalize::config::NormalizeConfig;
use serde::Deserialize;

use crate::fields::{author_matches, date_verdict, title_matches, DateVerdict};
use crate::word_f1::{contains_words, WordScore};

/// Why the set could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum WcxbError {
    /// A file could not be read or decompressed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A ground-truth file is not WCXB's format.
    #[error("{path} is not WCXB ground truth: {source}")]
    GroundTruth {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
}

#[derive(Deserialize)]
struct TruthFile {
    file_id: String,
    #[serde(default)]
    url: String,
    ground_truth: Truth,
}

/// One page's ground truth.
#[derive(Deserialize, Default, Clone)]
pub struct Truth {
    /// The article text (one dev page has none: it is left out of the word scores).
    #[serde(default)]
    pub main_content: Option<String>,
    /// Snippets the body must contain.
    #[serde(default)]
    pub with: Vec<String>,
    /// Snippets the body must not contain.
    #[serde(default)]
    pub without: Vec<String>,
    /// The title.
    pub title: Option<String>,
    /// The author.
    pub author: Option<String>,
    /// The publication date, `YYYY-MM-DD`.
    pub publish_date: Option<String>,
}

/// What the pipeline made of one page, and how it scores.
#[derive(Debug, Clone)]
pub struct PageResult {
    /// The page id (`0001`).
    pub id: String,
    /// The page's URL (for people).
    pub url: String,
    /// Word-bag scores of the body text, when the truth has a text.
    pub words: Option<WordScore>,
    /// Body words extracted, and in the ground truth.
    pub word_counts: (usize, usize),
    /// `with` snippets found, of how many.
    pub with: (usize, usize),
    /// `without` snippets avoided, of how many.
    pub without: (usize, usize),
    /// Title right, when the truth has one.
    pub title: Option<bool>,
    /// Author right, when the truth has one.
    pub author: Option<bool>,
    /// Date compared, when the truth has one.
    pub date: Option<DateVerdict>,
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

/// Where the set lives when nobody says otherwise: `wcxb-dev` in
/// `NEWSWIRE_SHARED_DIR` when set (a git worktree is not beside `../shared`),
/// else in `../shared` beside the repository.
pub fn default_dir() -> PathBuf {
    match std::env::var_os("NEWSWIRE_SHARED_DIR") {
        Some(shared) => PathBuf::from(shared).join("wcxb-dev"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wcxb-dev"),
    }
}

/// Whether `dir` looks like the set.
pub fn is_present(dir: &Path) -> bool {
    dir.join("ground-truth").is_dir() && dir.join("html").is_dir()
}

/// Runs every page of the set in `dir` through normalize and scores it, in id order.
pub fn evaluate(dir: &Path) -> Result<Vec<PageResult>, WcxbError> {
    let truth_dir = dir.join("ground-truth");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&truth_dir)
        .map_err(|source| WcxbError::Read { path: truth_dir.clone(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let config = NormalizeConfig::default();
    let mut pages = Vec::with_capacity(files.len());
    for path in files {
        let json = std::fs::read(&path).map_err(|source| WcxbError::Read { path: path.clone(), source })?;
        let truth: TruthFile = serde_json::from_slice(&json).map_err(|source| WcxbError::GroundTruth { path: path.clone(), source })?;
        let page_path = dir.join("html").join(format!("{}.html.gz", truth.file_id));
        let bytes = gunzip(&page_path)?;
        pages.push(score_page(&truth.file_id, &truth.url, &truth.ground_truth, &bytes, &config));
    }
    Ok(pages)
}

/// The page `id`'s decompressed bytes.
pub fn page_bytes(dir: &Path, id: &str) -> Result<Vec<u8>, WcxbError> {
    gunzip(&dir.join("html").join(format!("{id}.html.gz")))
}

fn gunzip(path: &Path) -> Result<Vec<u8>, WcxbError> {
    let file = std::fs::File::open(path).map_err(|source| WcxbError::Read { path: path.to_owned(), source })?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut bytes).map_err(|source| WcxbError::Read { path: path.to_owned(), source })?;
    Ok(bytes)
}

/// Normalizes one page as the stage would (format `html`, the page's own
/// charset declaration as the `newswire-charset` header) and scores it.
fn score_page(id: &str, url: &str, truth: &Truth, bytes: &[u8], config: &NormalizeConfig) -> PageResult {
    let charset = declared_charset(bytes);
    let started = Instant::now();
    let result = newswire_normalize::normalize(SourceFormat::Html, bytes, charset.as_deref(), "wcxb", id, config);
    let elapsed = started.elapsed();
    let (body, headline, by, published, problems, error) = match &result {
        Ok(a) => (
            a.body_text().unwrap_or_default().to_owned(),
            a.headline().map(str::to_owned),
            a.by.clone(),
            a.firstcreated,
            a.newswire.problems.iter().map(|p| format!("{}/{}: {}", p.field, p.kind, p.detail)).collect(),
            None,
        ),
        Err(e) => (String::new(), None, None, None, Vec::new(), Some(e.to_string())),
    };
    let count = |s: &str| s.split(|c: char| !c.is_alphanumeric() && c != '_').filter(|w| !w.is_empty()).count();
    let found = |snippets: &[String]| snippets.iter().filter(|s| contains_words(&body, s)).count();
    let date_unreadable = published.is_none() && has_date_candidates(bytes, charset.as_deref());
    PageResult {
        id: id.to_owned(),
        url: url.to_owned(),
        words: truth.main_content.as_deref().map(|t| WordScore::of(t, &body)),
        word_counts: (count(&body), truth.main_content.as_deref().map_or(0, count)),
        with: (found(&truth.with), truth.with.len()),
        without: (truth.without.len() - found(&truth.without), truth.without.len()),
        title: truth.title.as_deref().filter(|t| !t.trim().is_empty()).map(|t| title_matches(t, headline.as_deref())),
        author: truth.author.as_deref().filter(|t| !t.trim().is_empty()).map(|t| author_matches(t, by.as_deref())),
        date: truth.publish_date.as_deref().filter(|t| !t.trim().is_empty()).map(|t| date_verdict(t, published)),
        date_unreadable,
        produced: (headline, by, published.map(|t| t.to_rfc3339())),
        expected: (truth.title.clone(), truth.author.clone(), truth.publish_date.clone()),
        problems,
        error,
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
