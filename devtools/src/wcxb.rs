//! The WCXB development set (`../shared/wcxb-dev`: gzipped article pages and
//! their ground truth), and how a published story is scored against a page's
//! truth. The offline `extraction-eval --wcxb` and the pipeline's
//! `newswire eval --corpus wcxb` both score with [`score`] and sum up with
//! [`Summary::of`], so their figures mean the same thing.

use std::io::Read;
use std::path::{Path, PathBuf};

use newswire_shared::article::Article;
use serde::{Deserialize, Serialize};

use crate::scoring::fields::{author_matches, date_verdict, title_matches, DateVerdict};
use crate::scoring::words::{contains_words, WordScore};
use crate::share::Share;

/// Why the set could not be read.
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
#[derive(Debug, Deserialize, Default, Clone, PartialEq)]
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
    #[serde(default)]
    pub title: Option<String>,
    /// The author.
    #[serde(default)]
    pub author: Option<String>,
    /// The publication date, `YYYY-MM-DD`.
    #[serde(default)]
    pub publish_date: Option<String>,
}

impl Truth {
    /// Whether the page has article text (so an empty published body is a loss).
    pub fn has_text(&self) -> bool {
        self.main_content.as_deref().is_some_and(|t| !t.trim().is_empty())
    }
}

/// One page of the set.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page id (`0001`).
    pub id: String,
    /// The page's URL (for people).
    pub url: String,
    /// Its ground truth.
    pub truth: Truth,
}

/// Where the set lives when nobody says otherwise: `wcxb-dev` in
/// `NEWSWIRE_SHARED_DIR` when set (a git worktree is not beside `../shared`),
/// else in `../shared` beside the repository.
pub fn default_dir() -> PathBuf {
    crate::shared_dir().join("wcxb-dev")
}

/// Whether `dir` looks like the set.
pub fn is_present(dir: &Path) -> bool {
    dir.join("ground-truth").is_dir() && dir.join("html").is_dir()
}

/// Every page's id, URL and truth, in id order.
pub fn pages(dir: &Path) -> Result<Vec<Page>, WcxbError> {
    let truth_dir = dir.join("ground-truth");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&truth_dir)
        .map_err(|source| WcxbError::Read { path: truth_dir.clone(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let json = std::fs::read(&path).map_err(|source| WcxbError::Read { path: path.clone(), source })?;
            let file: TruthFile = serde_json::from_slice(&json).map_err(|source| WcxbError::GroundTruth { path, source })?;
            Ok(Page { id: file.file_id, url: file.url, truth: file.ground_truth })
        })
        .collect()
}

/// The page `id`'s decompressed bytes.
pub fn page_bytes(dir: &Path, id: &str) -> Result<Vec<u8>, WcxbError> {
    let path = dir.join("html").join(format!("{id}.html.gz"));
    let file = std::fs::File::open(&path).map_err(|source| WcxbError::Read { path: path.clone(), source })?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut bytes).map_err(|source| WcxbError::Read { path, source })?;
    Ok(bytes)
}

/// How one published story scores against its page's truth.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageScore {
    /// Word-bag scores of the body text, when the truth has a text.
    pub words: Option<WordScore>,
    /// `with` snippets found, of how many.
    pub with: (usize, usize),
    /// `without` snippets avoided, of how many.
    pub without: (usize, usize),
    /// Headline equals the title, when the truth has one.
    pub title: Option<bool>,
    /// Author named in `by`, when the truth has one.
    pub author: Option<bool>,
    /// `firstcreated` against the publish date, when the truth has one.
    pub date: Option<DateVerdict>,
    /// `versioncreated` on the publish date (UTC), when the truth has one.
    pub versioncreated: Option<bool>,
}

/// Scores `published` (None: nothing was published) against `truth`.
/// Snippets are searched by their words ([`contains_words`]); the fields are
/// compared as [`crate::scoring::fields`] says.
pub fn score(truth: &Truth, published: Option<&Article>) -> PageScore {
    let body = published.and_then(Article::body_text).unwrap_or("");
    let present = |list: &[String]| list.iter().filter(|s| !s.trim().is_empty()).cloned().collect::<Vec<_>>();
    let (with, without) = (present(&truth.with), present(&truth.without));
    let found = |snippets: &[String]| snippets.iter().filter(|s| contains_words(body, s)).count();
    let given = |field: &Option<String>| field.clone().filter(|t| !t.trim().is_empty());
    let date = given(&truth.publish_date);
    PageScore {
        words: truth.main_content.as_deref().map(|t| WordScore::of(t, body)),
        with: (found(&with), with.len()),
        without: (without.len() - found(&without), without.len()),
        title: given(&truth.title).map(|t| title_matches(&t, published.and_then(Article::headline))),
        author: given(&truth.author).map(|a| author_matches(&a, published.and_then(|p| p.by.as_deref()))),
        date: date.as_deref().map(|d| date_verdict(d, published.and_then(|p| p.firstcreated))),
        versioncreated: date.as_deref().map(|d| date_verdict(d, published.and_then(|p| p.versioncreated)) == DateVerdict::Right),
    }
}

