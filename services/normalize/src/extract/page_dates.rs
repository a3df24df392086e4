//! Where a page says when its article was published or last changed: JSON-LD,
//! the `article:` / OpenGraph tags, `itemprop`, the many `<meta>` date names
//! publishers use, `<time datetime>`, and last ([`visible`]) a short visible
//! date element, then a dateline under the headline ([`datelines`]).
//! The candidates are returned best first, as written; the caller reads them
//! in order and goes on to the next when one cannot be read.

use dom_query::Document;
use serde_json::Value;

use super::datelines::{self, dates_in_text};
use crate::text::clean;

/// Meta tags (by `name`, `property` or `itemprop`) that carry the publication time, best first.
const PUBLISHED_META: [&str; 23] = [
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datePublished",
    "article:published",
    "pubdate",
    "publishdate",
    "publish-date",
    "published-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "published",
    "article.published",
    "date",
];

/// The OpenGraph names of the publication time ([`PUBLISHED_META`]'s first):
/// a publisher's explicit statement of when the article appeared.
pub const OPEN_GRAPH_PUBLISHED: [&str; 3] = ["article:published_time", "og:published_time", "og:article:published_time"];

/// Meta tags that carry the last-modified time, best first.
const MODIFIED_META: [&str; 5] = ["article:modified_time", "og:updated_time", "dateModified", "dcterms.modified", "last-modified"];

/// Elements that show the publication date as text.
const VISIBLE_DATE: &str = "time, [class*='publish'], [class*='post-date'], [class*='entry-date'], [class*='article-date'], \
    [class*='date'], [itemprop='datePublished']";

/// The longest visible date text taken (longer is a sentence, not a date).
const MAX_VISIBLE_DATE_CHARS: usize = 60;

/// Whether a candidate comes from the page's metadata or from its visible text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Machine-readable metadata: a failure to read it is worth recording.
    Metadata,
    /// A date shown as text, a guess: a failure is silent.
    Visible,
}

/// One place a page gives a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateCandidate {
    /// The time as written.
    pub value: String,
    /// Where it was found, for people (`JSON-LD datePublished`).
    pub source: String,
    /// Metadata or visible text.
    pub origin: Origin,
}

/// The page's publication-time candidates, best first. `article` is the
/// JSON-LD article object, `json_ld` every JSON-LD value on the page.
pub fn published(doc: &Document, article: Option<&Value>, json_ld: &[Value]) -> Vec<DateCandidate> {
    let mut out = Vec::new();
    for key in ["datePublished", "dateCreated"] {
        if let Some(v) = article.and_then(|a| a.get(key)).and_then(string_of) {
            push(&mut out, v, format!("JSON-LD {key}"), Origin::Metadata);
        }
    }
    let metas = meta_tags(doc);
    for name in PUBLISHED_META {
        for value in meta_values(&metas, name) {
            push(&mut out, value, name.to_owned(), Origin::Metadata);
        }
    }
    for (name, value) in prefixed_published(&metas) {
        push(&mut out, value, name, Origin::Metadata);
    }
    for value in attr_values(doc, "time[pubdate][datetime], time[itemprop='datePublished'][datetime], [itemprop='datePublished'][datetime]", "datetime") {
        push(&mut out, value, "<time datetime> datePublished".into(), Origin::Metadata);
    }
    // Another JSON-LD object with a date (a WebPage beside the article).
    for value in json_ld.iter().flat_map(|v| deep_values(v, "datePublished", 0)) {
        push(&mut out, value, "JSON-LD datePublished (other object)".into(), Origin::Metadata);
    }
    for value in attr_values(doc, "time[datetime]", "datetime") {
        push(&mut out, value, "<time datetime>".into(), Origin::Metadata);
    }
    out
}

/// Dates the page shows as text: first the datelines, under the headline
/// first ([`datelines::datelines`]), then the texts of date-like elements (as
/// written, then the date found inside them). The candidates of last resort,
/// read only when the metadata gives no publication time (they cost a walk
/// over the elements).
pub fn visible(doc: &Document) -> Vec<DateCandidate> {
    let mut out = Vec::new();
    for value in datelines::datelines(doc) {
        push(&mut out, value, "dateline".into(), Origin::Visible);
    }
    for value in visible_dates(doc) {
        let inside = dates_in_text(&value);
        push(&mut out, value, "visible date".into(), Origin::Visible);
        for date in inside {
            push(&mut out, date, "visible date".into(), Origin::Visible);
        }
    }
    out
}

/// The dates printed beside the headline (a byline's date), the nearest
/// first ([`datelines::beside_headline`]): read to check the metadata's
/// publication time, which a CMS may have reset on a re-publication.
pub fn beside_headline(doc: &Document) -> Vec<DateCandidate> {
    let mut out = Vec::new();
    for value in datelines::beside_headline(doc) {
        push(&mut out, value, "dateline beside the headline".into(), Origin::Visible);
    }
    out
}

