//! The main content of a page, found with `dom_smoothie` (a port of Mozilla's
//! Readability), returned as clean paragraphs plus sanitized HTML. Figures are
//! taken out of the body: their captions are returned separately, so that
//! they become picture associations rather than story text.


use dom_smoothie::{Config, Readability, ReadabilityError};
use newswire_shared::stage::StageError;

use super::paragraphs;

/// Most elements handed to the extractor (it scores every candidate node).
pub const MAX_ELEMENTS: usize = 60_000;

/// The story body of a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MainContent {
    /// Clean text paragraphs.
    pub paragraphs: Vec<String>,
    /// The same content as sanitized HTML (no scripts, styles, handlers, images or figures).
    pub html: String,
    /// The captions of the content's figures (`<figcaption>`), cleaned, in order.
    pub captions: Vec<String>,
}

/// Extracts the main content of a parsed page, its streamed segments shown
/// ([`streamed`](super::streamed)). `url` (absolute) resolves relative links. A page where no content is found is a `no_main_content` error.
pub fn extract(doc: dom_query::Document, url: Option<&str>) -> Result<MainContent, StageError> {
    super::streamed::reveal(&doc);
    let config = Config { max_elements_to_parse: MAX_ELEMENTS, ..Config::default() };
    let mut readability = Readability::with_document(doc, url, Some(config)).map_err(extractor_error)?;
    let article = readability.parse().map_err(extractor_error)?;
    let captions = figure_captions(&article.content);
    let html = crate::formats::body::sanitize(&article.content);
    let paragraphs = paragraphs::of_html(&html);
    Ok(MainContent { paragraphs, html, captions })
}

/// Content given as plain text (JSON-LD `articleBody`): one paragraph a line.
pub fn from_plain_text(text: &str) -> MainContent {
    let paragraphs: Vec<String> = text.lines().map(crate::text::clean).filter(|p| !p.is_empty()).collect();
    let html = crate::text::paragraphs_to_html(&paragraphs);
    MainContent { paragraphs, html, captions: Vec::new() }
}

/// The page's visible text, one paragraph a block (scripts, styles and the
/// like left out): the body of last resort, when extraction finds nothing.
pub fn visible_text(doc: &dom_query::Document) -> MainContent {
    let body = doc.select("body");
    let paragraphs = match body.nodes().first() {
        Some(node) => paragraphs::of_node(node),
        None => Vec::new(),
    };
    let html = crate::text::paragraphs_to_html(&paragraphs);
    MainContent { paragraphs, html, captions: Vec::new() }
}

/// The non-empty `<figcaption>` texts of an HTML fragment.
fn figure_captions(html: &str) -> Vec<String> {
    let doc = dom_query::Document::fragment(html);
    doc.select("figcaption").iter().map(|c| crate::text::clean(&c.text())).filter(|c| !c.is_empty()).collect()
}

fn extractor_error(e: ReadabilityError) -> StageError {
    match e {
        ReadabilityError::TooManyElements(found, max) => {
            StageError::new("html_too_many_tags", format!("the page has {found} elements, more than the limit of {max}"))
        }
        ReadabilityError::BadDocumentURL => StageError::new("bad_url", "the page's canonical URL is not absolute"),
        other => StageError::new("no_main_content", format!("main-content extraction found nothing: {other}")),
    }
}
