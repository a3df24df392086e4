//! Plain text end to end: agency wire copy pushed as `text/plain` reaches
//! subscribers whole, every line in order, its tables kept together.

use std::time::Duration;

use newswire_e2e::{fixture, Pipeline, AP_TOKEN};

const WIRE_COPY: &str = "normalize/wire-copy-results.txt";
const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);

#[test]
fn wire_copy_pushed_as_text_is_published_with_every_line_and_its_tables() {
    let pipeline = Pipeline::start();
    let sent = fixture(WIRE_COPY);
    pipeline.push_ok(AP_TOKEN, "text/plain; charset=utf-8", sent.clone());

    let published = pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(published.len(), 1, "exactly one article is published");
    let ninjs = published[0].json();
    let text = String::from_utf8_lossy(&sent).into_owned();
    let mut lines = text.lines();
    assert_eq!(ninjs["headlines"][0]["value"].as_str(), lines.next());
    let body = ninjs["bodies"][0]["value"].as_str().expect("a plain-text body");
    let body_lines: Vec<&str> = body.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(body_lines, lines.collect::<Vec<_>>(), "every line after the headline, in order: {body}");
    let html = ninjs["bodies"][1]["value"].as_str().expect("an HTML body");
    assert!(html.contains("<p>1. Jane Doe (GBR) 3:58.12<br>2. Ann Roe (USA) 3:59.40<br>"), "a table is one paragraph of rows: {html}");
}
