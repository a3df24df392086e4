//! The eval's results: one JSON report per corpus (every story that was lost,
//! emptied or dead-lettered listed with its document id and reason), a table
//! for people, and a summary over the corpora of one run.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::account::{DocumentOutcome, Fate, Tally};
use super::entities::{DocEntities, EntitySummary};
use super::events::EventScores;
use newswire_devtools::wcxb::Summary as WcxbSummary;

use super::score::{ExtractionDoc, ExtractionSummary, WcxbPage};

/// Quality figures, where the corpus has labels.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scores {
    /// WCXB.
    Wcxb {
        /// Over the corpus.
        summary: WcxbSummary,
        /// Per page.
        pages: Vec<WcxbPage>,
    },
    /// extraction-dev.
    Extraction {
        /// Over the corpus.
        summary: ExtractionSummary,
        /// Per document.
        documents: Vec<ExtractionDoc>,
    },
    /// UCI News Aggregator event clusters.
    Events {
        /// B-cubed of the event clusters and of the two baselines.
        summary: EventScores,
    },
    /// CoNLL-2003.
    Conll {
        /// Over the corpus.
        summary: EntitySummary,
        /// Per document, with the gold mentions missing from the published text.
        documents: Vec<DocEntities>,
    },
}

/// One story that did not come through whole, for a developer to chase.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Problem {
    /// The document's id in the corpus.
    pub document: String,
    /// The story key (empty when the push was refused).
    pub key: String,
    /// The trace id, to find it in the services' logs.
    pub trace_id: Option<String>,
    /// `refused`, `dead_lettered`, `dropped`, `unaccounted`, `empty_body`, `doubled`.
    pub problem: String,
    /// Why, as the pipeline said it (reason code and detail).
    pub reason: String,
}

/// Everything one corpus measured.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusReport {
    /// Corpus name.
    pub corpus: String,
    /// Where it was read from.
    pub source: String,
    /// Date of the run (UTC).
    pub date: String,
    /// Seconds from the first push until every story was accounted for (or the wait ended).
    pub seconds: f64,
    /// Whether the wait ended before every accepted story was published or dead-lettered.
    pub waited_out: bool,
    /// The counts.
    pub tally: Tally,
    /// The services' counters' rises during the corpus, `stage/reason → n`.
    pub counters: BTreeMap<String, BTreeMap<String, u64>>,
    /// Published records that were not valid JSON articles.
    pub unreadable_published: usize,
    /// Every story with a problem.
    pub problems: Vec<Problem>,
    /// Quality figures, when the corpus has labels.
    pub scores: Option<Scores>,
    /// Every document's push answer and its stories' fates.
    pub documents: Vec<DocumentOutcome>,
}

/// The problems of every document, in document order.
pub fn problems(documents: &[DocumentOutcome]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for doc in documents {
        if let super::account::PushAnswer::Answered { status, error, detail, .. } = &doc.push {
            if !matches!(status, 200 | 202) {
                problems.push(Problem {
                    document: doc.id.clone(),
                    key: String::new(),
                    trace_id: None,
                    problem: "refused".into(),
                    reason: format!("{status} {}: {}", error.as_deref().unwrap_or("?"), detail.as_deref().unwrap_or("")),
                });
            }
        }
        if let super::account::PushAnswer::Failed { error } = &doc.push {
            problems.push(Problem { document: doc.id.clone(), key: String::new(), trace_id: None, problem: "refused".into(), reason: error.clone() });
        }
        for story in &doc.stories {
            let mut add = |problem: &str, reason: String| {
                problems.push(Problem {
                    document: doc.id.clone(),
                    key: story.key.clone(),
                    trace_id: story.trace_id.clone(),
                    problem: problem.into(),
                    reason,
                })
            };
            match &story.fate {
                Fate::DeadLettered { stage, reason, detail } => add("dead_lettered", format!("{stage}/{reason}: {detail}")),
                Fate::Dropped { stage, reason } => add("dropped", format!("{stage}/{reason}")),
                Fate::Unaccounted { last_seen } => add("unaccounted", format!("last seen on the {last_seen} topic")),
                Fate::Published | Fate::Duplicate => {}
            }
            if story.empty_body {
                add("empty_body", "published with an empty body although the input had text".into());
            }
            if story.published_copies > 1 {
                add("doubled", format!("{} published records", story.published_copies));
            }
        }
    }
    problems
}

