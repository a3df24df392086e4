//! A page's headline, chosen by agreement between what the page says in its
//! metadata (JSON-LD `headline`, `og:title`, `twitter:title`, `<title>`) and
//! what it shows (`<h1>`).
//!
//! The visible `<h1>` is the headline readers see, but pages also put their
//! logo or a section name in an `<h1>`; the metadata titles carry the
//! headline too, often with the site's name glued on ("Headline | Site").
//! So: the first `<h1>` that a metadata title equals, or starts or ends with
//! (a site name on the other side of a separator), wins; else the metadata
//! titles less any site name, preferring one that two sources agree on,
//! unless the page's only `<h1>` reads as a headline; else the first `<h1>`.

use super::title_parts::{is_web_address, shouts, without_labels_after_bar, without_logo};
use crate::text::clean;

/// Separators between a headline and a site name in a title.
const SEPARATORS: [&str; 9] = [" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " / ", " • "];

/// How many `<h1>`s are considered (a page's later ones are sections or widgets).
pub const MAX_H1: usize = 5;

/// The candidates of one page.
#[derive(Debug, Clone, Default)]
pub struct TitleCandidates {
    /// JSON-LD `headline` (or `name`) of the article.
    pub json_ld: Option<String>,
    /// `og:title`.
    pub og: Option<String>,
    /// `twitter:title`.
    pub twitter: Option<String>,
    /// `<title>`.
    pub title: Option<String>,
    /// The texts of the first few `<h1>`s, in document order.
    pub h1: Vec<String>,
    /// `og:site_name` or JSON-LD publisher name, when given.
    pub site_name: Option<String>,
    /// The page's host name (`www.example.com`), from its canonical URL.
    pub host: Option<String>,
}

impl TitleCandidates {
    /// The headline these candidates agree on (see the module docs), less
    /// the site's name, which an `<h1>` may carry too, and any labels after
    /// a bar ([`without_labels_after_bar`](super::title_parts::without_labels_after_bar)).
    pub fn choose(&self) -> Option<String> {
        let headline = self.agreed()?;
        let headline = self.without_site_name(&headline).unwrap_or(headline);
        Some(without_labels_after_bar(&headline))
    }

    /// [`choose`](Self::choose) before the labels are taken off.
    fn agreed(&self) -> Option<String> {
        let site = self.site_name.as_deref().map(key);
        let not_site = |t: &&str| site.as_deref() != Some(key(t).as_str());
        // An `<h1>` that is a web address is the site's logo, never the headline.
        let logos: Vec<&str> = self.h1.iter().map(|h| h.trim()).filter(|h| is_web_address(h)).collect();
        let metas: Vec<&str> = [&self.json_ld, &self.og, &self.twitter, &self.title]
            .into_iter()
            .flatten()
            .map(|m| without_logo(m, &logos))
            .filter(not_site)
            .collect();
        let implied = implied_site_names(&metas);
        let h1s: Vec<&str> = self
            .h1
            .iter()
            .map(String::as_str)
            .filter(|h| !h.is_empty() && !is_web_address(h))
            .filter(not_site)
            .filter(|h| !implied.contains(&key(h)))
            .collect();
        let stripped: Vec<String> = metas.iter().map(|m| self.without_site(m)).filter(|m| !m.is_empty()).collect();
        // An `<h1>` in capitals is styled so; the metadata has its words in their case.
        let as_written = |h1: &str| {
            let cased = stripped.iter().find(|m| shouts(h1) && !shouts(m) && key(m) == key(h1));
            cased.cloned().unwrap_or_else(|| clean(h1))
        };
        // "Headline | Site" first: in "Site | Headline" the site's own `<h1>` logo would match too.
        for headline_first in [true, false] {
            if let Some(h1) = h1s.iter().find(|h| metas.iter().any(|m| agrees(m, h, headline_first))) {
                return Some(as_written(h1));
            }
        }
        if let Some(headline) = h1s.iter().find_map(|h| stripped.iter().find(|m| has_kicker_before(h, m))) {
            return Some(headline.clone());
        }
        // An `<h1>` that shares most of its words with a metadata title is
        // the headline as shown, the metadata a rewording for search engines;
        // unless it is in capitals, when the metadata has the words as written.
        let best = h1s.iter().filter(|h| !shouts(h)).map(|h| (h, metas.iter().map(|m| shared_words(h, m)).fold(0.0, f64::max))).max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((h1, _)) = best.filter(|(_, share)| *share >= MIN_SHARED_WORDS) {
            return Some(clean(h1));
        }
        // A page's one `<h1>` that reads as a headline is what its readers
        // see, though its metadata words it otherwise (for search or sharing).
        // One that is not the page's only `<h1>` may be a section's heading.
        let all_h1s: Vec<&str> = self.h1.iter().map(String::as_str).filter(|h| !h.is_empty()).collect();
        if let Some(h1) = lone_headline(&all_h1s).filter(|h| h1s.contains(h)) {
            return Some(clean(h1));
        }
        // Two sources that agree once their site names are gone.
        for (i, a) in stripped.iter().enumerate() {
            if stripped[i + 1..].iter().any(|b| key(a) == key(b)) {
                return Some(a.clone());
            }
        }
        let structured = [&self.json_ld, &self.og, &self.twitter].into_iter().flatten().map(|m| self.without_site(m)).find(|m| !m.is_empty());
        let title = self.title.as_deref().map(|t| self.without_site(without_logo(t, &logos))).filter(|t| !t.is_empty());
        // A short `<h1>` with no word of the page's title is a blog's or a section's name.
        let h1 = h1s.first().filter(|h| {
            h.split_whitespace().count() >= MIN_LONE_HEADLINE_WORDS || title.as_deref().is_none_or(|t| shares_a_word(h, t))
        });
        structured.or_else(|| h1.map(|h| clean(h))).or(title)
    }

    /// `title` less the site's name at either end, or less a suffix after a
    /// separator when a real headline (three words or more) remains.
    fn without_site(&self, title: &str) -> String {
        let title = clean(title);
        if let Some(head) = self.without_site_name(&title) {
            return head;
        }
        without_site_suffix(&title)
    }

    /// `title` less the site's name (`og:site_name`, or a tail naming the
    /// host) after a separator at its end, or before one at its start,
    /// as often as it is there ("Headline – Site - Site"); `None` when it
    /// has none.
    fn without_site_name(&self, title: &str) -> Option<String> {
        let site = self.site_name.as_deref().map(key).filter(|s| !s.is_empty());
        let is_site = |part: &str| site.as_deref() == Some(key(part).as_str());
        let mut kept = title.trim();
        'strip: loop {
            for separator in SEPARATORS {
                if let Some((head, tail)) = kept.rsplit_once(separator) {
                    if !head.trim().is_empty() && (is_site(tail) || self.names_the_host(tail)) {
                        kept = head.trim();
                        continue 'strip;
                    }
                }
                if let Some((head, tail)) = kept.split_once(separator) {
                    if !tail.trim().is_empty() && is_site(head) {
                        kept = tail.trim();
                        continue 'strip;
                    }
                }
            }
            break;
        }
        (kept.len() < title.trim().len()).then(|| kept.to_owned())
    }

    /// Whether `tail` of a title is a web address ("Newegg.com") or the
    /// site's name as its host spells it ("Artlyst" on artlyst.com).
    fn names_the_host(&self, tail: &str) -> bool {
        let compact = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        if is_web_address(tail) {
            return true;
        }
        let Some(host) = self.host.as_deref() else { return false };
        let host = compact(host.trim_start_matches("www."));
        let tail = compact(tail);
        tail.len() >= 4 && (host.starts_with(&tail) || tail.starts_with(&host))
    }
}

