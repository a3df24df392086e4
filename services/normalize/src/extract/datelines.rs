//! Datelines: the date a page shows as text near its headline or byline
//! ("By Jane Doe · Dec 17, 2025", "Published on July 18, 2025", "[Submitted
//! on 18 Dec 2025]"), in any element, whatever its class is called.
//!
//! A dateline is a short text (at most [`MAX_DATELINE_CHARS`]) holding a date
//! that cannot be misread: a month by name with its day and year, a year-first
//! numeric date, or a year-last numeric one (which the date reader reads only
//! when its order is certain). The texts nearest the page's first `<h1>` come
//! first (a dateline sits just above or under the headline; a date further
//! away is more likely a teaser's or a comment's), and nothing inside
//! navigation, footers, asides, forms or scripts is read.

use std::sync::LazyLock;

use dom_query::Document;
use regex::Regex;

use crate::text::clean;

/// The longest text read as a dateline (longer is a sentence or a block).
pub const MAX_DATELINE_CHARS: usize = 100;

/// How many datelines are returned at most.
const MAX_DATELINES: usize = 6;

/// Elements whose text may be a dateline.
const DATELINE_ELEMENTS: &str = "p, span, div, small, time, li, strong, em, b, i, td, dd, dt, address, header, legend, h2, h3, h4, h5, h6";

/// Where a date is never the article's.
const NOT_ARTICLE: &str = "nav, footer, aside, form, script, style, noscript, template, select, option, button";

/// A month by name or abbreviation, maybe with a dot.
const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";

/// A date inside a text, with the time (and zone) that may follow it.
static DATE_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    let day = r"\d{1,2}(?:st|nd|rd|th)?";
    let date = format!(
        r"(?:\b{MONTH}\s+{day},?\s+\d{{4}}|\b{day}\.?\s+(?:of\s+)?{MONTH},?\s+\d{{4}}|\b\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\b\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{4}})\b"
    );
    let time = r"(?:,?\s*(?:at\s+|@\s*|[-|·•]\s*)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\b\.?)?(?:\s+(?-i:[A-Z]{2,5})\b)?)?";
    Regex::new(&format!(r"(?i)(?P<date>{date})(?P<time>{time})")).expect("static regex")
});

/// The date (with its time when one follows) written in `text`, first the
/// whole of it then the date alone: `["Dec 20, 2025 at 3:00 am", "Dec 20, 2025"]`.
/// Empty when the text holds no date.
pub fn dates_in_text(text: &str) -> Vec<String> {
    let text = spaced(text);
    let Some(found) = DATE_IN_TEXT.captures(&text) else { return Vec::new() };
    let date = found["date"].trim().to_owned();
    let whole = found[0].trim().to_owned();
    if whole == date {
        vec![date]
    } else {
        vec![whole, date]
    }
}

/// `text` with a space where an element's text ran into the next one's: before
/// a capital that follows a lower-case letter or a digit ("HealthDECEMBER 22,
/// 2022Updated" from `<a>Health</a><span>DECEMBER 22, 2022</span><span>Updated`).
fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
            out.push(' ');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// The page's datelines as written (each as [`dates_in_text`] gives it, a
/// `<time>`'s `datetime` before its text), the
/// nearest to the first `<h1>` first (counted in elements, either side; after
/// it on a tie); in page order when the page has no `<h1>`. Beside the
/// headline, a date labelled as an update ([`UPDATE_LABELS`]) comes after
/// those that are not: "Dec 22, 2022 · Updated: Jan 2, 2026" was published on
/// the first, whichever of the two sits nearer the headline.
pub fn datelines(doc: &Document) -> Vec<String> {
    let (headline, found) = located(doc);
    let mut found: Vec<Dateline> = found;
    // Stable: page order within each group when there is no headline.
    found.sort_by_key(|(at, _, update)| headline.map(|h1| (at.abs_diff(h1) > BESIDE_HEADLINE, *update, at.abs_diff(h1), *at < h1)));
    first_dates(found.into_iter().map(|(at, dates, _)| (at, dates)).collect())
}

/// The datelines at most [`BESIDE_HEADLINE`] elements from the first `<h1>`,
/// the nearest first: where a page prints its byline date. A date labelled as
/// an update ("Updated Aug 21, 2025", see [`UPDATE_LABELS`]) is a version's,
/// not the story's, and is left out. Empty when the page has no `<h1>` (a
/// date without a headline to sit beside is no byline's).
pub fn beside_headline(doc: &Document) -> Vec<String> {
    let (Some(h1), found) = located(doc) else { return Vec::new() };
    let mut found: Vec<(usize, Vec<String>)> =
        found.into_iter().filter(|(at, _, update)| !update && at.abs_diff(h1) <= BESIDE_HEADLINE).map(|(at, dates, _)| (at, dates)).collect();
    found.sort_by_key(|(at, _)| (at.abs_diff(h1), *at < h1));
    first_dates(found)
}

