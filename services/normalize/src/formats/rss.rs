//! One RSS `<item>` or one Atom `<entry>` (ingest splits feeds into entries)
//! into the canonical article.
//!
//! The story's uri is its identity, decided once ([`newswire_shared::story::identity`]).
//! RSS: `pubDate` (else `dc:date`) is the time;
//! `title`; `author` or `dc:creator`; `content:encoded` (else `description`) is
//! HTML carried as text and becomes the sanitized body; `category` elements are
//! subjects; `media:content`/`enclosure` images are pictures. Atom: `id`,
//! `updated`, `published`, `title`, `author/name`, `content` (text, html or
//! xhtml), `summary`, `category@term|label`, `rights`, `link rel=enclosure`.

use chrono_tz::Tz;
use newswire_shared::article::{Article, Association, Concept, Text};
use newswire_shared::stage::StageError;

use crate::formats::xml::{self, Element, Mode};
use crate::formats::{body, first_time, time};
use crate::problems::Field;

/// Parses an RSS item or an Atom entry, whichever the root element is.
pub fn parse(text: &str, zone: Tz) -> Result<Article, StageError> {
    let root = xml::parse(text, Mode::Xml)?;
    let element = if matches!(root.name.as_str(), "item" | "entry") {
        &root
    } else {
        root.find("item").or_else(|| root.find("entry")).ok_or_else(|| {
            StageError::new("malformed_feed_entry", format!("expected one <item> or <entry>, found <{}>", root.name))
        })?
    };
    let has_atom_shape = element.child("id").is_some() || element.child("updated").is_some();
    if element.name == "entry" || (has_atom_shape && element.child("guid").is_none()) {
        atom_entry(element, zone)
    } else {
        rss_item(element, zone)
    }
}

fn rss_item(item: &Element, zone: Tz) -> Result<Article, StageError> {
    let mut article = Article::default();
    // pubDate, else dc:date (also when pubDate cannot be read); the one time is both.
    let (pub_date, dc_date) = (item.child_text("pubDate"), item.child_text("date"));
    let candidates = [("item/pubDate", pub_date.as_deref()), ("item/dc:date", dc_date.as_deref())];
    article.versioncreated = first_time(&mut article, Field::VersionCreated, candidates.into_iter().filter_map(|(s, v)| Some((s, v?))), zone);
    article.firstcreated = article.versioncreated;
    if let Some(title) = item.child_text("title") {
        article.headlines.push(Text::plain("main", title));
    }
    let creators: Vec<String> = item.children_named("creator").filter_map(Element::text_nonblank).collect();
    article.by = Some(creators.join(", ")).filter(|c| !c.is_empty()).or_else(|| item.child_text("author"));
    let description = item.child("description").map(html_text).filter(|d| !d.trim().is_empty());
    let encoded = item.child("encoded").map(html_text).filter(|d| !d.trim().is_empty());
    match (encoded, description) {
        (Some(full), summary) => {
            article.bodies = body::from_html(&full)?;
            if let Some(summary) = summary.and_then(|s| summary_text(&s).transpose()).transpose()? {
                article.descriptions.push(Text::plain("summary", summary));
            }
        }
        (None, Some(description)) => article.bodies = body::from_html(&description)?,
        (None, None) => {}
    }
    article.subjects = item
        .children_named("category")
        .filter_map(|c| c.text_nonblank().map(|name| (name, c.attr_nonblank("domain"))))
        .map(|(name, domain)| Concept { name: Some(name), rel: Some("category".into()), uri: domain.map(str::to_owned), literal: None })
        .collect();
    article.copyrightholder = item.child_text("rights").or_else(|| item.child_text("copyright"));
    article.associations = rss_pictures(item);
    article.language = item.child_text("language");
    Ok(article)
}