/// "Headline | Site" or "Headline - Site" → "Headline", when the part kept is
/// itself a few words long.
pub fn without_site_suffix(title: &str) -> String {
    for separator in SEPARATORS {
        if let Some((head, _)) = title.rsplit_once(separator) {
            if head.split_whitespace().count() >= 3 {
                return head.trim().to_owned();
            }
        }
    }
    title.to_owned()
}

/// The fewest words of an `<h1>` that is taken as the headline on its own.
const MIN_LONE_HEADLINE_WORDS: usize = 4;

/// The page's `<h1>` when it has only one (repeats aside) and it reads as a
/// headline: four words or more, not in capitals, not a sentence ending in a
/// full stop (headlines have none) nor a lead-in ending in a colon.
fn lone_headline<'a>(h1s: &[&'a str]) -> Option<&'a str> {
    let first = *h1s.first()?;
    if h1s.iter().any(|h| key(h) != key(first)) {
        return None;
    }
    let text = first.trim_end();
    let sentence = text.ends_with(':') || text.ends_with('.') && !text.ends_with("...");
    (first.split_whitespace().count() >= MIN_LONE_HEADLINE_WORDS && !shouts(first) && !sentence).then_some(first)
}

/// The most words a kicker, label or date before a headline in an `<h1>` has ("Blog:", "Dec 18 2025").
const MAX_KICKER_WORDS: usize = 4;

