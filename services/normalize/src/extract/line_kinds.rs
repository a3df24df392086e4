//! Recognisers for the kinds of line a flattened news page is made of: UI
//! furniture (icon alt-texts, menu and share labels, notices), bare dates,
//! bylines and picture captions with their credits. General patterns, not
//! patterns for one site.

use std::sync::LazyLock;

use regex::Regex;

use super::credits;

/// A phrase naming an icon ("An icon of a desk calendar").
static ICON_PHRASE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)(an? )?icon(?-u:\b)").expect("static regex"));
/// A whole line that is a stock UI label.
static UI_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(advertisement|advert|sponsored|share( this( article| story| page)?)?|share on \w+|sign in|sign up|log ?in|log ?out|register|subscribe( now)?|menu|search|close|comments?|\d+ comments?|leave a comment|read more|more stories|related( articles| stories| content)?|cookies? (settings|policy)|accept( all)?( cookies)?|skip to (main )?content|follow us|newsletter|print|email|e-mail|facebook|twitter|whatsapp|linkedin|pinterest|telegram|reddit|copy link|back to top|next|previous|next post|previous post|image \d+ of \d+|\d+ / \d+|caption|loading\.*|explore further|tweet|pin( it)?|buffer|flipboard|\d+ shares?|shares?)$",
    )
    .expect("static regex")
});
/// Notices (cookies, subscriptions, sharing, copyright, related stories); only
/// short lines containing one count as furniture.
static NOTICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(cookies?|subscribe|unsubscribe|subscription|no comments|sign up|newsletter|advertisement|all rights reserved|copyright|share this|follow us|related (stories|articles)|read more|click here|terms (of|and) (use|service|conditions)|privacy policy)(?-u:\b)|©")
        .expect("static regex")
});
/// A signpost to another page: "Related: …", "SEE MORE: …", "Read more: …".
static SIGNPOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(related|read more|see more|see also|also read|read also|more|watch|listen|don'?t miss|recommended|most read|most popular|trending)\s*:")
        .expect("static regex")
});
/// A line that is only a picture credit: "Jane Doe | Bloomberg | Getty Images", "Photo: Jane Doe".
static BARE_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^((photo|photograph|image|picture|pic)s?\s*(:|by)\s*\S.*|.*(?-u:\b)(getty images|shutterstock|alamy|ap photo|afp|reuters|epa|pa wire|pa media)(?-u:\b).*)$")
        .expect("static regex")
});
/// Most words a bare credit line may have.
const CREDIT_MAX_WORDS: usize = 8;
/// Longest line a notice may be and still count as furniture.
const NOTICE_MAX_WORDS: usize = 25;

const MONTH: &str = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?";
/// A line that is only a date (optionally a label, weekday and time around it).
static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:[\w ]{{1,20}}:?\s+)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH},?\s+\d{{4}}|\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}})(?-u:\b).{{0,40}}$|^(?:updated\s+|published\s+)?\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago$"
    ))
    .expect("static regex")
});
/// Most words a date line may have.
const DATE_MAX_WORDS: usize = 12;
/// A labelled publication stamp: "PUBLISHED: 10:48, Tue, Nov 19, 2019 | UPDATED: …".
static STAMP_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(published|updated|posted|last updated|last modified|first published)(?-u:\b)[^.!?]{0,80}(?-u:\b)(19|20)\d{2}(?-u:\b)[^.!?]{0,60}$")
        .expect("static regex")
});
/// Most words a labelled publication stamp may have.
const STAMP_MAX_WORDS: usize = 20;
/// "By Jane Doe": a short line, not a sentence.
static BYLINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?i:by)\s+(\S[^.!?]{0,80})$").expect("static regex"));
/// Words that make a parenthesised aside at the end of a line a picture credit:
/// "(… via AP)", "(PA)", "(Image: Getty)".
static CREDIT_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(via|PA|AP|AFP|Reuters|Getty|Alamy|EPA|Shutterstock|photo|picture|image|credit|wire|press|agency|images)(?-u:\b)")
        .expect("static regex")
});
/// What one line of a page turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum LineKind {
    /// UI labels, notices, signposts, bare credits.
    Furniture,
    /// Only a date or time.
    Date,
    /// A picture caption and its credit (the caption may be empty).
    Caption(String, String),
    /// Possibly story text.
    Prose,
}

