//! Quality of what was published, against the corpora's labels: WCXB's word F1,
//! snippets, title, author and date; extraction-dev's shingle F1 (the
//! benchmark's metric, scored by normalize's own scorer).

use chrono::{DateTime, NaiveDate, Utc};
use newswire_normalize::extract::score::{summarize, Matching};
use newswire_shared::article::Article;
use serde::Serialize;

use super::corpora::WcxbTruth;
use super::text::{normalise, word_counts};

/// Word-level bag precision, recall and F1 of one page (WCXB's metric).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WordScore {
    /// Shared words / published words.
    pub precision: f64,
    /// Shared words / ground-truth words.
    pub recall: f64,
    /// Their harmonic mean (0 when nothing was published).
    pub f1: f64,
}

/// WCXB's word F1: lower-cased `\w+` tokens, multiset overlap. A page with
/// no output scores 0; an empty ground truth with an empty output scores 1.
pub fn word_score(truth: &str, published: &str) -> WordScore {
    let (truth, published) = (word_counts(truth), word_counts(published));
    let (t, p): (usize, usize) = (truth.values().sum(), published.values().sum());
    if t == 0 && p == 0 {
        return WordScore { precision: 1.0, recall: 1.0, f1: 1.0 };
    }
    let shared: usize = truth.iter().map(|(w, n)| (*n).min(published.get(w).copied().unwrap_or(0))).sum();
    let (precision, recall, f1) = super::text::prf(shared, p, t);
    WordScore { precision, recall, f1 }
}

/// One WCXB page's scores.
#[derive(Debug, Clone, Serialize)]
pub struct WcxbPage {
    /// Page id.
    pub id: String,
    /// Word F1 and its parts.
    pub words: WordScore,
    /// `with` snippets found / present.
    pub with_found: (usize, usize),
    /// `without` snippets avoided / present.
    pub without_avoided: (usize, usize),
    /// Headline equals the title (None: the page has no title).
    pub title_ok: Option<bool>,
    /// The author is found in `by` (None: the page has no author).
    pub author_ok: Option<bool>,
    /// `firstcreated` on the publish date (None: the page has no date).
    pub firstcreated_ok: Option<bool>,
    /// `versioncreated` on the publish date (None: the page has no date).
    pub versioncreated_ok: Option<bool>,
    /// `firstcreated`, else `versioncreated`, within a day of the publish date
    /// (the page's own time zone is not known).
    pub date_within_a_day: Option<bool>,
}

/// Scores one WCXB page; `published` is None when nothing was published.
pub fn wcxb_page(id: &str, truth: &WcxbTruth, published: Option<&Article>) -> WcxbPage {
    let body = published.and_then(Article::body_text).unwrap_or("");
    let body_norm = normalise(body);
    let snippets = |list: &[String], want: bool| {
        let present: Vec<&String> = list.iter().filter(|s| !s.trim().is_empty()).collect();
        let ok = present.iter().filter(|s| body_norm.contains(&normalise(s)) == want).count();
        (ok, present.len())
    };
    let title = truth.title.as_deref().filter(|t| !t.trim().is_empty());
    let author = truth.author.as_deref().filter(|a| !a.trim().is_empty());
    let date = truth.publish_date.as_deref().and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok());
    let on_date = |t: Option<DateTime<Utc>>| date.map(|d| t.is_some_and(|t| t.date_naive() == d));
    WcxbPage {
        id: id.to_owned(),
        words: word_score(&truth.main_content, body),
        with_found: snippets(&truth.with, true),
        without_avoided: snippets(&truth.without, false),
        title_ok: title.map(|t| published.and_then(Article::headline).is_some_and(|h| normalise(h) == normalise(t))),
        author_ok: author.map(|a| {
            published.and_then(|p| p.by.as_deref()).is_some_and(|by| normalise(by).to_lowercase().contains(&normalise(a).to_lowercase()))
        }),
        firstcreated_ok: on_date(published.and_then(|p| p.firstcreated)),
        versioncreated_ok: on_date(published.and_then(|p| p.versioncreated)),
        date_within_a_day: date.map(|d| {
            published
                .and_then(|p| p.firstcreated.or(p.versioncreated))
                .is_some_and(|t| (t.date_naive() - d).num_days().abs() <= 1)
        }),
    }
}

