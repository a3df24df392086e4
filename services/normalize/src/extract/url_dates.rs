//! The date an article's address carries: many publishing systems build the
//! permalink from the day the story was created (`/2025/12/18/slug`,
//! `/blog/2023/october/03/slug`), and the address keeps that day however
//! often the story is re-saved or re-published.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::dates::MONTHS;

/// A year, a month (number or English name) and a day as three whole path segments.
static PATH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)/((?:19|20)\d{{2}})/(\d{{1,2}}|{})/(\d{{1,2}})(?:/|$)", MONTHS.join("|"))).expect("static regex")
});

/// The calendar day written in the path of `url` as year / month / day
/// segments, or `None` when the path has none or it is not a real date.
/// Only the path is read (a query's or fragment's numbers are not an address).
pub fn date_in_path(url: &str) -> Option<NaiveDate> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let found = PATH_DATE.captures(path)?;
    let month = match found[2].parse::<u32>() {
        Ok(number) => number,
        Err(_) => u32::try_from(MONTHS.iter().position(|m| m.eq_ignore_ascii_case(&found[2]))? + 1).ok()?,
    };
    NaiveDate::from_ymd_opt(found[1].parse().ok()?, month, found[3].parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Option<String> {
        date_in_path(text).map(|d| d.to_string())
    }

    #[test]
    fn numeric_and_named_month_permalinks_give_their_day() {
        assert_eq!(day("https://news.example/2025/12/18/harbour-reopens/").as_deref(), Some("2025-12-18"));
        assert_eq!(day("https://example.org/blog/2025/6/9/top-ten").as_deref(), Some("2025-06-09"));
        assert_eq!(day("https://example.org/knowledge/blog/2023/october/03/wine-styles").as_deref(), Some("2023-10-03"));
        assert_eq!(day("https://example.org/archives/2025/12/16").as_deref(), Some("2025-12-16"));
    }

    #[test]
    fn a_month_only_path_an_impossible_date_a_query_or_an_id_is_no_day() {
        for url in [
            "https://example.org/2025/12/slug",
            "https://example.org/2025/02/30/slug",
            "https://example.org/story?d=/2025/12/18/",
            "https://example.org/article/436674/best-laptops.html",
            "https://example.org/2025/12/18x/slug",
            "https://2025/12/18/",
        ] {
            assert_eq!(day(url), None, "{url}");
        }
    }
}