/// Classifies each line; a prose line followed by a bare credit line is that
/// picture's caption (and the credit line is furniture).
pub fn classify_lines(lines: &[String]) -> Vec<LineKind> {
    let mut kinds: Vec<LineKind> = Vec::with_capacity(lines.len());
    for line in lines {
        let kind = if is_ui_furniture(line) {
            LineKind::Furniture
        } else if is_date_line(line) {
            LineKind::Date
        } else if let Some(credit) = bare_credit(line) {
            let previous = kinds.len().checked_sub(1);
            if let Some(p) = previous.filter(|&p| kinds[p] == LineKind::Prose) {
                kinds[p] = LineKind::Caption(lines[p].clone(), credit);
            }
            LineKind::Furniture
        } else if let Some((caption, credit)) = caption_and_credit(line) {
            LineKind::Caption(caption, credit)
        } else {
            LineKind::Prose
        };
        kinds.push(kind);
    }
    kinds
}

/// A line that is page furniture rather than story. A label is furniture in
/// brackets too: flattened pages keep link and button texts as `[Skip to content]`.
pub fn is_ui_furniture(line: &str) -> bool {
    ICON_PHRASE.find_iter(line).count() >= 2
        || UI_LABEL.is_match(line)
        || UI_LABEL.is_match(unbracketed(line))
        || SIGNPOST.is_match(line)
        || (line.split_whitespace().count() < NOTICE_MAX_WORDS && NOTICE.is_match(line))
}

/// The line without one pair of enclosing brackets (`[…]`, `(…)`, `{…}`, `<…>`).
fn unbracketed(line: &str) -> &str {
    let pairs = [('[', ']'), ('(', ')'), ('{', '}'), ('<', '>')];
    pairs
        .iter()
        .find_map(|(open, close)| line.strip_prefix(*open).and_then(|l| l.strip_suffix(*close)))
        .map_or(line, str::trim)
}

/// A line that is only a picture credit (the caption, if any, is the line before).
pub fn bare_credit(line: &str) -> Option<String> {
    let short = line.split_whitespace().count() <= CREDIT_MAX_WORDS && !line.ends_with(['.', '!', '?']);
    (short && BARE_CREDIT.is_match(line)).then(|| {
        let credit = line.split_once(':').filter(|(label, _)| label.split_whitespace().count() == 1).map_or(line, |(_, c)| c);
        credit.trim().to_owned()
    })
}

/// A line holding only a date or time, such as "Wednesday November 20, 2019"
/// or "3 hours ago".
pub fn is_date_line(line: &str) -> bool {
    let words = line.split_whitespace().count();
    (words <= DATE_MAX_WORDS && DATE_LINE.is_match(line)) || (words <= STAMP_MAX_WORDS && STAMP_LINE.is_match(line))
}

/// Most words a byline's names may have.
const BYLINE_MAX_WORDS: usize = 10;

/// The name(s) in a "By …" line: cut before a date or time that follows them
/// ("By Jane Doe - 2019-04-10"), and only when what is left looks like a name
/// (starts with a capital letter, has no digits, a few words).
pub fn byline(line: &str) -> Option<String> {
    let captured = BYLINE.captures(line)?;
    let mut name = captured[1].trim();
    if let Some(digit_word) = name.split_whitespace().find(|w| w.contains(|c: char| c.is_ascii_digit())) {
        let cut = name.find(digit_word).unwrap_or(name.len());
        name = name[..cut].trim_end_matches([' ', '-', '|', '·', '•', ',', '–', '—']).trim();
    }
    let words = name.split_whitespace().count();
    let capitalised = name.chars().next().is_some_and(char::is_uppercase);
    (capitalised && (1..=BYLINE_MAX_WORDS).contains(&words)).then(|| name.to_owned())
}