fn atom_entry(entry: &Element, zone: Tz) -> Result<Article, StageError> {
    let mut article = Article {
        language: entry.attr_nonblank("lang").map(str::to_owned),
        ..Default::default()
    };
    if let Some(updated) = entry.child_text("updated") {
        article.versioncreated = time(&mut article, Field::VersionCreated, "entry/updated", &updated, zone);
    }
    if let Some(published) = entry.child_text("published") {
        article.firstcreated = time(&mut article, Field::FirstCreated, "entry/published", &published, zone);
    }
    article.versioncreated = article.versioncreated.or(article.firstcreated);
    article.firstcreated = article.firstcreated.or(article.versioncreated);
    if let Some(title) = entry.child("title").map(atom_text).transpose()?.flatten() {
        article.headlines.push(Text::plain("main", title));
    }
    let authors: Vec<String> = entry.children_named("author").filter_map(|a| a.child_text("name")).collect();
    article.by = Some(authors.join(", ")).filter(|a| !a.is_empty());
    if let Some(content) = entry.child("content") {
        article.bodies = atom_body(content)?;
    }
    if let Some(summary) = entry.child("summary").map(atom_text).transpose()?.flatten() {
        if article.bodies.is_empty() {
            article.bodies = body::from_plain(&summary);
        } else {
            article.descriptions.push(Text::plain("summary", summary));
        }
    }
    article.subjects = entry
        .children_named("category")
        .filter_map(|c| {
            let name = c.attr_nonblank("label").or_else(|| c.attr_nonblank("term"))?.to_owned();
            Some(Concept { name: Some(name), rel: Some("category".into()), uri: c.attr_nonblank("scheme").map(str::to_owned), literal: None })
        })
        .collect();
    article.copyrightholder = entry.child("rights").map(atom_text).transpose()?.flatten();
    article.associations = entry
        .children_named("link")
        .filter(|l| l.attr("rel") == Some("enclosure") && l.attr("type").is_some_and(|t| t.starts_with("image/")))
        .filter_map(|l| l.attr_nonblank("href"))
        .enumerate()
        .map(|(i, href)| picture(i, href, None, None))
        .collect();
    Ok(article)
}

/// The text of an element that holds escaped HTML (or CDATA) as its content.
fn html_text(element: &Element) -> String {
    let mut out = String::new();
    collect_raw(element, &mut out);
    out
}

fn collect_raw(element: &Element, out: &mut String) {
    for child in &element.children {
        match child {
            xml::Node::Text(t) => out.push_str(t),
            xml::Node::Element(e) => collect_raw(e, out),
        }
    }
}

/// The plain text of an HTML summary.
fn summary_text(html: &str) -> Result<Option<String>, StageError> {
    let bodies = body::from_html(html)?;
    Ok(bodies.into_iter().next().map(|t| t.value.replace("\n\n", " ")))
}

/// An Atom text construct (`type` text, html or xhtml) as plain text.
fn atom_text(element: &Element) -> Result<Option<String>, StageError> {
    match element.attr("type") {
        Some("html") => summary_text(&html_text(element)),
        _ => Ok(element.text_nonblank()),
    }
}

/// An Atom `content` as bodies.
fn atom_body(content: &Element) -> Result<Vec<Text>, StageError> {
    match content.attr("type") {
        Some("html") => body::from_html(&html_text(content)),
        Some("xhtml") => match content.child("div") {
            Some(div) => body::from_element(div, &[]),
            None => body::from_element(content, &[]),
        },
        _ => Ok(body::from_plain(&html_text(content))),
    }
}

/// Images from `media:content`, `media:thumbnail`-less groups and `enclosure`.
fn rss_pictures(item: &Element) -> Vec<Association> {
    let mut found = Vec::new();
    for media in item.find_all("content").into_iter().filter(|m| m.attr("url").is_some()) {
        let is_image = media.attr("medium") == Some("image") || media.attr("type").is_some_and(|t| t.starts_with("image/"));
        if let (true, Some(url)) = (is_image, media.attr_nonblank("url")) {
            let caption = media.child_text("description").or_else(|| media.child_text("title"));
            found.push((url.to_owned(), caption, media.child_text("credit")));
        }
    }
    for enclosure in item.children_named("enclosure") {
        if let (true, Some(url)) = (enclosure.attr("type").is_some_and(|t| t.starts_with("image/")), enclosure.attr_nonblank("url")) {
            found.push((url.to_owned(), None, None));
        }
    }
    found.into_iter().enumerate().map(|(i, (url, caption, credit))| picture(i, &url, caption, credit)).collect()
}

