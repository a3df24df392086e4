//! Every official IPTC example in `../shared/iptc/examples` goes through its
//! parser; the expected values were read from the files by hand.

use newswire_shared::story::SourceFormat;
use std::path::PathBuf;

use chrono_tz::Tz;
use newswire_normalize::formats;
use newswire_shared::article::{Article, PubStatus};

fn examples() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iptc/examples"));
    if dir.is_dir() {
        Some(dir)
    } else {
        newswire_shared::dev_data::missing("../shared/iptc/examples");
        None
    }
}

fn parse(format: SourceFormat, path: &str) -> Option<Article> {
    let bytes = std::fs::read(examples()?.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    Some(formats::parse(format, &bytes, None, Tz::UTC, None).unwrap_or_else(|e| panic!("{path}: {e}")))
}

#[test]
fn newsml_g2_news_item_listing_1_maps_identity_times_place_and_subjects() {
    let Some(a) = parse(SourceFormat::NewsmlG2, "newsml-g2/LISTING_1_A_NewsML-G2_News_Item.xml") else { return };
    assert_eq!(a.uri, "urn:newsml:acmenews.com:20161018:US-FINANCE-FED");
    assert_eq!(a.version, 11);
    assert_eq!(a.headline(), Some("Fed to halt QE to avert \"bubble\""));
    assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2018-10-21T16:25:32-05:00", "its -05:00 kept");
    assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2016-10-18T13:12:21-05:00");
    assert_eq!(a.embargoed.unwrap().to_rfc3339(), "2018-10-23T12:00:00+00:00", "itemMeta/embargoed");
    assert_eq!(a.pubstatus, PubStatus::Usable);
    assert_eq!(a.language.as_deref(), Some("en-GB"));
    assert_eq!(a.located.as_deref(), Some("Berlin"));
    assert_eq!(a.by.as_deref(), Some("Meredith Jameson"));
    assert_eq!(a.copyrightholder.as_deref(), Some("Example Enews LLP"));
    assert_eq!(a.subjects[0].uri.as_deref(), Some("http://cv.iptc.org/newscodes/mediatopic/04000000"));
    assert_eq!(a.subjects[0].name.as_deref(), Some("economy, business and finance"));
    assert!(a.bodies.is_empty(), "the listing's inlineXML holds only comments");
}

#[test]
fn newsml_g2_text_document_listing_2_reads_its_inline_nitf_body() {
    let Some(a) = parse(SourceFormat::NewsmlG2, "newsml-g2/LISTING_2_NewsML-G2_Text_Document.xml") else { return };
    assert_eq!(a.uri, "urn:newsml:acmenews.com:20161121:US-FINANCE-FED");
    assert_eq!(a.version, 11);
    assert_eq!(a.headline(), Some("Fed to halt QE to avert \"bubble\""));
    assert_eq!(a.language.as_deref(), Some("en-US"));
    assert_eq!(a.located.as_deref(), Some("New York, NY"));
    assert_eq!(a.infosources.iter().filter_map(|s| s.name.as_deref()).collect::<Vec<_>>(), ["Associated Press"]);
    let body = a.body_text().expect("the inline NITF body");
    assert!(body.starts_with("(New York, NY - October 21) Et, sent luptat"), "{body}");
    assert!(body.ends_with("esto cons dolutpat, si."), "{body}");
    assert_eq!(body.split("\n\n").count(), 2);
}

#[test]
fn newsml_g2_sports_story_listing_22_maps_people_teams_and_six_paragraphs() {
    let Some(a) = parse(SourceFormat::NewsmlG2, "newsml-g2/LISTING_22_Sports_story_in_NewsML-G2NITF.xml") else { return };
    assert_eq!(a.uri, "tag:xmlteam.com,2016:xt.5932656-preview");
    assert_eq!(a.version, 11);
    assert_eq!(a.headline(), Some("Preview: Arizona Diamondbacks (29-23) at Philadelphia Phillies (26-24), 7:05 p.m."));
    assert_eq!(a.by.as_deref(), Some("The Sports Network"));
    assert_eq!(a.people.iter().filter_map(|p| p.name.as_deref()).collect::<Vec<_>>(), ["Doug Davis", "Freddy Garcia"]);
    assert!(a.descriptions[0].value.starts_with("A pair of teams coming off big weekend sweeps will square off"));
    let body = a.body_text().unwrap();
    assert_eq!(body.split("\n\n").count(), 6, "{body}");
    assert!(body.starts_with("(Sports Network) - A pair of teams"), "{body}");
}

#[test]
fn newsml_g2_company_results_listing_27_has_identity_and_headline() {
    let Some(a) = parse(SourceFormat::NewsmlG2, "newsml-g2/LISTING_27_Company_Financial_Information.xml") else { return };
    assert_eq!(a.uri, "urn:newsml:acmenews.com:20161019:201003230594296001");
    assert_eq!(a.version, 11);
    assert_eq!(a.headline(), Some("Acme Widgets announces annual results"));
}

#[test]
fn every_ninjs_example_from_1_4_to_3_1_gives_uri_headline_by_and_body() {
    let cases = [
        ("ninjs/v1.4-medium_text.json", "http://ninjs.example.com/newsitems/20130709med123"),
        ("ninjs/v1.6-doc005_complex_text_article.json", "http://ninjs.example.com/newsitems/20130709med123"),
        ("ninjs/v2.2-doc005_complex_text_article.json", "http://ninjs.example.com/newsitems/20130709med123"),
        ("ninjs/v3.0-simple_text.json", "http://ninjs.example.com/newsitems/20130709simp123"),
        ("ninjs/v3.1-doc004_simple_text_article.json", "http://ninjs.example.com/newsitems/20130709simp123"),
        ("ninjs/v3.1-doc005_complex_text_article.json", "http://ninjs.example.com/newsitems/20130709med123"),
    ];
    for (path, uri) in cases {
        let Some(a) = parse(SourceFormat::Ninjs, path) else { return };
        assert_eq!(a.uri, uri, "{path}");
        assert_eq!(a.headline(), Some("Captain of wrecked cruise ship on trial in Italy"), "{path}");
        assert_eq!(a.by.as_deref(), Some("Paulo Santalucia and Frances d'Emilio"), "{path}");
        assert_eq!(a.versioncreated.map(|t| t.to_rfc3339()).as_deref(), Some("2013-07-09T10:37:00+00:00"), "{path}");
        assert!(a.body_text().is_some_and(|b| b.starts_with("GROSSETO, Italy (AP) -- The trial")), "{path}");
    }
}

#[test]
fn complex_ninjs_examples_keep_people_places_and_organisations() {
    for path in ["ninjs/v1.4-medium_text.json", "ninjs/v2.2-doc005_complex_text_article.json", "ninjs/v3.1-doc005_complex_text_article.json"] {
        let Some(a) = parse(SourceFormat::Ninjs, path) else { return };
        assert_eq!(a.people[0].name.as_deref(), Some("Francesco Schettino"), "{path}");
        assert_eq!(a.places.len(), 3, "{path}");
        assert_eq!(a.organisations[0].name.as_deref(), Some("Costa Crociere SpA"), "{path}");
        assert_eq!(a.located.as_deref(), Some("Grossetto, Italy"), "{path}");
        assert_eq!(a.language.as_deref(), Some("en"), "{path}");
    }
}
