//! HTML pages: main-content extraction plus the page's own metadata.
//!
//! The page is first checked against [`HtmlLimits`] (hostile pages are
//! rejected before any parser runs), parsed once with html5ever (through
//! `dom_query`), read for metadata ([`page_meta`]), and then handed to the
//! Readability port for its main content ([`main_content`]), or the page's
//! own article container when Readability kept only a part of it
//! ([`container`]); JSON-LD `articleBody`, then the visible text, stand in
//! when the extractor finds nothing. Dates never fail a page: an unreadable
//! or placeholder candidate is recorded as a field problem and the next one read. The extracted
//! paragraphs then pass the same line rules as scraped text
//! ([`classify_lines`]): furniture is dropped from both bodies, and figure
//! captions and caption paragraphs become picture associations.

use chrono_tz::Tz;
use dom_query::Document;
use newswire_shared::article::{Article, Text};
use newswire_shared::stage::StageError;

use crate::formats::body_fallback;
use crate::problems::{self, Field, Kind};
use crate::extract::limits::HtmlLimits;
use crate::extract::line_kinds::{caption_and_credit, classify_lines, LineKind};
use crate::extract::main_content::MainContent;
use crate::extract::{container, main_content, page_meta, paragraphs, pictures};
use crate::formats::html_times;
use crate::text;

/// Parses an HTML page into an article. `zone` is the feed's zone for times without offset.
pub fn parse(html: &str, zone: Tz) -> Result<Article, StageError> {
    HtmlLimits::default().check(html)?;
    let doc = Document::from(html);
    let meta = page_meta::read(&doc);
    // A page whose markup holds no story (rendered by scripts) may still carry
    // it in JSON-LD `articleBody`; failing that, its visible text is the body.
    let from_json_ld = meta.json_ld_body.as_deref().map(main_content::from_plain_text).filter(|c| !c.paragraphs.is_empty());
    let mut article = Article::default();
    let times = html_times::read(html, &doc, &meta, zone, &mut article);
    let marked_up = container::marked_up(&doc);
    let extracted = main_content::extract(doc, meta.canonical.as_deref()).map(|found| fuller_of(found, marked_up.as_ref()));
    let (content, extraction_empty) = body_content(extracted, from_json_ld, html)?;
    if let Some(headline) = &meta.headline {
        article.headlines.push(Text::plain("main", headline.clone()));
    }
    if let Some(description) = &meta.description {
        article.descriptions.push(Text::plain("summary", description.clone()));
    }
    article.by = meta.byline.clone();
    article.language = meta.language.clone();
    article.firstcreated = times.first_published;
    article.versioncreated = times.this_version.or(times.first_published);
    let mut captions: Vec<(String, Option<String>)> = content.captions.iter().map(|c| caption_with_credit(c)).collect();
    let (mut paragraphs, mut dropped) = story_paragraphs(content.paragraphs, &mut captions);
    article.associations = pictures::associations(captions);
    if paragraphs.first().is_some_and(|p| Some(p) == meta.headline.as_ref()) {
        dropped.push(paragraphs.remove(0));
    }
    if let Some(detail) = &extraction_empty {
        let what = if paragraphs.is_empty() { "the page has no text" } else { "the body is the page's JSON-LD articleBody or visible text" };
        problems::note(&mut article, Field::Body, Kind::ExtractionEmpty, format!("{detail}; {what}"));
    }
    if paragraphs.is_empty() && extraction_empty.is_none() && !dropped.is_empty() {
        // Everything the extractor found looked like furniture (a footer, say): the
        // story is elsewhere on the page, so the page's own text is the body.
        let kept = body_when_all_furniture(&dropped, meta.json_ld_body.as_deref(), html, meta.headline.as_deref());
        let detail = format!("all {} extracted paragraphs looked like page furniture; the body is the page's own text", dropped.len());
        body_fallback::keep_whole_text(&mut article, &kept, detail);
    } else if !paragraphs.is_empty() {
        article.bodies = vec![
            Text::plain("main", text::join_paragraphs(&paragraphs)),
            Text::html("main", paragraphs::without_blocks(&content.html, &dropped).trim().to_owned()),
        ];
    }
    Ok(article)
}

/// Readability's content, or the page's own article container when that holds
/// several times more words and holds what Readability found (Readability
/// kept one section of it).
fn fuller_of(found: MainContent, container: Option<&container::Container>) -> MainContent {
    let needed = container::MIN_GAIN * container::words(&found.paragraphs).max(1);
    let Some(container) = container.filter(|c| c.words >= needed) else { return found };
    let Some(fuller) = container::content(&container.html) else { return found };
    let holds_found = found.paragraphs.iter().take(3).all(|p| fuller.paragraphs.contains(p));
    if holds_found && container::words(&fuller.paragraphs) >= needed {
        fuller
    } else {
        found
    }
}