/// A set's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Pages run.
    pub pages: usize,
    /// Pages with a ground-truth text (the word scores are over these; a lost
    /// or empty page scores 0).
    pub scored: usize,
    /// Mean word precision over the scored pages.
    pub precision: f64,
    /// Mean word recall.
    pub recall: f64,
    /// Mean word F1 (WCXB's headline figure).
    pub f1: f64,
    /// Scored pages with F1 under 0.5.
    pub under_half: usize,
    /// `with` snippets found, over all pages' snippets.
    pub with: Share,
    /// `without` snippets avoided.
    pub without: Share,
    /// Title right, among pages with a title.
    pub title: Share,
    /// Author right, among pages with an author.
    pub author: Share,
    /// `firstcreated`'s UTC date right, among pages with a date.
    pub date: Share,
    /// Date misses: one day off, another date, no date.
    pub date_misses: (usize, usize, usize),
    /// `versioncreated`'s UTC date right, among pages with a date.
    pub versioncreated: Share,
}

impl Summary {
    /// Sums up the pages' scores.
    pub fn of(pages: &[PageScore]) -> Self {
        let words: Vec<WordScore> = pages.iter().filter_map(|p| p.words).collect();
        let mean = |f: fn(&WordScore) -> f64| words.iter().map(f).sum::<f64>() / words.len().max(1) as f64;
        let mut s = Summary {
            pages: pages.len(),
            scored: words.len(),
            precision: mean(|w| w.precision),
            recall: mean(|w| w.recall),
            f1: mean(|w| w.f1),
            under_half: words.iter().filter(|w| w.f1 < 0.5).count(),
            ..Default::default()
        };
        for p in pages {
            s.with.add_counts(p.with);
            s.without.add_counts(p.without);
            s.title.add(p.title);
            s.author.add(p.author);
            s.date.add(p.date.map(|d| d == DateVerdict::Right));
            s.versioncreated.add(p.versioncreated);
            match p.date {
                Some(DateVerdict::OneDayOff) => s.date_misses.0 += 1,
                Some(DateVerdict::Wrong) => s.date_misses.1 += 1,
                Some(DateVerdict::Missing) => s.date_misses.2 += 1,
                _ => {}
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Text;

    fn article(headline: &str, body: &str) -> Article {
        Article { headlines: vec![Text::plain("main", headline)], bodies: vec![Text::plain("main", body)], ..Default::default() }
    }

    fn truth(text: &str) -> Truth {
        Truth { main_content: Some(text.into()), ..Default::default() }
    }

    #[test]
    fn a_page_with_no_output_scores_zero() {
        assert_eq!(score(&truth("Some text."), None).words.map(|w| w.f1), Some(0.0));
    }

    #[test]
    fn snippets_title_author_and_date_are_checked_on_the_published_story() {
        let truth = Truth {
            main_content: Some("Rates rose. Markets fell.".into()),
            with: vec!["Rates  rose.".into(), "Nowhere".into(), " ".into()],
            without: vec!["Login".into()],
            title: Some("Rates \u{201C}rise\u{201D}".into()),
            author: Some("Jane Doe".into()),
            publish_date: Some("2025-09-04".into()),
        };
        let mut published = article("Rates \"rise\"", "Rates rose. Markets fell. Please login");
        published.by = Some("By JANE DOE, Reuters".into());
        published.firstcreated = "2025-09-04T23:30:00Z".parse().ok();
        published.versioncreated = "2025-09-05T08:00:00Z".parse().ok();
        let page = score(&truth, Some(&published));
        assert_eq!(page.with, (1, 2), "a blank snippet is not counted");
        assert_eq!(page.without, (0, 1), "snippets are found by their words, case aside");
        assert_eq!((page.title, page.author), (Some(true), Some(true)));
        assert_eq!((page.date, page.versioncreated), (Some(DateVerdict::Right), Some(false)));

        let untitled = score(&self::truth("x"), Some(&published));
        assert_eq!((untitled.title, untitled.author, untitled.date), (None, None, None));
    }

    #[test]
    fn the_summary_averages_f1_over_pages_with_text_and_counts_shares_among_labelled_pages() {
        let titled = Truth { title: Some("T".into()), publish_date: Some("2025-01-02".into()), ..truth("a b") };
        let good = score(&titled, Some(&article("T", "a b")));
        let lost = score(&titled, None);
        let textless = score(&Truth::default(), Some(&article("U", "c")));
        let s = Summary::of(&[good, lost, textless]);
        assert_eq!((s.pages, s.scored), (3, 2));
        assert!((s.f1 - 0.5).abs() < 1e-12);
        assert_eq!(s.title, Share { ok: 1, of: 2 });
        assert_eq!(s.author, Share::default());
        assert_eq!((s.date, s.date_misses), (Share { ok: 0, of: 2 }, (0, 0, 2)));
    }
}
