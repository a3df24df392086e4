//! A page's author(s), from the first source that names a person: JSON-LD
//! `author` (a string, a Person or Organization, or a list of them, nested
//! `name`s included), the `author` meta tags (not when they hold a profile
//! URL), `rel=author` links and `itemprop=author`, then the visible byline
//! (an element whose class names a byline or author).

use dom_query::Document;
use serde_json::Value;

use crate::text::clean;

/// The most words a name taken from a byline element may have.
const MAX_BYLINE_WORDS: usize = 12;
/// The most characters a visible byline may have (longer is an author bio).
const MAX_BYLINE_CHARS: usize = 120;

/// Meta tags that carry the author's name.
const META_NAMES: [&str; 6] = ["author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator"];

/// Elements whose class or id says they hold the byline.
const BYLINE_SELECTOR: &str = "[class*='byline'], [class*='author-name'], [class*='author_name'], [class*='authorName'], \
    [class*='article-author'], [class*='post-author'], [class*='entry-author'], [class*='author'] [class*='name'], \
    [id*='byline'], [class*='writer'], .author, [rel='author'], [itemprop='author']";

/// The author(s) named by the page, joined with " and "; `json_ld_author` is
/// the article object's `author` value.
pub fn read(doc: &Document, json_ld_author: Option<&Value>) -> Option<String> {
    json_ld_author
        .and_then(json_ld_names)
        .or_else(|| META_NAMES.iter().find_map(|name| meta_name(doc, name)))
        .or_else(|| itemprop_name(doc))
        .or_else(|| visible_byline(doc))
        .or_else(|| labelled_byline(doc))
}

/// Labels put before a name, on their own ("Written by" / "Author", the name
/// in the next element) or leading the name in the same text ("By Jane Doe").
const BYLINE_LABELS: [&str; 7] = ["by", "written by", "posted by", "words by", "author", "authored by", "story by"];

/// The most words of a name found by its label.
const MAX_LABELLED_WORDS: usize = 6;

/// A name after a byline label in the page's text: a text "Written by" whose
/// next element holds the name, or a short text "By Jane Doe". Text nodes are
/// walked once, in document order.
fn labelled_byline(doc: &Document) -> Option<String> {
    let root = doc.root();
    let found = root.descendants_it().filter(|n| n.is_text()).find_map(|node| {
        let parent = node.parent()?;
        if parent.node_name().is_some_and(|name| matches!(&*name, "script" | "style" | "noscript" | "template" | "title")) {
            return None;
        }
        let text = clean(&node.text());
        if text.is_empty() || text.chars().count() > MAX_BYLINE_CHARS / 2 {
            return None;
        }
        let label = text.trim_end_matches(':').trim().to_lowercase();
        let name = if BYLINE_LABELS.contains(&label.as_str()) {
            let next = node.next_element_sibling().or_else(|| parent.next_element_sibling())?;
            as_name(&next.text())
        } else if ["by ", "written by ", "posted by "].iter().any(|l| label.starts_with(l)) {
            byline_name(&text)
        } else {
            None
        }?;
        let words = name.split_whitespace().count();
        let capitalised = name.chars().next().is_some_and(char::is_uppercase);
        (capitalised && (1..=MAX_LABELLED_WORDS).contains(&words)).then_some(name)
    });
    found
}

/// JSON-LD `author`: a name, an object with a `name` (itself possibly an
/// object or a list), or a list of them; URLs and empty names are left out.
pub fn json_ld_names(value: &Value) -> Option<String> {
    let mut names = Vec::new();
    collect_names(value, 0, &mut names);
    join(names)
}

