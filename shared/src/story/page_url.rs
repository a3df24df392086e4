//! A page's own URL as a story's identity: the canonical URL an HTML page
//! declares ([`canonical_url`]), and whether a URL can identify a story at all
//! ([`article_url`]).
//!
//! A page's canonical link (`<link rel="canonical">`, else `og:url`, looked
//! for in the page's first 64 KiB) usually names the article, so a page scraped
//! again after an edit keeps its uri. But real sites also point every article's
//! canonical link at their home page or a section root: taken as the story's
//! identity, that makes different articles one story, and subscribers that key
//! by uri keep only the last. Such a URL is no identity; the story falls back to
//! its next-best evidence (ingest's digest of the bytes). The story's identity
//! is decided once, with these, in [`crate::story::identity`].

use std::ops::Range;

use url::Url;

use crate::story::charset::Charset;

/// How far into a page its head is looked for.
const HEAD_BYTES: usize = 64 * 1024;

/// The canonical URL of an HTML page, if it declares one.
pub fn canonical_url(body: &[u8], charset: &Charset) -> Option<String> {
    let head = &body[..body.len().min(HEAD_BYTES)];
    let lower = head.to_ascii_lowercase();
    let from_link = tags(&lower, b"<link").find_map(|tag| {
        let rel = attribute(&lower[tag.clone()], b"rel")?;
        rel.split(|b| b.is_ascii_whitespace())
            .any(|r| r == b"canonical")
            .then(|| attribute(&head[tag], b"href"))
            .flatten()
    });
    let from_meta = || {
        tags(&lower, b"<meta").find_map(|tag| {
            (attribute(&lower[tag.clone()], b"property")? == b"og:url")
                .then(|| attribute(&head[tag], b"content"))
                .flatten()
        })
    };
    let identity = |raw: &[u8]| article_url(&charset.decode_lossy(raw));
    from_link.and_then(identity).or_else(|| from_meta().and_then(identity))
}

/// The byte ranges of the tags opened by `name` (`<link`, `<meta`) in the
/// lower-cased head, each up to its `>`. The search resumes after each tag, so
/// a `<link` inside another tag is not a tag of its own and no byte is read
/// more than a few times: a head of 13,000 `<link`s and one `>` took seconds
/// when every `<link` was read up to that `>`.
fn tags<'a>(lower: &'a [u8], name: &'static [u8]) -> impl Iterator<Item = Range<usize>> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + lower[from..].windows(name.len()).position(|w| w == name)?;
        let end = start + lower[start..].iter().position(|b| *b == b'>')?;
        from = end;
        Some(start..end)
    })
}

/// The value of attribute `name` inside one tag's bytes (quoted or bare).
fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(found) = tag[from..].windows(name.len()).position(|w| w.eq_ignore_ascii_case(name)) {
        let start = from + found;
        from = start + name.len();
        let preceded_by_space = start > 0 && tag[start - 1].is_ascii_whitespace();
        let rest = trim_start(&tag[from..]);
        let Some(rest) = rest.strip_prefix(b"=").filter(|_| preceded_by_space) else { continue };
        let rest = trim_start(rest);
        return Some(match rest.first() {
            Some(quote @ (b'"' | b'\'')) => {
                let value = &rest[1..];
                &value[..value.iter().position(|b| b == quote).unwrap_or(value.len())]
            }
            _ => &rest[..rest.iter().position(|b| b.is_ascii_whitespace() || *b == b'/').unwrap_or(rest.len())],
        });
    }
    None
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    &bytes[bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len())..]
}

/// Path segments that name an index rather than an article (`/en/`, `/index.html`).
const INDEX_NAMES: &[&str] = &["index", "home", "default", "main", "news", "start", "homepage"];

