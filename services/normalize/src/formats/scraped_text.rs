//! Scraped page text: a news page flattened to lines, UI boilerplate and all.
//!
//! General rules, not rules for one site: UI lines (icon alt-texts, share and
//! menu labels, notices) are dropped; the headline is the first substantial line;
//! a short "By …" line is the byline; a line that parses as a date is the
//! dateline; a line ending in a parenthesised photo credit is a picture caption;
//! the rest, in order, is the body.

use std::sync::LazyLock;

use chrono_tz::Tz;
use newswire_shared::article::{Article, Association, Text};
use regex::Regex;

use crate::dates;
use crate::text::clean;

/// A UI label: a phrase naming an icon, or a short stock label.
static ICON_PHRASE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\b(an? )?icon\b").expect("static regex"));
static UI_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(advertisement|advert|share( this( article| story)?)?|share on \w+|sign in|log ?in|subscribe( now)?|menu|search|close|comments?|read more|more stories|related( articles| stories)?|cookies? (settings|policy)|accept( all)?( cookies)?|skip to (main )?content|follow us|newsletter|print|email|facebook|twitter|whatsapp|linkedin|back to top)$",
    )
    .expect("static regex")
});
static BYLINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?i:by)\s+(\S.{0,80})$").expect("static regex"));
/// A caption ends with a parenthesised credit, e.g. "(… via AP)" or "(PA)".
static CAPTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(.{8,400}?)\s*\(([^()]{2,120})\)$").expect("static regex"));
static CREDIT_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(via|PA|AP|AFP|Reuters|Getty|Alamy|EPA|Shutterstock|photo|picture|image|credit|wire|press|agency|images)\b")
        .expect("static regex")
});

/// Parses scraped text. `zone` is the feed's zone for a dateline without offset.
pub fn parse(text: &str, zone: Tz) -> Article {
    let lines: Vec<String> = text.lines().map(clean).filter(|l| !l.is_empty()).collect();
    let mut article = Article::default();
    let mut body = Vec::new();
    let mut captions = Vec::new();
    let mut headline: Option<String> = None;
    for line in lines {
        if is_ui_boilerplate(&line) {
            continue;
        }
        if headline.is_none() {
            if looks_like_headline(&line) {
                headline = Some(line);
            }
            continue;
        }
        if article.by.is_none() && body.is_empty() {
            if let Some(by) = BYLINE.captures(&line).map(|c| c[1].trim().to_owned()) {
                article.by = Some(by);
                continue;
            }
        }
        if article.versioncreated.is_none() && body.is_empty() && line.len() <= 60 {
            if let Ok(t) = dates::parse_in_zone(&line, zone) {
                article.versioncreated = Some(t);
                article.firstcreated = Some(t);
                continue;
            }
        }
        if let Some((caption, credit)) = caption_and_credit(&line) {
            captions.push((caption, credit));
            continue;
        }
        body.push(line);
    }
    if let Some(h) = headline {
        article.headlines.push(Text::plain("main", h));
    }
    article.associations = captions
        .into_iter()
        .enumerate()
        .map(|(i, (caption, credit))| Association {
            name: format!("picture-{}", i + 1),
            uri: String::new(),
            kind: Some("picture".into()),
            descriptions: vec![Text::plain("caption", caption)],
            copyrightholder: Some(credit),
            by: None,
        })
        .collect();
    article.bodies = crate::formats::bodies_from_paragraphs(&body);
    article
}

/// A line that is page furniture rather than story.
fn is_ui_boilerplate(line: &str) -> bool {
    ICON_PHRASE.find_iter(line).count() >= 2 || UI_LABEL.is_match(line)
}

/// A headline is a line of a few words that is not itself a byline or a date.
fn looks_like_headline(line: &str) -> bool {
    let words = line.split_whitespace().count();
    (3..=30).contains(&words) && !BYLINE.is_match(line)
}

/// A caption: a line that ends in a parenthesised credit and has no sentence end before it.
fn caption_and_credit(line: &str) -> Option<(String, String)> {
    let captures = CAPTION.captures(line)?;
    let (caption, credit) = (captures[1].trim(), captures[2].trim());
    let sentence_before = caption.ends_with(['.', '!', '?', '”', '"', ':']);
    if sentence_before || !CREDIT_WORD.is_match(credit) {
        return None;
    }
    Some((caption.to_owned(), credit.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PA: &str = include_str!("../../../../tests/fixtures/pa-truss-lavrov-2022-02-14.txt");

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    #[test]
    fn pa_seed_gets_headline_byline_dateline_and_captions() {
        let a = parse(PA, london());
        assert_eq!(a.headline(), Some("Truss: ‘Russians didn’t like what I had to say’ in Lavrov meeting"));
        assert_eq!(a.by.as_deref(), Some("Press Association"));
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-02-14T16:23:00+00:00");
        assert_eq!(a.associations.len(), 2);
        assert_eq!(a.associations[0].copyrightholder.as_deref(), Some("Russian Foreign Ministry Press Service via AP"));
        let body = a.body_text().unwrap();
        assert!(body.starts_with("Liz Truss defended her decision"), "{body}");
        assert!(body.ends_with("position of our Nato allies.”"), "{body}");
        assert!(!body.contains("An icon of"));
        assert!(!body.contains("via AP)"));
    }

    #[test]
    fn ui_labels_and_icon_runs_are_dropped_anywhere() {
        let text = "Menu\nA quiet headline about harbours today\nShare\nBy Jane Doe\nThe harbour reopened.\nAdvertisement\nShips returned.";
        let a = parse(text, london());
        assert_eq!(a.headline(), Some("A quiet headline about harbours today"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.body_text(), Some("The harbour reopened.\n\nShips returned."));
    }

    #[test]
    fn a_parenthesis_ending_a_sentence_is_not_a_caption() {
        assert!(caption_and_credit("He said it was over. (It was not, via nobody)").is_none());
        assert!(caption_and_credit("The talks went on (PA)").is_some());
        assert!(caption_and_credit("Prices rose sharply (see chart)").is_none());
    }
}
