//! Every output validated against IPTC's official schema of its version
//! (`../shared/iptc/ninjs-schema/`), the extension removed for the check, on a
//! rich article (every field, a full enrichment, identifiers the schemas refuse)
//! and a minimal one.

mod common;
use common::{check, validator};

use chrono::DateTime;
use newswire_publish::output::common::KEYWORD_REL;
use newswire_publish::output::{extension, Output, OutputFormat, EXTENSION_KEY};
use newswire_shared::article::{AltId, Article, Association, Concept, InfoSource, PubStatus, Text};
use newswire_shared::enrichment::{Enrichment, NamedEntity, PlaceEntity, QuoteNote, Topic};
use serde_json::Value;

fn rich() -> Article {
    let time = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap());
    let mut a = Article {
        uri: "urn:newswire:pa:story-1".into(),
        kind: "text".into(),
        version: 3,
        versioncreated: time("2022-02-14T16:23:00Z"),
        firstcreated: time("2022-02-14T15:00:00+01:00"),
        embargoed: time("2022-02-15T00:01:00Z"),
        pubstatus: PubStatus::Usable,
        urgency: Some(2),
        language: Some("en-GB".into()),
        headlines: vec![Text::plain("main", "Harbour reopens")],
        descriptions: vec![Text::plain("summary", "The harbour reopened.")],
        bodies: vec![Text::plain("main", "Body."), Text::html("main", "<p>Body.</p>")],
        by: Some("Press Association".into()),
        located: Some("Dover".into()),
        copyrightholder: Some("PA Media".into()),
        subjects: vec![
            Concept { name: Some("sport".into()), uri: Some(String::new()), ..Default::default() },
            Concept { name: Some("harbours".into()), uri: Some("not a uri".into()), ..Default::default() },
            Concept { name: Some("weather".into()), rel: Some("about".into()), uri: Some("http://cv.iptc.org/newscodes/mediatopic/17000000".into()), ..Default::default() },
        ],
        people: vec![Concept { name: Some("Liz Truss".into()), rel: Some("mentioned".into()), ..Default::default() }],
        organisations: vec![Concept { name: Some("Port of Dover".into()), rel: Some("mentioned".into()), uri: Some("dover-port".into()), ..Default::default() }],
        places: vec![
            Concept { name: Some("Dover".into()), rel: Some("mentioned".into()), uri: Some("https://sws.geonames.org/2651048/".into()), literal: Some("GB".into()) },
            Concept { name: Some("United Kingdom".into()), rel: Some("mentioned".into()), literal: Some("GB".into()), ..Default::default() },
        ],
        infosources: vec![InfoSource { name: Some("PA".into()), role: Some("source".into()), uri: Some("pa".into()) }],
        associations: vec![
            Association { name: "picture-1".into(), uri: String::new(), kind: Some("picture".into()), descriptions: vec![Text::plain("caption", "The harbour")], copyrightholder: Some("PA".into()), by: Some("A. Photographer".into()) },
            Association { name: String::new(), uri: "https://img.example/2.jpg".into(), ..Default::default() },
        ],
        altids: vec![AltId { role: "newswire:story-id".into(), value: "s1".into() }],
        ..Default::default()
    };
    a.newswire.feed = "pa".into();
    a.newswire.enrichment = Some(Enrichment {
        version: 1,
        keywords: vec!["harbour".into(), "Weather".into(), "clear message".into()],
        people: vec![NamedEntity { name: "Liz Truss".into(), mentions: 4, roles: vec!["Foreign Secretary".into()], variants: vec!["Truss".into()] }],
        organisations: vec![NamedEntity { name: "Port of Dover".into(), mentions: 1, ..Default::default() }],
        places: vec![
            PlaceEntity { name: "Dover".into(), mentions: 2, kind: Some("city".into()), country_code: Some("GB".into()), lat: Some(51.126), lon: Some(1.316), geonames_id: Some(2651048), ..Default::default() },
            PlaceEntity { name: "United Kingdom".into(), mentions: 1, kind: Some("country".into()), country_code: Some("GB".into()), geonames_id: Some(2635167), ..Default::default() },
        ],
        topics: vec![Topic { uri: "http://cv.iptc.org/newscodes/mediatopic/17000000".into(), code: "17000000".into(), name: "weather".into(), level: 1, relevance: 80 }],
        quotes: vec![QuoteNote {
            text: "We are open again".into(),
            speaker: Some("Liz Truss".into()),
            speaker_kind: Some("person".into()),
            speaker_text: Some("Ms Truss".into()),
            paragraph: 1,
            sentence: Some("Ms Truss said: “We are open again.”".into()),
        }],
        ..Default::default()
    });
    a
}

fn minimal() -> Article {
    Article { uri: "urn:x:1".into(), kind: "text".into(), version: 1, ..Default::default() }
}

#[test]
fn every_output_of_a_rich_and_a_minimal_article_is_valid_against_its_official_schema() {
    for output in Output::ALL {
        for (which, article) in [("rich", rich()), ("minimal", minimal())] {
            let Some((doc, errors)) = check(&article, output) else { return };
            assert_eq!(errors, Vec::<String>::new(), "{} of the {which} article:\n{doc:#}", output.name());
            assert!(doc.get("newswire").is_none(), "the internal extension never leaves");
            let extension = doc.get(EXTENSION_KEY);
            assert_eq!(extension.is_some(), output.extended && which == "rich", "{}: {doc:#}", output.name());
        }
    }
}

