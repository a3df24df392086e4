//! A page's own metadata: JSON-LD NewsArticle, OpenGraph and `article:` meta
//! tags, ordinary `<meta>`/`<link>` tags, `<h1>`, `<title>` and `<time>`.
//!
//! The headline is chosen by agreement between the metadata titles and the
//! visible `<h1>` ([`page_title`](super::page_title)); the author
//! ([`page_author`](super::page_author)) and the dates
//! ([`page_dates`](super::page_dates)) come from the first source that has
//! them: JSON-LD, then OpenGraph / `article:` tags, then plain HTML.

use dom_query::{Document, Selection};
use newswire_shared::story::page_url::article_url;
use serde_json::Value;

use super::page_dates::{self, DateCandidate};
use super::page_title::{TitleCandidates, MAX_H1};
/// Kept here for the scraped-text reader, which strips a page title's site suffix the same way.
pub use super::page_title::without_site_suffix;
use super::{page_author, paragraphs};
use crate::text::clean;

/// What the page says about its article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    /// The headline.
    pub headline: Option<String>,
    /// The summary or standfirst.
    pub description: Option<String>,
    /// The author(s), joined with " and ".
    pub byline: Option<String>,
    /// Published times as written, each with where it was found, best source first.
    pub published: Vec<DateCandidate>,
    /// Last-modified times as written, each with where it was found, best source first.
    pub modified: Vec<DateCandidate>,
    /// The declared language (`<html lang>`, JSON-LD `inLanguage`).
    pub language: Option<String>,
    /// The canonical absolute URL.
    pub canonical: Option<String>,
    /// JSON-LD `articleBody`, when the page embeds the text (used when the
    /// page's markup has no content, as in pages rendered by scripts).
    pub json_ld_body: Option<String>,
}

/// Reads the metadata of a parsed page.
pub fn read(doc: &Document) -> PageMeta {
    let json_ld = json_ld_values(doc);
    let ld = json_ld.iter().find_map(|v| find_article(v, 0)).cloned();
    let ld_str = |key: &str| ld.as_ref().and_then(|a| a.get(key)).and_then(text_of).filter(|s| !s.is_empty());
    let site_name = meta(doc, "og:site_name").or_else(|| {
        ld.as_ref().and_then(|a| a.get("publisher")).and_then(text_of).filter(|s| !s.is_empty())
    });
    let description = ld_str("description").or_else(|| meta(doc, "og:description")).or_else(|| meta(doc, "description"));
    let byline = page_author::read(doc, ld.as_ref().and_then(|a| a.get("author")));
    let published = page_dates::published(doc, ld.as_ref(), &json_ld);
    let modified = page_dates::modified(doc, ld.as_ref());
    let language = attr(doc, "html", "lang").or_else(|| ld_str("inLanguage")).filter(|l| is_language_tag(l));
    // The same candidates, in the same order and by the same rule, as ingest's key.
    let canonical = attr(doc, "link[rel='canonical']", "href")
        .and_then(|u| article_url(&u))
        .or_else(|| meta(doc, "og:url").and_then(|u| article_url(&u)));
    let host = canonical.as_deref().and_then(|u| u.split('/').nth(2)).map(str::to_owned);
    let titles = TitleCandidates {
        json_ld: ld_str("headline"),
        og: meta(doc, "og:title"),
        twitter: meta(doc, "twitter:title"),
        title: first_text(doc, "title"),
        h1: doc.try_select("h1").map_or_else(Vec::new, |s| s.iter().take(MAX_H1).map(|h| heading_text(&h)).collect()),
        site_name,
        host,
    };
    let headline = titles.choose();
    let json_ld_body = ld.as_ref().and_then(|a| a.get("articleBody")).and_then(Value::as_str).map(str::to_owned);
    PageMeta { headline, description, byline, published, modified, language, canonical, json_ld_body }
}

/// `<meta property|name="key" content="…">`, cleaned, non-empty.
fn meta(doc: &Document, key: &str) -> Option<String> {
    attr(doc, &format!("meta[property='{key}'], meta[name='{key}']"), "content")
}

fn attr(doc: &Document, selector: &str, name: &str) -> Option<String> {
    let selection: Selection = doc.try_select(selector)?;
    selection.iter().find_map(|s| s.attr(name).map(|v| clean(&v)).filter(|v| !v.is_empty()))
}

fn first_text(doc: &Document, selector: &str) -> Option<String> {
    let selection = doc.try_select(selector)?;
    selection.iter().map(|s| clean(&s.text())).find(|t| !t.is_empty())
}

/// A heading's text with its line breaks and inner blocks as spaces
/// ("WEEKEND<br>CODING AGENT" reads "WEEKEND CODING AGENT").
fn heading_text(heading: &Selection) -> String {
    paragraphs::of_html(&heading.inner_html()).join(" ")
}

fn is_language_tag(tag: &str) -> bool {
    (2..=35).contains(&tag.len()) && tag.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Every JSON-LD block of the page that parses (broken ones are skipped).
fn json_ld_values(doc: &Document) -> Vec<Value> {
    let Some(scripts) = doc.try_select("script[type='application/ld+json']") else { return Vec::new() };
    scripts.iter().filter_map(|s| serde_json::from_str(s.text().trim()).ok()).collect()
}

/// The first JSON-LD object typed as an article (`NewsArticle`, `Article`,
/// `ReportageNewsArticle`, `BlogPosting`, …), looking inside arrays and `@graph`.
fn find_article(value: &Value, depth: usize) -> Option<&Value> {
    if depth > 8 {
        return None;
    }
    match value {
        Value::Array(items) => items.iter().find_map(|v| find_article(v, depth + 1)),
        Value::Object(object) => {
            let typed = match object.get("@type") {
                Some(Value::String(t)) => is_article_type(t),
                Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(is_article_type),
                _ => false,
            };
            if typed {
                return Some(value);
            }
            object.get("@graph").and_then(|g| find_article(g, depth + 1))
        }
        _ => None,
    }
}

fn is_article_type(t: &str) -> bool {
    t.ends_with("Article") || t == "BlogPosting" || t == "Report" || t == "LiveBlogPosting"
}

/// A JSON-LD value as text: a string, or an object's `name` / `@value`.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(clean(&html_escape_free(s))),
        Value::Object(o) => o.get("name").or_else(|| o.get("@value")).and_then(text_of),
        Value::Array(items) => items.first().and_then(text_of),
        _ => None,
    }
}

