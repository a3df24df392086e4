//! The publish-side contract: what a subscriber receives in each output format,
//! pinned for one fixture of every wire format and the PA seed.
//!
//! Each fixture goes through ingest's core ([`prepare`]: format, charset,
//! stories, identity), normalize ([`normalize_record`] with the identity ingest
//! decided), the real enrich core ([`enrich`], with its shipped NER model and
//! gazetteer) and publish's view of each [`Output`]; the documents are compared
//! field by field with `tests/golden/publish/<output>/<fixture>.json`
//! ([`Goldens`]), and each is checked against IPTC's schema of its version
//! (the extension removed). `UPDATE_GOLDEN=1` rewrites them; review the diff.

mod common;

use std::path::{Path, PathBuf};

use newswire_enrich::{enrich, Resources};
use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::{normalize_record, Ingested};
use newswire_publish::output::{render, Output, EXTENSION_KEY};
use newswire_shared::article::Article;
use newswire_shared::golden::{fixture_content_type, Goldens};
use newswire_shared::story::identity::Identity;
use newswire_shared::story::SourceFormat;
use serde_json::{json, Value};

/// The PA seed, then one fixture of every wire format.
const FIXTURES: [&str; 9] = [
    "pa-truss-lavrov-2022-02-14.txt",
    "normalize/ninjs-2-full.json",
    "normalize/newsml-g2-item.xml",
    "normalize/newsml-1-nitf.xml",
    "normalize/nitf-story.xml",
    "ingest/rss-3-items-iso-8859-1.xml",
    "normalize/atom-entry.xml",
    "ingest/page-windows-1252.html",
    "normalize/anpa-story.txt",
];

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

/// The enriched articles the pipeline makes of one fixture.
fn articles(fixture: &str, resources: &Resources) -> Vec<Article> {
    let body = std::fs::read(tests_dir().join("fixtures").join(fixture)).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    let name = fixture.rsplit('/').next().unwrap_or(fixture);
    let submission = Submission { feed: "golden", content_type: Some(fixture_content_type(name)), body: &body, received_at_ms: 1_700_000_000_000, trace_id: "trace" };
    let records = prepare(&submission, ShapeLimits::default()).unwrap_or_else(|r| panic!("{fixture}: refused: {}", r.error));
    let mut config = NormalizeConfig::default();
    config.feed_zones.insert("golden".into(), "Europe/London".into());
    let mut articles = Vec::new();
    for record in &records {
        let format: SourceFormat = record.headers.get_str("newswire-format").and_then(|f| f.parse().ok()).unwrap_or_else(|| panic!("{fixture}: no format"));
        let identity = Identity::from_headers(&record.headers);
        let charset = record.headers.get_str("newswire-charset");
        let stories = normalize_record(format, &record.payload, charset, Ingested { identity: identity.as_ref(), at: chrono::DateTime::from_timestamp_millis(submission.received_at_ms) }, "golden", &record.key, &config).unwrap_or_else(|e| panic!("{fixture}: {e:?}"));
        articles.extend(stories.into_iter().map(|(_, article)| enrich(article, resources)));
    }
    articles
}

/// `value` parsed from a rendering.
fn document(article: &Article, output: Output) -> Value {
    serde_json::from_slice(&render(article, output).expect("renders")).expect("JSON")
}

