//! Measures SimHash distances on real articles to check the near-duplicate
//! threshold: light re-edits of each article must fall within it, different
//! articles outside it. Reads `../shared/extraction-dev/ground-truth.json`.

use super::fingerprint::{distance, fingerprint, NEAR_MAX_DISTANCE};
use newswire_shared::article::{Article, Text};

const GROUND_TRUTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/extraction-dev/ground-truth.json");

fn article(headline: &str, body: &str) -> Article {
    Article { headlines: vec![Text::plain("main", headline)], bodies: vec![Text::plain("main", body)], ..Default::default() }
}

/// Light edits an agency or a subscriber typically makes to a story.
fn light_edits(headline: &str, body: &str) -> Vec<(&'static str, Article)> {
    let paragraphs: Vec<&str> = body.split('\n').filter(|p| !p.trim().is_empty()).collect();
    let cut_last = paragraphs[..paragraphs.len().saturating_sub(1).max(1)].join("\n");
    let words: Vec<&str> = body.split_whitespace().collect();
    let reworded: Vec<&str> = words.iter().enumerate().map(|(i, w)| if i % 40 == 20 { "changed" } else { w }).collect();
    vec![
        ("new headline", article(&format!("UPDATE: {headline} as talks continue"), body)),
        ("last paragraph cut", article(headline, &cut_last)),
        ("sentence added", article(headline, &format!("{body}\nAdditional reporting by a staff correspondent in London."))),
        ("one word in 40 changed", article(headline, &reworded.join(" "))),
    ]
}

#[test]
fn near_duplicate_threshold_separates_edits_from_other_stories() {
    let Ok(json) = std::fs::read_to_string(GROUND_TRUTH) else {
        newswire_shared::dev_data::missing("../shared/extraction-dev/ground-truth.json");
        return;
    };
    let truth: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&json).unwrap();
    let stories: Vec<(String, String)> = truth
        .values()
        .filter_map(|v| v["articleBody"].as_str())
        .filter(|b| b.split_whitespace().count() >= 100)
        .map(|body| (body.split_whitespace().take(10).collect::<Vec<_>>().join(" "), body.to_owned()))
        .collect();
    assert!(stories.len() >= 20, "too few articles with a body to measure on");
    let prints: Vec<u64> = stories.iter().map(|(h, b)| fingerprint(&article(h, b)).simhash).collect();
    let mut worst_edit = (0, "");
    let mut per_edit: std::collections::BTreeMap<&str, u32> = Default::default();
    for ((headline, body), print) in stories.iter().zip(&prints) {
        for (edit, edited) in light_edits(headline, body) {
            let d = distance(*print, fingerprint(&edited).simhash);
            let worst = per_edit.entry(edit).or_default();
            *worst = (*worst).max(d);
            if d > worst_edit.0 {
                worst_edit = (d, edit);
            }
        }
    }
    println!("largest distance per edit: {per_edit:?}");
    let mut unrelated: Vec<u32> = Vec::new();
    for i in 0..prints.len() {
        for j in i + 1..prints.len() {
            unrelated.push(distance(prints[i], prints[j]));
        }
    }
    unrelated.sort_unstable();
    println!(
        "{} articles: largest edit distance {} ({}), unrelated pairs min {} / 1st percentile {} / median {}",
        stories.len(),
        worst_edit.0,
        worst_edit.1,
        unrelated[0],
        unrelated[unrelated.len() / 100],
        unrelated[unrelated.len() / 2]
    );
    assert!(worst_edit.0 <= NEAR_MAX_DISTANCE, "a light edit ({}) is {} bits away", worst_edit.1, worst_edit.0);
    assert!(unrelated[0] > NEAR_MAX_DISTANCE, "two different articles are only {} bits apart", unrelated[0]);
}