/// A picture caption and its credit, when the line ends in one; a bare credit
/// line ("Photo: Jane Doe") has an empty caption.
pub fn caption_and_credit(line: &str) -> Option<(String, String)> {
    if let Some((caption, credit)) = credits::parenthesised(line) {
        let sentence_before = caption.ends_with(['.', '!', '?', '”', '"', ':']);
        if !sentence_before && CREDIT_WORD.is_match(credit) {
            return Some((caption.to_owned(), credit.to_owned()));
        }
        return None;
    }
    credits::labelled(line).map(|(caption, credit)| (caption.to_owned(), credit.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_labels_icon_runs_and_short_notices_are_furniture() {
        assert!(is_ui_furniture("Advertisement"));
        assert!(is_ui_furniture("Share on WhatsApp"));
        assert!(is_ui_furniture("Calendar An icon of a desk calendar. Cancel An icon of a circle"));
        assert!(is_ui_furniture("We use cookies to improve your experience."));
        assert!(!is_ui_furniture("The council said the harbour would reopen once the storm had passed and the wall was checked."));
    }

    #[test]
    fn signposts_and_share_counters_are_furniture() {
        assert!(is_ui_furniture("SEE MORE: Hong Kong protests: 800 students under siege"));
        assert!(is_ui_furniture("Related: Possible water plumes on Europa"));
        assert!(is_ui_furniture("258 Shares"));
        assert!(!is_ui_furniture("More than 800 students were trapped inside the university, police said."));
    }

    #[test]
    fn bare_credit_lines_are_recognised_and_sentences_are_not() {
        assert_eq!(bare_credit("Natalie Doe | Bloomberg | Getty Images").as_deref(), Some("Natalie Doe | Bloomberg | Getty Images"));
        assert_eq!(bare_credit("Photo: Gene Doe").as_deref(), Some("Gene Doe"));
        assert_eq!(bare_credit("Reuters reported that the talks had failed."), None);
        assert_eq!(bare_credit("The photo shows the harbour wall after the storm had passed"), None);
    }

    #[test]
    fn bare_dates_in_many_spellings_are_date_lines_but_sentences_with_dates_are_not() {
        for line in [
            "Wednesday November 20, 2019",
            "14 February 2022, 16:23 GMT",
            "Updated: Nov. 19, 2019 at 10:48 a.m.",
            "2019-11-20",
            "3 hours ago",
            "PUBLISHED: 10:48, Tue, Nov 19, 2019 | UPDATED: 11:05, Tue, Nov 19, 2019",
        ] {
            assert!(is_date_line(line), "{line}");
        }
        assert!(!is_date_line("On November 20, 2019 the harbour reopened after a storm that had closed it for days."));
    }

    #[test]
    fn bylines_lose_trailing_dates_and_must_look_like_names() {
        assert_eq!(byline("By Press Association").as_deref(), Some("Press Association"));
        assert_eq!(byline("By Jane Doe - 2018-09-16").as_deref(), Some("Jane Doe"));
        assert_eq!(byline("By Mike Wall 2019-11-18T20:51:19Z Science").as_deref(), Some("Mike Wall"));
        assert_eq!(byline("By DANICA KIRKA and JILL LAWLESS").as_deref(), Some("DANICA KIRKA and JILL LAWLESS"));
        assert_eq!(byline("by subject"), None);
        assert_eq!(byline("By noon, the harbour had emptied."), None);
    }

    #[test]
    fn captions_end_in_a_parenthesised_or_labelled_credit() {
        assert_eq!(caption_and_credit("The talks went on (PA)"), Some(("The talks went on".into(), "PA".into())));
        assert_eq!(
            caption_and_credit("A hibernation module for Mars. Credit: ESA"),
            Some(("A hibernation module for Mars.".into(), "ESA".into()))
        );
        assert_eq!(caption_and_credit("Photo: Gene Doe"), Some((String::new(), "Gene Doe".into())));
        assert!(caption_and_credit("He said it was over. (It was not, via nobody)").is_none());
        assert!(caption_and_credit("Prices rose sharply (see chart)").is_none());
    }

    #[test]
    fn a_ui_label_in_brackets_is_furniture_but_a_bracketed_sentence_is_not() {
        assert!(is_ui_furniture("[Skip to main content]"));
        assert!(is_ui_furniture("(Advertisement)"));
        assert!(is_ui_furniture("{ Share }"));
        assert!(!is_ui_furniture("[The minister said the harbour would reopen on Monday.]"));
    }
}
