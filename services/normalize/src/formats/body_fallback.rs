//! A story that had body text never leaves normalize with an empty body.
//!
//! When a format's extraction finds no story in text that is there (every
//! line looked like page furniture, no dense region), the text is kept whole
//! rather than lost, and the article says so in `newswire.problems`
//! (`body` / `extraction_empty`), so the miss is counted and can be looked at.

use newswire_shared::article::Article;

use crate::problems::{self, Field, Kind};

/// Sets `paragraphs` (the whole text, less the headline) as `article`'s
/// bodies and records why, in `detail`. Does nothing when there are no paragraphs.
pub fn keep_whole_text(article: &mut Article, paragraphs: &[String], detail: impl Into<String>) {
    if paragraphs.is_empty() {
        return;
    }
    article.bodies = crate::formats::bodies_from_paragraphs(paragraphs);
    problems::note(article, Field::Body, Kind::ExtractionEmpty, detail);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_text_becomes_both_bodies_and_the_problem_is_recorded() {
        let mut a = Article::default();
        keep_whole_text(&mut a, &["Menu item here".into(), "Another line".into()], "no story found");
        assert_eq!(a.body_text(), Some("Menu item here\n\nAnother line"));
        assert_eq!(a.bodies[1].value, "<p>Menu item here</p>\n<p>Another line</p>");
        assert_eq!((a.newswire.problems[0].field.as_str(), a.newswire.problems[0].kind.as_str()), ("body", "extraction_empty"));
        let mut none = Article::default();
        keep_whole_text(&mut none, &[], "nothing");
        assert_eq!(none, Article::default(), "no text, no body and no problem");
    }
}
