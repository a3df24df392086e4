//! Quality of what was published, against the corpora's labels: WCXB's word
//! F1, snippets, title, author and date (scored by the shared WCXB scorer,
//! [`newswire_devtools::wcxb::score`], exactly as the offline
//! `extraction-eval --wcxb` scores them); extraction-dev's shingle F1 (the
//! benchmark's metric, [`newswire_devtools::scoring::shingles`]).

use newswire_devtools::scoring::shingles::{summarize, Matching};
use newswire_devtools::wcxb::PageScore;
use newswire_shared::article::Article;
use serde::Serialize;

/// One WCXB page's scores.
#[derive(Debug, Clone, Serialize)]
pub struct WcxbPage {
    /// Page id.
    pub id: String,
    /// Its scores (nothing published: every field a miss, F1 0).
    #[serde(flatten)]
    pub score: PageScore,
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