#[test]
fn identifiers_the_schemas_refuse_are_settled_by_the_shared_rules() {
    for output in [Output::STRICT_2_1, Output { format: OutputFormat::Ninjs31, extended: false }] {
        let Some((doc, _)) = check(&rich(), output) else { return };
        assert_eq!(doc["associations"][0]["uri"], "urn:newswire:pa:story-1#picture-1");
        assert_eq!(doc["associations"][1]["name"], "association-2");
        assert!(doc["subjects"][0].get("uri").is_none());
        assert_eq!(doc["subjects"][1]["literal"], "not a uri", "a non-URI identifier is kept as a literal");
        assert_eq!(doc["subjects"][2]["uri"], "http://cv.iptc.org/newscodes/mediatopic/17000000", "valid URIs stay");
    }
}

#[test]
fn ninjs_2_1_keeps_the_lower_case_names_and_3_1_uses_camel_case() {
    let Some((old, _)) = check(&rich(), Output::STRICT_2_1) else { return };
    assert_eq!((&old["embargoed"], &old["versioncreated"], &old["pubstatus"]), (&"2022-02-15T00:01:00Z".into(), &"2022-02-14T16:23:00Z".into(), &"usable".into()));
    assert_eq!(old["firstcreated"], "2022-02-14T15:00:00+01:00", "the source's offset is kept");
    assert_eq!((&old["copyrightholder"], &old["bodies"][1]["contenttype"], &old["infosources"][0]["name"]), (&"PA Media".into(), &"text/html".into(), &"PA".into()));
    assert!(old.get("standard").is_none(), "2.1 is today's output");
    let Some((new, _)) = check(&rich(), Output { format: OutputFormat::Ninjs31, extended: false }) else { return };
    assert_eq!((&new["embargoedUntil"], &new["versionCreated"], &new["pubStatus"], &new["urgency"]), (&"2022-02-15T00:01:00Z".into(), &"2022-02-14T16:23:00Z".into(), &"usable".into(), &2.into()));
    assert_eq!((&new["copyrightHolder"], &new["bodies"][1]["contentType"], &new["infoSources"][0]["name"], &new["altIds"][0]["value"]), (&"PA Media".into(), &"text/html".into(), &"PA".into(), &"s1".into()));
    assert_eq!(new["associations"][0]["copyrightHolder"], "PA");
    assert_eq!(new["standard"]["version"], "3.1");
    for key in ["embargoed", "versioncreated", "pubstatus", "infosources", "altids"] {
        assert!(new.get(key).is_none(), "3.1 has no {key}");
    }
}

#[test]
fn an_urgency_outside_1_to_9_is_left_out_of_3_1_which_allows_no_other() {
    let mut article = minimal();
    article.urgency = Some(0);
    let Some((doc, errors)) = check(&article, Output { format: OutputFormat::Ninjs31, extended: false }) else { return };
    assert!(errors.is_empty() && doc.get("urgency").is_none(), "{errors:?}");
}

#[test]
fn enrich_findings_fill_the_standard_fields_in_every_variant() {
    for output in Output::ALL {
        let Some((doc, _)) = check(&rich(), output) else { return };
        let subjects = doc["subjects"].as_array().unwrap();
        assert_eq!(subjects[2]["relevance"], 80, "a Media Topic enrich assigned carries its relevance");
        let keywords: Vec<&str> = subjects.iter().filter(|s| s["rel"] == KEYWORD_REL).filter_map(|s| s["name"].as_str()).collect();
        assert_eq!(keywords, ["harbour", "clear message"], "keywords as subjects; 'Weather' is a subject already");
        let geo = if output.format == OutputFormat::Ninjs21 { "geojson" } else { "geoJSON" };
        assert_eq!(doc["places"][0][geo], serde_json::json!({"type": "Point", "coordinates": [1.316, 51.126]}), "{}", output.name());
        assert!(doc["places"][1].get(geo).is_none(), "a place without coordinates has no point");
        assert_eq!(doc["organisations"][0]["literal"], "dover-port");
    }
}

#[test]
fn the_extension_carries_quotes_keywords_entities_and_coordinates_alike_in_both_versions() {
    let extended = |format| check(&rich(), Output { format, extended: true }).map(|(doc, _)| doc[EXTENSION_KEY].clone());
    let (Some(old), Some(new)) = (extended(OutputFormat::Ninjs21), extended(OutputFormat::Ninjs31)) else { return };
    assert_eq!(old, new);
    assert_eq!(old["version"], extension::VERSION);
    assert_eq!(old["quotes"][0]["speaker"], "Liz Truss");
    assert_eq!(old["quotes"][0]["sentence"], "Ms Truss said: “We are open again.”");
    assert_eq!(old["keywords"][2], "clear message");
    assert_eq!(old["people"][0]["roles"][0], "Foreign Secretary");
    assert_eq!((&old["people"][0]["relevance"], &old["organisations"][0]["relevance"]), (&100.into(), &25.into()));
    assert_eq!((&old["places"][0]["lat"], &old["places"][0]["lon"]), (&51.126.into(), &1.316.into()));
    assert_eq!(old["places"][1]["lat"], Value::Null);
}

#[test]
fn the_checks_above_can_fail_the_article_as_stored_is_refused_by_the_2_1_schema() {
    let Some(v) = validator(OutputFormat::Ninjs21) else { return };
    let mut stored = serde_json::to_value(rich()).unwrap();
    stored.as_object_mut().unwrap().remove("newswire");
    assert!(v.iter_errors(&stored).count() > 0, "the stored article's empty and relative identifiers are what the views settle");
}
