//! NewsML 1.2 end to end: an envelope pushed as generic `application/xml` goes
//! through the real broker and the four services and comes out as one published
//! ninjs article per NewsItem.

use std::time::Duration;

use newswire_e2e::{fixture, Pipeline, AP_TOKEN};

const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);

#[test]
fn a_newsml_1_envelope_pushed_as_application_xml_is_published_one_article_per_news_item() {
    let pipeline = Pipeline::start();
    let (status, answer) = pipeline.push(AP_TOKEN, "application/xml", fixture("ingest/newsml-1-envelope-3items.xml"));
    assert_eq!(status, 202, "push not accepted: {answer}");

    let published = pipeline.read("published", 3, WAIT, SETTLE);
    let mut seen: Vec<(String, String, i64)> = published
        .iter()
        .map(|r| {
            let ninjs = r.json();
            (
                ninjs["uri"].as_str().unwrap_or_default().to_owned(),
                ninjs["headlines"][0]["value"].as_str().unwrap_or_default().to_owned(),
                ninjs["version"].as_str().and_then(|v| v.parse().ok()).or(ninjs["version"].as_i64()).unwrap_or_default(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("urn:newsml:newswire.test:20240507:TX-PAR-001".to_owned(), "Grève des contrôleurs aériens à Orly".to_owned(), 1),
            ("urn:newsml:newswire.test:20240507:TX-PAR-002".to_owned(), "Le Louvre prolonge ses horaires d'été".to_owned(), 2),
            ("urn:newsml:newswire.test:20240507:TX-PAR-003".to_owned(), "Séisme de magnitude 5 au large de la Corse".to_owned(), 1),
        ],
        "each NewsItem once, decoded from ISO-8859-1, under its uri without the revision"
    );
    let louvre = published.iter().map(|r| r.json()).find(|j| j["uri"].as_str().is_some_and(|u| u.ends_with("TX-PAR-002")));
    let body = louvre.as_ref().and_then(|j| j["bodies"][0]["value"].as_str().map(str::to_owned)).unwrap_or_default();
    assert_eq!(body, "Le musée ouvrira jusqu'à 21 heures en juillet et en août.");
    assert!(pipeline.read("dlq", 0, Duration::ZERO, SETTLE).is_empty(), "nothing is dead-lettered");
}
