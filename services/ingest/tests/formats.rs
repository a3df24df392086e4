//! Every accepted format and every refusal, through ingest's pure core, on the
//! fixtures in `tests/fixtures/ingest/` and the official IPTC examples in
//! `../shared/iptc/examples/`.

use std::path::{Path, PathBuf};

use newswire_ingest::accept::{prepare, RawRecord, Submission};
use newswire_ingest::rejection::Rejection;
use newswire_ingest::stories::ShapeLimits;
use newswire_shared::ids;
use newswire_shared::kafka::headers;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn push(content_type: Option<&str>, body: &[u8]) -> Result<Vec<RawRecord>, Rejection> {
    let submission = Submission {
        feed: "pa",
        content_type,
        body,
        received_at_ms: 1_700_000_000_000,
        trace_id: "0123456789abcdef0123456789abcdef",
    };
    prepare(&submission, ShapeLimits::default())
}

fn accepted(content_type: Option<&str>, body: &[u8]) -> Vec<RawRecord> {
    push(content_type, body).unwrap_or_else(|r| panic!("refused: {r}"))
}

fn format_of(record: &RawRecord) -> &str {
    record.headers.get_str(headers::FORMAT).unwrap_or_default()
}

/// The byte offset of `slice` inside `whole`, proving it is a slice of the original.
fn offset_in(whole: &[u8], slice: &[u8]) -> Option<usize> {
    whole.windows(slice.len()).position(|w| w == slice)
}

#[test]
fn ninjs_1_and_2_are_keyed_by_their_uri_and_keep_their_bytes() {
    for (name, uri, version) in [
        ("ninjs-1.6.json", "urn:newswire:test:ninjs1:20240315-storm", "2"),
        ("ninjs-2.1.json", "urn:newswire:test:ninjs2:20240316-budget", "1"),
    ] {
        let body = fixture(name);
        let records = accepted(Some("application/ninjs+json"), &body);
        assert_eq!(records.len(), 1, "{name}");
        assert_eq!(records[0].payload, body, "{name}");
        assert_eq!(records[0].key, ids::story_key("pa", uri), "{name}");
        // The version is qualified by the stated pubstatus (a kill under the same number is no re-push).
        assert_eq!(records[0].version.as_deref().and_then(|v| v.split_whitespace().next()), Some(version), "{name}");
        assert_eq!(format_of(&records[0]), "ninjs");
        // The same bytes sent as generic JSON are sniffed alike.
        assert_eq!(accepted(Some("application/json"), &body)[0].key, records[0].key);
    }
}

#[test]
fn a_newsml_g2_news_item_is_one_story_keyed_by_its_guid() {
    let body = fixture("newsml-g2-newsitem.xml");
    let records = accepted(Some("application/vnd.iptc.g2.newsitem+xml"), &body);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].payload, body);
    assert_eq!(records[0].key, ids::story_key("pa", "urn:newsml:newswire.test:20240315:harbour-fire"));
    assert_eq!(records[0].version.as_deref(), Some("3 stat:usable"), "the version, qualified by the stated pubStatus");
    assert_eq!(format_of(&records[0]), "newsml-g2");
}

#[test]
fn a_newsml_g2_news_message_is_split_into_its_news_items_as_exact_slices() {
    let body = fixture("newsml-g2-newsmessage-2items.xml");
    let records = accepted(Some("application/xml"), &body);
    assert_eq!(records.len(), 2, "one record per newsItem; the packageItem only references them");
    let expected =
        [("urn:newsml:newswire.test:20240315:results", "2"), ("urn:newsml:newswire.test:20240315:reaction", "1")];
    for (record, (guid, version)) in records.iter().zip(expected) {
        assert_eq!(record.key, ids::story_key("pa", guid));
        assert_eq!(record.version.as_deref(), Some(version));
        assert!(record.payload.starts_with(b"<g2:newsItem ") && record.payload.ends_with(b"</g2:newsItem>"));
        assert!(offset_in(&body, &record.payload).is_some());
        assert_eq!(format_of(record), "newsml-g2");
    }
}

#[test]
fn a_newsml_g2_package_that_only_references_its_items_is_refused_with_the_reason() {
    // Nothing downstream could make an article of it: refused at the door, not dead-lettered later.
    let body = fixture("newsml-g2-packageitem.xml");
    let refusal = push(Some("application/vnd.iptc.g2.packageitem+xml"), &body).unwrap_err();
    assert_eq!((refusal.status, refusal.error), (400, "no_stories"));
    assert!(refusal.detail.contains("push the newsItems themselves"), "{}", refusal.detail);
}

