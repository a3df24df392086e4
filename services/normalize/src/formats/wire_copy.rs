//! Clean agency copy sent as plain text: every line is the story's.
//!
//! Agency copy has no page chrome to remove, and its short lines are the story
//! (results tables, scoreboards, market tables, lists of names), so nothing is
//! cut: the headline is the first line (its first sentence when the line is a
//! whole paragraph; none when not even that is headline-sized, and then every
//! line is body); a "By …" line before the body or among its first lines is
//! the byline, a line that is only a readable date before the body is the
//! dateline; a UI label above the headline (`[Skip to content]`) is left out; every other line is body, in order, grouped into paragraphs by
//! [`SourceLines::paragraphs`] (a table keeps its rows together). An opening
//! wire dateline such as `LONDON (Reuters) - …` is body text: enrich reads it.

use chrono_tz::Tz;
use newswire_shared::article::{Article, Text};

use crate::dates;
use crate::extract::line_blocks::SourceLines;
use crate::extract::line_kinds::{byline, is_date_line, is_ui_furniture};
use crate::formats::scraped_text::{BYLINE_WITHIN_PARAGRAPHS, DATELINE_MAX_CHARS};

/// Most words a headline has; a longer first line is a paragraph, and its
/// first sentence is the headline.
const HEADLINE_MAX_WORDS: usize = 30;
/// Most characters a headline has (a giant unbroken "word" is not one).
const HEADLINE_MAX_CHARS: usize = 300;

/// Parses clean copy. `zone` is the feed's zone for a dateline without offset.
pub fn parse(source: &SourceLines, zone: Tz) -> Article {
    let lines = &source.lines;
    let mut article = Article::default();
    let Some(first) = lines.iter().position(|l| byline(l).is_none() && !is_date_line(l) && !is_ui_furniture(l)) else {
        return article;
    };
    // No headline-sized first line or sentence: every line is body.
    let (headline_at, lead_rest) = match headline_and_rest(&lines[first]) {
        Some((headline, rest)) => {
            article.headlines.push(Text::plain("main", headline));
            (Some(first), rest)
        }
        None => (None, None),
    };
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let mut body_lines = usize::from(lead_rest.is_some());
    for (i, line) in lines.iter().enumerate() {
        if Some(i) == headline_at || (i < first && is_ui_furniture(line)) {
            // A UI label above the story (`[Skip to content]`) is a scrape's leftover, not copy.
            continue;
        }
        if body_lines <= BYLINE_WITHIN_PARAGRAPHS && article.by.is_none() {
            if let Some(by) = byline(line) {
                article.by = Some(by);
                continue;
            }
        }
        if body_lines == 0 && article.versioncreated.is_none() && line.len() <= DATELINE_MAX_CHARS {
            if let Ok(t) = dates::parse_in_zone(line, zone) {
                article.versioncreated = Some(t);
                article.firstcreated = Some(t);
                continue;
            }
        }
        if headline_at.is_some_and(|h| i < h) {
            before.push(i);
        } else {
            after.push(i);
            body_lines += 1;
        }
    }
    let mut body = source.paragraphs(&before);
    body.extend(lead_rest);
    body.extend(source.paragraphs(&after));
    article.bodies = crate::formats::bodies_from_paragraphs(&body);
    article
}

