//! Scraped page text: a news page flattened to lines, UI boilerplate and all.
//!
//! General rules, not rules for one site ([`line_kinds`], [`line_density`]):
//! UI lines (icon alt-texts, share and menu labels, notices, signposts) are
//! furniture; the headline is the first substantial line; the story body is
//! the densest run of sentence lines after it; a short "By …" line before or
//! among the first lines of the body is the byline; a line that parses as a
//! date before the body is the dateline; a line ending in a photo credit, or
//! followed by a bare credit line, is a picture caption; everything else in
//! the run, in order, is the body.

use chrono_tz::Tz;
use newswire_shared::article::{Article, Text};

use crate::dates;
use crate::extract::line_density::{self, LineRole};
use crate::extract::line_kinds::{byline, classify_lines, LineKind as Line};
use crate::extract::page_meta::without_site_suffix;
use crate::extract::pictures;
use crate::text::clean;

/// Most lines after the headline for a text to count as a brief.
const BRIEF_MAX_LINES: usize = 12;
/// How many body paragraphs may come before the byline.
const BYLINE_WITHIN_PARAGRAPHS: usize = 2;
/// Longest line read as a dateline.
const DATELINE_MAX_CHARS: usize = 60;

/// Parses scraped text. `zone` is the feed's zone for a dateline without offset.
pub fn parse(text: &str, zone: Tz) -> Article {
    let lines: Vec<String> = text.lines().map(clean).filter(|l| !l.is_empty()).collect();
    let kinds = classify_lines(&lines);
    let mut article = Article::default();
    let Some(headline_at) = (0..lines.len()).find(|&i| kinds[i] == Line::Prose && looks_like_headline(&lines[i])) else {
        return article;
    };
    article.headlines.push(Text::plain("main", headline(&lines[headline_at], &lines[headline_at + 1..])));
    let rest = headline_at + 1;
    let scores: Vec<i64> = lines[rest..].iter().zip(&kinds[rest..]).map(|(l, k)| line_density::score(l, role(k))).collect();
    let region = line_density::densest_region(&scores);
    // A brief (a few lines) with no line dense enough to be story prose keeps
    // every remaining prose line as its body; a longer text without any is
    // page furniture and has no body.
    let brief = lines.len() - rest <= BRIEF_MAX_LINES;
    let (body_start, body_end) = match (region.is_empty(), brief) {
        (true, true) => (rest, lines.len()),
        (true, false) => (rest, rest),
        (false, _) => (rest + region.start, rest + region.end),
    };

    let mut body = Vec::new();
    let mut captions = Vec::new();
    for i in rest..body_end {
        let line = &lines[i];
        let before_body = body.is_empty();
        // A standfirst may come before the byline, so the byline is looked for
        // in the first few lines of the story too.
        if body.len() <= BYLINE_WITHIN_PARAGRAPHS && article.by.is_none() {
            if let Some(by) = byline(line) {
                article.by = Some(by);
                continue;
            }
        }
        if before_body && article.versioncreated.is_none() && line.len() <= DATELINE_MAX_CHARS {
            if let Ok(t) = dates::parse_in_zone(line, zone) {
                article.versioncreated = Some(t);
                article.firstcreated = Some(t);
                continue;
            }
        }
        match &kinds[i] {
            Line::Caption(caption, credit) if !caption.is_empty() => captions.push((caption.clone(), Some(credit.clone()))),
            Line::Prose if i >= body_start => body.push(line.clone()),
            _ => {}
        }
    }
    article.associations = pictures::associations(captions);
    article.bodies = crate::formats::bodies_from_paragraphs(&body);
    article
}

fn role(line: &Line) -> LineRole {
    match line {
        Line::Furniture => LineRole::Furniture,
        Line::Date => LineRole::Date,
        Line::Caption(..) => LineRole::Neutral,
        Line::Prose => LineRole::Prose,
    }
}

/// The headline line, less a site suffix ("… - WSJ") when the page repeats
/// the headline without it further down (a `<title>` followed by its `<h1>`).
fn headline(line: &str, later: &[String]) -> String {
    let stripped = without_site_suffix(line);
    if stripped != line && later.contains(&stripped) {
        stripped
    } else {
        line.to_owned()
    }
}

