//! The corpora `newswire eval` pushes, each read from its own layout into
//! documents: the bytes to push, their Content-Type, and their labels.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use newswire_devtools::conll::{self, Mention};
use newswire_devtools::{extraction_dev, wcxb};

/// Which corpus, and so which layout and which labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorpusKind {
    /// WCXB dev articles: `html/<id>.html.gz` and `ground-truth/<id>.json`.
    Wcxb,
    /// extraction-dev pages, `html/<id>.html`, scored against `ground-truth.json`.
    ExtractionHtml,
    /// extraction-dev flattened text, `text/<id>.txt`, scored against `ground-truth.json`.
    ExtractionText,
    /// IPTC examples: `ninjs/*.json` and `newsml-g2/*.xml` (no labels).
    Iptc,
    /// CoNLL-2003 valid split as plain-text stories, with gold entities.
    Conll,
    /// The UCI News Aggregator dev months (issue 18's event clusters), in the
    /// corpus's order: the `rawData` folder of its rows, given with `--path`.
    UciEvents,
    /// The same, each day's stories interleaved (closer to a real stream).
    UciEventsInterleaved,
}

impl CorpusKind {
    /// The corpus's name in reports and file names.
    pub fn name(self) -> &'static str {
        match self {
            CorpusKind::Wcxb => "wcxb",
            CorpusKind::ExtractionHtml => "extraction-html",
            CorpusKind::ExtractionText => "extraction-text",
            CorpusKind::Iptc => "iptc",
            CorpusKind::Conll => "conll",
            CorpusKind::UciEvents => "uci-events",
            CorpusKind::UciEventsInterleaved => "uci-events-interleaved",
        }
    }

    /// Where the corpus is when nobody says otherwise: in the shared material
    /// folder `shared` (`../shared` beside the repository), or for CoNLL in the
    /// repository (run from its root). The UCI corpus is not in the shared
    /// folder: fetch `rntatsuya/UCI_News_Aggregator_Data_Set_Retriever` and
    /// give its `rawData` with `--path` (or `$NEWSWIRE_UCI_DIR`).
    pub fn default_path(self, shared: &Path) -> PathBuf {
        match self {
            CorpusKind::Wcxb => shared.join("wcxb-dev"),
            CorpusKind::ExtractionHtml | CorpusKind::ExtractionText => shared.join("extraction-dev"),
            CorpusKind::Iptc => shared.join("iptc/examples"),
            CorpusKind::Conll => PathBuf::from("services/enrich/data/conll2003/valid.txt"),
            CorpusKind::UciEvents | CorpusKind::UciEventsInterleaved => {
                std::env::var_os("NEWSWIRE_UCI_DIR").map_or_else(|| shared.join("uci-news-aggregator/rawData"), PathBuf::from)
            }
        }
    }
}

/// What is known about a document beyond its bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    /// Nothing to score against.
    None,
    /// WCXB's ground truth.
    Wcxb(wcxb::Truth),
    /// extraction-dev's article body.
    Extraction(String),
    /// CoNLL's gold mentions.
    Conll(Vec<Mention>),
    /// A UCI row's STORY label (its event) and headline.
    Event {
        /// The STORY cluster.
        story: String,
        /// The headline (the exact-headline baseline groups on it).
        headline: String,
    },
}

/// One thing to push.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its id within the corpus (file stem, or `doc-NNN` for CoNLL).
    pub id: String,
    /// The Content-Type to push it with.
    pub content_type: &'static str,
    /// The bytes, as they are.
    pub body: Vec<u8>,
    /// Whether the input holds article text (so an empty published body is a loss).
    pub has_text: bool,
    /// Its labels.
    pub labels: Labels,
}