#[test]
fn nitf_is_keyed_by_its_doc_id_and_its_dtd_is_never_fetched() {
    let body = fixture("nitf.xml");
    let records = accepted(Some("application/nitf+xml"), &body);
    assert_eq!(records[0].key, ids::story_key("pa", "NW-20240315-0099"));
    assert_eq!(format_of(&records[0]), "nitf");
    assert_eq!(records[0].payload, body);
}

#[test]
fn an_iso_8859_1_rss_document_becomes_one_record_per_item_with_its_charset() {
    let body = fixture("rss-3-items-iso-8859-1.xml");
    let records = accepted(Some("application/rss+xml"), &body);
    assert_eq!(records.len(), 3);
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    let giraffe_key = ids::story_key("pa", "https://example.org/news/giraffe");
    assert_eq!(
        keys,
        vec![
            ids::story_key("pa", "newswire-test-rss-0001").as_str(),
            giraffe_key.as_str(),
            ids::story_key("pa", "https://example.org/news/marathon").as_str()
        ]
    );
    for record in &records {
        assert_eq!(format_of(record), "rss-item");
        assert_eq!(
            record.headers.get_str(headers::CHARSET),
            Some("windows-1252"),
            "WHATWG name for the ISO-8859-1 label"
        );
        assert!(record.payload.starts_with(b"<item>") && record.payload.ends_with(b"</item>"));
        assert!(offset_in(&body, &record.payload).is_some(), "payload is a slice of the original bytes");
    }
    assert!(records[0].payload.windows(4).any(|w| w == b"Caf\xE9"), "Latin-1 bytes are kept untouched");
}

#[test]
fn an_atom_feed_becomes_one_record_per_entry() {
    let body = fixture("atom-2-entries.xml");
    let records = accepted(Some("application/atom+xml"), &body);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].key, ids::story_key("pa", "urn:newswire:test:atom:bridge"));
    assert_eq!(records[0].version.as_deref(), Some("2024-03-15T13:00:00Z"));
    assert!(records.iter().all(|r| format_of(r) == "atom-entry" && r.payload.starts_with(b"<entry>")));
}

#[test]
fn an_html_page_keeps_its_legacy_charset_from_the_meta_tag() {
    let body = fixture("page-windows-1252.html");
    let records = accepted(Some("text/html"), &body);
    assert_eq!(records.len(), 1);
    assert_eq!(format_of(&records[0]), "html");
    assert_eq!(records[0].headers.get_str(headers::CHARSET), Some("windows-1252"));
    assert_eq!(records[0].payload, body);
    assert_eq!(records[0].key, ids::story_key("pa", "https://example.org/fr/greve"), "keyed by its canonical URL");
}

#[test]
fn an_iptc_7901_message_is_recognised_and_keyed_by_its_header() {
    let body = fixture("iptc7901.txt");
    let records = accepted(None, &body);
    assert_eq!(format_of(&records[0]), "anpa");
    assert_eq!(records[0].key, ids::story_key("pa", "a0123 r i BC-Flood-Warning 0045"));
}

#[test]
fn scraped_text_and_the_pa_seed_are_accepted_as_text() {
    let seed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pa-truss-lavrov-2022-02-14.txt");
    for body in [
        fixture("scraped-text.txt"),
        std::fs::read(&seed_path).unwrap_or_else(|e| panic!("{}: {e}", seed_path.display())),
    ] {
        let records = accepted(Some("text/plain; charset=utf-8"), &body);
        assert_eq!(format_of(&records[0]), "scraped-text");
        assert_eq!(records[0].payload, body);
    }
}

#[test]
fn external_entities_and_entity_expansion_are_refused() {
    for name in ["xxe.xml", "billion-laughs.xml"] {
        let err = push(Some("application/xml"), &fixture(name)).unwrap_err();
        assert_eq!((err.status, err.error), (400, "xml_entities_refused"), "{name}: {}", err.detail);
    }
}

#[test]
fn malformed_xml_is_refused_naming_the_line() {
    let err = push(Some("application/rss+xml"), &fixture("malformed.xml")).unwrap_err();
    assert_eq!((err.status, err.error), (400, "malformed_xml"));
    assert!(err.detail.contains("line 6"), "{}", err.detail);
}

#[test]
fn bytes_that_do_not_decode_in_the_declared_charset_are_refused_at_their_offset() {
    let err = push(Some("application/rss+xml; charset=utf-8"), &fixture("rss-3-items-iso-8859-1.xml")).unwrap_err();
    assert_eq!((err.status, err.error), (400, "bad_encoding"));
    assert!(err.detail.contains("offset") && err.detail.contains("Content-Type"), "{}", err.detail);
}

#[test]
fn unsupported_types_and_unknown_xml_roots_are_415() {
    assert_eq!(push(Some("image/png"), b"\x89PNG").unwrap_err().status, 415);
    assert_eq!(push(Some("application/xml"), b"<catalog><book/></catalog>").unwrap_err().status, 415);
}

