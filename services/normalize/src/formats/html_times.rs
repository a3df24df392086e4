//! When an HTML page's story was first published and last changed.
//!
//! The publication time is the first readable metadata candidate
//! ([`page_dates::published`]); failing that the date the page shows
//! ([`page_dates::visible`]); failing that its last-modified time (the only
//! time it gives is its best date).
//!
//! The page's own statement of when the story first appeared ("This article
//! was originally published on 26 Sep 2019", [`page_dates::first_published_statement`])
//! comes before all of them: it says in words what `firstcreated` is, where the
//! metadata may give the latest re-publication.
//!
//! One check overrules the metadata: a date printed beside the headline (the
//! byline's date) at least [`EARLIER_BY`] before the metadata's publication
//! time. A story cannot be shown as dated before it was published, so the
//! metadata time is then a re-publication (a site migration, a CMS that stamps
//! every save as "published"), and the byline's date is when the story first
//! appeared; the metadata time is kept as the version's time when the page
//! names no modified time. When another date beside the headline agrees with
//! the metadata (a `<time datetime>` in the byline, say), nothing is
//! contradicted and the metadata stands. A smaller gap is never taken as a contradiction: a
//! date-only byline read as midnight, or a late-evening local time in UTC, is
//! a day apart from the same instant, and the metadata's exact time is the
//! better one.
//!
//! Last, the page's address: a permalink's day (`/2023/10/03/slug`) is the
//! day the story was created, and overrules a time two days or more away
//! from it ([`dated_by_address`]).

use chrono::{NaiveTime, TimeDelta, TimeZone};
use newswire_shared::article::Timestamp;
use chrono_tz::Tz;
use dom_query::Document;
use newswire_shared::article::Article;

use crate::dates;
use crate::extract::{datelines, url_dates};
use crate::extract::page_dates::{self, DateCandidate, Origin};
use crate::extract::page_meta::PageMeta;
use crate::problems::{self, Field, Kind};

/// How long before the metadata's publication time a byline's date must be to
/// overrule it: two days, so that a date-only byline (midnight in the feed's
/// zone, maybe the previous day in UTC) of the same or the previous local day
/// never does.
pub const EARLIER_BY: TimeDelta = TimeDelta::days(2);

/// The page's times, as read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageTimes {
    /// When the story was first published (ninjs `firstcreated`).
    pub first_published: Option<Timestamp>,
    /// When this version was made (ninjs `versioncreated`), when the page says.
    pub this_version: Option<Timestamp>,
}

/// Reads the times of the page `doc` parsed from `html`; a candidate that cannot be read is recorded on
/// `article` as a field problem (never an error: a date never fails a page).
pub fn read(html: &str, doc: &Document, meta: &PageMeta, zone: Tz, article: &mut Article) -> PageTimes {
    let times = as_the_page_states(html, doc, meta, zone, article);
    dated_by_address(times, doc, meta, zone)
}

/// The times the page's metadata and text give, before its address is read.
fn as_the_page_states(html: &str, doc: &Document, meta: &PageMeta, zone: Tz, article: &mut Article) -> PageTimes {
    let stated = first_time(&meta.published, zone, Field::FirstCreated, article);
    let modified = first_time(&meta.modified, zone, Field::VersionCreated, article);
    let statement = if datelines::may_state_first_publication(html) { page_dates::first_published_statement(doc) } else { Vec::new() };
    if let Some(first) = first_time(&statement, zone, Field::FirstCreated, article) {
        return PageTimes { first_published: Some(first), this_version: modified.or(stated) };
    }
    let Some(stated) = stated else {
        let shown = first_time(&page_dates::visible(doc), zone, Field::FirstCreated, article);
        return PageTimes { first_published: shown.or(modified), this_version: modified };
    };
    if let Some(presented) = presented_date(doc, zone, stated, modified) {
        return in_local_offset(PageTimes { first_published: Some(presented), this_version: modified.or(Some(stated)) }, doc, zone);
    }
    let shown: Vec<Timestamp> = page_dates::beside_headline(doc).iter().filter_map(|c| dates::parse_in_zone(&c.value, zone).ok()).collect();
    let agrees = shown.iter().any(|t| !well_before(*t, stated) && !well_before(stated, *t));
    let times = match shown.first() {
        Some(&byline) if !agrees && well_before(byline, stated) => PageTimes { first_published: Some(byline), this_version: modified.or(Some(stated)) },
        _ => PageTimes { first_published: Some(stated), this_version: modified },
    };
    in_local_offset(times, doc, zone)
}

