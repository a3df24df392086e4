//! Every story ingest accepts from its fixtures normalizes: what the front door
//! lets in, normalize can make an article of (a record ingest takes and normalize
//! then dead-letters would be a broken promise to the feed).

mod common;
use common::content_type;
use newswire_shared::story::SourceFormat;
use std::path::Path;

use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::normalize_stories;
use newswire_shared::kafka::headers;

#[test]
fn every_story_ingest_accepts_from_its_fixtures_normalizes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest");
    let config = NormalizeConfig::default();
    let mut normalized = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.ends_with(".md") {
            continue;
        }
        let body = std::fs::read(&path).expect("fixture");
        let submission = Submission { feed: "pa", content_type: Some(content_type(&name)), body: &body, received_at_ms: 0, trace_id: "t" };
        let Ok(records) = prepare(&submission, ShapeLimits::default()) else { continue };
        for record in records {
            let format: SourceFormat = record.headers.get_str(headers::FORMAT).unwrap_or_default().parse().expect("ingest writes a known format");
            let charset = record.headers.get_str(headers::CHARSET);
            let stories = normalize_stories(format, &record.payload, charset, "pa", &record.key, &config)
                .unwrap_or_else(|e| panic!("{name}: ingest accepted a {format} story that normalize refuses: {e}"));
            for (_, article) in stories {
                assert!(article.headline().is_some() || article.body_text().is_some(), "{name}: an empty article");
                normalized += 1;
            }
        }
    }
    assert!(normalized >= 10, "only {normalized} stories came out of the fixtures");
}
