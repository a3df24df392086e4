//! Is a `text/plain` story a web page flattened to text, or clean copy?
//!
//! Both arrive as `text/plain`; only a page has chrome around its story. The
//! evidence is what [`line_kinds`](super::line_kinds) already recognises, plus
//! repetition, counted in one pass over the lines. Chrome proper:
//!
//! - furniture lines: icon alt-texts, menu, share, cookie and subscription
//!   labels, signposts ("Related: …"), bare picture credits (a credit line
//!   under a caption counts twice: a picture and its credit);
//! - picture captions ending in a credit (copy sent as text has no pictures);
//! - a first line repeated further down, as it is or less a site suffix
//!   ("… - Example News"): a page's `<title>` above its `<h1>`. This alone is
//!   enough.
//!
//! And, only where there is chrome proper (tables repeat their headings and
//! scorecards are full of things that read as dates, so these alone say
//! nothing):
//!
//! - short lines that occur more than once (menus, tag lists and teaser
//!   bylines repeat);
//! - bare date lines after the first (lists of other stories repeat them).
//!
//! A last line that signs off — a copyright notice or a credit line ("Copyright
//! 2022 The Associated Press. All rights reserved.", "-- Reuters Ottawa Bureau
//! (613) 235-6745") — is left out when story text comes before it: agency copy
//! ends that way, and a page has chrome elsewhere too. A closing UI label
//! ("Related stories") still counts. One piece of evidence is not enough
//! ([`PAGE_EVIDENCE_MIN`]).

use std::collections::HashMap;
use std::fmt;

use super::line_blocks::ends_a_sentence;
use super::line_kinds::{bare_credit, LineKind};
use super::page_meta::without_site_suffix;

/// Evidence at or above which a text is a page dump. Measured with
/// `wire-text-eval --evidence`: the 31 pages of `../shared/extraction-dev/text`
/// have 5 or more, the PA seed 3; the 216 CoNLL-2003 valid
/// stories as wire copy (`wire-text-eval`) 0 each.
pub const PAGE_EVIDENCE_MIN: usize = 2;
/// Most words a line may have to count as a repeated short (navigation) line.
const SHORT_LINE_MAX_WORDS: usize = 4;
/// Fewest words a first line repeated below must have to be a page title.
const TITLE_MIN_WORDS: usize = 3;

/// What a text showed of page chrome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChromeEvidence {
    /// UI furniture lines (icon alt-texts, labels, notices, signposts, bare credits).
    pub furniture: usize,
    /// Picture captions ending in a credit.
    pub captions: usize,
    /// Bare date lines after the first.
    pub extra_dates: usize,
    /// Distinct short, unpunctuated lines that occur more than once.
    pub repeated_short: usize,
    /// The first prose line, a headline, occurs again below (as is or less a site suffix).
    pub title_repeated: bool,
}

impl ChromeEvidence {
    /// Counts the evidence in `lines`, classified as `kinds` (one per line).
    pub fn of(lines: &[String], kinds: &[LineKind]) -> Self {
        let mut evidence = ChromeEvidence::default();
        let mut dates = 0usize;
        let mut short_seen: HashMap<&str, u32> = HashMap::new();
        let signs_off = lines.split_last().is_some_and(|(last, before)| is_sign_off(last) && before.iter().any(|l| ends_a_sentence(l)));
        let counted = if signs_off { lines.len() - 1 } else { lines.len() };
        for (i, (line, kind)) in lines.iter().zip(kinds).enumerate().take(counted) {
            match kind {
                LineKind::Furniture => {
                    // A bare credit turns the line above into its caption.
                    let credits_a_caption = i > 0 && matches!(&kinds[i - 1], LineKind::Caption(c, _) if *c == lines[i - 1]);
                    evidence.furniture += if credits_a_caption { 2 } else { 1 };
                }
                // A caption made by the bare credit below it is counted with that credit.
                LineKind::Caption(caption, _) if !caption.is_empty() && caption != line => evidence.captions += 1,
                LineKind::Caption(caption, _) if caption.is_empty() => evidence.furniture += 1,
                LineKind::Caption(..) => {}
                LineKind::Date => dates += 1,
                LineKind::Prose => {
                    if line.split_whitespace().count() <= SHORT_LINE_MAX_WORDS && !ends_a_sentence(line) {
                        let seen = short_seen.entry(line.as_str()).or_insert(0);
                        *seen += 1;
                        if *seen == 2 {
                            evidence.repeated_short += 1;
                        }
                    }
                }
            }
        }
        evidence.extra_dates = dates.saturating_sub(1);
        evidence.title_repeated = kinds.iter().position(|k| *k == LineKind::Prose).is_some_and(|first| {
            let title = &lines[first];
            let stripped = without_site_suffix(title);
            let later = &lines[first + 1..];
            title.split_whitespace().count() >= TITLE_MIN_WORDS
                && (later.contains(title) || (stripped != *title && later.contains(&stripped)))
        });
        evidence
    }

    /// The evidence of chrome proper: furniture, captions, a repeated title
    /// (which counts [`PAGE_EVIDENCE_MIN`]).
    pub fn chrome(&self) -> usize {
        let title = if self.title_repeated { PAGE_EVIDENCE_MIN } else { 0 };
        self.furniture + self.captions + title
    }

    /// All the evidence: chrome proper, and repetition where there is chrome.
    pub fn total(&self) -> usize {
        match self.chrome() {
            0 => 0,
            chrome => chrome + self.extra_dates + self.repeated_short,
        }
    }

