//! The closing summary of a backfill: what ingest answered, file by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What ingest answered for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// 200/202: stories accepted and stories that were duplicates.
    Answered {
        /// Stories written.
        accepted: usize,
        /// Stories already known.
        duplicate: usize,
    },
    /// Refused, or never answered: a short code and the detail.
    Rejected {
        /// `error` of the answer, or `http_<status>` / `unreachable` / `unreadable`.
        error: String,
        /// What the answer said.
        detail: String,
    },
}

impl FileOutcome {
    /// Reads ingest's answer `(status, json)`.
    pub fn from_answer(status: u16, json: &serde_json::Value) -> Self {
        if status == 200 || status == 202 {
            let stories = json["stories"].as_array();
            let count = |word: &str| stories.map_or(0, |s| s.iter().filter(|s| s["status"] == word).count());
            let (accepted, duplicate) = match stories {
                Some(_) => (count("accepted"), count("duplicate")),
                None if json["status"] == "duplicate" => (0, 1),
                None => (1, 0),
            };
            return FileOutcome::Answered { accepted, duplicate };
        }
        FileOutcome::Rejected {
            error: json["error"].as_str().map_or_else(|| format!("http_{status}"), str::to_owned),
            detail: json["detail"].as_str().map_or_else(|| json.to_string(), str::to_owned),
        }
    }
}

/// The running tally of a backfill.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Files sent.
    pub files: usize,
    /// Stories written.
    pub accepted: usize,
    /// Stories already known.
    pub duplicate: usize,
    /// Refused files with their code and detail, by path.
    pub rejected: BTreeMap<PathBuf, (String, String)>,
}

impl Summary {
    /// Adds one file's outcome.
    pub fn record(&mut self, path: &Path, outcome: FileOutcome) {
        self.files += 1;
        match outcome {
            FileOutcome::Answered { accepted, duplicate } => {
                self.accepted += accepted;
                self.duplicate += duplicate;
            }
            FileOutcome::Rejected { error, detail } => {
                self.rejected.insert(path.to_path_buf(), (error, detail));
            }
        }
    }

    /// The closing report: totals, then each rejected file with its reason.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} files: {} stories accepted, {} duplicate, {} files rejected\n",
            self.files,
            self.accepted,
            self.duplicate,
            self.rejected.len()
        );
        for (path, (error, detail)) in &self.rejected {
            out.push_str(&format!("  rejected {}: {error}: {detail}\n", path.display()));
        }
        out
    }

    /// The process exit code: 0 when nothing was rejected, else 1.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.rejected.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_summary_counts_stories_and_lists_each_rejection_with_its_reason() {
        let mut summary = Summary::default();
        let feed = json!({"id": "a", "status": "accepted", "stories": [{"id": "a", "status": "accepted"}, {"id": "b", "status": "duplicate"}]});
        summary.record(Path::new("feed.xml"), FileOutcome::from_answer(202, &feed));
        summary
            .record(Path::new("old.json"), FileOutcome::from_answer(200, &json!({"id": "c", "status": "duplicate"})));
        summary.record(
            Path::new("bad.xml"),
            FileOutcome::from_answer(400, &json!({"error": "malformed_xml", "detail": "line 3"})),
        );
        summary.record(Path::new("gone.txt"), FileOutcome::from_answer(502, &json!("bad gateway")));
        assert_eq!((summary.files, summary.accepted, summary.duplicate, summary.rejected.len()), (4, 1, 2, 2));
        let text = summary.render();
        assert!(text.starts_with("4 files: 1 stories accepted, 2 duplicate, 2 files rejected"), "{text}");
        assert!(text.contains("rejected bad.xml: malformed_xml: line 3"), "{text}");
        assert!(text.contains("rejected gone.txt: http_502"), "{text}");
        assert_eq!(summary.exit_code(), 1);
        assert_eq!(Summary::default().exit_code(), 0);
    }
}
