//! Enriches a plain-text story and prints the article as JSON:
//! `cargo run -p newswire-enrich --example enrich_text -- story.txt`
//! (first line the headline, the rest the body).

use newswire_enrich::{enrich, Resources};
use newswire_shared::article::{Article, Text};

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: enrich_text <story.txt>"))?;
    let raw = std::fs::read_to_string(&path)?;
    let (headline, body) = raw.split_once('\n').unwrap_or((raw.as_str(), ""));
    let (resources, missing) = Resources::load(false)?;
    if let Some(problem) = missing {
        eprintln!("without the NER model: {problem}");
    }
    let article = Article { uri: path, headlines: vec![Text::plain("main", headline)], bodies: vec![Text::plain("main", body)], ..Default::default() };
    println!("{}", serde_json::to_string_pretty(&enrich(article, &resources))?);
    Ok(())
}