/// The page URL `raw` (as written in the page, `&amp;` unescaped) when it can
/// identify one article: an absolute http(s) URL with a host, whose path is
/// not a site root, a language root (`/en`, `/en-gb/`), or an index page
/// (`/index.html`, `/home`). The fragment is dropped; the query is kept (some
/// sites name articles only in it, `?p=123`).
pub fn article_url(raw: &str) -> Option<String> {
    let raw = raw.trim().replace("&amp;", "&");
    if raw.contains(char::is_whitespace) {
        return None;
    }
    let mut url = Url::parse(&raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    url.set_fragment(None);
    let names_article = url.path_segments().is_some_and(|segments| {
        segments.filter(|s| !s.is_empty()).any(|s| !is_language(s) && !is_index(s))
    });
    (names_article || url.query().is_some_and(|q| !q.is_empty())).then(|| url.to_string())
}

/// `en`, `de`, `en-gb`, `pt_BR`: a language or locale segment.
fn is_language(segment: &str) -> bool {
    let mut parts = segment.split(['-', '_']);
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && rest.len() <= 1
        && rest.iter().all(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()))
}

/// `index.html`, `home`, `default.aspx`: a page that lists articles.
fn is_index(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or_default().to_ascii_lowercase();
    INDEX_NAMES.contains(&stem.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(html: &str) -> Option<String> {
        canonical_url(html.as_bytes(), &crate::story::charset::decide(None, b"").unwrap())
    }

    #[test]
    fn the_canonical_link_names_the_page() {
        let page = r#"<html><head><link rel="stylesheet" href="/a.css"><LINK REL='Canonical' HREF='https://ex.org/s?a=1&amp;b=2'></head>"#;
        assert_eq!(url(page).as_deref(), Some("https://ex.org/s?a=1&b=2"));
    }

    #[test]
    fn og_url_is_the_fallback_and_relative_or_missing_urls_are_none() {
        assert_eq!(
            url(r#"<meta property="og:url" content="https://ex.org/x" />"#).as_deref(),
            Some("https://ex.org/x")
        );
        assert_eq!(url(r#"<link rel=canonical href=/relative>"#), None);
        assert_eq!(url("<html><p>no head</p></html>"), None);
        // `data-rel` is not `rel`.
        assert_eq!(url(r#"<link data-rel="canonical" href="https://ex.org/no">"#), None);
    }

    #[test]
    fn a_head_of_unclosed_link_tags_is_read_in_linear_time() {
        // Found with the ingest_prepare fuzz target on a hand-made 64 KiB page
        // (17 s there): each of the 13,000 `<link`s was read, and searched for
        // `rel`, all the way to the single `>` at the end.
        let junk = "<link".repeat(HEAD_BYTES / 5);
        let started = std::time::Instant::now();
        assert_eq!(url(&format!("{junk}>")), None);
        assert_eq!(url(&format!("{}>", junk.replace("link", "meta"))), None);
        let after = format!(r#"{}><link rel="canonical" href="https://ex.org/kept">"#, &junk[..5_000]);
        assert_eq!(url(&after).as_deref(), Some("https://ex.org/kept"));
        assert!(started.elapsed().as_secs() < 2, "took {:?}", started.elapsed());
    }

    #[test]
    fn an_article_path_identifies_a_story() {
        assert_eq!(article_url("https://www.example.com/news/2019/11/harbour-reopens").as_deref(), Some("https://www.example.com/news/2019/11/harbour-reopens"));
        assert_eq!(article_url(" http://example.com/a?id=1&amp;x=2#comments ").as_deref(), Some("http://example.com/a?id=1&x=2"));
        assert_eq!(article_url("https://example.com/?p=123").as_deref(), Some("https://example.com/?p=123"));
    }

    #[test]
    fn a_site_root_a_language_root_or_an_index_page_is_no_identity() {
        for root in [
            "https://www.example.com",
            "https://www.example.com/",
            "https://www.example.com/en/",
            "https://www.example.com/en-gb",
            "https://www.example.com/index.html",
            "https://www.example.com/de/home",
            "https://www.example.com/#top",
        ] {
            assert_eq!(article_url(root), None, "{root}");
        }
    }

    #[test]
    fn relative_or_malformed_urls_are_no_identity() {
        for bad in ["/news/1", "https://", "https://a.example/x y", "ftp://example.com/a", "javascript:alert(1)", ""] {
            assert_eq!(article_url(bad), None, "{bad:?}");
        }
    }
}
