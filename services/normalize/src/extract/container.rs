//! The article container a page marks up itself (`itemprop=articleBody`, a
//! CMS's content class, its one `<article>`, or its one `<main>`), for when Readability settles on a
//! fragment of it: Readability keeps one subtree, and on pages whose story is
//! split into sections (guides, reviews, listicles) that subtree is often a
//! single section.

use dom_query::Document;

use super::main_content::MainContent;
use super::paragraphs;

/// Page furniture that sits inside article containers too.
const FURNITURE: &str = "script, style, noscript, template, nav, aside, footer, form, button, select, iframe, svg, \
    [class*='related'], [class*='share'], [class*='social'], [class*='comment'], [class*='newsletter'], [class*='breadcrumb'], \
    [class*='subscribe'], [class*='advert'], [id*='comment'], [role='navigation'], [role='complementary'], [aria-hidden='true']";

/// Where pages put their story, most specific first: schema.org markup, the
/// content classes of the common CMSs (WordPress, Ghost, Drupal), `<article>`, `<main>`.
const CONTAINERS: [&str; 5] = [
    "[itemprop='articleBody']",
    ".entry-content, .post-content, .article-content, .article-body, .post-body, .gh-content, .field--name-body",
    "article",
    "main, [role='main']",
    "#content, #main-content",
];

/// How many times more words the container must have than Readability's
/// content to be preferred (a little more is the usual furniture).
pub const MIN_GAIN: usize = 2;

/// The page's own article container, when there is exactly one of its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// Its HTML.
    pub html: String,
    /// The words of its whole text, furniture included (an upper bound, to
    /// skip cleaning a container that cannot be fuller).
    pub words: usize,
}

/// The page's own article container, when there is exactly one of its kind.
pub fn marked_up(doc: &Document) -> Option<Container> {
    for selector in CONTAINERS {
        match doc.try_select(selector) {
            Some(found) if found.length() == 1 => {
                return Some(Container { html: found.html().to_string(), words: found.text().split_whitespace().count() })
            }
            Some(found) if found.length() > 1 => return None,
            _ => continue,
        }
    }
    None
}

/// The most of a container's words that may sit in links (more is a list of
/// stories, not a story).
pub const MAX_LINK_DENSITY: f64 = 0.2;

/// The container's content without its furniture, as [`MainContent`];
/// `None` when what is left is mostly links.
pub fn content(container_html: &str) -> Option<MainContent> {
    let doc = Document::fragment(container_html);
    if let Some(furniture) = doc.try_select(FURNITURE) {
        furniture.remove();
    }
    let all = doc.root().text().split_whitespace().count();
    let linked: usize = doc.select("a").iter().map(|a| a.text().split_whitespace().count()).sum();
    if all == 0 || linked as f64 > MAX_LINK_DENSITY * all as f64 {
        return None;
    }
    let raw = doc.html();
    let captions = doc.select("figcaption").iter().map(|c| crate::text::clean(&c.text())).filter(|c| !c.is_empty()).collect();
    let html = crate::formats::body::sanitize(&raw);
    let paragraphs = paragraphs::of_html(&html);
    Some(MainContent { paragraphs, html, captions })
}

/// The number of words in some paragraphs.
pub fn words(paragraphs: &[String]) -> usize {
    paragraphs.iter().map(|p| p.split_whitespace().count()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_article_element_is_the_container_and_its_furniture_is_dropped() {
        let doc = Document::from("<nav>Home</nav><article><h2>Part one</h2><p>Text one.</p><aside>Ad</aside><div class='share-bar'>Share</div><h2>Part two</h2><p>Text two.</p></article>");
        let c = content(&marked_up(&doc).unwrap().html).unwrap();
        assert_eq!(c.paragraphs, ["Part one", "Text one.", "Part two", "Text two."]);
    }

    #[test]
    fn a_container_of_mostly_links_is_not_a_story() {
        let links = "<li><a href=/a>Another story with a long headline</a></li>".repeat(10);
        assert!(content(&format!("<article><p>Short text.</p><ul>{links}</ul></article>")).is_none());
    }

    #[test]
    fn two_article_elements_are_a_listing_not_a_container() {
        let doc = Document::from("<article><p>One.</p></article><article><p>Two.</p></article>");
        assert_eq!(marked_up(&doc), None);
    }
}
