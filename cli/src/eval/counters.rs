//! The services' own counters of what they dropped, dead-lettered and
//! recognised as duplicates, scraped from `/metrics` before and after a corpus.

use std::collections::BTreeMap;
use std::time::Duration;

/// The counters the eval reads, by `(stage, reason or kind)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counters {
    /// `newswire_messages_dropped_total{stage, reason}`.
    pub dropped: BTreeMap<(String, String), u64>,
    /// `newswire_dead_letters_total{stage, reason}`.
    pub dead_letters: BTreeMap<(String, String), u64>,
    /// `newswire_duplicates_total{stage, kind}`.
    pub duplicates: BTreeMap<(String, String), u64>,
}

impl Counters {
    /// What rose from `before` to `self` (counters that did not rise are left out).
    pub fn since(&self, before: &Counters) -> Counters {
        let delta = |now: &BTreeMap<(String, String), u64>, then: &BTreeMap<(String, String), u64>| {
            now.iter()
                .filter_map(|(k, v)| {
                    let rise = v.saturating_sub(then.get(k).copied().unwrap_or(0));
                    (rise > 0).then(|| (k.clone(), rise))
                })
                .collect()
        };
        Counters {
            dropped: delta(&self.dropped, &before.dropped),
            dead_letters: delta(&self.dead_letters, &before.dead_letters),
            duplicates: delta(&self.duplicates, &before.duplicates),
        }
    }

    /// `stage/reason → n`, for reports.
    pub fn flat(map: &BTreeMap<(String, String), u64>) -> BTreeMap<String, u64> {
        map.iter().map(|((s, r), n)| (format!("{s}/{r}"), *n)).collect()
    }
}

/// Reads the counters from one `/metrics` text (the stage is the sample's
/// `stage` label, else `default_stage`).
pub fn parse(text: &str, default_stage: &str, into: &mut Counters) {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let Ok(scrape) = prometheus_parse::Scrape::parse(lines) else { return };
    for sample in &scrape.samples {
        let value = match sample.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => continue,
        };
        let (map, label) = match sample.metric.as_str() {
            "newswire_messages_dropped_total" => (&mut into.dropped, "reason"),
            "newswire_dead_letters_total" => (&mut into.dead_letters, "reason"),
            "newswire_duplicates_total" => (&mut into.duplicates, "kind"),
            _ => continue,
        };
        let stage = sample.labels.get("stage").unwrap_or(default_stage).to_owned();
        let what = sample.labels.get(label).unwrap_or("").to_owned();
        *map.entry((stage, what)).or_insert(0) += value.max(0.0) as u64;
    }
}

/// Scrapes every `(stage, host:port)` admin endpoint; one that does not answer is an error.
pub async fn scrape(http: &reqwest::Client, admins: &[(String, String)]) -> anyhow::Result<Counters> {
    let mut counters = Counters::default();
    for (stage, addr) in admins {
        let url = format!("http://{addr}/metrics");
        let text = http
            .get(&url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| anyhow::anyhow!("{stage}'s metrics at {url}: {e}"))?
            .text()
            .await?;
        parse(&text, stage, &mut counters);
    }
    Ok(counters)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "# TYPE newswire_messages_dropped_total counter\nnewswire_messages_dropped_total{stage=\"normalize\",reason=\"duplicate_exact\"} 2\n";
    const AFTER: &str = "# TYPE newswire_messages_dropped_total counter\nnewswire_messages_dropped_total{stage=\"normalize\",reason=\"duplicate_exact\"} 5\nnewswire_messages_dropped_total{stage=\"normalize\",reason=\"stale_version\"} 1\n# TYPE newswire_dead_letters_total counter\nnewswire_dead_letters_total{stage=\"normalize\",reason=\"no_content\"} 4\n# TYPE newswire_duplicates_total counter\nnewswire_duplicates_total{stage=\"normalize\",kind=\"near\"} 0\n";

    #[test]
    fn deltas_keep_only_counters_that_rose_during_the_corpus() {
        let (mut before, mut after) = (Counters::default(), Counters::default());
        parse(BEFORE, "normalize", &mut before);
        parse(AFTER, "normalize", &mut after);
        let delta = after.since(&before);
        assert_eq!(
            Counters::flat(&delta.dropped),
            BTreeMap::from([("normalize/duplicate_exact".to_owned(), 3), ("normalize/stale_version".to_owned(), 1)])
        );
        assert_eq!(Counters::flat(&delta.dead_letters), BTreeMap::from([("normalize/no_content".to_owned(), 4)]));
        assert!(delta.duplicates.is_empty());
    }
}
