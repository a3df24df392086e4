//! Enrich through the real broker: the PA seed pushed to ingest comes out of
//! `newswire.enriched` with topics, places, people, quotes and a summary, and
//! the published ninjs carries them (without the internal extension).

use std::time::Duration;

use newswire_e2e::{fixture, Pipeline, PA_TOKEN};

const PA_SEED: &str = "pa-truss-lavrov-2022-02-14.txt";
const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);

fn names(value: &serde_json::Value) -> Vec<String> {
    value.as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).map(str::to_owned).collect()
}

#[test]
fn the_pa_seed_is_enriched_with_topics_places_people_quotes_and_a_summary() {
    let pipeline = Pipeline::start();
    let id = pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", fixture(PA_SEED));

    let enriched = pipeline.read("enriched", 1, WAIT, SETTLE);
    assert_eq!(enriched.len(), 1, "one enriched article; enrich log:\n{}", pipeline.log("enrich"));
    assert_eq!(enriched[0].key, id);
    let article = enriched[0].json();

    let subjects: Vec<&str> = article["subjects"].as_array().expect("subjects").iter().filter_map(|s| s["uri"].as_str()).collect();
    assert!(subjects.contains(&"http://cv.iptc.org/newscodes/mediatopic/11000000"), "politics in {subjects:?}");
    assert!(subjects.contains(&"http://cv.iptc.org/newscodes/mediatopic/20000639"), "diplomacy in {subjects:?}");

    let places = article["places"].as_array().expect("places");
    for (place, code) in [("Moscow", "RU"), ("Russia", "RU"), ("Ukraine", "UA")] {
        let found = places.iter().find(|p| p["name"] == place);
        assert_eq!(found.and_then(|p| p["literal"].as_str()), Some(code), "{place} in {places:?}");
    }
    let people = names(&article["people"]);
    assert!(people.contains(&"Liz Truss".to_owned()) && people.contains(&"Sergei Lavrov".to_owned()), "{people:?}");

    let summary = article["descriptions"].as_array().and_then(|d| d.iter().find(|d| d["role"] == "summary")).expect("a summary");
    assert!(summary["value"].as_str().unwrap().starts_with("Liz Truss defended her decision"), "{summary}");

    let enrichment = &article["newswire"]["enrichment"];
    let quotes = enrichment["quotes"].as_array().expect("quotes");
    let speaker = |starts: &str| quotes.iter().find(|q| q["text"].as_str().is_some_and(|t| t.starts_with(starts))).map(|q| q["speaker"].clone());
    assert_eq!(speaker("I went to Russia"), Some(serde_json::json!("Liz Truss")));
    assert_eq!(speaker("conversation between deaf and dumb"), Some(serde_json::json!("Sergei Lavrov")));
    assert!(enrichment["word_count"].as_u64().unwrap() > 300);
    let story_id = article["newswire"]["story_id"].as_str().unwrap_or_default();
    if !story_id.is_empty() {
        assert!(article["altids"].as_array().unwrap().iter().any(|a| a["role"] == "newswire:story-id" && a["value"] == story_id));
    }

    let published = pipeline.read("published", 1, WAIT, SETTLE);
    let ninjs = published[0].json();
    let (kept, stored) = (ninjs["subjects"].as_array().expect("published subjects"), article["subjects"].as_array().expect("subjects"));
    for (kept, stored) in kept.iter().zip(stored) {
        for key in ["name", "rel", "uri"] {
            assert_eq!(kept[key], stored[key], "published ninjs keeps the subjects");
        }
        assert!(kept["relevance"].is_u64(), "an enrich Media Topic carries its relevance: {kept}");
    }
    let keywords: Vec<&serde_json::Value> = kept[stored.len().min(kept.len())..].iter().inspect(|s| assert_eq!(s["rel"], "keyword")).map(|s| &s["name"]).collect();
    assert_eq!(keywords, enrichment["keywords"].as_array().expect("keywords").iter().collect::<Vec<_>>(), "then each keyword as a subject");
    assert!(ninjs.get("newswire").is_none());
}

/// Pushes the PA story and checks it reached `enriched` with local enrichment
/// and nothing from the external enricher; answers enrich's metrics then.
fn goes_on_with_local_enrichment_only(pipeline: &Pipeline) -> String {
    pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", fixture(PA_SEED));
    let enriched = pipeline.read("enriched", 1, WAIT, SETTLE);
    assert_eq!(enriched.len(), 1, "the story goes on; enrich log:\n{}", pipeline.log("enrich"));
    let article = enriched[0].json();
    assert!(article["subjects"].as_array().is_some_and(|s| !s.is_empty()), "local enrichment is there");
    assert!(article["newswire"]["enrichment"].get("external").is_none());
    pipeline.metrics("enrich")
}

#[test]
fn with_the_external_enricher_down_stories_go_on_with_local_enrichment_and_a_metric_says_so() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}/enrich", dead.local_addr().expect("an address"));
    drop(dead);
    let pipeline = Pipeline::start_with(&[
        ("NEWSWIRE_ENRICH_EXTERNAL_URL", url.as_str()),
        ("NEWSWIRE_ENRICH_EXTERNAL_RETRIES", "1"),
        ("NEWSWIRE_ENRICH_EXTERNAL_BACKOFF_MS", "10"),
    ]);
    let metrics = goes_on_with_local_enrichment_only(&pipeline);
    let failed = metrics.lines().find(|l| l.starts_with("newswire_enrich_external_calls_total") && l.contains("outcome=\"failed\""));
    assert!(failed.is_some_and(|l| !l.ends_with(" 0")), "failed calls are counted:\n{metrics}");
}

#[test]
fn with_the_external_enricher_hanging_stories_wait_only_the_batch_budget_and_no_transaction_is_aborted() {
    // Listening but never accepting: the kernel completes the handshake, takes the
    // request, and nothing ever answers.
    let hanging = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}/enrich", hanging.local_addr().expect("an address"));
    let pipeline = Pipeline::start_with(&[
        ("NEWSWIRE_ENRICH_EXTERNAL_URL", url.as_str()),
        ("NEWSWIRE_ENRICH_EXTERNAL_TIMEOUT_MS", "600000"),
        ("NEWSWIRE_ENRICH_EXTERNAL_BATCH_BUDGET_MS", "1500"),
    ]);
    let metrics = goes_on_with_local_enrichment_only(&pipeline);
    let line = |name: &str, label: &str| metrics.lines().find(|l| l.starts_with(name) && l.contains(label)).map(str::to_owned);
    let timed_out = line("newswire_enrich_external_calls_total", "outcome=\"timed_out\"");
    assert!(timed_out.is_some_and(|l| l.ends_with(" 1")), "the call cut off by the budget is counted:\n{metrics}");
    let aborted = line("newswire_kafka_transactions_total", "outcome=\"aborted\"");
    assert!(aborted.is_none_or(|l| l.ends_with(" 0")), "no transaction waited on the endpoint:\n{metrics}");
    drop(hanging);
}