/// The date the page presents its story by, when that is not its metadata's
/// publication time: the page declares no OpenGraph publication time
/// ([`page_dates::OPEN_GRAPH_PUBLISHED`]; its publication time comes from
/// JSON-LD or a plain `<meta>`, which many publishing systems fill from the
/// first draft), and the dates printed beside the headline
/// ([`datelines::shown_beside_headline`]) do not show the publication day but
/// show the modified day ("Last updated: Aug 19, 2025", a byline dated that
/// day: the modified time is taken) or, nearest the headline, a later day
/// (that date is taken). The page then dates the story by its update, and
/// that is the date its readers take as the story's.
fn presented_date(doc: &Document, zone: Tz, stated: Timestamp, modified: Option<Timestamp>) -> Option<Timestamp> {
    if page_dates::declares_open_graph_published(doc) {
        return None;
    }
    let shown: Vec<Timestamp> = datelines::shown_beside_headline(doc).iter().filter_map(|d| dates::parse_in_zone(d, zone).ok()).collect();
    if shown.iter().any(|t| t.date_naive() == stated.date_naive()) {
        return None;
    }
    if let Some(m) = modified.filter(|m| shown.iter().any(|t| t.date_naive() == m.date_naive())) {
        return Some(m);
    }
    let nearest = datelines::shown_beside_headline(doc).into_iter().find(|d| dates::parse_in_zone(d, zone).is_ok())?;
    shown.first().copied().filter(|t| t.date_naive() > stated.date_naive() && !in_either_order(&nearest))
}

/// Whether a date is written with numbers alone whose day and month could be
/// either way round ("09.10.2024"): the reader's guess is no evidence against the metadata.
fn in_either_order(text: &str) -> bool {
    let numbers: Vec<u32> = text.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    !text.chars().any(char::is_alphabetic) && numbers.len() >= 3 && numbers[0] <= 12 && numbers[1] <= 12 && numbers[0] != numbers[1]
}

/// A permalink's date ([`url_dates::date_in_path`]) is the day the story was
/// created, and the address keeps it however often the story is re-saved: a
/// publication time [`EARLIER_BY`] or more away from it is a re-publication
/// (or a stamp of the page, not the story), and the address's day is the
/// story's, at a time the page gives on that day when it gives one (else
/// midnight in the feed's zone). A time within a day of it is kept (a local
/// date in the path, a UTC time in the metadata); a page with no time at all
/// is dated by its address.
fn dated_by_address(times: PageTimes, doc: &Document, meta: &PageMeta, zone: Tz) -> PageTimes {
    let Some(day) = meta.canonical.as_deref().and_then(url_dates::date_in_path) else { return times };
    if times.first_published.is_some_and(|t| (t.date_naive() - day).num_days().abs() < EARLIER_BY.num_days()) {
        return times;
    }
    let given = meta.published.iter().chain(&meta.modified).cloned().chain(page_dates::visible(doc));
    let on_the_day = given.filter_map(|c| dates::parse_in_zone(&c.value, zone).ok()).find(|t| t.date_naive() == day);
    let Some(at) = on_the_day.or_else(|| zone.from_local_datetime(&day.and_time(NaiveTime::MIN)).earliest().map(|t| t.fixed_offset())) else { return times };
    PageTimes { first_published: Some(at), this_version: times.this_version.or(times.first_published) }
}

/// Many publishing systems write their metadata times in UTC while the page
/// shows the same instant in the newsroom's own offset (`<time
/// datetime="2025-12-18T19:05:00-08:00">`). A UTC time that the page also
/// states, to the second, with another offset takes that offset: the same
/// instant, dated as the source dated it.
fn in_local_offset(times: PageTimes, doc: &Document, zone: Tz) -> PageTimes {
    let local = |t: Option<Timestamp>| -> Option<Timestamp> {
        let t = t?;
        if t.offset().local_minus_utc() != 0 {
            return Some(t);
        }
        let stated = page_dates::visible(doc).into_iter().chain(page_dates::beside_headline(doc));
        Some(stated.filter_map(|c| dates::parse_in_zone(&c.value, zone).ok()).find(|s| *s == t && s.offset().local_minus_utc() != 0).unwrap_or(t))
    };
    PageTimes { first_published: local(times.first_published), this_version: local(times.this_version) }
}