/// Whether the `<h1>` is the metadata headline `headline` (three words or
/// more) after a short kicker or section label ending in a colon, or a date:
/// "Analysis: Harbour reopens after storm" over an `og:title` of "Harbour
/// reopens after storm". A few plain words before it are the headline's own.
fn has_kicker_before(h1: &str, headline: &str) -> bool {
    let (h, m) = (key(h1), key(headline));
    if m.split(' ').count() < 3 {
        return false;
    }
    h.strip_suffix(m.as_str()).is_some_and(|kicker| {
        let words = kicker.split_whitespace().count();
        let marked = kicker.trim_end().ends_with(':') || is_date(kicker);
        marked && kicker.ends_with([' ', ':']) && (1..=MAX_KICKER_WORDS).contains(&words)
    })
}

/// English month names, as a date's month is written in full or short.
const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Whether lower-cased `text` reads as a date: a number and a month's name
/// ("dec 18 2025", "18 december"), not a bare year ("2025 software guide").
fn is_date(text: &str) -> bool {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let month = |w: &&str| MONTHS.iter().any(|m| w.starts_with(m) && w.len() <= 9 && w.chars().all(|c| c.is_alphabetic()));
    words.iter().any(month) && words.iter().any(|w| w.chars().all(|c| c.is_ascii_digit()))
}