/// The extractor's content; when it found nothing, JSON-LD `articleBody` or
/// else the page's visible text, with why extraction came up empty. A page
/// with no text at all gives no body (the story is then its headline, and a
/// page with neither is refused as `no_content` by [`crate::normalize`]).
fn body_content(
    extracted: Result<MainContent, StageError>,
    from_json_ld: Option<MainContent>,
    html: &str,
) -> Result<(MainContent, Option<String>), StageError> {
    let detail = match extracted {
        Ok(found) if !found.paragraphs.is_empty() => return Ok((found, None)),
        Ok(_) => "the extractor returned no paragraphs".to_owned(),
        Err(e) if e.reason == "no_main_content" => e.detail,
        Err(e) => return Err(e),
    };
    let fallback = from_json_ld.unwrap_or_else(|| main_content::visible_text(&Document::from(html)));
    Ok((fallback, Some(detail)))
}

/// The body of a page whose extracted paragraphs (`dropped`) all looked like
/// furniture: the story paragraphs of its JSON-LD `articleBody`, else of its
/// visible text; when even those are none, what the extractor found. The
/// headline is never repeated in it.
fn body_when_all_furniture(dropped: &[String], json_ld_body: Option<&str>, html: &str, headline: Option<&str>) -> Vec<String> {
    let fallback = json_ld_body.map(main_content::from_plain_text).filter(|c| !c.paragraphs.is_empty());
    let fallback = fallback.unwrap_or_else(|| main_content::visible_text(&Document::from(html)));
    let (story, _) = story_paragraphs(fallback.paragraphs, &mut Vec::new());
    let kept = if story.is_empty() { dropped.to_vec() } else { story };
    kept.into_iter().filter(|p| Some(p.as_str()) != headline).collect()
}

/// A figure caption, its credit split off when it ends in one.
fn caption_with_credit(caption: &str) -> (String, Option<String>) {
    match caption_and_credit(caption) {
        Some((text, credit)) if !text.is_empty() => (text, Some(credit)),
        _ => (caption.to_owned(), None),
    }
}