/// A share: how many of how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Share {
    /// Those that pass.
    pub ok: usize,
    /// Those counted.
    pub of: usize,
}

impl Share {
    /// `ok / of` (0 when nothing was counted).
    pub fn ratio(&self) -> f64 {
        if self.of == 0 {
            0.0
        } else {
            self.ok as f64 / self.of as f64
        }
    }

    fn add(&mut self, flag: Option<bool>) {
        if let Some(ok) = flag {
            self.of += 1;
            self.ok += usize::from(ok);
        }
    }
}

/// WCXB's figures over a corpus.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WcxbSummary {
    /// Pages scored.
    pub pages: usize,
    /// Mean word F1 over pages.
    pub word_f1: f64,
    /// Mean word precision.
    pub word_precision: f64,
    /// Mean word recall.
    pub word_recall: f64,
    /// `with` snippets found.
    pub with_found: Share,
    /// `without` snippets avoided.
    pub without_avoided: Share,
    /// Headline equals the title (whitespace and quotes normalised, case kept).
    pub title: Share,
    /// Author found in `by` (case-insensitive), among pages with an author.
    pub author: Share,
    /// `firstcreated`'s UTC date equals `publish_date`, among pages with a date.
    pub date_firstcreated: Share,
    /// `versioncreated`'s UTC date equals `publish_date`, among pages with a date.
    pub date_versioncreated: Share,
    /// `firstcreated` (else `versioncreated`) within one day of `publish_date`.
    pub date_within_a_day: Share,
}

/// Averages the pages' scores.
pub fn wcxb_summary(pages: &[WcxbPage]) -> WcxbSummary {
    let n = pages.len().max(1) as f64;
    let mut s = WcxbSummary {
        pages: pages.len(),
        word_f1: pages.iter().map(|p| p.words.f1).sum::<f64>() / n,
        word_precision: pages.iter().map(|p| p.words.precision).sum::<f64>() / n,
        word_recall: pages.iter().map(|p| p.words.recall).sum::<f64>() / n,
        ..Default::default()
    };
    for p in pages {
        s.with_found.ok += p.with_found.0;
        s.with_found.of += p.with_found.1;
        s.without_avoided.ok += p.without_avoided.0;
        s.without_avoided.of += p.without_avoided.1;
        s.title.add(p.title_ok);
        s.author.add(p.author_ok);
        s.date_firstcreated.add(p.firstcreated_ok);
        s.date_versioncreated.add(p.versioncreated_ok);
        s.date_within_a_day.add(p.date_within_a_day);
    }
    s
}

/// One extraction-dev document's shingle precision and recall.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractionDoc {
    /// Document id.
    pub id: String,
    /// Shingle precision.
    pub precision: f64,
    /// Shingle recall.
    pub recall: f64,
}

/// extraction-dev's benchmark figures for the published bodies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExtractionSummary {
    /// Documents scored.
    pub documents: usize,
    /// Precision averaged over documents.
    pub precision: f64,
    /// Recall averaged over documents.
    pub recall: f64,
    /// F1 of the two averages.
    pub f1: f64,
    /// The same metric on normalize's extractor run offline (in process) on the
    /// same files: what the pipeline should reach.
    pub offline_f1: Option<f64>,
}