/// Why a corpus could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A ground-truth file is not what the corpus's README describes.
    #[error("{path}: {detail}")]
    Truth {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// Reads every document of the corpus at `path`, in id order.
pub fn load(kind: CorpusKind, path: &Path) -> Result<Vec<Document>, CorpusError> {
    match kind {
        CorpusKind::Wcxb => wcxb(path),
        CorpusKind::ExtractionHtml => extraction(path, extraction_dev::Mode::Html, "text/html"),
        CorpusKind::ExtractionText => extraction(path, extraction_dev::Mode::Text, "text/plain; charset=utf-8"),
        CorpusKind::Iptc => iptc(path),
        CorpusKind::UciEvents | CorpusKind::UciEventsInterleaved => super::events::documents(path, kind == CorpusKind::UciEventsInterleaved)
            .map_err(|e| CorpusError::Truth { path: path.to_owned(), detail: format!("{e:#}") }),
        CorpusKind::Conll => {
            let text = String::from_utf8_lossy(&read(path)?).into_owned();
            Ok(conll::stories(&text)
                .into_iter()
                .map(|story| Document {
                    id: format!("doc-{:03}", story.number),
                    content_type: "text/plain; charset=utf-8",
                    body: story.text().into_bytes(),
                    has_text: !story.body.trim().is_empty(),
                    labels: Labels::Conll(story.mentions),
                })
                .collect())
        }
    }
}

fn wcxb(dir: &Path) -> Result<Vec<Document>, CorpusError> {
    let truth_error = |e: wcxb::WcxbError| CorpusError::Truth { path: dir.to_owned(), detail: e.to_string() };
    wcxb::pages(dir)
        .map_err(truth_error)?
        .into_iter()
        .map(|page| {
            Ok(Document {
                body: wcxb::page_bytes(dir, &page.id).map_err(truth_error)?,
                id: page.id,
                content_type: "text/html",
                has_text: page.truth.has_text(),
                labels: Labels::Wcxb(page.truth),
            })
        })
        .collect()
}

fn extraction(dir: &Path, mode: extraction_dev::Mode, content_type: &'static str) -> Result<Vec<Document>, CorpusError> {
    let truth = extraction_dev::ground_truth(dir).map_err(|e| CorpusError::Truth { path: dir.join("ground-truth.json"), detail: e.to_string() })?;
    let mut documents = Vec::new();
    for (id, article_body) in truth {
        let body = read(&extraction_dev::page_path(dir, mode, &id))?;
        documents.push(Document { id, content_type, body, has_text: !article_body.trim().is_empty(), labels: Labels::Extraction(article_body) });
    }
    Ok(documents)
}

fn iptc(dir: &Path) -> Result<Vec<Document>, CorpusError> {
    let mut documents = Vec::new();
    for (id, path) in files_with_suffix(&dir.join("ninjs"), ".json")? {
        let body = read(&path)?;
        let has_text = serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| ninjs_has_text(&v));
        documents.push(Document { id: format!("ninjs/{id}"), content_type: "application/json", body, has_text, labels: Labels::None });
    }
    for (id, path) in files_with_suffix(&dir.join("newsml-g2"), ".xml")? {
        let body = read(&path)?;
        let has_text = newsml_has_text(&String::from_utf8_lossy(&body));
        documents.push(Document { id: format!("newsml-g2/{id}"), content_type: "application/xml", body, has_text, labels: Labels::None });
    }
    Ok(documents)
}

/// Whether a ninjs document (any version) carries a non-empty body.
fn ninjs_has_text(doc: &serde_json::Value) -> bool {
    let non_empty = |v: &serde_json::Value| v.as_str().is_some_and(|s| !s.trim().is_empty());
    let bodies = doc.get("bodies").and_then(|b| b.as_array()).is_some_and(|b| b.iter().any(|x| x.get("value").is_some_and(non_empty)));
    bodies || ["body_text", "body_html", "body_xhtml"].iter().any(|k| doc.get(*k).is_some_and(non_empty))
}

/// Whether a NewsML-G2 document's inline content (`inlineXML`, `inlineData`)
/// holds any text once comments and tags are taken out (IPTC's examples
/// leave some of them empty but for a comment).
fn newsml_has_text(xml: &str) -> bool {
    static INLINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)<inline(?:XML|Data)\b[^>]*>(.*?)</inline(?:XML|Data)>").expect("static regex"));
    static MARKUP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->|<[^>]*>").expect("static regex"));
    INLINE.captures_iter(xml).any(|c| c.get(1).is_some_and(|inner| !MARKUP.replace_all(inner.as_str(), "").trim().is_empty()))
}

/// `(stem, path)` of the files in `dir` whose names end with `suffix`, sorted.
fn files_with_suffix(dir: &Path, suffix: &str) -> Result<Vec<(String, PathBuf)>, CorpusError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CorpusError::Read { path: dir.to_owned(), source })?;
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let stem = name.strip_suffix(suffix)?.to_owned();
            Some((stem, p))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn read(path: &Path) -> Result<Vec<u8>, CorpusError> {
    std::fs::read(path).map_err(|source| CorpusError::Read { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninjs_text_is_found_in_any_version_of_the_format() {
        assert!(ninjs_has_text(&serde_json::json!({"body_text": "Text."})));
        assert!(ninjs_has_text(&serde_json::json!({"bodies": [{"role": "main", "value": "<p>x</p>"}]})));
        assert!(!ninjs_has_text(&serde_json::json!({"headline": "Only a headline", "body_text": " "})));
    }

    #[test]
    fn newsml_text_is_inline_content_beyond_comments_and_tags() {
        assert!(newsml_has_text("<contentSet><inlineXML contenttype=\"application/nitf+xml\"><nitf><p>Rain fell.</p></nitf></inlineXML></contentSet>"));
        assert!(!newsml_has_text("<inlineXML contenttype=\"application/xhtml+xml\">\n  <!-- Story text -->\n</inlineXML>"));
        assert!(!newsml_has_text("<remoteContent href=\"x.jpg\"/>"));
    }

    #[test]
    fn conll_documents_become_plain_text_stories_with_their_mentions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("valid.txt");
        std::fs::write(&path, "-DOCSTART- O\n\nRAIN O\nHITS O\nOSLO B-LOC\n\nIt O\npoured O\n.\n").unwrap();
        let docs = load(CorpusKind::Conll, &path).unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].id, "doc-001");
        assert_eq!(docs[0].body, b"RAIN HITS OSLO\n\nIt poured.\n");
        assert_eq!(docs[0].content_type, "text/plain; charset=utf-8");
        assert!(matches!(&docs[0].labels, Labels::Conll(m) if m.len() == 1 && m[0].text == "OSLO"));
    }
}