/// A headline is a line of a few words that is not itself a byline.
fn looks_like_headline(line: &str) -> bool {
    let words = line.split_whitespace().count();
    (3..=30).contains(&words) && byline(line).is_none()
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
        let text = "Menu\nA quiet headline about harbours today\nShare\nBy Jane Doe\nThe harbour reopened on Monday after the storm, the council said.\nAdvertisement\nShips returned to the harbour within hours, and the fish market opened again.";
        let a = parse(text, london());
        assert_eq!(a.headline(), Some("A quiet headline about harbours today"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(
            a.body_text(),
            Some("The harbour reopened on Monday after the storm, the council said.\n\nShips returned to the harbour within hours, and the fish market opened again.")
        );
    }

    #[test]
    fn navigation_before_and_teaser_lists_after_the_story_are_not_body() {
        let story = "The harbour reopened on Monday after a storm that closed it for three days, the council said.\nShips queued outside the bay overnight and began to come in at first light, officials said.\nRepairs\nEngineers will now inspect the sea wall, which was damaged in two places by the waves.";
        let teasers = (1..=4)
            .map(|i| format!("Other story number {i} about something else\nJohn Roe\nWednesday November 20, 2019\nThis is the teaser sentence of another story that is listed under the article as related reading."))
            .collect::<Vec<_>>()
            .join("\n");
        let text = format!(
            "Example News\nHome\nWorld\nBusiness\nSport\nHarbour reopens after the storm\n{story}\nTags\nWeather\nMore stories\n{teasers}"
        );
        let a = parse(&text, london());
        let body = a.body_text().unwrap();
        assert!(body.starts_with("The harbour reopened"), "{body}");
        assert!(body.contains("\n\nRepairs\n\n"), "a sub-heading inside the story is kept: {body}");
        assert!(body.ends_with("damaged in two places by the waves."), "{body}");
    }

    #[test]
    fn a_line_followed_by_a_bare_credit_is_a_caption() {
        let text = "Harbour reopens after the storm\nThe harbour reopened on Monday after a storm that closed it for three days, the council said.\nShips wait outside the harbour wall\nJane Doe | Getty Images\nShips queued outside the bay overnight and began to come in at first light, officials said.";
        let a = parse(text, london());
        assert_eq!(a.associations.len(), 1);
        assert_eq!(a.associations[0].descriptions[0].value, "Ships wait outside the harbour wall");
        assert_eq!(a.associations[0].copyrightholder.as_deref(), Some("Jane Doe | Getty Images"));
        assert!(!a.body_text().unwrap().contains("Getty"));
    }

    #[test]
    fn a_title_with_a_site_suffix_gives_way_to_the_headline_repeated_below_it() {
        let text = "Harbour reopens after the storm - Example News\nHome\nHarbour reopens after the storm\nThe harbour reopened on Monday after a storm that closed it for three days, the council said.";
        assert_eq!(parse(text, london()).headline(), Some("Harbour reopens after the storm"));
        let alone =
            "Harbour reopens after the storm - Example News\nThe harbour reopened on Monday after a storm that closed it for three days.";
        assert_eq!(parse(alone, london()).headline(), Some("Harbour reopens after the storm - Example News"));
    }

    #[test]
    fn a_brief_without_dense_prose_keeps_all_its_lines_as_body() {
        let a = parse("A headline of some words\n\nBy Someone\n\nThe body.\nIt is short.", london());
        assert_eq!(a.by.as_deref(), Some("Someone"));
        assert_eq!(a.body_text(), Some("The body.\n\nIt is short."));
    }

    #[test]
    fn a_long_text_without_any_prose_has_no_body() {
        let text = format!("A headline of some words\n{}", "Menu item here\n".repeat(50));
        assert_eq!(parse(&text, london()).body_text(), None);
    }

    #[test]
    fn a_text_without_a_headline_gives_an_empty_article() {
        assert_eq!(parse("Menu\nShare\n", london()), Article::default());
    }
}
