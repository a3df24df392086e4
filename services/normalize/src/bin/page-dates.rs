//! `page-dates`: every date candidate normalize reads from one HTML page, and
//! the times it chooses, for working on the date rules offline.
//!
//! Usage: `zcat page.html.gz | cargo run -p newswire-normalize --bin page-dates [-- ZONE]`
//! (the feed zone, `UTC` by default).

use std::io::Read;

use chrono_tz::Tz;
use dom_query::Document;
use newswire_normalize::extract::{datelines, page_dates, page_meta};
use newswire_normalize::formats::html_times;
use newswire_shared::article::Article;

fn main() -> anyhow::Result<()> {
    let zone: Tz = std::env::args().nth(1).as_deref().unwrap_or("UTC").parse().map_err(|e| anyhow::anyhow!("zone: {e}"))?;
    let mut html = String::new();
    std::io::stdin().read_to_string(&mut html)?;
    let doc = Document::from(html.as_str());
    let meta = page_meta::read(&doc);
    println!("canonical: {:?}", meta.canonical);
    println!("open graph publication time: {}", page_dates::declares_open_graph_published(&doc));
    for c in &meta.published {
        println!("published  {:<45} {}", c.source, c.value);
    }
    for c in &meta.modified {
        println!("modified   {:<45} {}", c.source, c.value);
    }
    for (name, values) in [
        ("shown beside headline", datelines::shown_beside_headline(&doc)),
        ("beside headline", datelines::beside_headline(&doc)),
        ("datelines", datelines::datelines(&doc)),
    ] {
        println!("{name}: {values:?}");
    }
    let visible: Vec<String> = page_dates::visible(&doc).into_iter().map(|c| c.value).collect();
    println!("visible: {visible:?}");
    let times = html_times::read(&html, &doc, &meta, zone, &mut Article::default());
    println!("firstcreated: {:?}", times.first_published.map(|t| t.to_rfc3339()));
    println!("versioncreated: {:?}", times.this_version.map(|t| t.to_rfc3339()));
    Ok(())
}