/// The date of the page's statement of when its story first appeared
/// ([`datelines::first_published_statement`]: "originally published on …").
pub fn first_published_statement(doc: &Document) -> Vec<DateCandidate> {
    let mut out = Vec::new();
    for value in datelines::first_published_statement(doc) {
        push(&mut out, value, "statement of first publication".into(), Origin::Visible);
    }
    out
}

/// Whether the page declares an OpenGraph publication time
/// ([`OPEN_GRAPH_PUBLISHED`]), whatever its value (the candidates drop a
/// value another source already gave, so they cannot tell).
pub fn declares_open_graph_published(doc: &Document) -> bool {
    meta_tags(doc).iter().any(|(key, _)| OPEN_GRAPH_PUBLISHED.iter().any(|name| key.eq_ignore_ascii_case(name)))
}

/// The page's last-modified candidates, best first.
pub fn modified(doc: &Document, article: Option<&Value>) -> Vec<DateCandidate> {
    let mut out = Vec::new();
    if let Some(v) = article.and_then(|a| a.get("dateModified")).and_then(string_of) {
        push(&mut out, v, "JSON-LD dateModified".into(), Origin::Metadata);
    }
    let metas = meta_tags(doc);
    for name in MODIFIED_META {
        for value in meta_values(&metas, name) {
            push(&mut out, value, name.to_owned(), Origin::Metadata);
        }
    }
    out
}

fn push(out: &mut Vec<DateCandidate>, value: String, source: String, origin: Origin) {
    let value = clean(&value);
    if !value.is_empty() && !out.iter().any(|c| c.value == value) {
        out.push(DateCandidate { value, source, origin });
    }
}

fn string_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(string_of),
        Value::Object(o) => o.get("@value").and_then(string_of),
        _ => None,
    }
}

/// Every string value of `key` inside `value` (objects and arrays searched, to a depth).
fn deep_values(value: &Value, key: &str, depth: usize) -> Vec<String> {
    if depth > 6 {
        return Vec::new();
    }
    match value {
        Value::Object(o) => {
            let mut found: Vec<String> = o.get(key).and_then(string_of).into_iter().collect();
            found.extend(o.values().flat_map(|v| deep_values(v, key, depth + 1)));
            found
        }
        Value::Array(items) => items.iter().flat_map(|v| deep_values(v, key, depth + 1)).collect(),
        _ => Vec::new(),
    }
}

/// Every `<meta>` with a content, as (its name, property or itemprop; the content), read once.
fn meta_tags(doc: &Document) -> Vec<(String, String)> {
    let Some(selection) = doc.try_select("meta[content]") else { return Vec::new() };
    selection
        .iter()
        .filter_map(|m| {
            let key = m.attr("name").or_else(|| m.attr("property")).or_else(|| m.attr("itemprop"))?;
            Some((key.to_string(), m.attr("content")?.to_string()))
        })
        .collect()
}

/// Words in a meta name's prefix (their starts) that make its date another
/// one than the first publication's ("last-published-date", "modified-publish-date").
const NOT_FIRST_PUBLISHED: [&str; 6] = ["last", "updat", "modif", "revis", "expir", "end"];

/// The meta tags whose name is a publication-time name of [`PUBLISHED_META`]
/// (one that says "pub") behind a vendor's prefix and a separator
/// ("w-published-date", "site:publish_date"), unless the prefix says the date
/// is another ([`NOT_FIRST_PUBLISHED`]), as (name, content).
fn prefixed_published(metas: &[(String, String)]) -> Vec<(String, String)> {
    let names: Vec<String> = PUBLISHED_META.iter().filter(|n| n.to_ascii_lowercase().contains("pub")).map(|n| n.to_ascii_lowercase()).collect();
    metas
        .iter()
        .filter(|(key, _)| {
            let key = key.to_ascii_lowercase();
            names.iter().any(|name| {
                key.strip_suffix(name.as_str()).is_some_and(|prefix| {
                    prefix.ends_with(['-', '_', ':', '.']) && !names.contains(&key) && !prefix.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| NOT_FIRST_PUBLISHED.iter().any(|w| word.starts_with(w)))
                })
            })
        })
        .cloned()
        .collect()
}

/// The contents of the meta tags called `name` (as written, or in any case).
fn meta_values(metas: &[(String, String)], name: &str) -> Vec<String> {
    metas.iter().filter(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, content)| content.clone()).collect()
}

fn attr_values(doc: &Document, selector: &str, attr: &str) -> Vec<String> {
    let Some(selection) = doc.try_select(selector) else { return Vec::new() };
    selection.iter().filter_map(|s| s.attr(attr).map(|v| v.to_string())).collect()
}

/// Short texts of elements that look like a date line, `<time>` first.
fn visible_dates(doc: &Document) -> Vec<String> {
    let Some(selection) = doc.try_select(VISIBLE_DATE) else { return Vec::new() };
    selection
        .iter()
        .filter(|s| !s.is("script, style, meta, link, input, select, option"))
        .map(|s| clean(&s.text()))
        .filter(|t| !t.is_empty() && t.chars().count() <= MAX_VISIBLE_DATE_CHARS && t.chars().any(|c| c.is_ascii_digit()))
        .map(|t| without_label(&t))
        .take(8)
        .collect()
}

