//! Whether a URL a page gives for itself can be a story's identity.
//!
//! A page's canonical link (`<link rel="canonical">`, else `og:url`) usually
//! names the article, so a page scraped again after an edit keeps its uri. But
//! real sites also point every article's canonical link at their home page or a
//! section root: taken as the story's identity, that makes different articles
//! one story, and subscribers that key by uri keep only the last. Such a URL is
//! no identity; the story falls back to its next-best evidence (ingest's digest
//! of the bytes). Ingest (the record key) and normalize (the uri) both decide
//! with [`article_url`], so they cannot disagree about which URLs qualify.

use url::Url;

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
