//! The extraction development set (`../shared/extraction-dev`: pages, their
//! flattened text and the benchmark's ground truth) and its evaluation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use serde::Deserialize;

use newswire_normalize::formats::{html, scraped_text};

use crate::scoring::shingles::{summarize, Matching, Summary};

/// Which input the extractor is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The HTML page (`html/<id>.html`).
    Html,
    /// The page flattened to text (`text/<id>.txt`).
    Text,
}

/// Why the development set could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum DevSetError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No page id starts with the prefix asked for.
    #[error("no page id starts with {0:?}")]
    UnknownPage(String),
    /// The ground truth is not `{id: {articleBody, url}}`.
    #[error("{path} is not the benchmark's ground truth: {source}")]
    GroundTruth {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
}

#[derive(Deserialize)]
struct Truth {
    #[serde(rename = "articleBody")]
    article_body: String,
}

/// The score of one page.
#[derive(Debug, Clone)]
pub struct PageScore {
    /// The page id (file stem).
    pub id: String,
    /// Shingle matching against the ground truth.
    pub matching: Matching,
    /// Time spent extracting (reading the file excluded).
    pub elapsed: Duration,
    /// The extractor's error, when it failed (the page then counts as empty).
    pub error: Option<String>,
}

/// The scores of every page and their benchmark summary.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Per page, in id order.
    pub pages: Vec<PageScore>,
    /// Averaged precision and recall, and F1.
    pub summary: Summary,
}

impl Evaluation {
    /// Mean extraction time per page, in milliseconds.
    pub fn millis_per_page(&self) -> f64 {
        let total: Duration = self.pages.iter().map(|p| p.elapsed).sum();
        total.as_secs_f64() * 1000.0 / self.pages.len().max(1) as f64
    }
}

/// Where the development set lives when nobody says otherwise: `../shared`
/// beside the repository.
pub fn default_dir() -> PathBuf {
    crate::shared_dir().join("extraction-dev")
}

/// Extracts every page of the set in `dir` in `mode` and scores the body text.
pub fn evaluate(dir: &Path, mode: Mode) -> Result<Evaluation, DevSetError> {
    let truth = ground_truth(dir)?;
    let mut pages = Vec::with_capacity(truth.len());
    for (id, truth) in &truth {
        let input = read(&page_path(dir, mode, id))?;
        let started = Instant::now();
        let extracted = extract(&input, mode);
        let elapsed = started.elapsed();
        let (body, error) = match extracted {
            Ok(body) => (body, None),
            Err(e) => (String::new(), Some(e.to_string())),
        };
        pages.push(PageScore { id: id.clone(), matching: Matching::of(truth, &body), elapsed, error });
    }
    let summary = summarize(&pages.iter().map(|p| p.matching).collect::<Vec<_>>());
    Ok(Evaluation { pages, summary })
}

/// The body text extracted from the first page whose id starts with `prefix`
/// (or the extractor's error), for looking at what the extractor keeps.
pub fn extract_one(dir: &Path, mode: Mode, prefix: &str) -> Result<String, DevSetError> {
    let truth = ground_truth(dir)?;
    let id = truth.keys().find(|id| id.starts_with(prefix)).ok_or_else(|| DevSetError::UnknownPage(prefix.to_owned()))?;
    let input = read(&page_path(dir, mode, id))?;
    Ok(extract(&input, mode).unwrap_or_else(|e| format!("error: {e}")))
}

/// Every page's article body (`ground-truth.json`), by page id.
pub fn ground_truth(dir: &Path) -> Result<BTreeMap<String, String>, DevSetError> {
    let path = dir.join("ground-truth.json");
    let json = read(&path)?;
    let truth: BTreeMap<String, Truth> = serde_json::from_str(&json).map_err(|source| DevSetError::GroundTruth { path, source })?;
    Ok(truth.into_iter().map(|(id, t)| (id, t.article_body)).collect())
}

/// The file of page `id` given to the extractor in `mode`.
pub fn page_path(dir: &Path, mode: Mode, id: &str) -> PathBuf {
    match mode {
        Mode::Html => dir.join("html").join(format!("{id}.html")),
        Mode::Text => dir.join("text").join(format!("{id}.txt")),
    }
}

/// The body text the normalizer extracts from one page.
fn extract(input: &str, mode: Mode) -> Result<String, newswire_shared::stage::StageError> {
    let zone = Tz::UTC;
    match mode {
        Mode::Html => html::parse(input, zone).map(|a| a.body_text().unwrap_or_default().to_owned()),
        Mode::Text => Ok(scraped_text::parse(input, zone).body_text().unwrap_or_default().to_owned()),
    }
}

fn read(path: &Path) -> Result<String, DevSetError> {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|source| DevSetError::Read { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The levels reached when this test was written, minus a small margin:
    /// a change that makes extraction worse fails here.
    const HTML_F1_FLOOR: f64 = 0.97;
    const TEXT_F1_FLOOR: f64 = 0.94;

    fn dev_set() -> Option<PathBuf> {
        let dir = default_dir();
        if dir.join("ground-truth.json").is_file() {
            Some(dir)
        } else {
            newswire_shared::dev_data::missing(format!("../shared/extraction-dev (looked for {})", dir.display()));
            None
        }
    }

    #[test]
    fn html_extraction_f1_on_the_dev_set_does_not_regress() {
        let Some(dir) = dev_set() else { return };
        let eval = evaluate(&dir, Mode::Html).unwrap();
        assert_eq!(eval.pages.len(), 31);
        assert!(eval.summary.f1 >= HTML_F1_FLOOR, "HTML F1 {:.4} fell below {HTML_F1_FLOOR}", eval.summary.f1);
    }

    #[test]
    fn scraped_text_f1_on_the_dev_set_does_not_regress() {
        let Some(dir) = dev_set() else { return };
        let eval = evaluate(&dir, Mode::Text).unwrap();
        assert!(eval.summary.f1 >= TEXT_F1_FLOOR, "text F1 {:.4} fell below {TEXT_F1_FLOOR}", eval.summary.f1);
    }
}