/// Every date the page shows beside its headline, labelled as an update or
/// not, the nearest first (without an `<h1>`, its datelines in page order):
/// the dates a reader sees as the story's, read to tell which of the
/// metadata's times the page presents.
pub fn shown_beside_headline(doc: &Document) -> Vec<String> {
    let (headline, found) = located(doc);
    let Some(h1) = headline else { return first_dates(found.into_iter().map(|(at, dates, _)| (at, dates)).collect()) };
    let mut found: Vec<(usize, Vec<String>)> = found.into_iter().filter(|(at, _, _)| at.abs_diff(h1) <= BESIDE_HEADLINE).map(|(at, dates, _)| (at, dates)).collect();
    found.sort_by_key(|(at, _)| (at.abs_diff(h1), *at < h1));
    first_dates(found)
}

/// How far (in elements) from the headline a dateline counts as beside it.
pub const BESIDE_HEADLINE: usize = 25;

/// Phrases by which a page states when its story first appeared.
const FIRST_PUBLISHED_PHRASES: [&str; 3] = ["originally published", "first published", "originally posted"];

/// The longest text read for a statement of first publication.
const MAX_STATEMENT_CHARS: usize = 300;

/// How far after the phrase (in characters) its date may start.
const STATEMENT_REACH: usize = 40;

/// The date of a statement of first publication anywhere in the article ("This
/// article was originally published on 26 Sep 2019 at 4:12pm but has been
/// updated"), as [`dates_in_text`] gives it; empty when the page makes none.
/// Only a full date just after the phrase counts ("first published in 1851"
/// or "originally published by the Gazette" is not one).
pub fn first_published_statement(doc: &Document) -> Vec<String> {
    let Some(elements) = doc.try_select("p, div, span, small, em, i, aside p, figcaption") else { return Vec::new() };
    for element in elements.iter() {
        let text = clean(&element.text());
        if text.chars().count() > MAX_STATEMENT_CHARS || element.ancestors(None).is(NOT_STATEMENT) {
            continue;
        }
        let lower = text.to_lowercase();
        let Some(at) = FIRST_PUBLISHED_PHRASES.iter().find_map(|p| lower.find(p).map(|at| at + p.len())) else { continue };
        let Some(after) = text.get(at..) else { continue };
        let dates = dates_in_text(after);
        if dates.first().is_some_and(|d| after.find(d.as_str()).is_some_and(|start| start <= STATEMENT_REACH)) {
            return dates;
        }
    }
    Vec::new()
}

/// Any of [`FIRST_PUBLISHED_PHRASES`], in any case.
static FIRST_PUBLISHED_PHRASE: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("(?i){}", FIRST_PUBLISHED_PHRASES.join("|"))).expect("static regex"));

/// Whether the page's source holds a phrase of first publication at all: a
/// cheap test on the bytes, so that [`first_published_statement`]'s walk over
/// the elements is made only on the few pages that may state one.
pub fn may_state_first_publication(html: &str) -> bool {
    FIRST_PUBLISHED_PHRASE.is_match(html)
}

/// Where a statement of first publication is never the article's (a footer may hold one).
const NOT_STATEMENT: &str = "nav, form, script, style, noscript, template, select, option, button";

/// Words before a date that make it an update's date, not a publication's.
pub const UPDATE_LABELS: [&str; 6] = ["updat", "modif", "revis", "review", "edited", "refresh"];

/// A dateline: its element's position, its dates, and whether it is labelled as an update.
type Dateline = (usize, Vec<String>, bool);

/// The position of the first `<h1>` among the candidate elements, and every
/// dateline with its position and whether it is labelled as an update, in page order.
fn located(doc: &Document) -> (Option<usize>, Vec<Dateline>) {
    let Some(elements) = doc.try_select(&format!("h1, {DATELINE_ELEMENTS}")) else { return (None, Vec::new()) };
    let mut headline: Option<usize> = None;
    let mut found: Vec<Dateline> = Vec::new();
    for (at, element) in elements.iter().enumerate() {
        if element.is("h1") {
            headline = headline.or(Some(at));
            continue;
        }
        // A `<time>` says its date for machines too: that reading comes first.
        let mut dates: Vec<String> = element.is("time").then(|| element.attr("datetime")).flatten().map(|v| clean(&v)).filter(|v| !v.is_empty()).into_iter().collect();
        let text = clean(&element.text());
        if !text.is_empty() && text.chars().count() <= MAX_DATELINE_CHARS && text.chars().any(|c| c.is_ascii_digit()) {
            dates.extend(dates_in_text(&text));
        }
        if !dates.is_empty() && !element.ancestors(None).is(NOT_ARTICLE) {
            found.push((at, dates, labelled_update(&label_of(&element, &text))));
        }
    }
    (headline, found)
}