fn map_text(map: &BTreeMap<String, usize>) -> String {
    if map.is_empty() {
        return "0".into();
    }
    let total: usize = map.values().sum();
    let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!("{total} ({})", parts.join(", "))
}

impl CorpusReport {
    /// The human-readable table of one corpus.
    pub fn table(&self) -> String {
        let t = &self.tally;
        let mut out = format!("newswire eval {} — {} ({}), {:.1} s{}\n", self.date, self.corpus, self.source, self.seconds, if self.waited_out { ", wait timed out" } else { "" });
        let rows: Vec<(&str, String)> = vec![
            ("documents pushed", t.pushed.to_string()),
            ("pushes accepted (202)", t.accepted_pushes.to_string()),
            ("pushes duplicate (200)", t.duplicate_pushes.to_string()),
            ("pushes refused", map_text(&t.refused)),
            ("stories accepted", t.stories_accepted.to_string()),
            ("stories duplicate at ingest", t.stories_duplicate.to_string()),
            ("published", t.published.to_string()),
            ("published more than once", t.published_more_than_once.to_string()),
            ("dead-lettered", map_text(&t.dead_lettered)),
            ("dropped", map_text(&t.dropped)),
            ("unaccounted (lost)", t.unaccounted.to_string()),
            ("published, empty body, input had text", t.empty_body_with_text.to_string()),
        ];
        for (name, value) in rows {
            out.push_str(&format!("  {name:<40} {value}\n"));
        }
        match &self.scores {
            Some(Scores::Wcxb { summary: s, .. }) => {
                out.push_str(&format!("  {:<40} {:.3} (P {:.3}, R {:.3}; {} of {} pages have text)\n", "word F1", s.f1, s.precision, s.recall, s.scored, s.pages));
                let one_day = s.date_misses.0;
                for (name, share) in [
                    ("`with` snippets found", s.with),
                    ("`without` snippets avoided", s.without),
                    ("title = headline", s.title),
                    ("author in `by`", s.author),
                    ("date = firstcreated (UTC date)", s.date),
                    ("date = versioncreated (UTC date)", s.versioncreated),
                    ("date within a day", newswire_devtools::share::Share { ok: s.date.ok + one_day, of: s.date.of }),
                ] {
                    out.push_str(&format!("  {name:<40} {:.3} ({}/{})\n", share.ratio(), share.ok, share.of));
                }
            }
            Some(Scores::Extraction { summary: s, .. }) => {
                out.push_str(&format!("  {:<40} {:.3} (P {:.3}, R {:.3}; {} documents)\n", "body F1 (4-shingles)", s.f1, s.precision, s.recall, s.documents));
                if let Some(offline) = s.offline_f1 {
                    out.push_str(&format!("  {:<40} {offline:.3}\n", "same files, normalize offline"));
                }
            }
            Some(Scores::Conll { summary: s, .. }) => {
                let share = if s.mentions == 0 { 0.0 } else { s.mentions_found as f64 / s.mentions as f64 };
                out.push_str(&format!("  {:<40} {share:.3} ({}/{})\n", "gold mentions kept in headline + body", s.mentions_found, s.mentions));
                let (p, r, f) = s.typed.prf();
                out.push_str(&format!("  {:<40} {f:.3} (P {p:.3}, R {r:.3})\n", "entity F1, PER+ORG+LOC, kind and name"));
                let (p, r, f) = s.any_kind.prf();
                out.push_str(&format!("  {:<40} {f:.3} (P {p:.3}, R {r:.3})\n", "entity F1, name only"));
                for (kind, counts) in &s.by_kind {
                    let (p, r, f) = counts.prf();
                    out.push_str(&format!("  {:<40} {f:.3} (P {p:.3}, R {r:.3})\n", format!("  {kind}")));
                }
            }
            Some(Scores::Events { summary: s }) => {
                out.push_str(&format!("  {:<40} {} ({} not published, {} published without an event)\n", "documents scored", s.documents, s.unpublished, s.without_event));
                for (name, b) in [("event clustering", &s.event_clustering), ("near-duplicate links", &s.near_duplicate), ("exact headline", &s.exact_headline)] {
                    out.push_str(&format!(
                        "  {:<40} {:.3} (P {:.3}, R {:.3}; {} clusters, true {})\n",
                        format!("B-cubed F1, {name}"),
                        b.f1,
                        b.precision,
                        b.recall,
                        b.predicted_clusters,
                        b.true_clusters
                    ));
                }
            }
            None => {}
        }
        let shown = 15;
        if !self.problems.is_empty() {
            out.push_str(&format!("  problems ({}; all in the JSON report):\n", self.problems.len()));
            for p in self.problems.iter().take(shown) {
                out.push_str(&format!("    {} {} {}: {}\n", p.document, p.problem, p.key, p.reason.chars().take(120).collect::<String>()));
            }
        }
        out
    }
}