/// "Published: 4 June 2024" → "4 June 2024".
fn without_label(text: &str) -> String {
    let lower = text.to_lowercase();
    for label in ["published on", "published:", "published", "posted on", "posted:", "posted", "updated:", "date:", "on "] {
        if lower.starts_with(label) {
            return text[label.len()..].trim().trim_start_matches(':').trim().to_owned();
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_ld_then_article_tags_then_meta_names_then_time_elements() {
        let doc = Document::from(
            r#"<meta name="pubdate" content="2024-06-04"><meta property="article:published_time" content="2024-06-04T10:00:00Z">
            <time datetime="2024-06-01">1 June</time>"#,
        );
        let article = json!({"@type": "NewsArticle", "datePublished": "2024-06-04T11:00:00+01:00"});
        let sources: Vec<String> = published(&doc, Some(&article), &[]).into_iter().map(|c| c.source).collect();
        assert_eq!(sources, ["JSON-LD datePublished", "article:published_time", "pubdate", "<time datetime>"]);
    }

    #[test]
    fn a_date_shown_only_as_text_is_a_visible_candidate_without_its_label() {
        let doc = Document::from(r#"<p>Intro</p><span class="post-date">Published: June 4, 2024</span>"#);
        assert_eq!(published(&doc, None, &[]), []);
        let candidates = visible(&doc);
        assert_eq!((candidates[0].value.as_str(), candidates[0].origin), ("June 4, 2024", Origin::Visible));
    }

    #[test]
    fn a_time_element_without_datetime_gives_its_text() {
        let doc = Document::from(r#"<p>Intro</p><time class="text-grey">Aug 04, 2025</time>"#);
        assert_eq!(visible(&doc)[0].value, "Aug 04, 2025");
    }

    #[test]
    fn a_labelled_date_in_a_date_element_gives_the_date_inside_it() {
        let doc = Document::from(r#"<h1>Title</h1><div class="post-date">Last updated on: Oct 1, 2025 - 5 min read</div>"#);
        let values: Vec<String> = visible(&doc).into_iter().map(|c| c.value).collect();
        assert_eq!(values[0], "Oct 1, 2025");
    }

    #[test]
    fn a_dateline_without_a_date_class_is_a_visible_candidate() {
        let doc = Document::from(r#"<h1>Title</h1><p class="text-xl">By Jane Doe &bull; <b>March 12, 2025</b></p>"#);
        let found = visible(&doc);
        assert_eq!(found[0], DateCandidate { value: "March 12, 2025".into(), source: "dateline".into(), origin: Origin::Visible });
    }

    #[test]
    fn citation_and_plain_published_meta_names_are_publication_times() {
        let doc = Document::from(r#"<meta name="citation_date" content="2025/12/18"><meta name="published" content="July 17, 2025"><meta name="published-date" content="2021-02-16">"#);
        let values: Vec<String> = published(&doc, None, &[]).into_iter().map(|c| c.value).collect();
        assert_eq!(values, ["2021-02-16", "2025/12/18", "July 17, 2025"]);
    }

    #[test]
    fn a_publication_meta_name_behind_a_vendor_prefix_is_a_candidate_unless_the_prefix_says_last() {
        let doc = Document::from(
            r#"<meta name="cms-last-published-date" content="2025-03-01"><meta name="vendor-published-date" content="2024-06-04T06:00:00Z"><meta name="x-date" content="2020-01-01"><meta name="page.end-publish_date" content="2030-01-01">"#,
        );
        let found: Vec<(String, String)> = published(&doc, None, &[]).into_iter().map(|c| (c.source, c.value)).collect();
        assert_eq!(found, [("vendor-published-date".to_owned(), "2024-06-04T06:00:00Z".to_owned())]);
    }

    #[test]
    fn a_date_in_another_json_ld_object_is_a_candidate() {
        let doc = Document::from("<p>x</p>");
        let graph = json!({"@graph": [{"@type": "WebPage", "datePublished": "2024-06-04"}]});
        assert_eq!(published(&doc, None, &[graph])[0].value, "2024-06-04");
    }

    #[test]
    fn an_open_graph_publication_time_is_declared_whatever_its_value() {
        assert!(declares_open_graph_published(&Document::from(r#"<meta property="article:published_time" content="2024-06-04">"#)));
        assert!(declares_open_graph_published(&Document::from(r#"<meta name="og:published_time" content="x">"#)));
        assert!(!declares_open_graph_published(&Document::from(r#"<meta name="pubdate" content="2024-06-04">"#)));
    }

    #[test]
    fn modified_times_come_from_json_ld_and_meta() {
        let doc = Document::from(r#"<meta property="og:updated_time" content="2024-06-05">"#);
        let values: Vec<String> = modified(&doc, None).into_iter().map(|c| c.value).collect();
        assert_eq!(values, ["2024-06-05"]);
    }
}
