//! What a subscriber receives for every fixture, pinned: each file under
//! `tests/fixtures/{ingest,normalize}` goes through ingest's core
//! ([`prepare`]: format, charset, story splitting, identity and key), the
//! normalize stage ([`Normalizer`], over a fresh dedupe store per fixture) and
//! publish's strict ninjs 2.1 rendering ([`render`]), with no Kafka in between. The
//! result is compared with `tests/golden/<dir>/<fixture>.json`.
//!
//! A difference fails the test and names the golden and every field that
//! differs ([`Goldens`]); run with `UPDATE_GOLDEN=1` to write the goldens anew,
//! then review the diff: every change to a golden must be an intended fix.

mod common;
use common::content_type;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::dedupe::store::DedupeStore;
use newswire_normalize::Normalizer;
use newswire_publish::output::{render, Output};
use newswire_shared::article::Article;
use newswire_shared::golden::Goldens;
use newswire_shared::kafka::headers::HeaderMap;
use newswire_shared::stage::{InputMessage, Stage};
use serde_json::{json, Value};

/// The fixture directories whose files are stories (or refusals of them).
const FIXTURE_DIRS: [&str; 2] = ["ingest", "normalize"];

/// A fixed clock, so nothing in the output depends on when the test runs.
fn clock() -> i64 {
    1_700_000_000_000
}

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

/// Headers as a name-ordered object, values as text.
fn headers_json(headers: &HeaderMap) -> Value {
    let map: BTreeMap<&str, String> = headers.iter().map(|(k, v)| (k, String::from_utf8_lossy(v).into_owned())).collect();
    json!(map)
}

/// Everything the pipeline makes of one fixture.
fn run(dir: &str, name: &str, body: &[u8]) -> Value {
    let content_type = content_type(name);
    let submission = Submission { feed: "golden", content_type: Some(content_type), body, received_at_ms: clock(), trace_id: "trace" };
    let records = match prepare(&submission, ShapeLimits::default()) {
        Ok(records) => records,
        Err(rejection) => {
            return json!({ "fixture": format!("{dir}/{name}"), "content_type": content_type, "rejected": { "status": rejection.status, "error": rejection.error } })
        }
    };
    let mut config = NormalizeConfig::default();
    config.feed_zones.insert("golden".into(), "Europe/London".into());
    let store = DedupeStore::temporary(7).expect("a temporary dedupe store");
    let mut normalizer = Normalizer::new(config, "newswire.normalized", store).with_clock(clock);
    let stories: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(offset, record)| {
            let input = InputMessage {
                topic: "newswire.raw",
                partition: 0,
                offset: offset as i64,
                key: Some(record.key.as_bytes()),
                payload: &record.payload,
                headers: &record.headers,
            };
            let ingest = json!({ "key": record.key, "version": record.version, "headers": headers_json(&record.headers) });
            let normalize = match normalizer.process(&input) {
                Err(error) => json!({ "error": { "reason": error.reason, "detail": error.detail } }),
                Ok(outcome) => {
                    let articles: Vec<Value> = outcome
                        .records
                        .iter()
                        .map(|out| {
                            let article: Article = serde_json::from_slice(&out.payload).expect("normalize writes an article");
                            json!({
                                "key": String::from_utf8_lossy(&out.key),
                                "headers": headers_json(&out.headers),
                                "newswire": article.newswire,
                                "ninjs": serde_json::from_slice::<Value>(&render(&article, Output::STRICT_2_1).expect("ninjs")).expect("json"),
                            })
                        })
                        .collect();
                    json!({ "dropped": outcome.dropped, "duplicate": outcome.duplicate, "articles": articles })
                }
            };
            json!({ "ingest": ingest, "normalize": normalize })
        })
        .collect();
    normalizer.before_commit().expect("the dedupe store commits");
    json!({ "fixture": format!("{dir}/{name}"), "content_type": content_type, "stories": stories })
}

#[test]
fn every_fixture_gives_what_its_golden_file_says_subscribers_receive() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in FIXTURE_DIRS {
        let fixtures = tests_dir().join("fixtures").join(dir);
        let mut goldens = Goldens::at(tests_dir().join("golden").join(dir));
        let mut names: Vec<String> = std::fs::read_dir(&fixtures)
            .unwrap_or_else(|e| panic!("{}: {e}", fixtures.display()))
            .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
            .filter(|name| !name.ends_with(".md"))
            .collect();
        names.sort();
        for name in &names {
            let body = std::fs::read(fixtures.join(name)).unwrap_or_else(|e| panic!("{dir}/{name}: {e}"));
            goldens.check(&format!("{name}.json"), &run(dir, name, &body));
        }
        match goldens.finish() {
            Ok(n) => checked += n,
            Err(differences) => failures.push(differences),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 25, "only {checked} fixtures were found");
}