/// The row of one corpus in the summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SummaryRow {
    /// Corpus.
    pub corpus: String,
    /// Documents pushed.
    pub pushed: usize,
    /// Stories accepted.
    pub accepted: usize,
    /// Pushes refused.
    pub refused: usize,
    /// Published.
    pub published: usize,
    /// Dead-lettered.
    pub dead_lettered: usize,
    /// Dropped.
    pub dropped: usize,
    /// Unaccounted (lost).
    pub unaccounted: usize,
    /// Published with an empty body although the input had text.
    pub empty_body: usize,
    /// The corpus's quality figures, named (empty: the corpus has no labels).
    pub quality: Vec<(String, f64)>,
}

/// Reads the `*.json` corpus reports in `dir` and builds the summary rows.
pub fn summary_rows(dir: &Path) -> anyhow::Result<Vec<SummaryRow>> {
    let mut rows = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.extension().and_then(|e| e.to_str()) != Some("json") || path.file_stem().and_then(|s| s.to_str()) == Some("summary") {
            continue;
        }
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        let t = &json["tally"];
        let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0) as usize;
        let sum = |v: &serde_json::Value| v.as_object().map(|m| m.values().map(n).sum()).unwrap_or(0);
        let scores = &json["scores"];
        let ratio = |share: &serde_json::Value| n(&share["ok"]) as f64 / n(&share["of"]).max(1) as f64;
        let mut quality = Vec::new();
        if let Some(s) = scores.get("wcxb") {
            let s = &s["summary"];
            quality.push(("word F1".to_owned(), s["f1"].as_f64().unwrap_or(0.0)));
            for field in ["title", "author", "date"] {
                quality.push((field.to_owned(), ratio(&s[field])));
            }
        } else if let Some(s) = scores.get("extraction") {
            quality.push(("body F1".to_owned(), s["summary"]["f1"].as_f64().unwrap_or(0.0)));
        } else if let Some(s) = scores.get("events") {
            let s = &s["summary"];
            for (name, key) in [("event B-cubed F1", "event_clustering"), ("near-dup F1", "near_duplicate"), ("headline F1", "exact_headline")] {
                quality.push((name.to_owned(), s[key]["f1"].as_f64().unwrap_or(0.0)));
            }
        } else if let Some(s) = scores.get("conll") {
            let s = &s["summary"];
            quality.push(("mentions kept".to_owned(), n(&s["mentions_found"]) as f64 / n(&s["mentions"]).max(1) as f64));
            let c = &s["typed"];
            let (tp, fp, fn_) = (n(&c["tp"]), n(&c["fp"]), n(&c["fn_"]));
            quality.push(("entity F1".to_owned(), newswire_devtools::scoring::words::prf(tp, tp + fp, tp + fn_).2));
        }
        rows.push(SummaryRow {
            corpus: json["corpus"].as_str().unwrap_or("?").to_owned(),
            pushed: n(&t["pushed"]),
            accepted: n(&t["stories_accepted"]),
            refused: sum(&t["refused"]),
            published: n(&t["published"]),
            dead_lettered: sum(&t["dead_lettered"]),
            dropped: sum(&t["dropped"]),
            unaccounted: n(&t["unaccounted"]),
            empty_body: n(&t["empty_body_with_text"]),
            quality,
        });
    }
    Ok(rows)
}