/// Scores published bodies (None: nothing published) against the article bodies.
pub fn extraction(docs: &[(String, &str, Option<&Article>)]) -> (ExtractionSummary, Vec<ExtractionDoc>) {
    let matchings: Vec<(String, Matching)> =
        docs.iter().map(|(id, truth, published)| (id.clone(), Matching::of(truth, published.and_then(|p| p.body_text()).unwrap_or("")))).collect();
    let summary = summarize(&matchings.iter().map(|(_, m)| *m).collect::<Vec<_>>());
    let per_doc = matchings.iter().map(|(id, m)| ExtractionDoc { id: id.clone(), precision: m.precision(), recall: m.recall() }).collect();
    (
        ExtractionSummary { documents: docs.len(), precision: summary.precision, recall: summary.recall, f1: summary.f1, offline_f1: None },
        per_doc,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Text;

    fn article(headline: &str, body: &str) -> Article {
        Article { headlines: vec![Text::plain("main", headline)], bodies: vec![Text::plain("main", body)], ..Default::default() }
    }

    #[test]
    fn word_f1_is_the_multiset_overlap_of_lower_cased_words() {
        // Truth: the cat the hat (4); published: The cat sat (3); shared: the, cat = 2.
        let s = word_score("the cat the hat", "The cat sat");
        assert!((s.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert!((s.f1 - 2.0 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5)).abs() < 1e-12);
    }

    #[test]
    fn a_page_with_no_output_scores_zero() {
        let truth = WcxbTruth { main_content: "Some text.".into(), ..Default::default() };
        assert_eq!(wcxb_page("p", &truth, None).words.f1, 0.0);
        assert_eq!(word_score("Some text", "").f1, 0.0);
    }

    #[test]
    fn snippets_title_author_and_date_are_checked_on_the_published_story() {
        let truth = WcxbTruth {
            main_content: "Rates rose. Markets fell.".into(),
            with: vec!["Rates  rose.".into(), "Nowhere".into()],
            without: vec!["Login".into()],
            title: Some("Rates \u{201C}rise\u{201D}".into()),
            author: Some("Jane Doe".into()),
            publish_date: Some("2025-09-04".into()),
        };
        let mut published = article("Rates \"rise\"", "Rates rose. Markets fell. Please login");
        published.by = Some("By JANE DOE, Reuters".into());
        published.firstcreated = "2025-09-04T23:30:00Z".parse().ok();
        published.versioncreated = "2025-09-05T08:00:00Z".parse().ok();
        let page = wcxb_page("p", &truth, Some(&published));
        assert_eq!(page.with_found, (1, 2));
        assert_eq!(page.without_avoided, (1, 1), "snippets are case-sensitive: `login` is not `Login`");
        assert_eq!((page.title_ok, page.author_ok), (Some(true), Some(true)));
        assert_eq!((page.firstcreated_ok, page.versioncreated_ok, page.date_within_a_day), (Some(true), Some(false), Some(true)));

        let untitled = WcxbTruth { main_content: "x".into(), ..Default::default() };
        let page = wcxb_page("q", &untitled, Some(&published));
        assert_eq!((page.title_ok, page.author_ok, page.firstcreated_ok), (None, None, None));
    }

    #[test]
    fn the_summary_averages_f1_over_pages_and_counts_shares_among_labelled_pages() {
        let truth = WcxbTruth { main_content: "a b".into(), title: Some("T".into()), ..Default::default() };
        let good = wcxb_page("1", &truth, Some(&article("T", "a b")));
        let lost = wcxb_page("2", &truth, None);
        let s = wcxb_summary(&[good, lost]);
        assert_eq!(s.pages, 2);
        assert!((s.word_f1 - 0.5).abs() < 1e-12);
        assert_eq!(s.title, Share { ok: 1, of: 2 });
        assert_eq!(s.author, Share::default());
    }

    #[test]
    fn extraction_f1_uses_the_benchmarks_shingles_and_unpublished_documents_count() {
        let published = article("h", "one two three four five");
        let docs = vec![("a".to_owned(), "one two three four five", Some(&published)), ("b".to_owned(), "six seven eight nine", None)];
        let (summary, per_doc) = extraction(&docs);
        assert_eq!(per_doc[0].recall, 1.0);
        assert_eq!(per_doc[1].recall, 0.0);
        // Precision averages only documents with output; recall every document with truth.
        assert_eq!((summary.precision, summary.recall), (1.0, 0.5));
    }
}