/// Whether `earlier` is at least [`EARLIER_BY`] before `later`.
fn well_before(earlier: Timestamp, later: Timestamp) -> bool {
    later - earlier >= EARLIER_BY
}

/// The first of the page's `candidates` that reads as a time (in `zone` when
/// it has no offset). A date never fails the page: a metadata time that is a
/// placeholder (`0001-01-01T00:00:00Z`), unreadable or impossible is recorded
/// as a problem of `field` ([`crate::dates::DateError`] says which) and the next
/// candidate is tried; a visible date that does not read is a guess that
/// failed, and is passed over silently.
fn first_time(candidates: &[DateCandidate], zone: Tz, field: Field, article: &mut Article) -> Option<Timestamp> {
    for candidate in candidates {
        match dates::parse_in_zone(&candidate.value, zone) {
            Ok(t) => return Some(t),
            Err(e) if candidate.origin == Origin::Metadata => {
                problems::note(article, field, Kind::of_date(&e), format!("{}: {e}", candidate.source));
            }
            Err(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::page_meta;

    fn times(html: &str) -> (Option<String>, Option<String>) {
        let doc = Document::from(html);
        let meta = page_meta::read(&doc);
        let t = read(html, &doc, &meta, chrono_tz::Europe::London, &mut Article::default());
        (t.first_published.map(|t| t.to_rfc3339()), t.this_version.map(|t| t.to_rfc3339()))
    }

    #[test]
    fn a_byline_date_days_before_the_metadata_time_is_the_first_publication() {
        let page = r#"<head><meta property="article:published_time" content="2024-05-20T09:00:00Z"></head>
            <body><h1>Harbour reopens</h1><p>By Jo Bloggs</p><p>March 4, 2019</p><p>The story.</p></body>"#;
        let (first, version) = times(page);
        assert_eq!(first.as_deref(), Some("2019-03-04T00:00:00+00:00"));
        assert_eq!(version.as_deref(), Some("2024-05-20T09:00:00+00:00"), "the re-publication is a version");
    }

    #[test]
    fn a_byline_date_of_the_day_before_or_later_leaves_the_metadata_time() {
        for byline in ["May 19, 2024", "May 20, 2024", "June 2, 2024"] {
            let page = format!(
                r#"<head><meta property="article:published_time" content="2024-05-20T09:00:00Z"></head>
                <body><h1>Harbour reopens</h1><p>{byline}</p><p>The story.</p></body>"#
            );
            assert_eq!(times(&page).0.as_deref(), Some("2024-05-20T09:00:00+00:00"), "{byline}");
        }
    }

    #[test]
    fn a_byline_that_also_shows_the_metadata_time_leaves_it() {
        let page = r#"<head><meta property="article:published_time" content="2024-05-20T09:00:00Z"></head>
            <body><h1>Harbour reopens</h1><div>Posted March 4, 2019 <time datetime="2024-05-20">20 May</time></div><p>The story.</p></body>"#;
        assert_eq!(times(page).0.as_deref(), Some("2024-05-20T09:00:00+00:00"));
    }

    #[test]
    fn a_utc_metadata_time_takes_the_offset_the_page_shows_the_same_instant_in() {
        let page = r#"<head><meta property="article:published_time" content="2025-12-19T03:05:00+00:00"></head>
            <body><h1>Game night</h1><div class="post-date"><time datetime="2025-12-18T19:05:00-08:00">December 18, 2025</time></div><p>The story.</p></body>"#;
        assert_eq!(times(page).0.as_deref(), Some("2025-12-18T19:05:00-08:00"));
        let other_instant = page.replace("19:05:00-08:00", "19:06:00-08:00");
        assert_eq!(times(&other_instant).0.as_deref(), Some("2025-12-19T03:05:00+00:00"), "only the same instant lends its offset");
    }

    #[test]
    fn a_statement_of_first_publication_overrules_the_metadata() {
        let page = r#"<head><meta property="article:published_time" content="2024-05-20T09:00:00Z"></head>
            <body><h1>Harbour reopens</h1><p>The story.</p><p>This article was originally published on 26 Sep 2019 at 4:12pm.</p></body>"#;
        let (first, version) = times(page);
        assert_eq!(first.as_deref(), Some("2019-09-26T16:12:00+01:00"));
        assert_eq!(version.as_deref(), Some("2024-05-20T09:00:00+00:00"));
    }

    #[test]
    fn a_permalink_day_overrules_a_publication_time_days_away_from_it() {
        let page = |published: &str| {
            format!(
                r#"<head><link rel="canonical" href="https://news.example/blog/2023/october/03/wine-styles"><meta property="article:published_time" content="{published}"></head>
                <body><h1>Wine styles</h1><p>The story.</p></body>"#
            )
        };
        let (first, version) = times(&page("2026-02-16T00:00:00Z"));
        assert_eq!(first.as_deref(), Some("2023-10-03T00:00:00+01:00"), "midnight in the feed's zone");
        assert_eq!(version.as_deref(), Some("2026-02-16T00:00:00+00:00"), "the re-publication is a version");
        assert_eq!(times(&page("2023-10-04T01:30:00Z")).0.as_deref(), Some("2023-10-04T01:30:00+00:00"), "a day apart: the exact time stands");
    }

    #[test]
    fn a_permalink_day_takes_the_time_the_page_gives_on_that_day() {
        let page = r#"<head><link rel="canonical" href="https://news.example/2025/12/18/harbour/"><meta property="article:published_time" content="2025-12-28T09:00:00Z">
            <meta property="article:modified_time" content="2025-12-18T10:15:00-05:00"></head><body><h1>Harbour</h1><p>The story.</p></body>"#;
        assert_eq!(times(page).0.as_deref(), Some("2025-12-18T10:15:00-05:00"));
        let undated = r#"<head><link rel="canonical" href="https://news.example/2025/12/18/harbour/"></head><body><h1>Harbour</h1><p>The story.</p></body>"#;
        assert_eq!(times(undated).0.as_deref(), Some("2025-12-18T00:00:00+00:00"), "a page with no time is dated by its address");
    }

    #[test]
    fn a_json_ld_page_showing_only_its_update_day_is_dated_by_its_update() {
        let page = r#"<head><script type="application/ld+json">{"@type": "Article", "datePublished": "2024-02-01T15:46:14+00:00", "dateModified": "2025-04-19T09:00:00+00:00"}</script></head>
            <body><h1>Harbour reopens</h1><p>By Jo Bloggs</p><p>Last updated: April 19, 2025</p><p>The story.</p></body>"#;
        let (first, version) = times(page);
        assert_eq!(first.as_deref(), Some("2025-04-19T09:00:00+00:00"));
        assert_eq!(version.as_deref(), Some("2025-04-19T09:00:00+00:00"));
        let later = page.replace("April 19, 2025", "August 14, 2025");
        assert_eq!(times(&later).0.as_deref(), Some("2025-08-14T00:00:00+01:00"), "a later day shown alone beside the headline");
        let either_way = page.replace("Last updated: April 19, 2025", "02.09.2024");
        assert_eq!(times(&either_way).0.as_deref(), Some("2024-02-01T15:46:14+00:00"), "day and month could be either way round");
    }

    #[test]
    fn a_page_showing_its_publication_day_or_declaring_an_open_graph_time_keeps_it() {
        let page = r#"<head>{og}<script type="application/ld+json">{"@type": "Article", "datePublished": "2024-02-01T15:46:14+00:00", "dateModified": "2025-04-19T09:00:00+00:00"}</script></head>
            <body><h1>Harbour reopens</h1><p>Published February 1, 2024</p><p>Updated April 19, 2025</p><p>The story.</p></body>"#;
        assert_eq!(times(&page.replace("{og}", "")).0.as_deref(), Some("2024-02-01T15:46:14+00:00"));
        let og = page.replace("{og}", r#"<meta property="article:published_time" content="2024-02-01T15:46:14+00:00">"#).replace("<p>Published February 1, 2024</p>", "");
        assert_eq!(times(&og).0.as_deref(), Some("2024-02-01T15:46:14+00:00"), "an OpenGraph publication time stands");
    }

    #[test]
    fn a_date_far_from_the_headline_does_not_overrule_the_metadata() {
        let filler: String = (0..30).map(|i| format!("<p>Paragraph {i}.</p>")).collect();
        let page = format!(
            r#"<head><meta property="article:published_time" content="2024-05-20T09:00:00Z"></head>
            <body><h1>Harbour reopens</h1>{filler}<p>March 4, 2019</p></body>"#
        );
        assert_eq!(times(&page).0.as_deref(), Some("2024-05-20T09:00:00+00:00"));
    }
}