/// The summary table (Markdown, so it can go into a report as it is).
pub fn summary_table(rows: &[SummaryRow]) -> String {
    let mut out = String::from("| corpus | pushed | accepted | refused | published | dead-lettered | dropped | lost | empty body | quality |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let figures: Vec<String> = r.quality.iter().map(|(name, v)| format!("{name} {v:.3}")).collect();
        let quality = if figures.is_empty() { "—".to_owned() } else { figures.join(", ") };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.corpus, r.pushed, r.accepted, r.refused, r.published, r.dead_lettered, r.dropped, r.unaccounted, r.empty_body, quality
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::account::{PushAnswer, StoryOutcome};

    #[test]
    fn every_refused_dead_lettered_lost_emptied_or_doubled_story_is_listed_with_its_document() {
        let story = |key: &str, fate: Fate, copies: usize, empty: bool| StoryOutcome { key: key.into(), trace_id: Some("t".into()), fate, published_copies: copies, empty_body: empty };
        let docs = vec![
            DocumentOutcome {
                id: "a".into(),
                push: PushAnswer::Answered { status: 202, stories: vec![], error: None, detail: None },
                stories: vec![story("k1", Fate::Published, 2, true), story("k2", Fate::Unaccounted { last_seen: "raw".into() }, 0, false)],
            },
            DocumentOutcome {
                id: "b".into(),
                push: PushAnswer::Answered { status: 413, stories: vec![], error: Some("payload_too_large".into()), detail: Some("big".into()) },
                stories: vec![],
            },
            DocumentOutcome {
                id: "c".into(),
                push: PushAnswer::Answered { status: 202, stories: vec![], error: None, detail: None },
                stories: vec![story("k3", Fate::Published, 1, false)],
            },
        ];
        let listed: Vec<(String, String)> = problems(&docs).into_iter().map(|p| (p.document, p.problem)).collect();
        assert_eq!(
            listed,
            vec![
                ("a".into(), "empty_body".into()),
                ("a".into(), "doubled".into()),
                ("a".into(), "unaccounted".into()),
                ("b".into(), "refused".into()),
            ]
        );
    }

    #[test]
    fn the_summary_reads_back_the_corpus_reports_it_finds() {
        let dir = tempfile::tempdir().unwrap();
        let report = serde_json::json!({
            "corpus": "extraction-html",
            "tally": {"pushed": 3, "stories_accepted": 3, "refused": {}, "published": 2, "dead_lettered": {"normalize/no_content": 1}, "dropped": {}, "unaccounted": 0, "empty_body_with_text": 1},
            "scores": {"extraction": {"summary": {"f1": 0.5}}}
        });
        std::fs::write(dir.path().join("extraction-html.json"), report.to_string()).unwrap();
        std::fs::write(dir.path().join("summary.json"), "[]").unwrap();
        let rows = summary_rows(dir.path()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].published, rows[0].dead_lettered, rows[0].empty_body), (2, 1, 1));
        assert_eq!(rows[0].quality, vec![("body F1".to_owned(), 0.5)]);
        assert!(summary_table(&rows).contains("| extraction-html | 3 | 3 | 0 | 2 | 1 | 0 | 0 | 1 | body F1 0.500 |"));
    }
}
