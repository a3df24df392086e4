//! One article's text, laid out once for every enrichment step.

use std::ops::Range;

use newswire_shared::article::Article;

use super::sentences::sentences_into;
use super::tokens::{tokenize, Token};

/// The analysed text of an article: `headline`, a blank line, then the body's
/// paragraphs (each non-empty line of the plain-text body), separated by blank lines.
#[derive(Debug, Clone)]
pub struct Document {
    /// The whole text.
    pub text: String,
    /// Where the headline is (empty when the article has none).
    pub headline: Range<usize>,
    /// The body's paragraphs, in order.
    pub paragraphs: Vec<Range<usize>>,
    /// The sentences of the headline and of every paragraph, in order.
    pub sentences: Vec<Range<usize>>,
    /// Every word, in order.
    pub tokens: Vec<Token>,
}

impl Document {
    /// Lays out `article`'s headline and plain-text body (or, lacking one, its
    /// first body of any type with tags crudely removed).
    pub fn of(article: &Article) -> Self {
        let stripped;
        let body = match article.body_text() {
            Some(text) => text,
            None => {
                stripped = article.bodies.first().map(|b| strip_tags(&b.value)).unwrap_or_default();
                stripped.as_str()
            }
        };
        Self::from_parts(article.headline().unwrap_or(""), body)
    }

    /// Lays out a headline and a plain-text body.
    pub fn from_parts(headline: &str, body: &str) -> Self {
        let mut text = String::with_capacity(headline.len() + body.len() + 8);
        text.push_str(headline.trim());
        let headline_range = 0..text.len();
        let mut paragraphs = Vec::new();
        for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            let start = text.len();
            text.push_str(line);
            paragraphs.push(start..text.len());
        }
        let mut all_sentences = Vec::new();
        if !headline_range.is_empty() {
            all_sentences.push(headline_range.clone());
        }
        for p in &paragraphs {
            sentences_into(&text[p.clone()], p.start, &mut all_sentences);
        }
        let tokens = tokenize(&text);
        Document { text, headline: headline_range, paragraphs, sentences: all_sentences, tokens }
    }

    /// The text of `range`.
    pub fn slice(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or("")
    }

    /// The body's text only (everything after the headline).
    pub fn body(&self) -> &str {
        self.paragraphs.first().map(|p| &self.text[p.start..]).unwrap_or("")
    }

    /// The sentence containing byte `at`, if any.
    pub fn sentence_at(&self, at: usize) -> Option<Range<usize>> {
        let i = self.sentences.partition_point(|s| s.end <= at);
        self.sentences.get(i).filter(|s| s.start <= at).cloned()
    }

    /// The index of the paragraph containing byte `at`, if any.
    pub fn paragraph_at(&self, at: usize) -> Option<usize> {
        let i = self.paragraphs.partition_point(|p| p.end <= at);
        self.paragraphs.get(i).filter(|p| p.start <= at).map(|_| i)
    }

    /// Whether byte `at` lies in the headline.
    pub fn in_headline(&self, at: usize) -> bool {
        self.headline.contains(&at)
    }

    /// Every token in lower case, computed once.
    pub fn lower_words(&self) -> LowerWords {
        let mut lower = String::with_capacity(self.text.len());
        let mut same_layout = true;
        let mut rest = self.text.as_str();
        loop {
            let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
            let from = lower.len();
            lower.push_str(&rest[..ascii]);
            lower[from..].make_ascii_lowercase();
            rest = &rest[ascii..];
            let Some(c) = rest.chars().next() else { break };
            for l in c.to_lowercase() {
                same_layout &= l.len_utf8() == c.len_utf8();
                lower.push(l);
            }
            rest = &rest[c.len_utf8()..];
        }
        same_layout &= lower.len() == self.text.len();
        if same_layout {
            LowerWords { text: lower, spans: self.tokens.iter().map(|t| (t.start, t.end)).collect(), owned: Vec::new() }
        } else {
            let owned: Vec<String> = self.tokens.iter().map(|t| t.text(&self.text).to_lowercase()).collect();
            LowerWords { text: String::new(), spans: Vec::new(), owned }
        }
    }

    /// The index of the first token starting at or after byte `at`.
    pub fn token_index_at(&self, at: usize) -> usize {
        self.tokens.partition_point(|t| t.start < at)
    }
}

/// The tokens of a [`Document`] in lower case.
#[derive(Debug, Clone)]
pub struct LowerWords {
    text: String,
    spans: Vec<(usize, usize)>,
    owned: Vec<String>,
}

impl LowerWords {
    /// One lower-case word per token.
    pub fn words(&self) -> Vec<&str> {
        if self.owned.is_empty() {
            self.spans.iter().map(|&(s, e)| self.text.get(s..e).unwrap_or("")).collect()
        } else {
            self.owned.iter().map(String::as_str).collect()
        }
    }
}

/// Text of an HTML body with its tags removed and block ends made line breaks.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                if matches!(name.as_str(), "p" | "br" | "div" | "h1" | "h2" | "h3" | "li" | "blockquote") {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_body_line_is_a_paragraph_after_the_headline() {
        let doc = Document::from_parts("Head line", "First para. Second sentence.\n\n  Second para.\nThird para.");
        assert_eq!(doc.slice(&doc.headline), "Head line");
        let paras: Vec<&str> = doc.paragraphs.iter().map(|p| doc.slice(p)).collect();
        assert_eq!(paras, ["First para. Second sentence.", "Second para.", "Third para."]);
        assert_eq!(doc.sentences.len(), 5);
        assert_eq!(doc.paragraph_at(doc.text.find("Second para").unwrap()), Some(1));
        assert!(doc.in_headline(2));
    }

    #[test]
    fn html_bodies_are_read_without_their_tags() {
        assert_eq!(strip_tags("<p>One &amp; two</p><p>Three</p>").lines().filter(|l| !l.is_empty()).collect::<Vec<_>>(), ["One & two", "Three"]);
    }
}