/// Splits the extracted paragraphs into the story and the furniture the
/// extractor let through (share labels, signposts, bare dates and credits);
/// captions written as paragraphs are dropped too and become pictures.
fn story_paragraphs(paragraphs: Vec<String>, captions: &mut Vec<(String, Option<String>)>) -> (Vec<String>, Vec<String>) {
    let kinds = classify_lines(&paragraphs);
    let (mut story, mut dropped) = (Vec::with_capacity(paragraphs.len()), Vec::new());
    for (paragraph, kind) in paragraphs.into_iter().zip(kinds) {
        match kind {
            LineKind::Prose => story.push(paragraph),
            LineKind::Caption(caption, credit) if !caption.is_empty() => {
                captions.push((caption, Some(credit)));
                dropped.push(paragraph);
            }
            LineKind::Caption(..) | LineKind::Furniture | LineKind::Date => dropped.push(paragraph),
        }
    }
    (story, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    fn page(head: &str, body: &str) -> String {
        format!("<!doctype html><html lang=\"en\"><head>{head}</head><body>{body}</body></html>")
    }

    fn story_body() -> String {
        let paragraph = |i: usize| {
            format!("<p>Paragraph {i} of the story tells, at some length and with proper sentences, how the harbour reopened after the storm, what the harbour master said, and why the ships came back.</p>")
        };
        format!(
            "<nav><a href=/>Home</a> <a href=/news>News</a> <a href=/sport>Sport</a></nav><article><h1>Harbour reopens after the storm</h1>{}</article><footer><a href=/about>About us</a> Copyright</footer>",
            (1..=6).map(paragraph).collect::<String>()
        )
    }

    #[test]
    fn a_news_page_gives_metadata_and_a_body_without_navigation() {
        let head = r#"<title>Harbour reopens after the storm | Example News</title>
            <link rel="canonical" href="https://example.com/harbour">
            <meta name="author" content="Jane Doe">
            <meta property="article:published_time" content="2022-07-14T16:23:00">"#;
        let page = page(head, &story_body());
        let a = crate::formats::parse(newswire_shared::story::SourceFormat::Html, page.as_bytes(), None, london(), None).unwrap();
        assert_eq!(a.uri, "https://example.com/harbour", "the page's identity");
        assert_eq!(a.headline(), Some("Harbour reopens after the storm"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.language.as_deref(), Some("en"));
        // A zone-less time is London time: BST in July.
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-07-14T16:23:00+01:00");
        let body = a.body_text().unwrap();
        assert!(body.starts_with("Paragraph 1 of the story"), "{body}");
        assert!(body.ends_with("why the ships came back."), "{body}");
        assert_eq!(body.split("\n\n").count(), 6, "{body}");
        assert!(!body.contains("About us") && !body.contains("Sport"), "{body}");
    }

    #[test]
    fn the_html_body_is_sanitized() {
        let body = story_body().replace("</article>", "<p onclick=\"steal()\">A closing paragraph with a handler attribute, long enough to be kept by the extractor as content.</p><script>steal()</script></article>");
        let a = parse(&page("", &body), london()).unwrap();
        let html = &a.bodies[1].value;
        assert_eq!(a.bodies[1].contenttype.as_deref(), Some("text/html"));
        assert!(html.contains("<p>") && !html.contains("onclick") && !html.contains("steal()"), "{html}");
    }

    #[test]
    fn figure_captions_become_pictures_with_credits_not_body() {
        let figure = r#"<figure><img src="a.jpg"><figcaption>Ships return to the harbour. Credit: Jane Doe/Example</figcaption></figure>"#;
        let body = story_body().replacen("</p>", &format!("</p>{figure}"), 1);
        let a = parse(&page("", &body), london()).unwrap();
        assert_eq!(a.associations.len(), 1);
        assert_eq!(a.associations[0].descriptions[0].value, "Ships return to the harbour.");
        assert_eq!(a.associations[0].copyrightholder.as_deref(), Some("Jane Doe/Example"));
        assert!(!a.body_text().unwrap().contains("Ships return"));
        assert!(!a.bodies[1].value.contains("figure"), "{}", a.bodies[1].value);
    }

    #[test]
    fn share_labels_and_signposts_inside_the_article_leave_both_bodies() {
        let body = story_body().replacen("</p>", "</p><p>Share on Twitter</p><p>Related: Another harbour story</p>", 1);
        let a = parse(&page("", &body), london()).unwrap();
        let (text, html) = (&a.bodies[0].value, &a.bodies[1].value);
        assert!(!text.contains("Share on") && !text.contains("Related:"), "{text}");
        assert!(!html.contains("Share on") && !html.contains("Related:"), "{html}");
        assert_eq!(text.split("\n\n").count(), 6, "{text}");
        assert!(!html.contains("<h1>"), "the headline is not repeated in the body: {html}");
    }

    #[test]
    fn a_page_whose_only_time_is_its_modified_time_is_dated_by_it() {
        let head = r#"<meta property="article:modified_time" content="2022-02-14T16:23:00Z">"#;
        let a = parse(&page(head, &story_body()), london()).unwrap();
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2022-02-14T16:23:00+00:00");
        assert_eq!(a.versioncreated, a.firstcreated);
    }

    #[test]
    fn a_dateline_under_the_headline_dates_a_page_without_date_metadata() {
        let body = story_body().replacen("</h1>", "</h1><p class=\"byline\">By Jane Doe &middot; Dec 17, 2025</p>", 1);
        let a = parse(&page("", &body), london()).unwrap();
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2025-12-17T00:00:00+00:00");
    }

    #[test]
    fn an_unreadable_json_ld_time_falls_back_to_the_next_source() {
        let head = r#"<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"yesterday"}</script>
            <meta property="article:published_time" content="2022-02-14T16:23:00Z">"#;
        let a = parse(&page(head, &story_body()), london()).unwrap();
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2022-02-14T16:23:00+00:00");
    }

    #[test]
    fn an_impossible_published_time_is_recorded_as_a_problem_and_the_page_kept() {
        let head = r#"<meta property="article:published_time" content="2022-02-30T10:00:00Z">"#;
        let a = parse(&page(head, &story_body()), london()).unwrap();
        assert_eq!(a.firstcreated, None);
        let problem = &a.newswire.problems[0];
        assert_eq!((problem.field.as_str(), problem.kind.as_str()), ("firstcreated", "unreadable"));
        assert!(problem.detail.starts_with("article:published_time"), "{}", problem.detail);
    }

    #[test]
    fn a_placeholder_date_is_skipped_for_the_next_candidate() {
        let head = r#"<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"0001-01-01T00:00:00Z"}</script>
            <meta property="article:published_time" content="2022-02-14T16:23:00Z">"#;
        let a = parse(&page(head, &story_body()), london()).unwrap();
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2022-02-14T16:23:00+00:00");
        assert_eq!(a.newswire.problems[0].kind, "placeholder");
    }

    #[test]
    fn hostile_nesting_is_rejected_quickly_without_overflowing_the_stack() {
        let html = page("", &format!("{}x{}", "<div>".repeat(50_000), "</div>".repeat(50_000)));
        let started = std::time::Instant::now();
        assert_eq!(parse(&html, london()).unwrap_err().reason, "html_too_deep");
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn a_page_of_fifty_thousand_sibling_elements_finishes_quickly() {
        let html = page("", &"<div><span>x</span></div>".repeat(25_000));
        let started = std::time::Instant::now();
        let _ = parse(&html, london());
        assert!(started.elapsed().as_secs() < 10, "took {:?}", started.elapsed());
    }

    #[test]
    fn scripts_are_not_content() {
        let scripts =
            "<script>document.write('<p>injected text that is long enough to look like a paragraph of content</p>')</script>".repeat(2000);
        let a = parse(&page(&scripts, &story_body()), london()).unwrap();
        assert!(!a.body_text().unwrap().contains("injected"));
    }

    #[test]
    fn a_page_whose_text_is_only_in_json_ld_takes_the_article_body_from_there() {
        let head = r#"<script type="application/ld+json">{"@type":"NewsArticle","headline":"Harbour reopens",
            "articleBody":"The harbour reopened on Monday.\nShips returned within hours."}</script>"#;
        let a = parse(&page(head, "<div id=app></div>"), london()).unwrap();
        assert_eq!(a.body_text(), Some("The harbour reopened on Monday.\n\nShips returned within hours."));
        assert_eq!(a.bodies[1].value, "<p>The harbour reopened on Monday.</p>\n<p>Ships returned within hours.</p>");
    }

    #[test]
    fn a_page_without_any_text_is_kept_by_its_headline_and_refused_without_one() {
        let a = parse(&page("<title>Harbour reopens after the storm</title>", "<div></div>"), london()).unwrap();
        assert_eq!((a.headline(), a.body_text()), (Some("Harbour reopens after the storm"), None));
        assert_eq!(a.newswire.problems[0].kind, "extraction_empty");
        let config = crate::config::NormalizeConfig::default();
        let err = crate::normalize(newswire_shared::story::SourceFormat::Html, b"<html><body><div></div></body></html>", None, "f", "k", &config).unwrap_err();
        assert_eq!(err.reason, "no_content", "{err}");
    }

    #[test]
    fn when_extraction_finds_nothing_the_visible_text_is_the_body_and_why_is_said() {
        let html = page("<script>var x = 1;</script>", "<div><span>Harbour open.</span></div><div>Ships back.</div>");
        let failed = Err(StageError::new("no_main_content", "failed to grab the article"));
        let (content, why) = body_content(failed, None, &html).unwrap();
        assert_eq!(content.paragraphs, ["Harbour open.", "Ships back."]);
        assert_eq!(why.as_deref(), Some("failed to grab the article"));
        let json_ld = main_content::from_plain_text("From JSON-LD.");
        let (content, _) = body_content(Ok(MainContent::default()), Some(json_ld), &html).unwrap();
        assert_eq!(content.paragraphs, ["From JSON-LD."], "JSON-LD articleBody comes before the visible text");
        let too_big = Err(StageError::new("html_too_many_tags", "too many"));
        assert_eq!(body_content(too_big, None, &html).unwrap_err().reason, "html_too_many_tags", "only an empty extraction falls back");
    }

    #[test]
    fn a_page_whose_extracted_paragraphs_are_all_furniture_gets_its_own_text_as_body() {
        let footer = vec!["© 2025 Example News. All Rights Reserved.".to_owned()];
        let html = page(
            "<title>Harbour reopens</title>",
            "<h1>Harbour reopens</h1><div>The harbour reopened on Monday after a storm that closed it for three days, the council said.</div><footer><p>© 2025 Example News. All Rights Reserved.</p></footer>",
        );
        let body = body_when_all_furniture(&footer, None, &html, Some("Harbour reopens"));
        assert_eq!(body, ["The harbour reopened on Monday after a storm that closed it for three days, the council said."]);
        let from_json_ld = body_when_all_furniture(&footer, Some("The port opened again."), &html, None);
        assert_eq!(from_json_ld, ["The port opened again."], "JSON-LD articleBody comes first");
        assert_eq!(body_when_all_furniture(&footer, None, &page("", "<footer><p>© 2025 Example News. All Rights Reserved.</p></footer>"), None), footer, "nothing else: what was found is kept");
    }
}
