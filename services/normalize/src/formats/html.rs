//! HTML pages: main-content extraction plus the page's own metadata.

use chrono_tz::Tz;
use newswire_shared::article::Article;
use newswire_shared::stage::StageError;

/// Parses an HTML page into an article. `zone` is the feed's zone for times without offset.
pub fn parse(_html: &str, _zone: Tz) -> Result<Article, StageError> {
    Err(StageError::new("unsupported_format", "HTML extraction is not implemented yet"))
}
