//! Plain text (`scraped-text`): a news page flattened to lines, UI
//! boilerplate and all, or clean agency copy.
//!
//! Which of the two a story is comes from its feed's declared kind
//! (`normalize.feed_kinds`), else from the page chrome found in it
//! ([`ChromeEvidence`]). Clean copy is kept whole ([`wire_copy`]). A page goes
//! through general rules, not rules for one site ([`line_kinds`],
//! [`line_density`]): UI lines (icon alt-texts, share and menu labels,
//! notices, signposts) are furniture; the headline is the first substantial
//! line; the story body is the densest run of sentence lines after it, with
//! the table rows and list items inside or right after it ([`is_table_row`]);
//! a short "By …" line before or among the first lines of the body is the
//! byline; a line that parses as a date before the body is the dateline; a
//! line ending in a photo credit, or followed by a bare credit line, is a
//! picture caption; everything else in the run, in order, is the body, its
//! lines grouped as [`SourceLines::paragraphs`] says. When no body is found in
//! a page that has lines after its headline, the whole text is kept
//! ([`body_fallback`]).
//!
//! [`line_kinds`]: crate::extract::line_kinds
//! [`wire_copy`]: crate::formats::wire_copy
//! [`body_fallback`]: crate::formats::body_fallback

use chrono_tz::Tz;
use newswire_shared::article::{Article, Text};

use crate::config::FeedKind;
use crate::dates;
use crate::extract::line_blocks::{ends_a_sentence, is_table_row, SourceLines};
use crate::extract::line_density::{self, LineRole};
use crate::extract::line_kinds::{byline, classify_lines, LineKind as Line};
use crate::extract::page_chrome::ChromeEvidence;
use crate::extract::page_meta::without_site_suffix;
use crate::extract::pictures;
use crate::formats::{body_fallback, wire_copy};

/// Most lines after the headline for a text to count as a brief.
const BRIEF_MAX_LINES: usize = 12;
/// How many body paragraphs may come before the byline.
pub(crate) const BYLINE_WITHIN_PARAGRAPHS: usize = 2;
/// Longest line read as a dateline.
pub(crate) const DATELINE_MAX_CHARS: usize = 60;
/// Most words a line between the story and a table row after it, or between rows, may have.
const ROW_GAP_MAX_WORDS: usize = 16;

/// Parses plain text whose kind is told apart by its content. `zone` is the
/// feed's zone for a dateline without offset.
pub fn parse(text: &str, zone: Tz) -> Article {
    parse_as(text, zone, None)
}

/// Parses plain text as `declared` (the feed's configured kind) or, when the
/// feed declares none, as what its page chrome says it is.
pub fn parse_as(text: &str, zone: Tz, declared: Option<FeedKind>) -> Article {
    let source = SourceLines::of(text);
    if declared == Some(FeedKind::Wire) {
        // Clean copy needs no line classification.
        return wire_copy::parse(&source, zone);
    }
    let kinds = classify_lines(&source.lines);
    let page = declared == Some(FeedKind::Scraper) || {
        let evidence = ChromeEvidence::of(&source.lines, &kinds);
        tracing::debug!(%evidence, page = evidence.is_page(), "told plain text apart");
        evidence.is_page()
    };
    if page {
        parse_page(&source, &kinds, zone)
    } else {
        wire_copy::parse(&source, zone)
    }
}

/// Parses a page flattened to text (see the module doc).
fn parse_page(source: &SourceLines, kinds: &[Line], zone: Tz) -> Article {
    let lines = &source.lines;
    let mut article = Article::default();
    let Some(headline_at) = (0..lines.len()).find(|&i| kinds[i] == Line::Prose && looks_like_headline(&lines[i])) else {
        return article;
    };
    article.headlines.push(Text::plain("main", headline(&lines[headline_at], &lines[headline_at + 1..])));
    let rest = headline_at + 1;
    let scores: Vec<i64> =
        lines[rest..].iter().zip(&kinds[rest..]).map(|(l, k)| line_density::score(l, role(l, k))).collect();
    let region = line_density::densest_region(&scores);
    // A brief (a few lines) with no line dense enough to be story prose keeps
    // every remaining prose line as its body; a longer text without any is
    // page furniture and has no body.
    let brief = lines.len() - rest <= BRIEF_MAX_LINES;
    let (body_start, body_end) = match (region.is_empty(), brief) {
        (true, true) => (rest, lines.len()),
        (true, false) => (rest, rest),
        (false, _) => (rest + region.start, with_rows_after(lines, kinds, rest + region.end)),
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
            Line::Prose if i >= body_start => body.push(i),
            _ => {}
        }
    }
    article.associations = pictures::associations(captions);
    article.bodies = crate::formats::bodies_from_paragraphs(&source.paragraphs(&body));
    if article.bodies.is_empty() && rest < lines.len() {
        let everything: Vec<usize> = (0..lines.len()).filter(|&i| i != headline_at).collect();
        let detail = format!("no story found in the {} lines after the headline; kept the whole text", lines.len() - rest);
        body_fallback::keep_whole_text(&mut article, &source.paragraphs(&everything), detail);
    }
    article
}