fn shared_examples(kind: &str) -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/iptc/examples").join(kind);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        newswire_shared::dev_data::missing(format!("../shared/iptc/examples/{kind}"));
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml" || x == "json"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn every_official_iptc_newsml_g2_example_is_accepted_and_keyed_by_its_guid() {
    let Some(files) = shared_examples("newsml-g2") else { return };
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let body = std::fs::read(&path).unwrap();
        let records = push(Some("application/vnd.iptc.g2.newsitem+xml"), &body)
            .unwrap_or_else(|r| panic!("{} refused: {r}", path.display()));
        assert_eq!(records.len(), 1, "{}", path.display());
        let guid = records[0].payload.windows(6).position(|w| w == b"guid=\"").map(|at| {
            let rest = &records[0].payload[at + 6..];
            String::from_utf8_lossy(&rest[..rest.iter().position(|b| *b == b'"').unwrap()]).into_owned()
        });
        let guid = guid.unwrap_or_else(|| panic!("{} has no guid attribute", path.display()));
        assert_eq!(records[0].key, ids::story_key("pa", &guid), "{}", path.display());
        assert!(records[0].version.is_some(), "{} has a version attribute", path.display());
    }
}

#[test]
fn every_official_iptc_ninjs_example_is_accepted_and_keyed_by_its_uri() {
    let Some(files) = shared_examples("ninjs") else { return };
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let body = std::fs::read(&path).unwrap();
        let records =
            push(Some("application/json"), &body).unwrap_or_else(|r| panic!("{} refused: {r}", path.display()));
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let uri = json["uri"].as_str().unwrap_or_else(|| panic!("{} has no uri", path.display()));
        assert_eq!(records[0].key, ids::story_key("pa", uri), "{}", path.display());
        assert_eq!(format_of(&records[0]), "ninjs");
    }
}

#[test]
fn a_newsml_1_envelope_sent_as_generic_xml_gives_one_record_per_news_item_keyed_without_its_revision() {
    let body = fixture("newsml-1-envelope-3items.xml");
    let records = accepted(Some("application/xml"), &body);
    let expected = [
        ("urn:newsml:newswire.test:20240507:TX-PAR-001", "1"),
        ("urn:newsml:newswire.test:20240507:TX-PAR-002", "2"),
        ("urn:newsml:newswire.test:20240507:TX-PAR-003", "1"),
    ];
    assert_eq!(records.len(), expected.len(), "one record per NewsItem (the DOCTYPE's parameter entity is harmless)");
    for (record, (guid, version)) in records.iter().zip(expected) {
        assert_eq!(record.key, ids::story_key("pa", guid));
        assert_eq!(record.version.as_deref().and_then(|v| v.split_whitespace().next()), Some(version), "revision, then the stated status");
        assert!(record.payload.starts_with(b"<NewsItem") && record.payload.ends_with(b"</NewsItem>"));
        assert!(offset_in(&body, &record.payload).is_some());
        assert_eq!(format_of(record), "newsml-1");
        assert_eq!(record.headers.get_str(headers::CHARSET), Some("windows-1252"));
    }
}

#[test]
fn a_newsml_g2_message_carrying_text_and_picture_items_inline_gives_one_record_per_text_item() {
    let body = fixture("newsml-g2-newsmessage-inline-package.xml");
    let records = accepted(Some("application/vnd.iptc.g2.newsmessage+xml"), &body);
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    let expected = [
        ids::story_key("pa", "urn:newsml:newswire.test:20240510:results"),
        ids::story_key("pa", "urn:newsml:newswire.test:20240510:reaction"),
    ];
    assert_eq!(keys, expected.iter().map(String::as_str).collect::<Vec<_>>(), "the picture item is no story of its own");
    // A package that holds its items inline is split the same way.
    let package = br#"<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:p" version="1"><groupSet root="G1"><group id="G1">
        <newsItem guid="urn:a" version="2"><itemMeta><itemClass qcode="ninat:text"/></itemMeta><contentMeta><headline>A</headline></contentMeta></newsItem>
        </group></groupSet></packageItem>"#;
    let records = accepted(Some("application/vnd.iptc.g2.packageitem+xml"), package);
    assert_eq!((records.len(), records[0].key.as_str()), (1, ids::story_key("pa", "urn:a").as_str()));
    // Media alone is refused with the reason, not dead-lettered later.
    let pictures = String::from_utf8(body).unwrap().replace("ninat:text", "ninat:picture");
    let refusal = push(Some("application/xml"), pictures.as_bytes()).unwrap_err();
    assert_eq!((refusal.status, refusal.error), (400, "no_stories"));
    assert!(refusal.detail.contains("no inline text"), "{}", refusal.detail);
}
