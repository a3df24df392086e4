//! Dev check on real NewsML 1.x deliveries: every `.xml` file below the folder
//! named by `NEWSWIRE_NEWSML1_SAMPLES` is pushed through ingest's `prepare`
//! (as `application/xml`, the way feeds send it) and each record through
//! normalize. It reports how many stories normalize with a headline and a body
//! and fails when a record ingest accepts is refused by normalize. Samples are
//! third-party data read in place, never committed; without the variable the
//! check is skipped.
//!
//! `NEWSWIRE_NEWSML1_SAMPLES=/path/to/samples cargo test -p newswire-normalize --test newsml_1_samples -- --nocapture`

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::normalize_stories;
use newswire_shared::kafka::headers;

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            xml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

#[test]
fn every_newsml_1_sample_ingest_accepts_normalizes() {
    let Some(dir) = std::env::var_os("NEWSWIRE_NEWSML1_SAMPLES") else {
        println!("SKIPPED: NEWSWIRE_NEWSML1_SAMPLES is not set");
        return;
    };
    let mut files = Vec::new();
    xml_files(Path::new(&dir), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no .xml file below {dir:?}");
    let config = NormalizeConfig::default();
    let (mut records, mut stories, mut complete) = (0, 0, 0);
    let mut refused_at_ingest: BTreeMap<String, usize> = BTreeMap::new();
    let mut formats: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut incomplete = Vec::new();
    for path in &files {
        let name = path.strip_prefix(&dir).unwrap_or(path).display().to_string();
        let body = std::fs::read(path).expect("sample");
        let submission = Submission { feed: "dev", content_type: Some("application/xml"), body: &body, received_at_ms: 0, trace_id: "t" };
        let prepared = match prepare(&submission, ShapeLimits::default()) {
            Ok(prepared) => prepared,
            Err(rejection) => {
                *refused_at_ingest.entry(format!("{} {}", rejection.status, rejection.error)).or_default() += 1;
                continue;
            }
        };
        for record in prepared {
            records += 1;
            let format = record.headers.get_str(headers::FORMAT).unwrap_or_default().to_owned();
            *formats.entry(format.clone()).or_default() += 1;
            let charset = record.headers.get_str(headers::CHARSET);
            match normalize_stories(format.parse().expect("ingest writes a known format"), &record.payload, charset, "dev", &record.key, &config) {
                Ok(found) => {
                    for (_, article) in found {
                        stories += 1;
                        if article.headline().is_some() && article.body_text().is_some() {
                            complete += 1;
                        } else {
                            incomplete.push(format!("{name}: {} (headline {:?})", article.uri, article.headline()));
                        }
                    }
                }
                Err(e) => failures.push(format!("{name} ({format}): {e}")),
            }
        }
    }
    println!("{} files, {records} records {formats:?}, refused at ingest {refused_at_ingest:?}", files.len());
    println!("{stories} stories, {complete} with a headline and a body; {} records refused by normalize", failures.len());
    for line in incomplete.iter().chain(&failures) {
        println!("  {line}");
    }
    assert!(failures.is_empty(), "normalize refused {} records ingest accepted", failures.len());
}