#[test]
fn every_output_format_delivers_what_its_golden_files_say_for_every_wire_format() {
    let (resources, _) = Resources::load(true).expect("enrich's shipped resources");
    let runs: Vec<(&str, Vec<Article>)> = FIXTURES.iter().map(|f| (*f, articles(f, &resources))).collect();
    let formats: Vec<SourceFormat> = runs.iter().flat_map(|(_, a)| a.iter().filter_map(|a| a.newswire.source_format)).collect();
    for format in SourceFormat::ALL {
        assert!(formats.contains(&format), "no fixture here is {}", format.name());
    }
    let mut failures = Vec::new();
    for output in Output::ALL {
        if let Some(v) = common::validator(output.format) {
            for (fixture, article) in runs.iter().flat_map(|(f, a)| a.iter().map(move |a| (f, a))) {
                let errors = common::schema_errors(&v, &document(article, output));
                assert!(errors.is_empty(), "{} of {fixture} is not valid: {errors:#?}", output.name());
            }
        }
        let mut goldens = Goldens::at(tests_dir().join("golden/publish").join(output.name()));
        for (fixture, articles) in &runs {
            let stories: Vec<Value> = articles.iter().map(|a| document(a, output)).collect();
            let file = format!("{}.json", fixture.rsplit('/').next().unwrap_or(fixture));
            goldens.check(&file, &json!({ "fixture": fixture, "output": output.name(), "stories": stories }));
        }
        if let Err(differences) = goldens.finish() {
            failures.push(differences);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_pa_seed_extended_carries_truss_and_lavrov_quotes_with_their_speakers_and_the_places_coordinates() {
    let (resources, _) = Resources::load(true).expect("enrich's shipped resources");
    let seed = articles(FIXTURES[0], &resources);
    for output in Output::ALL.into_iter().filter(|o| o.extended) {
        let doc = document(&seed[0], output);
        let extension = &doc[EXTENSION_KEY];
        let quotes = extension["quotes"].as_array().expect("quotes");
        let by = |speaker: &str| quotes.iter().filter(|q| q["speaker"] == speaker).collect::<Vec<_>>();
        let truss = by("Liz Truss");
        assert!(truss.iter().any(|q| q["text"].as_str().is_some_and(|t| t.starts_with("I went to Russia to deliver a very clear message"))), "{}: {quotes:#?}", output.name());
        assert!(truss.iter().all(|q| q["speaker_kind"] == "person" && q["sentence"].as_str().is_some_and(|s| s.contains("Truss"))), "{truss:#?}");
        let lavrov = by("Sergei Lavrov");
        assert_eq!(lavrov.len(), 1, "{quotes:#?}");
        assert_eq!(lavrov[0]["text"], "conversation between deaf and dumb");
        assert!(lavrov[0]["sentence"].as_str().is_some_and(|s| s.starts_with("Mr Lavrov characterised the meeting")), "{:#}", lavrov[0]);

        let places = extension["places"].as_array().expect("places");
        let moscow = places.iter().find(|p| p["name"] == "Moscow").expect("Moscow");
        assert_eq!((moscow["lat"].as_f64(), moscow["lon"].as_f64()), (Some(55.752), Some(37.6178)));
        // Countries carry a point inside them (Natural Earth's largest landmass), in the extension and as ninjs GeoJSON.
        let geo = if output.name().starts_with("ninjs-2.1") { "geojson" } else { "geoJSON" };
        let standard = doc["places"].as_array().expect("ninjs places");
        let inside = [("Moscow", (55.5, 56.0), (37.3, 37.9)), ("Russia", (41.0, 82.0), (27.0, 180.0)), ("Ukraine", (44.0, 53.0), (22.0, 41.0)), ("United Kingdom", (49.0, 61.0), (-8.0, 2.0))];
        for (name, lat_range, lon_range) in inside {
            let place = places.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name} in {places:#?}"));
            let (lat, lon) = (place["lat"].as_f64().unwrap_or(f64::NAN), place["lon"].as_f64().unwrap_or(f64::NAN));
            assert!(lat_range.0 < lat && lat < lat_range.1 && lon_range.0 < lon && lon < lon_range.1, "{name}'s point ({lat}, {lon}) is not in it ({})", output.name());
            let point = standard.iter().find(|p| p["name"] == name).map(|p| p[geo].clone());
            assert_eq!(point, Some(json!({"type": "Point", "coordinates": [lon, lat]})), "{name} in {}", output.name());
        }
    }
}