fn collect_names(value: &Value, depth: usize, names: &mut Vec<String>) {
    if depth > 4 {
        return;
    }
    match value {
        Value::String(s) => {
            if let Some(name) = as_name(s) {
                names.push(name);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_names(v, depth + 1, names)),
        Value::Object(o) => {
            if let Some(name) = o.get("name").or_else(|| o.get("@value")) {
                collect_names(name, depth + 1, names);
            } else if let (Some(given), Some(family)) = (o.get("givenName").and_then(Value::as_str), o.get("familyName").and_then(Value::as_str)) {
                names.extend(as_name(&format!("{given} {family}")));
            }
        }
        _ => {}
    }
}

/// `<meta name|property="name" content="…">` holding a name, not a URL.
fn meta_name(doc: &Document, name: &str) -> Option<String> {
    let selection = doc.try_select(&format!("meta[name='{name}'], meta[property='{name}']"))?;
    let names: Vec<String> = selection.iter().filter_map(|m| m.attr("content").and_then(|c| as_name(&c))).collect();
    join(names)
}

/// `itemprop=author` with an `itemprop=name` inside, or the author link's text.
fn itemprop_name(doc: &Document) -> Option<String> {
    let selection = doc.try_select("[itemprop='author'] [itemprop='name'], [itemprop='author'][content]")?;
    let names: Vec<String> = selection
        .iter()
        .filter_map(|s| s.attr("content").map(|c| c.to_string()).or_else(|| Some(s.text().to_string())))
        .filter_map(|n| as_name(&n))
        .collect();
    join(names)
}

/// The first short byline element's text, less "By" and what follows a date or separator.
fn visible_byline(doc: &Document) -> Option<String> {
    let selection = doc.try_select(BYLINE_SELECTOR)?;
    selection.iter().find_map(|s| {
        if s.is("script, style, meta, link, img, input, button, form") {
            return None;
        }
        let text = clean(&s.text());
        if text.is_empty() || text.chars().count() > MAX_BYLINE_CHARS {
            return None;
        }
        let name = byline_name(&text)?;
        (name.split_whitespace().count() <= MAX_BYLINE_WORDS).then_some(name)
    })
}

/// "By Jane Doe | 4 June 2024" → "Jane Doe"; "Written by Jane Doe" → "Jane Doe".
fn byline_name(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let mut name = text;
    for lead in ["written by ", "posted by ", "words by ", "reported by ", "by: ", "by ", "author: ", "autor: ", "von ", "par "] {
        if lower.starts_with(lead) {
            name = &text[lead.len()..];
            break;
        }
    }
    let name = after_date_stamp(name)?;
    let name = name.split([ '|', '•', '·', '\n']).next().unwrap_or(name);
    let name = cut_at_date(name);
    as_name(name)
}

/// Words that open a date stamp rather than a name ("Updated March 13, 2024").
const STAMP_WORDS: [&str; 4] = ["updated", "last updated", "published", "posted on"];

/// A byline that opens with a date stamp ("Updated January 08, 2026 Meghan
/// Neville") goes on after the stamp's year; a stamp with no year, or nothing
/// after it, holds no name.
fn after_date_stamp(text: &str) -> Option<&str> {
    let lower = text.to_lowercase();
    if !STAMP_WORDS.iter().any(|w| lower.starts_with(w)) {
        return Some(text);
    }
    let bytes = text.as_bytes();
    let year_end = (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let four = &bytes[i..i + 4];
        let bounded = (i == 0 || !bytes[i - 1].is_ascii_digit()) && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        (bounded && four.iter().all(u8::is_ascii_digit) && (four.starts_with(b"19") || four.starts_with(b"20"))).then_some(i + 4)
    })?;
    let rest = text[year_end..].trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | '•' | '·' | '-' | '–' | '—'));
    (!rest.is_empty()).then_some(rest)
}

/// The text before a date or time in a byline ("Jane Doe Updated 4 June 2024").
fn cut_at_date(text: &str) -> &str {
    let lower = text.to_lowercase();
    let markers = [" updated", " published", " posted", " on ", " - ", " – ", " — ", ", published"];
    let cut = markers.iter().filter_map(|m| lower.find(m)).min();
    let cut = cut.into_iter().chain(text.find(|c: char| c.is_ascii_digit())).min();
    match cut {
        // A byline that opens with a number ("8:23 PM ET", "3 hours ago") names no one.
        Some(0) => "",
        Some(at) => text[..at].trim_end_matches([',', ' ', '-']),
        None => text,
    }
}

/// Labels that stand where a name should be.
const NOT_NAMES: [&str; 8] = ["by", "author", "the author", "authors", "admin", "written by", "posted by", "staff"];

/// A cleaned name, or `None` for a URL, an e-mail address, a bare label, or nothing.
fn as_name(raw: &str) -> Option<String> {
    let name = clean(&html_escape::decode_html_entities(raw));
    let name = strip_by(name.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '|' | '-' | '–' | '—')));
    let first_word = name.split_whitespace().next().unwrap_or_default().to_lowercase();
    if NOT_NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)) || STAMP_WORDS.contains(&first_word.as_str()) {
        return None;
    }
    let looks_like_link = name.starts_with("http") || name.starts_with("www.") || name.contains('@') && !name.contains(' ');
    (!name.is_empty() && !looks_like_link && name.chars().any(char::is_alphabetic)).then_some(name)
}

/// "by Jane Doe" → "Jane Doe".
fn strip_by(byline: &str) -> String {
    match byline.split_once(char::is_whitespace) {
        Some((by, rest)) if by.eq_ignore_ascii_case("by") && !rest.trim().is_empty() => rest.trim().to_owned(),
        _ => byline.trim().to_owned(),
    }
}

