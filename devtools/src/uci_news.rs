//! The UCI News Aggregator corpus (2014; 422,637 headlines labelled with the
//! STORY cluster they belong to), read in place: never committed. Only the
//! **dev months** are read (stories first seen before 2014-06-01); the later
//! months are kept for independent evaluation.
//!
//! Rows are tab-separated: ID, TITLE, URL, PUBLISHER, CATEGORY, STORY,
//! HOSTNAME, TIMESTAMP (ms). Of these, a clustering may read only the title,
//! the URL, the publisher and the timestamp: ID's order follows the grouping,
//! and STORY is the answer.

use std::path::Path;

use anyhow::Context;

/// 2014-06-01T00:00:00Z in milliseconds: rows at or after it are not read.
pub const DEV_MONTHS_END_MS: i64 = 1_401_580_800_000;

/// One labelled headline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UciStory {
    /// The headline.
    pub title: String,
    /// The article's URL.
    pub url: String,
    /// The publisher's name.
    pub publisher: String,
    /// The STORY label (the answer; not an input).
    pub story: String,
    /// When the aggregator saw it, in milliseconds since the epoch.
    pub at_ms: i64,
}

/// The dev-month rows of every file under `path` (a folder of the corpus's
/// `.csv` parts, or one file), in timestamp order (ties by URL).
pub fn read_dev_months(path: &Path) -> anyhow::Result<Vec<UciStory>> {
    let mut files = Vec::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).with_context(|| format!("read {}", path.display()))? {
            let file = entry?.path();
            if file.extension().is_some_and(|e| e == "csv" || e == "tsv") {
                files.push(file);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut stories = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("read {}", file.display()))?;
        stories.extend(String::from_utf8_lossy(&bytes).lines().filter_map(parse_row).filter(|s| s.at_ms < DEV_MONTHS_END_MS));
    }
    anyhow::ensure!(!stories.is_empty(), "no dev-month rows in {}", path.display());
    stories.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.url.cmp(&b.url)));
    Ok(stories)
}

fn parse_row(line: &str) -> Option<UciStory> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() < 8 {
        return None;
    }
    Some(UciStory {
        title: fields[1].to_string(),
        url: fields[2].to_string(),
        publisher: fields[3].to_string(),
        story: fields[5].to_string(),
        at_ms: fields[7].trim().parse().ok()?,
    })
}

/// The corpus's order leaks its labels: the aggregator crawled one story at a
/// time, so 98% of consecutive rows share a STORY. This spreads each calendar
/// day's rows evenly over the day in a fixed shuffled order, which is closer to
/// how a real feed interleaves events (`docs/event-clustering.md`).
pub fn interleaved_by_day(stories: &[UciStory], seed: u64) -> Vec<UciStory> {
    const DAY_MS: i64 = 86_400_000;
    let mut out = Vec::with_capacity(stories.len());
    let mut state = seed | 1;
    for day in stories.chunk_by(|a, b| a.at_ms.div_euclid(DAY_MS) == b.at_ms.div_euclid(DAY_MS)) {
        let mut day = day.to_vec();
        // Fisher–Yates with xorshift64*: fixed and dependency-free.
        for i in (1..day.len()).rev() {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let j = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % (i as u64 + 1)) as usize;
            day.swap(i, j);
        }
        let start = day[0].at_ms.div_euclid(DAY_MS) * DAY_MS;
        let step = DAY_MS / day.len() as i64;
        for (i, mut story) in day.into_iter().enumerate() {
            story.at_ms = start + i as i64 * step;
            out.push(story);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u32, story: &str, at_ms: i64) -> String {
        format!("{id}\tHeadline {id}\thttp://example.com/{id}\tPub\tb\t{story}\texample.com\t{at_ms}")
    }

    #[test]
    fn only_dev_month_rows_are_read_in_timestamp_order() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [row(1, "s1", 1_394_470_370_698), row(2, "s2", DEV_MONTHS_END_MS), row(3, "s1", 1_394_470_000_000), "broken".into()];
        std::fs::write(dir.path().join("part.csv"), rows.join("\n")).unwrap();
        let stories = read_dev_months(dir.path()).unwrap();
        assert_eq!(stories.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(), ["Headline 3", "Headline 1"]);
        assert_eq!(stories[0].story, "s1");
        assert_eq!(stories[0].url, "http://example.com/3");
    }

    #[test]
    fn interleaving_keeps_each_day_and_is_repeatable() {
        let day = 86_400_000;
        let stories: Vec<UciStory> = (0..10)
            .map(|i| UciStory { title: format!("t{i}"), url: String::new(), publisher: String::new(), story: String::new(), at_ms: day * (i / 5) + i })
            .collect();
        let a = interleaved_by_day(&stories, 7);
        assert_eq!(a, interleaved_by_day(&stories, 7));
        assert_ne!(a.iter().map(|s| &s.title).collect::<Vec<_>>(), stories.iter().map(|s| &s.title).collect::<Vec<_>>());
        assert!(a[..5].iter().all(|s| s.at_ms < day) && a[5..].iter().all(|s| s.at_ms >= day));
        assert!(a.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    }
}
