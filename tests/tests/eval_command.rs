//! `newswire eval` end to end: the real command against a real pipeline, on a
//! tiny corpus in extraction-dev's layout made of the repository's own
//! fixtures, with one story of each fate the accounting must tell apart.

use std::process::Command;

use newswire_e2e::{binary, fixture, Pipeline, PA_TOKEN};
use serde_json::{json, Value};

#[test]
fn eval_accounts_for_every_push_by_its_fate_and_scores_the_published_bodies() {
    let pipeline = Pipeline::start();
    let corpus = tempfile::tempdir().expect("temp dir");
    let text = corpus.path().join("text");
    std::fs::create_dir_all(&text).expect("text folder");
    let seed = fixture("pa-truss-lavrov-2022-02-14.txt");
    let harbour = b"Harbour reopens after repairs\n\nBy Test Desk\n\nThe harbour reopened on Monday after two years of repairs.\nFishing boats were the first to return.\n".to_vec();
    let documents: [(&str, Vec<u8>); 5] = [
        ("a-seed", seed.clone()),
        ("b-seed-again", seed.clone()), // the same bytes again: ingest answers duplicate
        ("c-junk", b"Menu\nShare\nAdvertisement\n".to_vec()), // no content: dead-lettered by normalize
        ("d-harbour", harbour.clone()),
        ("e-bad-bytes", b"Headline\n\nBody \xff\xfe\n".to_vec()), // not UTF-8: refused by ingest
    ];
    let mut truth = serde_json::Map::new();
    for (id, bytes) in &documents {
        std::fs::write(text.join(format!("{id}.txt")), bytes).expect("write document");
        truth.insert((*id).to_owned(), json!({ "articleBody": String::from_utf8_lossy(bytes), "url": "" }));
    }
    std::fs::write(corpus.path().join("ground-truth.json"), Value::Object(truth).to_string()).expect("write truth");

    let out = corpus.path().join("reports");
    let mut command = Command::new(binary("newswire"));
    command
        .args(["eval", "--corpus", "extraction-text", "--token", PA_TOKEN, "--idle-secs", "15", "--strict"])
        .arg("--path")
        .arg(corpus.path())
        .arg("--out")
        .arg(&out)
        .args(["--ingest-url", &pipeline.ingest_url])
        .env("NEWSWIRE_CONFIG", pipeline.dir().join("newswire.toml"))
        .env("NEWSWIRE_KAFKA_BROKERS", &pipeline.brokers);
    for stage in ["ingest", "normalize", "enrich", "publish"] {
        command.arg("--admin").arg(format!("{stage}=127.0.0.1:{}", pipeline.admin_port(stage)));
    }
    for name in ["raw", "normalized", "enriched", "published", "dlq"] {
        command.env(format!("NEWSWIRE_TOPICS_{}", name.to_uppercase()), pipeline.topic(name));
    }
    let run = command.output().expect("run newswire eval");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "newswire eval failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));

    let report: Value = serde_json::from_slice(&std::fs::read(out.join("extraction-text.json")).expect("JSON report")).expect("report is JSON");
    let tally = &report["tally"];
    assert_eq!(tally["pushed"], 5);
    assert_eq!((tally["accepted_pushes"].as_u64(), tally["duplicate_pushes"].as_u64()), (Some(3), Some(1)));
    assert_eq!(tally["refused"], json!({ "400 bad_encoding": 1 }));
    assert_eq!(tally["stories_accepted"], 3);
    assert_eq!(tally["published"], 2, "the seed and the harbour story are published");
    assert_eq!(tally["dead_lettered"], json!({ "normalize/no_content": 1 }));
    assert_eq!((tally["unaccounted"].as_u64(), tally["published_more_than_once"].as_u64()), (Some(0), Some(0)));

    let problems: Vec<(String, String)> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| (p["document"].as_str().unwrap_or("").to_owned(), p["problem"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert!(problems.contains(&("c-junk".into(), "dead_lettered".into())), "{problems:?}");
    assert!(problems.contains(&("e-bad-bytes".into(), "refused".into())), "{problems:?}");
    assert!(!problems.iter().any(|(d, _)| d == "b-seed-again"), "a duplicate is not a problem: {problems:?}");

    let scores = &report["scores"]["extraction"]["summary"];
    assert_eq!(scores["documents"], 5);
    assert!(scores["f1"].as_f64().is_some_and(|f1| f1 > 0.0), "{scores}");
    let harbour = report["scores"]["extraction"]["documents"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["id"] == "d-harbour"))
        .expect("the harbour story is scored");
    assert_eq!(harbour["precision"], 1.0, "every published word of the harbour story was in its input: {harbour}");
    assert!(out.join("summary.md").is_file(), "the summary table is written beside the report");
    assert!(stdout.contains("unaccounted (lost)"), "the table is printed:\n{stdout}");
}