fn picture(index: usize, uri: &str, caption: Option<String>, credit: Option<String>) -> Association {
    Association {
        name: format!("picture-{}", index + 1),
        uri: uri.to_owned(),
        kind: Some("picture".into()),
        descriptions: caption.map(|c| Text::plain("caption", c)).into_iter().collect(),
        copyrightholder: credit,
        by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::story::SourceFormat;

    const ITEM: &str = include_str!("../../../../tests/fixtures/normalize/rss-item.xml");
    const ENTRY: &str = include_str!("../../../../tests/fixtures/normalize/atom-entry.xml");

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    #[test]
    fn an_rss_item_fragment_without_its_channel_namespaces_maps_to_the_article() {
        let a = crate::formats::parse(SourceFormat::Rss, ITEM.as_bytes(), None, london(), None).unwrap();
        assert_eq!(a.uri, "https://example.com/news/2022/07/harbour-festival", "the item's identity");
        assert_eq!(a.headline(), Some("Harbour festival draws record crowds"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-07-14T16:23:00+01:00");
        let body = a.body_text().unwrap();
        assert!(body.starts_with("Record crowds filled the harbour"), "{body}");
        assert!(!body.contains("tracker"), "scripts are sanitized away: {body}");
        assert_eq!(a.descriptions[0].value, "A short summary.");
        assert_eq!(a.subjects.iter().filter_map(|s| s.name.as_deref()).collect::<Vec<_>>(), ["Local news", "Festivals"]);
        assert_eq!(a.associations[0].copyrightholder.as_deref(), Some("Example Photos"));
        assert_eq!(a.associations[0].descriptions[0].value, "Boats in the harbour");
    }

    #[test]
    fn an_atom_entry_with_a_zoneless_updated_takes_the_feed_zone() {
        let a = crate::formats::parse(SourceFormat::Atom, ENTRY.as_bytes(), None, london(), None).unwrap();
        assert_eq!(a.uri, "tag:example.com,2022:harbour-2", "the entry's identity");
        assert_eq!(a.headline(), Some("Harbour festival ends & boats leave"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe, Sam Roe"));
        // published carries an offset; updated has none and is BST wall-clock time in July.
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2022-07-15T09:00:00+01:00");
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-07-15T12:30:00+01:00");
        assert_eq!(a.body_text(), Some("The festival ended on Friday.\n\nBoats left the harbour."));
        assert_eq!(a.subjects[0].name.as_deref(), Some("Festivals"));
    }

    #[test]
    fn an_impossible_pub_date_is_recorded_and_dc_date_stands_in() {
        let broken = ITEM.replace("Thu, 14 Jul 2022", "Thu, 31 Jun 2022");
        assert_ne!(broken, ITEM);
        let a = parse(&broken, london()).unwrap();
        assert_eq!(a.headline(), Some("Harbour festival draws record crowds"));
        assert_eq!(a.versioncreated, None, "the fixture has no dc:date");
        let [problem] = &a.newswire.problems[..] else { panic!("{:?}", a.newswire.problems) };
        assert_eq!((problem.field.as_str(), problem.kind.as_str()), ("versioncreated", "unreadable"));
        assert!(problem.detail.contains("pubDate"), "{}", problem.detail);
        let with_dc_date = broken.replace("</title>", "</title><dc:date>2022-07-14T16:23:00+01:00</dc:date>");
        let a = parse(&with_dc_date, london()).unwrap();
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-07-14T16:23:00+01:00");
        assert_eq!(a.firstcreated, a.versioncreated);
        assert_eq!(a.newswire.problems.len(), 1, "the pubDate is still recorded");
    }

    #[test]
    fn an_atom_entry_with_a_placeholder_updated_takes_published() {
        let broken = ENTRY.replace("2022-07-15T12:30:00", "0001-01-01T00:00:00");
        assert_ne!(broken, ENTRY, "the fixture has the updated time this test breaks");
        let a = parse(&broken, london()).unwrap();
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-07-15T09:00:00+01:00");
        assert_eq!(a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect::<Vec<_>>(), [("versioncreated", "placeholder")]);
    }
}