    /// Whether the text is a page dump rather than clean copy.
    pub fn is_page(&self) -> bool {
        self.total() >= PAGE_EVIDENCE_MIN
    }
}

/// A copyright notice or a credit line, the way agency copy ends.
fn is_sign_off(line: &str) -> bool {
    let lower = line.to_lowercase();
    ["copyright", "©", "(c)", "all rights reserved"].iter().any(|mark| lower.contains(mark)) || bare_credit(line).is_some()
}

impl fmt::Display for ChromeEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "furniture {}, captions {}, extra dates {}, repeated short lines {}, title repeated {}",
            self.furniture, self.captions, self.extra_dates, self.repeated_short, self.title_repeated
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::line_kinds::classify_lines;

    fn evidence(text: &str) -> ChromeEvidence {
        let lines: Vec<String> = text.lines().map(str::to_owned).filter(|l| !l.is_empty()).collect();
        ChromeEvidence::of(&lines, &classify_lines(&lines))
    }

    #[test]
    fn the_pa_scrape_is_a_page_by_its_icon_line_and_credited_captions() {
        let e = evidence(include_str!("../../../../tests/fixtures/pa-truss-lavrov-2022-02-14.txt"));
        assert!(e.is_page(), "{e}");
        assert_eq!(e.captions, 2, "{e}");
        assert!(e.furniture >= 1, "{e}");
    }

    #[test]
    fn a_wire_story_with_a_dateline_repeated_table_headings_and_a_sign_off_is_clean_copy() {
        let text = "BASEBALL - STANDINGS\nNEW YORK 1996-08-30\nStandings after games played on Thursday:\nEASTERN DIVISION\nW L PCT GB\nNEW YORK 74 59 .556 -\nBOSTON 69 65 .515 5 1/2\nCENTRAL DIVISION\nW L PCT GB\nCLEVELAND 80 53 .602 -\nFall of wickets: 1-21 2-52 3-97\nFall of wickets: 1-22 2-78 3-78\nCopyright 1996 Reuters. All rights reserved.";
        let e = evidence(text);
        assert_eq!(e.repeated_short, 1, "{e}");
        assert_eq!((e.chrome(), e.total()), (0, 0), "repetition without chrome, and the sign-off, say nothing: {e}");
        assert!(!e.is_page());
    }

    #[test]
    fn a_caption_with_its_credit_line_is_chrome_but_a_closing_credit_line_is_a_sign_off() {
        let page = evidence(
            "Harbour reopens\nThe harbour reopened on Monday.\nShips wait outside\nJane Doe | Getty Images\nShips came back within hours.",
        );
        assert_eq!(page.furniture, 2, "{page}");
        assert!(page.is_page());
        let copy = evidence("Cash balances fall\nThe balances fell in the week, the bank said.\nAll figures in billions of dollars.\n-- Reuters Ottawa Bureau (613) 235-6745");
        assert_eq!(copy.total(), 0, "{copy}");
    }

    #[test]
    fn a_text_of_nothing_but_furniture_has_no_sign_off_to_leave_out() {
        assert!(evidence("Menu\nShare").is_page());
    }

    #[test]
    fn a_closing_ui_label_is_chrome_not_a_sign_off() {
        let e = evidence("Council approves new cycle lanes\nShare this article Facebook icon Twitter icon Email icon\nCouncillors have approved plans for new cycle lanes.\nRelated stories");
        assert_eq!(e.furniture, 2, "{e}");
        assert!(e.is_page());
    }

    #[test]
    fn repeated_menu_lines_and_teaser_dates_add_to_page_chrome_but_do_not_make_it() {
        let teaser = "Another story about something else entirely\nJohn Roe\nWednesday November 20, 2019\n";
        let story = "Home\nWorld\nA headline about harbours today\nThe harbour reopened on Monday, the council said.";
        let text = format!("{story}\nShare\n{}Home\nWorld\nBack to top", teaser.repeat(3));
        let e = evidence(&text);
        assert_eq!((e.furniture, e.repeated_short, e.extra_dates), (2, 3, 2), "a closing \"Back to top\" counts: {e}");
        assert_eq!(e.total(), 7);
        let without_chrome = evidence(&format!("{story}\n{}Home\nWorld\nThe end.", teaser.repeat(3)));
        assert_eq!((without_chrome.repeated_short, without_chrome.total()), (3, 0), "{without_chrome}");
    }

    #[test]
    fn a_page_title_repeated_as_the_headline_below_it_is_a_page_on_its_own() {
        let page =
            evidence("Harbour reopens after the storm - Example News\nHarbour reopens after the storm\nThe harbour reopened on Monday.");
        assert!(page.title_repeated && page.is_page(), "{page}");
        let copy = evidence("Harbour reopens after the storm - Example News\nThe harbour reopened on Monday.");
        assert!(!copy.title_repeated && !copy.is_page(), "{copy}");
        let repeated = evidence("Der lange Marsch ins Digitale\nZurück zur Übersicht\nDer lange Marsch ins Digitale\nDie Digitalisierung zieht sich durch alle Branchen.");
        assert!(repeated.title_repeated && repeated.is_page(), "a title repeated as it is: {repeated}");
    }

    #[test]
    fn a_list_of_different_names_is_not_navigation() {
        let e = evidence("England squad named\nThe squad for the tour is:\nJane Doe\nJohn Roe\nAnn Smith\nBob Jones\nKim Lee");
        assert_eq!(e, ChromeEvidence::default());
    }
}