/// JSON-LD strings sometimes carry HTML entities (`&amp;`, `&#8217;`).
fn html_escape_free(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html lang="en-GB"><head>
        <title>Harbour reopens after storm | The Daily Example</title>
        <link rel="canonical" href="https://example.com/news/harbour">
        <meta property="og:title" content="Harbour reopens (OG)">
        <meta property="article:published_time" content="2022-02-14T16:23:00Z">
        <meta name="author" content="Meta Author">
        <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","name":"Example"},
            {"@type":"NewsArticle","headline":"Harbour reopens after storm &amp; surge",
             "datePublished":"2022-02-14T17:00:00+01:00","description":"Ships return.",
             "author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Person","name":"John Roe"}]}]}</script>
        </head><body><h1>H1 headline</h1><time datetime="2020-01-01">then</time></body></html>"#;

    #[test]
    fn json_ld_news_article_wins_over_opengraph_and_html() {
        let m = read(&Document::from(PAGE));
        assert_eq!(m.headline.as_deref(), Some("Harbour reopens after storm & surge"));
        assert_eq!(m.byline.as_deref(), Some("Jane Doe and John Roe"));
        let published: Vec<(&str, &str)> = m.published.iter().map(|c| (c.value.as_str(), c.source.as_str())).collect();
        assert_eq!(published[0], ("2022-02-14T17:00:00+01:00", "JSON-LD datePublished"));
        assert_eq!(published[1], ("2022-02-14T16:23:00Z", "article:published_time"));
        assert_eq!(m.description.as_deref(), Some("Ships return."));
        assert_eq!(m.language.as_deref(), Some("en-GB"));
        assert_eq!(m.canonical.as_deref(), Some("https://example.com/news/harbour"));
    }

    #[test]
    fn without_json_ld_opengraph_then_html_fill_the_fields() {
        let page = r#"<html><head><title>Storm news - Example Site</title>
            <meta name="author" content="Meta Author"></head>
            <body><h1>Big storm hits the harbour</h1><a rel="author" href="/a">Link Author</a>
            <time datetime="2022-07-01T09:00:00+01:00">1 July</time></body></html>"#;
        let m = read(&Document::from(page));
        assert_eq!(m.headline.as_deref(), Some("Big storm hits the harbour"));
        assert_eq!(m.byline.as_deref(), Some("Meta Author"));
        let published: Vec<(&str, &str)> = m.published.iter().map(|c| (c.value.as_str(), c.source.as_str())).collect();
        assert_eq!(published, [("2022-07-01T09:00:00+01:00", "<time datetime>")]);
        assert_eq!(m.language, None);
        assert_eq!(m.canonical, None);
    }

    #[test]
    fn a_line_break_in_the_h1_is_a_space() {
        let m = read(&Document::from("<h1>WEEKEND<br>CODING <span>AGENT</span></h1>"));
        assert_eq!(m.headline.as_deref(), Some("WEEKEND CODING AGENT"));
        let m = read(&Document::from("<title>Weekend coding agent | Example Labs</title><h1>WEEKEND<br>CODING <span>AGENT</span></h1>"));
        assert_eq!(m.headline.as_deref(), Some("Weekend coding agent"), "the h1 matches the title, whose case is kept");
    }

    #[test]
    fn the_title_loses_its_site_suffix_only_when_a_real_headline_remains() {
        assert_eq!(without_site_suffix("Harbour reopens after storm | The Daily Example"), "Harbour reopens after storm");
        assert_eq!(without_site_suffix("Storm - Example"), "Storm - Example");
    }

    #[test]
    fn only_absolute_http_urls_are_canonical() {
        let page = |href: &str| format!(r#"<link rel="canonical" href="{href}"><h1>Headline here</h1>"#);
        assert_eq!(read(&Document::from(page("/news/1"))).canonical, None);
        assert_eq!(read(&Document::from(page("https://"))).canonical, None);
        assert_eq!(read(&Document::from(page("https://a.example/x y"))).canonical, None);
        assert_eq!(read(&Document::from(page("http://a.example/1"))).canonical.as_deref(), Some("http://a.example/1"));
    }

    #[test]
    fn the_site_name_leaves_an_opengraph_title_and_by_leaves_a_byline() {
        let page = r#"<meta property="og:site_name" content="IGN"><meta property="og:title" content="Daily Deals: Controllers - IGN">
            <meta name="author" content="by Jane Doe"><p>x</p>"#;
        let m = read(&Document::from(page));
        assert_eq!(m.headline.as_deref(), Some("Daily Deals: Controllers"));
        assert_eq!(m.byline.as_deref(), Some("Jane Doe"));
    }

    #[test]
    fn broken_json_ld_is_ignored() {
        let m = read(&Document::from(r#"<script type="application/ld+json">{"@type": "NewsArticle", </script><h1>Kept headline</h1>"#));
        assert_eq!(m.headline.as_deref(), Some("Kept headline"));
    }
}