/// The words before the date of an element whose `text` is it: its own when
/// it has some ("Updated Aug 21, 2025"), else the parent's words just before
/// it (`<div>Updated <span>Aug 21, 2025</span></div>`).
fn label_of(element: &dom_query::Selection, text: &str) -> String {
    let own = text.split(|c: char| c.is_ascii_digit()).next().unwrap_or_default();
    if own.chars().any(char::is_alphabetic) && !dates_in_text(text).first().is_some_and(|d| text.starts_with(d.as_str())) {
        return own.to_owned();
    }
    let parent = clean(&element.parent().text());
    let before = parent.find(text).map_or("", |at| &parent[..at]);
    before.chars().rev().take(LABEL_CHARS).collect::<Vec<char>>().into_iter().rev().collect()
}

/// How many characters before a date are read for its label.
const LABEL_CHARS: usize = 30;

/// Whether `text` says "updated" (or the like, [`UPDATE_LABELS`]) before its first digit.
fn labelled_update(text: &str) -> bool {
    let before = text.split(|c: char| c.is_ascii_digit()).next().unwrap_or_default().to_lowercase();
    UPDATE_LABELS.iter().any(|label| before.contains(label))
}

/// The distinct dates of `found`, in its order, at most [`MAX_DATELINES`].
fn first_dates(found: Vec<(usize, Vec<String>)>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for date in found.into_iter().flat_map(|(_, dates)| dates) {
        if !out.contains(&date) {
            out.push(date);
        }
        if out.len() >= MAX_DATELINES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beside_the_headline_an_update_date_comes_after_the_publication_date() {
        let doc = Document::from(
            r#"<h1>Ten ways</h1><p class="dateline updated">Updated: JANUARY 02, 2026</p><p>By Jo Bloggs, DECEMBER 22, 2022</p><p>Story.</p>"#,
        );
        assert_eq!(datelines(&doc)[0], "DECEMBER 22, 2022", "{:?}", datelines(&doc));
        let filler: String = (0..30).map(|i| format!("<p>Paragraph {i}.</p>")).collect();
        let far = Document::from(format!(r#"<h1>Ten ways</h1><p>Updated: JANUARY 02, 2026</p>{filler}<p>Related: March 4, 2019</p>"#));
        assert_eq!(datelines(&far)[0], "JANUARY 02, 2026", "a date far from the headline is not preferred for want of a label");
    }

    #[test]
    fn the_dates_shown_beside_the_headline_include_update_dates() {
        let doc = Document::from(r#"<h1>Ten ways</h1><p>Updated: JANUARY 02, 2026</p><p>By Jo Bloggs, DECEMBER 22, 2022</p><p>Story.</p>"#);
        assert_eq!(shown_beside_headline(&doc), ["JANUARY 02, 2026", "DECEMBER 22, 2022"]);
        assert_eq!(beside_headline(&doc), ["DECEMBER 22, 2022"]);
    }

    #[test]
    fn a_date_is_found_inside_a_byline_or_a_label() {
        assert_eq!(dates_in_text("by: Ziyi Xu, Dec 17, 2025"), ["Dec 17, 2025"]);
        assert_eq!(dates_in_text("[Submitted on 18 Dec 2025]"), ["18 Dec 2025"]);
        assert_eq!(dates_in_text("Last updated on 17 December 2025"), ["17 December 2025"]);
        assert_eq!(dates_in_text("Essay - Published: 2025.12.17 |"), ["2025.12.17"]);
        assert_eq!(dates_in_text("Posted on the 15/12/2025 at 19:00 by Jo"), ["15/12/2025 at 19:00", "15/12/2025"]);
        assert_eq!(dates_in_text("by Amanda · Dec 20, 2025 at 3:00 am · Reviews"), ["Dec 20, 2025 at 3:00 am", "Dec 20, 2025"]);
        assert_eq!(dates_in_text("January 2, 2025, 9:06am CST"), ["January 2, 2025, 9:06am CST", "January 2, 2025"]);
        assert_eq!(dates_in_text("15th of December 2025"), ["15th of December 2025"]);
        // Texts of neighbouring elements run together.
        assert_eq!(dates_in_text("Mental HealthDECEMBER 22, 2022Updated: JANUARY 02, 2026"), ["DECEMBER 22, 2022"]);
    }

    #[test]
    fn text_without_a_full_date_gives_none() {
        for text in ["December 2025", "Top 10 of 2025", "Call 555-1234", "Chapter 12, 2025 edition", "May I help you 2025"] {
            assert!(dates_in_text(text).is_empty(), "{text}: {:?}", dates_in_text(text));
        }
    }

    #[test]
    fn the_dateline_nearest_the_headline_comes_first() {
        let doc = Document::from(
            r#"<body><div class="teaser"><span>March 3, 2024</span></div><p>Menu</p><p>More</p><p>Links</p>
            <h1>Harbour reopens</h1><p class="text-xl">December 15, 2025</p><p>A long paragraph of the story.</p>
            <p>More story.</p><p>Other posts</p><p>Jan 2, 2024</p></body>"#,
        );
        assert_eq!(datelines(&doc)[0], "December 15, 2025");
        let above = Document::from(r#"<body><header><span>Dec 17, 2025</span><h1>Harbour reopens</h1></header><p>Story.</p><p>Story.</p><p>Nov 25, 2025</p></body>"#);
        assert_eq!(datelines(&above)[0], "Dec 17, 2025");
    }

    #[test]
    fn dates_in_navigation_footers_and_long_texts_are_not_datelines() {
        let doc = Document::from(
            r#"<body><h1>Harbour reopens</h1><nav><span>June 1, 2024</span></nav>
            <p>On June 2, 2024 the harbour master said at some length that the ships would come back, and then they did, all of them.</p>
            <footer><p>June 3, 2024</p></footer></body>"#,
        );
        assert!(datelines(&doc).is_empty(), "{:?}", datelines(&doc));
    }

    #[test]
    fn only_a_dateline_near_the_headline_is_beside_it() {
        let filler: String = (0..30).map(|i| format!("<p>Paragraph {i}.</p>")).collect();
        let doc = Document::from(format!("<body><h1>Harbour reopens</h1><p>By Jo Bloggs</p><p>4 March 2019</p>{filler}<p>Jan 2, 2024</p></body>").as_str());
        assert_eq!(beside_headline(&doc), ["4 March 2019"]);
        let far = Document::from(format!("<body><h1>Harbour reopens</h1>{filler}<p>Jan 2, 2024</p></body>").as_str());
        assert!(beside_headline(&far).is_empty());
        assert!(beside_headline(&Document::from("<body><p>4 March 2019</p></body>")).is_empty(), "no headline, no byline");
    }

    #[test]
    fn a_statement_of_first_publication_gives_its_date() {
        let doc = Document::from(r#"<body><h1>Harbour reopens</h1><p>Story.</p><p>This story was originally published on 4 March 2019 at 9:30am and has been updated.</p></body>"#);
        assert_eq!(first_published_statement(&doc), ["4 March 2019 at 9:30am", "4 March 2019"]);
        assert!(may_state_first_publication("<p>Originally Published on 4 March 2019</p>"));
        assert!(!may_state_first_publication("<p>Published on 4 March 2019</p>"));
        for text in ["First published in 1851, the Gazette is still printed on March 4, 2019 presses.", "Originally published by the Harbour Gazette."] {
            let doc = Document::from(format!("<body><p>{text}</p></body>").as_str());
            assert!(first_published_statement(&doc).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_date_labelled_as_an_update_is_not_beside_the_headline() {
        let doc = Document::from(r#"<body><h1>Harbour reopens</h1><p>Last updated: 9 May 2024</p><p>Published 4 March 2019</p></body>"#);
        assert_eq!(beside_headline(&doc), ["4 March 2019"]);
        let inner = Document::from(r#"<body><h1>Harbour reopens</h1><div>Updated <span>9 May 2024</span></div></body>"#);
        assert!(beside_headline(&inner).is_empty(), "{:?}", beside_headline(&inner));
        assert_eq!(datelines(&doc)[0], "4 March 2019", "the publication date before the update's");
        assert_eq!(datelines(&inner)[0], "9 May 2024", "still the page's date when it shows no other");
    }

    #[test]
    fn a_time_element_gives_its_machine_reading_before_its_text() {
        let doc = Document::from(r#"<body><h1>Harbour reopens</h1><p>By Jo Bloggs <time datetime="2019-03-04T09:30:00Z">04/03/2019</time></p></body>"#);
        // The paragraph's own text comes first (nearer the headline), the `<time>` right after it.
        assert_eq!(beside_headline(&doc), ["04/03/2019", "2019-03-04T09:30:00Z"]);
        let bare = Document::from(r#"<body><h1>Harbour reopens</h1><time datetime="2019-03-04"></time></body>"#);
        assert_eq!(datelines(&bare), ["2019-03-04"]);
    }
}