/// The headline from the first line, and what of the line is left for the
/// body when the line is a whole paragraph (more than [`HEADLINE_MAX_WORDS`]
/// words): its first sentence is the headline, the rest stays body. `None`
/// when neither the line nor its first sentence is headline-sized.
fn headline_and_rest(line: &str) -> Option<(String, Option<String>)> {
    let fits = |text: &str| text.len() <= HEADLINE_MAX_CHARS && text.split_whitespace().count() <= HEADLINE_MAX_WORDS;
    if fits(line) {
        return Some((line.to_owned(), None));
    }
    let end = line.match_indices(['.', '!', '?']).map(|(i, m)| i + m.len()).find(|&end| line[end..].starts_with(' '))?;
    let (sentence, rest) = (&line[..end], line[end..].trim());
    fits(sentence).then(|| (sentence.to_owned(), Some(rest.to_owned()).filter(|r| !r.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Article {
        parse(&SourceLines::of(text), Tz::UTC)
    }

    #[test]
    fn a_story_of_one_sentence_a_line_keeps_every_line_as_a_paragraph_and_its_dateline() {
        let a = parse_text(
            "UK inflation rises to 3.2 percent\nLONDON (Reuters) - British inflation rose to 3.2 percent in July, official figures showed on Tuesday.\nPetrol prices pushed the rate up.\nEconomists had expected 3.0 percent.",
        );
        assert_eq!(a.headline(), Some("UK inflation rises to 3.2 percent"));
        assert_eq!(
            a.body_text(),
            Some("LONDON (Reuters) - British inflation rose to 3.2 percent in July, official figures showed on Tuesday.\n\nPetrol prices pushed the rate up.\n\nEconomists had expected 3.0 percent.")
        );
    }

    #[test]
    fn a_results_table_keeps_every_row_in_order_as_one_block() {
        let a = parse_text("Swimming - women's 200m freestyle final\nResults on Sunday:\n1. Jane Doe (GBR) 2:03.45\n2. Ann Roe (USA) 2:03.90\n3. Kim Lee (KOR) 2:04.12\nDoe's time is a British record.");
        assert_eq!(
            a.body_text(),
            Some("Results on Sunday:\n\n1. Jane Doe (GBR) 2:03.45\n2. Ann Roe (USA) 2:03.90\n3. Kim Lee (KOR) 2:04.12\n\nDoe's time is a British record.")
        );
        assert!(
            a.bodies[1].value.contains("<p>1. Jane Doe (GBR) 2:03.45<br>2. Ann Roe (USA) 2:03.90<br>3. Kim Lee (KOR) 2:04.12</p>"),
            "{}",
            a.bodies[1].value
        );
    }

    #[test]
    fn a_scoreboard_keeps_its_sub_headings_and_scores() {
        let a = parse_text("SOCCER - ENGLISH LEAGUE RESULTS\nLONDON 1996-08-30\nResults of English league matches on Friday:\nDivision two\nPlymouth 2 Preston 1\n\nDivision three\nSwansea 1 Lincoln 2");
        assert_eq!(
            a.body_text(),
            Some("LONDON 1996-08-30\n\nResults of English league matches on Friday:\n\nDivision two\nPlymouth 2 Preston 1\n\nDivision three\nSwansea 1 Lincoln 2")
        );
        assert_eq!(a.versioncreated, None, "a place and a date is a wire dateline, kept as body text");
    }

    #[test]
    fn a_market_table_keeps_every_row() {
        let a = parse_text("Dollar firm in early trade\nThe dollar was firm in early European trade.\nDollar/mark 1.4785 1.4795\nDollar/yen 107.45 107.55\nSterling 1.5530 1.5540");
        let body = a.body_text().unwrap_or_default();
        assert!(body.ends_with("Dollar/mark 1.4785 1.4795\nDollar/yen 107.45 107.55\nSterling 1.5530 1.5540"), "{body}");
    }

    #[test]
    fn a_list_of_names_is_kept_as_one_block() {
        let a = parse_text("England name squad for the tour\nBy Jane Doe\nThe squad is:\nMike Atherton\nAlec Stewart\nDarren Gough");
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.body_text(), Some("The squad is:\n\nMike Atherton\nAlec Stewart\nDarren Gough"));
    }

    #[test]
    fn a_first_line_that_is_a_whole_paragraph_gives_its_first_sentence_as_headline_and_keeps_the_rest() {
        let lead = format!(
            "The harbour reopened on Monday. {}",
            "Ships came back and the market opened again within hours of the news. ".repeat(3)
        );
        let a = parse_text(&format!("{lead}\nMore later."));
        assert_eq!(a.headline(), Some("The harbour reopened on Monday."));
        let body = a.body_text().unwrap_or_default();
        assert!(body.starts_with("Ships came back and the market"), "{body}");
        assert!(body.ends_with("\n\nMore later."), "{body}");
    }

    #[test]
    fn a_text_without_a_headline_sized_first_line_keeps_every_line_as_body() {
        let giant = "a".repeat(5000);
        let a = parse_text(&format!("{giant}\nSecond line."));
        assert_eq!(a.headline(), None);
        assert_eq!(a.body_text().map(str::len), Some(5000 + 2 + "Second line.".len()));
    }

    #[test]
    fn a_readable_date_before_the_body_is_the_dateline_and_a_short_first_line_is_still_the_headline() {
        let a = parse_text("Results\nFebruary 14, 2022, 4:23 pm\nPlymouth 2 Preston 1");
        assert_eq!(a.headline(), Some("Results"));
        assert_eq!(a.versioncreated.map(|t| t.to_rfc3339()), Some("2022-02-14T16:23:00+00:00".into()));
        assert_eq!(a.body_text(), Some("Plymouth 2 Preston 1"));
    }

    #[test]
    fn a_ui_label_above_the_headline_is_left_out_and_the_story_below_is_kept_whole() {
        let a = parse_text("[Skip to main content]\nHarbour reopens after the storm\nThe harbour reopened on Monday.\nShips came back.");
        assert_eq!(a.headline(), Some("Harbour reopens after the storm"));
        assert_eq!(a.body_text(), Some("The harbour reopened on Monday.\n\nShips came back."));
    }
}