/// Distinct names joined with " and ".
fn join(names: Vec<String>) -> Option<String> {
    let mut unique: Vec<String> = Vec::new();
    for name in names {
        if !unique.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            unique.push(name);
        }
    }
    (!unique.is_empty()).then(|| unique.join(" and "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_ld_author_as_a_string_an_object_or_a_list() {
        assert_eq!(json_ld_names(&json!("Jane Doe")).as_deref(), Some("Jane Doe"));
        assert_eq!(json_ld_names(&json!({"@type": "Person", "name": "Jane Doe"})).as_deref(), Some("Jane Doe"));
        let list = json!([{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": ["John Roe"]}, "https://x.example/jane"]);
        assert_eq!(json_ld_names(&list).as_deref(), Some("Jane Doe and John Roe"));
        assert_eq!(json_ld_names(&json!({"givenName": "Jane", "familyName": "Doe"})).as_deref(), Some("Jane Doe"));
        assert_eq!(json_ld_names(&json!({"@id": "#author"})), None);
    }

    #[test]
    fn an_article_author_meta_tag_holding_a_profile_url_is_skipped_for_the_next_source() {
        let doc = Document::from(
            r#"<meta property="article:author" content="https://facebook.com/jane"><a rel="author" href="/jane">Jane Doe</a>"#,
        );
        assert_eq!(read(&doc, None).as_deref(), Some("Jane Doe"));
    }

    #[test]
    fn a_visible_byline_loses_by_and_its_date() {
        let doc = Document::from(r#"<div class="post-byline">By Jane Doe | 4 June 2024</div>"#);
        assert_eq!(read(&doc, None).as_deref(), Some("Jane Doe"));
        let doc = Document::from(r#"<span class="author">Written by John Roe Updated June 4</span>"#);
        assert_eq!(read(&doc, None).as_deref(), Some("John Roe"));
    }

    #[test]
    fn a_byline_opening_with_a_date_stamp_names_who_follows_it_or_no_one() {
        let doc = Document::from(r#"<div class="author"><div>Updated <span>January 08, 2026</span></div> <a href="/a/mn">Meghan Neville</a></div>"#);
        assert_eq!(read(&doc, None).as_deref(), Some("Meghan Neville"));
        let doc = Document::from(r#"<p class="article-byline__pub-dates">Updated March 13, 2024</p><span class="author">Joanna Nelius</span>"#);
        assert_eq!(read(&doc, None).as_deref(), Some("Joanna Nelius"), "a dates element named like a byline is skipped");
        let doc = Document::from(r#"<p class="byline">Updated November 11, 2022 8:23 PM ET</p>"#);
        assert_eq!(read(&doc, None), None, "a stamp and a time name no one");
        assert_eq!(as_name("Updated January"), None);
    }

    #[test]
    fn an_author_bio_is_not_a_byline() {
        let bio = "Jane Doe has covered harbours for twenty years and written three books about the sea, the ships and the people who work on them.";
        let doc = Document::from(format!(r#"<div class="author-bio">{bio}</div>"#));
        assert_eq!(read(&doc, None), None);
    }

    #[test]
    fn a_bare_label_is_not_a_name_and_the_next_source_is_used() {
        let doc = Document::from(r#"<meta name="author" content="Author"><span class="byline">By Jane Doe</span>"#);
        assert_eq!(read(&doc, None).as_deref(), Some("Jane Doe"));
    }

    #[test]
    fn a_name_after_a_byline_label_in_the_text_is_the_author() {
        let doc = Document::from("<div><p>Written by</p><p>Jane Doe</p></div>");
        assert_eq!(read(&doc, None).as_deref(), Some("Jane Doe"));
        let doc = Document::from("<p class='meta'>By <a href='/p/jd'>Jane Doe</a> in News</p>");
        assert_eq!(read(&doc, None).as_deref(), Some("Jane Doe"));
        let doc = Document::from("<p>Written by John Roe</p>");
        assert_eq!(read(&doc, None).as_deref(), Some("John Roe"));
        let doc = Document::from("<p>by the harbour the ships wait</p>");
        assert_eq!(read(&doc, None), None, "a sentence starting with by is not a byline");
    }

    #[test]
    fn itemprop_author_names_are_read() {
        let doc = Document::from(r#"<span itemprop="author" itemscope><span itemprop="name">Jane Doe</span></span>"#);
        assert_eq!(read(&doc, None).as_deref(), Some("Jane Doe"));
    }
}
