//! Limits that keep hostile HTML from hanging the stage or blowing its stack.
//!
//! A cheap linear scan runs before any parser: it rejects pages that are too
//! large, have too many tags, or nest elements too deeply. Elements whose end
//! tag is optional (`p`, `li`, `td`, …) and void elements do not count towards
//! the depth, so ordinary sloppy HTML passes; the contents of `script`, `style`
//! and comments are skipped, so markup inside them counts for nothing.

use newswire_shared::stage::StageError;

/// The bounds a page must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtmlLimits {
    /// Largest page accepted, in bytes.
    pub max_bytes: usize,
    /// Most start tags accepted.
    pub max_tags: usize,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
}

impl Default for HtmlLimits {
    /// 8 MiB, 100,000 tags, 512 levels: far above real news pages (the
    /// benchmark's largest is 1.4 MB with ~12,000 tags and depth under 60).
    fn default() -> Self {
        HtmlLimits { max_bytes: 8 << 20, max_tags: 100_000, max_depth: 512 }
    }
}

/// Elements without content.
const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
/// Elements whose end tag may be left out; they do not add depth.
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "colgroup", "rb", "rt", "rp", "html", "head",
    "body",
];
/// Elements whose content is raw text up to their end tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript", "iframe", "noembed", "plaintext"];

impl HtmlLimits {
    /// Checks `html` against the limits; over one is an `html_too_large`,
    /// `html_too_many_tags` or `html_too_deep` error saying where.
    pub fn check(&self, html: &str) -> Result<(), StageError> {
        if html.len() > self.max_bytes {
            return Err(StageError::new(
                "html_too_large",
                format!("the page has {} bytes, more than the limit of {}", html.len(), self.max_bytes),
            ));
        }
        let bytes = html.as_bytes();
        let (mut i, mut depth, mut tags) = (0usize, 0usize, 0usize);
        while let Some(offset) = memchr_lt(&bytes[i..]) {
            i += offset;
            if bytes[i..].starts_with(b"<!--") {
                i = find(bytes, i + 4, b"-->").map_or(bytes.len(), |end| end + 3);
                continue;
            }
            let closing = bytes.get(i + 1) == Some(&b'/');
            let name_start = if closing { i + 2 } else { i + 1 };
            let name_end = bytes[name_start..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b':'))
                .map_or(bytes.len(), |p| name_start + p);
            if name_end == name_start || !bytes[name_start].is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            let name = html[name_start..name_end].to_ascii_lowercase();
            let tag_end = find(bytes, name_end, b">").map_or(bytes.len(), |end| end + 1);
            let self_closing = tag_end >= 2 && bytes[tag_end - 2] == b'/';
            i = tag_end;
            if closing {
                if !VOID.contains(&name.as_str()) && !OPTIONAL_END.contains(&name.as_str()) {
                    depth = depth.saturating_sub(1);
                }
                continue;
            }
            tags += 1;
            if tags > self.max_tags {
                return Err(StageError::new("html_too_many_tags", format!("more than {} tags (at byte {name_start})", self.max_tags)));
            }
            if RAW_TEXT.contains(&name.as_str()) {
                i = find_end_tag(html, i, &name);
                continue;
            }
            if self_closing || VOID.contains(&name.as_str()) || OPTIONAL_END.contains(&name.as_str()) {
                continue;
            }
            depth += 1;
            if depth > self.max_depth {
                return Err(StageError::new(
                    "html_too_deep",
                    format!("elements nest more than {} deep (at <{name}>, byte {name_start})", self.max_depth),
                ));
            }
        }
        Ok(())
    }
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| *b == b'<')
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

/// The byte after `</name …>` (ASCII case-insensitive), or the end of the text.
fn find_end_tag(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(p) = find(bytes, i, b"</") {
        let start = p + 2;
        let end = start + name.len();
        if bytes.get(start..end).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes())) {
            return find(bytes, end, b">").map_or(bytes.len(), |e| e + 1);
        }
        i = start;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_thousand_nested_tags_are_rejected_as_too_deep() {
        let html = format!("<html><body>{}x{}</body></html>", "<div>".repeat(50_000), "</div>".repeat(50_000));
        let err = HtmlLimits::default().check(&html).unwrap_err();
        assert_eq!(err.reason, "html_too_deep");
        assert!(err.detail.contains("<div>"), "{}", err.detail);
    }

    #[test]
    fn unclosed_paragraphs_and_void_elements_do_not_count_as_depth() {
        let html = format!("<div>{}</div>", "<p>para<br><img src=x>".repeat(5_000));
        assert_eq!(HtmlLimits::default().check(&html), Ok(()));
    }

    #[test]
    fn markup_inside_scripts_and_comments_is_not_counted() {
        let inner = "<div>".repeat(10_000);
        let html = format!("<script>var s = '{inner}';</script><!-- {inner} --><p>ok</p>");
        assert_eq!(HtmlLimits::default().check(&html), Ok(()));
    }

    #[test]
    fn too_many_bytes_or_tags_are_errors_with_their_own_reason() {
        let small = HtmlLimits { max_bytes: 30, max_tags: 3, max_depth: 10 };
        assert_eq!(small.check("<p>1234567890123456789012345678901</p>").unwrap_err().reason, "html_too_large");
        assert_eq!(small.check("<b></b><i></i><u></u><s>").unwrap_err().reason, "html_too_many_tags");
    }

    #[test]
    fn a_lone_less_than_sign_and_an_unterminated_tag_are_harmless() {
        assert_eq!(HtmlLimits::default().check("1 < 2 and <div"), Ok(()));
    }
}
