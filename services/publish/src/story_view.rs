//! What filters read of one story, worked out once for every filter of every
//! subscription: its texts in lower case and its country codes. (Each keyword
//! filter used to lower-case the whole body again.)

use std::cell::OnceCell;

use newswire_shared::article::Article;

use crate::filter::country_codes;

/// A story as filters see it; the derived parts are computed on first use.
pub struct StoryView<'a> {
    /// The story.
    pub article: &'a Article,
    lowered: OnceCell<Vec<String>>,
    countries: OnceCell<Vec<String>>,
}

impl<'a> StoryView<'a> {
    /// A view of `article`.
    pub fn new(article: &'a Article) -> Self {
        StoryView { article, lowered: OnceCell::new(), countries: OnceCell::new() }
    }

    /// Headlines, descriptions and bodies, each in lower case.
    pub fn lowered_texts(&self) -> &[String] {
        self.lowered.get_or_init(|| {
            let a = self.article;
            a.headlines.iter().chain(&a.descriptions).chain(&a.bodies).map(|t| t.value.to_lowercase()).collect()
        })
    }

    /// Every country code known for the story (see [`country_codes`]).
    pub fn country_codes(&self) -> &[String] {
        self.countries.get_or_init(|| country_codes(self.article))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Text;

    #[test]
    fn texts_are_lowered_in_order_headline_descriptions_body() {
        let article = Article {
            headlines: vec![Text::plain("main", "Harbour REOPENS")],
            descriptions: vec![Text::plain("summary", "Dover Port")],
            bodies: vec![Text::plain("main", "İstanbul and Ærø")],
            ..Default::default()
        };
        let view = StoryView::new(&article);
        assert_eq!(view.lowered_texts(), ["harbour reopens", "dover port", "i̇stanbul and ærø"]);
        assert!(view.country_codes().is_empty());
    }
}
