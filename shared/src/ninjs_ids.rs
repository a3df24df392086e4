//! The identifiers ninjs insists on, decided in one place for every stage.
//!
//! IPTC's schemas refuse a concept `uri` that is not an absolute URI
//! (`format: uri`) and an association without a `name` and a `uri`. Sources
//! send both (an empty uri, a bare code, a picture with no id of its own), so:
//!
//! - a concept or info source keeps its `uri` only when it is an absolute URI
//!   ([`Concept::ninjs_uri`]); other text moves to `literal` when that is free
//!   ([`Concept::ninjs_literal`]);
//! - an association's name is its own, else `association-<n>` ([`Association::ninjs_name`]),
//!   and its uri its own when absolute, else `<story uri>#<name>`, a URI that is
//!   stable for the story ([`Association::ninjs_uri`]).
//!
//! Normalize writes the association identities into the article where it
//! finishes it; publish's ninjs views read every one of these through here.

use std::borrow::Cow;

use crate::article::{Association, Concept, InfoSource};

/// Whether `text` is an absolute URI (`scheme:rest`), as `format: uri` demands.
pub fn is_absolute_uri(text: &str) -> bool {
    !text.trim().is_empty() && url::Url::parse(text).is_ok()
}

impl Concept {
    /// The concept's `uri` when it is an absolute URI.
    pub fn ninjs_uri(&self) -> Option<&str> {
        self.uri.as_deref().filter(|uri| is_absolute_uri(uri))
    }

    /// The concept's `literal`, else the text of a `uri` that is no URI (trimmed).
    pub fn ninjs_literal(&self) -> Option<&str> {
        self.literal.as_deref().or_else(|| self.uri.as_deref().filter(|uri| !is_absolute_uri(uri)).map(str::trim).filter(|text| !text.is_empty()))
    }
}

impl InfoSource {
    /// The source's `uri` when it is an absolute URI.
    pub fn ninjs_uri(&self) -> Option<&str> {
        self.uri.as_deref().filter(|uri| is_absolute_uri(uri))
    }
}

impl Association {
    /// The association's name: its own, else `association-<index + 1>`.
    pub fn ninjs_name(&self, index: usize) -> Cow<'_, str> {
        match self.name.trim() {
            "" => Cow::Owned(format!("association-{}", index + 1)),
            _ => Cow::Borrowed(&self.name),
        }
    }

    /// The association's uri: its own when absolute, else `<story_uri>#<name>`
    /// with every character of the name but letters, digits, `-`, `_` and `.` as `-`.
    pub fn ninjs_uri(&self, story_uri: &str, index: usize) -> Cow<'_, str> {
        if is_absolute_uri(&self.uri) {
            return Cow::Borrowed(&self.uri);
        }
        let fragment: String = self.ninjs_name(index).chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
        Cow::Owned(format!("{story_uri}#{fragment}"))
    }

    /// Writes [`Association::ninjs_name`] and [`Association::ninjs_uri`] into the association.
    pub fn settle_identity(&mut self, story_uri: &str, index: usize) {
        let uri = self.ninjs_uri(story_uri, index).into_owned();
        self.name = self.ninjs_name(index).into_owned();
        self.uri = uri;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concept_keeps_only_an_absolute_uri_and_other_text_becomes_its_literal() {
        let concept = |uri: &str, literal: Option<&str>| Concept { uri: Some(uri.into()), literal: literal.map(Into::into), ..Default::default() };
        assert_eq!(concept("http://cv.iptc.org/newscodes/mediatopic/17000000", None).ninjs_uri(), Some("http://cv.iptc.org/newscodes/mediatopic/17000000"));
        assert_eq!(concept("", None).ninjs_uri(), None);
        assert_eq!(concept("", None).ninjs_literal(), None, "an empty uri is nothing");
        assert_eq!(concept(" not a uri ", None).ninjs_literal(), Some("not a uri"));
        assert_eq!(concept("medtop 1", Some("GB")).ninjs_literal(), Some("GB"), "a literal of its own wins");
    }

    #[test]
    fn an_association_without_a_name_or_an_absolute_uri_gets_both_within_the_story() {
        let mut unnamed = Association { uri: "https://img.example/2.jpg".into(), ..Default::default() };
        unnamed.settle_identity("urn:s:1", 1);
        assert_eq!((unnamed.name.as_str(), unnamed.uri.as_str()), ("association-2", "https://img.example/2.jpg"));
        let mut relative = Association { name: "picture 1".into(), uri: "pics/1.jpg".into(), ..Default::default() };
        relative.settle_identity("urn:s:1", 0);
        assert_eq!((relative.name.as_str(), relative.uri.as_str()), ("picture 1", "urn:s:1#picture-1"));
        let settled = relative.clone();
        relative.settle_identity("urn:s:1", 0);
        assert_eq!(relative, settled, "settling is idempotent");
    }
}