/// The end of the story region `end`, moved past the table rows and list
/// items right after it: a table that closes a story is the story's. One
/// short line that is not a sentence, or that leads in with a colon, may stand
/// before or between rows (a table's lead-in, sub-heading or column heads);
/// two such lines in a row, or a sentence, end the table.
fn with_rows_after(lines: &[String], kinds: &[Line], end: usize) -> usize {
    let mut extended = end;
    for i in end..lines.len() {
        let line = &lines[i];
        let sentence = ends_a_sentence(line) && !line.ends_with(':');
        if kinds[i] != Line::Prose || sentence || line.split_whitespace().count() > ROW_GAP_MAX_WORDS || i > extended + 1 {
            break;
        }
        if is_table_row(line) {
            extended = i + 1;
        }
    }
    extended
}

/// A line's role for the density score: a table row or list item is neutral,
/// so a table inside the story does not split it.
fn role(text: &str, line: &Line) -> LineRole {
    match line {
        Line::Furniture => LineRole::Furniture,
        Line::Date => LineRole::Date,
        Line::Caption(..) => LineRole::Neutral,
        Line::Prose if is_table_row(text) => LineRole::Neutral,
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
    fn a_long_page_without_any_story_prose_keeps_its_whole_text_and_records_the_problem() {
        let text = format!("A headline of some words\n{}", "Menu item here\n".repeat(50));
        let a = parse_as(&text, london(), Some(FeedKind::Scraper));
        assert_eq!(a.body_text().map(|b| b.matches("Menu item here").count()), Some(50));
        assert!(!a.body_text().unwrap_or_default().contains("A headline"), "the headline is not repeated in the body");
        let problem = &a.newswire.problems[0];
        assert_eq!((problem.field.as_str(), problem.kind.as_str()), ("body", "extraction_empty"), "{problem:?}");
    }

    #[test]
    fn a_results_table_and_a_list_inside_a_scraped_article_are_kept_with_every_row() {
        let rows = "1. Jane Doe (GBR) 3:58.12\n2. Ann Roe (USA) 3:59.40\n3. Kim Lee (KOR) 4:00.05\n4. Maria Rossi (ITA) 4:01.77\n5. Eva Berg (NOR) 4:02.10\n6. Lena Fox (GER) 4:03.00";
        let paragraph = "Jane Doe of Britain won the women's 1,500 metres at the Bislett Games on Friday evening in a meeting record time.";
        let text = format!(
            "Menu\nHome\nSport\nShare\nDoe wins the 1,500 metres in Oslo\n{paragraph}\nResults:\n{rows}\nDoe pulled clear of the field on the final bend and said she had known all week that she was in form.\nThe standings after five meetings:\nJane Doe 32\nAnn Roe 28\nKim Lee 21\nRelated stories\nAdvertisement"
        );
        let a = parse(&text, london());
        let body = a.body_text().unwrap_or_default();
        assert!(body.starts_with(paragraph), "{body}");
        assert!(body.contains(&format!("Results:\n\n{rows}\n\nDoe pulled clear")), "the table inside the story keeps its rows, in order: {body}");
        assert!(body.ends_with("The standings after five meetings:\n\nJane Doe 32\nAnn Roe 28\nKim Lee 21"), "a table closing the story is the story's: {body}");
        assert!(!body.contains("Related") && !body.contains("Menu") && !body.contains("Advertisement"), "{body}");
    }

    #[test]
    fn clean_wire_copy_is_told_apart_from_a_page_and_kept_whole_unless_the_feed_says_scraper() {
        let text = include_str!("../../../../tests/fixtures/normalize/wire-copy-results.txt");
        let a = parse(text, london());
        assert_eq!(a.headline(), Some("ATHLETICS - DOE WINS 1,500 METRES IN RECORD TIME"));
        let body = a.body_text().unwrap_or_default();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(body.lines().filter(|l| !l.is_empty()).collect::<Vec<_>>(), lines, "every line, in order");
        assert!(body.starts_with("OSLO (Newswire) - Jane Doe"), "the wire dateline stays in the body: {body}");
        let as_page = parse_as(text, london(), Some(FeedKind::Scraper));
        assert!(as_page.body_text().unwrap_or_default().lines().filter(|l| !l.is_empty()).count() < lines.len(), "the declared kind wins");
    }

    #[test]
    fn a_feed_declared_wire_keeps_lines_a_page_would_drop() {
        let text = "Harbour reopens after the storm\nShare\nThe harbour reopened on Monday.\nAdvertisement\nShips came back.";
        assert!(!parse(text, london()).body_text().unwrap_or_default().contains("Share"), "detected as a page");
        let a = parse_as(text, london(), Some(FeedKind::Wire));
        assert_eq!(a.body_text(), Some("Share\n\nThe harbour reopened on Monday.\n\nAdvertisement\n\nShips came back."));
    }

    #[test]
    fn a_page_that_ends_at_its_headline_has_no_body_and_no_problem() {
        let a = parse_as("Menu\nShare\nA headline of some words", london(), Some(FeedKind::Scraper));
        assert_eq!(a.headline(), Some("A headline of some words"));
        assert_eq!((a.body_text(), a.newswire.problems.len()), (None, 0));
    }

    #[test]
    fn a_text_without_a_headline_gives_an_empty_article() {
        assert_eq!(parse("Menu\nShare\n", london()), Article::default());
    }
}
