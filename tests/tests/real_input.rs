//! Real input the pipeline once lost or mangled, pushed through the running
//! pipeline on the real broker: declared plain text that looks like JSON, a
//! charset label that lies about its bytes, and pages that share one canonical
//! link.

use std::time::Duration;

use newswire_e2e::{Pipeline, PA_TOKEN};

const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);

#[test]
fn scraped_text_declared_as_plain_text_is_published_even_when_it_starts_like_json() {
    let pipeline = Pipeline::start();
    let page = "[Skip to main content]\nHarbour reopens after the storm\nBy Jane Doe\n\
                The harbour reopened on Monday after a storm that closed it for three days, the council said.\n\
                Ships queued outside the bay overnight and began to come in at first light, officials said.\n";
    let id = pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", page);
    let published = pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].key, id);
    assert_eq!(published[0].json()["headlines"][0]["value"], "Harbour reopens after the storm");
}

#[test]
fn utf8_bytes_under_a_latin1_label_are_read_as_utf8_and_the_label_is_recorded() {
    let pipeline = Pipeline::start();
    let nitf = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<nitf><head><docdata><doc-id id-string=\"NTB-41\"/></docdata></head>\
                <body><body.head><hedline><hl1>41-årig mann pågrepet etter brann i Bærum</hl1></hedline></body.head>\
                <body.content><p>En 41-årig mann ble pågrepet natt til søndag etter brannen på Østerås.</p></body.content></body></nitf>";
    pipeline.push_ok(PA_TOKEN, "application/xml", nitf);
    let published = pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].json()["headlines"][0]["value"], "41-årig mann pågrepet etter brann i Bærum");
    let normalized = pipeline.read("normalized", 1, WAIT, Duration::ZERO);
    let problems = &normalized[0].json()["newswire"]["problems"];
    assert_eq!(problems[0]["field"], "charset", "{problems}");
    assert_eq!(problems[0]["kind"], "label_overruled", "{problems}");
    assert!(problems[0]["detail"].as_str().unwrap_or_default().contains("iso-8859-1"), "{problems}");
}

/// An article page whose canonical link is `canonical`.
fn page(canonical: &str, headline: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{headline}</title>\
         <link rel=\"canonical\" href=\"{canonical}\"><meta property=\"og:url\" content=\"{canonical}\"></head>\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>{headline}</h1>{body}</article></body></html>"
    )
}

const HARBOUR: &[&str] = &[
    "The harbour reopened on Monday after a storm that closed it for three days, the council said in a statement.",
    "Ships queued outside the bay overnight and began to come in at first light, harbour officials said.",
    "Engineers will now inspect the sea wall, which was damaged in two places by the waves on Friday night.",
];
const LIBRARY: &[&str] = &[
    "The city council approved plans for a new central library on Tuesday after a debate that lasted six hours.",
    "The building, next to the railway station, will replace three branch libraries that closed last year.",
    "Opponents said the cost had doubled since the plans were first published and called for a referendum.",
];

#[test]
fn pages_sharing_a_home_page_or_a_reused_canonical_link_are_published_as_different_stories() {
    let pipeline = Pipeline::start();
    let home = "https://www.example-news.com/";
    pipeline.push_ok(PA_TOKEN, "text/html", page(home, "Harbour reopens after the storm", HARBOUR));
    pipeline.push_ok(PA_TOKEN, "text/html", page(home, "Council approves new central library", LIBRARY));
    // A template that gives every article one live-blog URL: not a site root, but held by two texts.
    let live = "https://www.example-news.com/local/live";
    pipeline.push_ok(PA_TOKEN, "text/html", page(live, "Harbour reopens after the storm, live", HARBOUR));
    pipeline.push_ok(PA_TOKEN, "text/html", page(live, "Council approves new central library, live", LIBRARY));

    let published = pipeline.read("published", 4, WAIT, SETTLE);
    assert_eq!(published.len(), 4, "four different articles, four stories");
    let mut uris: Vec<String> = published.iter().map(|r| r.json()["uri"].as_str().unwrap_or_default().to_owned()).collect();
    assert!(!uris.iter().any(|u| u == home), "a site root is never a uri: {uris:?}");
    assert_eq!(uris.iter().filter(|u| *u == live).count(), 1, "the first page keeps its own link, the second does not: {uris:?}");
    uris.sort();
    uris.dedup();
    assert_eq!(uris.len(), 4, "every story has its own uri: {uris:?}");
    let mut keys: Vec<&str> = published.iter().map(|r| r.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 2 + 1, "the home-page pages get their own keys at ingest; the live-URL pages share one (partitioning only)");
}