/// Names that one metadata title adds to another around a separator (or a
/// colon): a `<title>` of "Example Blog: Harbour reopens" beside an
/// `og:title` of "Harbour reopens" names the site "example blog". Only a
/// part shorter than the shared headline counts, in the comparison form.
fn implied_site_names(metas: &[&str]) -> Vec<String> {
    let keys: Vec<String> = metas.iter().map(|m| key(m)).collect();
    let mut names = Vec::new();
    for longer in &keys {
        for headline in keys.iter().filter(|k| !k.is_empty() && *k != longer) {
            let before = longer
                .strip_suffix(headline.as_str())
                .and_then(|p| SEPARATORS.iter().chain(&[": "]).find_map(|s| p.strip_suffix(s)));
            let after = longer.strip_prefix(headline.as_str()).and_then(|p| SEPARATORS.iter().find_map(|s| p.strip_prefix(s)));
            for name in [before, after].into_iter().flatten().map(str::trim) {
                if !name.is_empty() && name.split(' ').count() < headline.split(' ').count() {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names
}

/// Whether the metadata title `meta` is the headline `h1`, alone or with
/// something (a site name) after a separator (`headline_first`) or before one.
fn agrees(meta: &str, h1: &str, headline_first: bool) -> bool {
    let (m, h) = (key(meta), key(h1));
    if h.is_empty() || h.split(' ').count() < 2 && m != h {
        return false;
    }
    m == h
        || SEPARATORS.iter().any(|s| {
            let s = key(s.trim());
            if headline_first {
                m.strip_prefix(h.as_str()).is_some_and(|rest| rest.trim_start().starts_with(s.as_str()))
            } else {
                m.strip_suffix(h.as_str()).is_some_and(|rest| rest.trim_end().ends_with(s.as_str()))
            }
        })
}

/// The share of an `<h1>`'s words needed in a metadata title for the two to be one headline.
const MIN_SHARED_WORDS: f64 = 0.6;

/// The words of `text` (three letters or more) in the comparison form.
fn words(text: &str) -> Vec<String> {
    key(text).split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3).map(str::to_owned).collect()
}

/// Whether `a` and `b` have a word (three letters or more) in common.
fn shares_a_word(a: &str, b: &str) -> bool {
    let b = words(b);
    words(a).iter().any(|w| b.contains(w))
}

/// The share of `h1`'s words (three letters or more) that `meta` has too.
fn shared_words(h1: &str, meta: &str) -> f64 {
    let (h, m) = (words(h1), words(meta));
    if h.len() < 2 {
        return 0.0;
    }
    h.iter().filter(|w| m.contains(w)).count() as f64 / h.len() as f64
}

/// The comparison form: lower case, ASCII quotes and dashes, single spaces.
fn key(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201F}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates() -> TitleCandidates {
        TitleCandidates::default()
    }

    #[test]
    fn the_h1_that_the_title_tag_carries_with_a_site_suffix_wins() {
        let c = TitleCandidates {
            title: Some("Harbour reopens after storm | The Daily Example".into()),
            og: Some("Harbour reopens after the storm, officials say".into()),
            h1: vec!["The Daily Example".into(), "Harbour reopens after storm".into()],
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Harbour reopens after storm"));
    }

    #[test]
    fn a_site_name_before_the_headline_is_dropped_too() {
        let c = TitleCandidates {
            og: Some("Example News - Harbour reopens after storm".into()),
            site_name: Some("Example News".into()),
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Harbour reopens after storm"));
    }

    #[test]
    fn without_a_matching_h1_two_agreeing_metadata_titles_win_over_json_ld_alone() {
        let c = TitleCandidates {
            json_ld: Some("Harbour reopens (SEO version)".into()),
            og: Some("Harbour reopens after storm".into()),
            title: Some("Harbour reopens after storm | Example".into()),
            h1: vec!["Menu".into()],
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Harbour reopens after storm"));
    }

    #[test]
    fn an_h1_reworded_in_the_metadata_is_still_the_headline_and_a_site_name_never_is() {
        let c = TitleCandidates {
            og: Some("Health and Nutrition Trends for 2026".into()),
            h1: vec!["Example Site".into(), "Top 10 Health and Nutrition Trends to Watch".into()],
            site_name: Some("Example Site".into()),
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Top 10 Health and Nutrition Trends to Watch"));
    }

    #[test]
    fn a_title_suffix_naming_the_host_is_dropped_even_from_a_short_headline() {
        let c = TitleCandidates { og: Some("GAME CHANGER | Artlyst".into()), host: Some("www.artlyst.com".into()), ..candidates() };
        assert_eq!(c.choose().as_deref(), Some("GAME CHANGER"));
        let c = TitleCandidates { title: Some("GAME CHANGER | Newegg.com".into()), ..candidates() };
        assert_eq!(c.choose().as_deref(), Some("GAME CHANGER"), "a web address is a site name whatever the host");
    }

    #[test]
    fn a_bullet_separates_a_site_name_too() {
        let c = TitleCandidates {
            title: Some("A brief intro to git • Jane Doe".into()),
            og: Some("A brief intro to git • Jane Doe".into()),
            h1: vec!["Jane Doe".into()],
            site_name: Some("Jane Doe".into()),
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("A brief intro to git"));
    }

    #[test]
    fn an_h1_that_a_title_tag_adds_to_the_og_title_is_the_site_not_the_headline() {
        let c = TitleCandidates {
            og: Some("Small adventures with small language models".into()),
            title: Some("Example Data Blog: Small adventures with small language models".into()),
            h1: vec!["Example Data Blog".into(), "How to get started".into()],
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Small adventures with small language models"));
        assert_eq!(implied_site_names(&["Harbour reopens after storm | Example", "Harbour reopens after storm"]), vec!["example"]);
        assert!(implied_site_names(&["Harbour reopens | Example Daily News Site", "Harbour reopens"]).is_empty(), "never a part longer than the headline");
    }

    #[test]
    fn a_kicker_or_date_before_the_headline_in_the_h1_is_left_out() {
        let c = TitleCandidates {
            og: Some("Harbour reopens after storm | Example".into()),
            site_name: Some("Example".into()),
            h1: vec!["Analysis: Harbour reopens after storm".into()],
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Harbour reopens after storm"));
        let dated = TitleCandidates { og: Some("Preparing a transition in\u{a0}Debusine".into()), h1: vec!["Dec 18 2025 Preparing a transition in Debusine".into()], ..candidates() };
        assert_eq!(dated.choose().as_deref(), Some("Preparing a transition in Debusine"));
        assert!(!has_kicker_before("Rebuilding the harbour after storm", "harbour after storm"), "a headline's own words are no kicker");
        assert!(!has_kicker_before("Harbour", "Harbour"));
        assert!(!has_kicker_before("2025 Software Development Price Guide", "Software Development Price Guide"), "a year is the headline's own");
    }

    #[test]
    fn short_labels_after_a_bar_are_no_part_of_the_headline() {
        let c = TitleCandidates { og: Some("Harbour reopens after storm | Analysis".into()), h1: vec!["Harbour reopens after storm | Analysis".into()], ..candidates() };
        assert_eq!(c.choose().as_deref(), Some("Harbour reopens after storm"));
    }

    #[test]
    fn an_h1_in_capitals_gives_way_to_the_metadata_that_writes_its_words_in_case() {
        let same = TitleCandidates { og: Some("Harbour Reopens After Storm | Example".into()), h1: vec!["HARBOUR REOPENS AFTER STORM".into()], ..candidates() };
        assert_eq!(same.choose().as_deref(), Some("Harbour Reopens After Storm"));
        let reworded = TitleCandidates {
            og: Some("Harbour reopens after the storm".into()),
            twitter: Some("Harbour reopens after the storm".into()),
            h1: vec!["HARBOUR REOPENS AFTER STORM".into()],
            ..candidates()
        };
        assert_eq!(reworded.choose().as_deref(), Some("Harbour reopens after the storm"));
        let alone = TitleCandidates { h1: vec!["HARBOUR REOPENS".into()], ..candidates() };
        assert_eq!(alone.choose().as_deref(), Some("HARBOUR REOPENS"), "with nothing better the capitals stay");
    }

    #[test]
    fn a_pages_one_headline_like_h1_wins_over_metadata_worded_otherwise() {
        let c = TitleCandidates {
            og: Some("Ferry timetable changes for winter | Example".into()),
            title: Some("Ferry timetable changes for winter | Example".into()),
            h1: vec!["Islanders face longer waits as crossings are cut".into(), "Islanders face longer waits as crossings are cut".into()],
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Islanders face longer waits as crossings are cut"));
        let two = TitleCandidates { h1: vec!["Islanders face longer waits".into(), "Read more from our newsletter".into()], ..c.clone() };
        assert_eq!(two.choose().as_deref(), Some("Ferry timetable changes for winter"), "of several h1s none is sure");
        assert_eq!(lone_headline(&["We help islanders plan their crossings every day."]), None, "a sentence");
        assert_eq!(lone_headline(&["A message from our editor about crossings:"]), None, "a lead-in");
        assert_eq!(lone_headline(&["Ferry news"]), None, "too short to be sure");
        assert_eq!(lone_headline(&["Ferries return to the island..."]), Some("Ferries return to the island..."));
    }

    #[test]
    fn the_site_name_goes_from_an_h1_that_carries_it_and_from_a_title_that_has_it_twice() {
        let c = TitleCandidates {
            json_ld: Some("Harbour reopens after storm – Example Times".into()),
            og: Some("Harbour reopens after storm – Example Times - Example Times".into()),
            h1: vec!["Harbour reopens after storm – Example Times".into()],
            site_name: Some("Example Times".into()),
            ..candidates()
        };
        assert_eq!(c.choose().as_deref(), Some("Harbour reopens after storm"));
        assert_eq!(c.without_site_name("Harbour reopens after storm – Example Times - Example Times").as_deref(), Some("Harbour reopens after storm"));
        assert_eq!(c.without_site_name("Harbour reopens after storm"), None);
    }

    #[test]
    fn a_short_h1_with_no_word_of_the_title_is_a_name_and_the_title_is_the_headline() {
        let c = TitleCandidates { title: Some("Harbour reopens after storm".into()), h1: vec!["Jane's Notes".into()], ..candidates() };
        assert_eq!(c.choose().as_deref(), Some("Harbour reopens after storm"));
        let kin = TitleCandidates { title: Some("HARBOUR: reopening dates and times".into()), h1: vec!["harbour".into()], ..candidates() };
        assert_eq!(kin.choose().as_deref(), Some("harbour"), "an h1 the title speaks of stays");
    }

    #[test]
    fn an_h1_that_is_a_web_address_is_a_logo_and_leaves_the_title_it_starts() {
        let c = TitleCandidates { title: Some("janedoe.net Notes on ferry timetables".into()), h1: vec!["janedoe.net".into()], ..candidates() };
        assert_eq!(c.choose().as_deref(), Some("Notes on ferry timetables"));
        let subject = TitleCandidates { title: Some("Example.com buys a ferry line".into()), ..candidates() };
        assert_eq!(subject.choose().as_deref(), Some("Example.com buys a ferry line"), "an address in a title is the site only when the page's h1 says so");
    }

    #[test]
    fn a_lone_h1_is_the_headline_when_there_is_no_metadata() {
        let c = TitleCandidates { h1: vec!["Big storm hits the harbour".into()], ..candidates() };
        assert_eq!(c.choose().as_deref(), Some("Big storm hits the harbour"));
    }

    #[test]
    fn the_title_loses_its_site_suffix_only_when_a_real_headline_remains() {
        assert_eq!(without_site_suffix("Harbour reopens after storm | The Daily Example"), "Harbour reopens after storm");
        assert_eq!(without_site_suffix("Storm - Example"), "Storm - Example");
    }
}
