//! Event clustering through the running pipeline (issue 18): the UCI News
//! Aggregator dev months ([`newswire_devtools::uci_news`], read in place, only
//! stories first seen before 2014-06-01) pushed as minimal ninjs stories in
//! timestamp order, and the published event ids scored against the STORY
//! labels with B-cubed, beside two baselines from the same run:
//! exact-headline grouping, and normalize's near-duplicate links (the
//! published story ids, which a near-duplicate shares with its original).
//!
//! A story normalize drops as an exact duplicate of an earlier one (the same
//! headline, since these stories have no body) is never published; it is
//! scored in the cluster of the first published story with its headline,
//! which is what normalize decided it is (and counted in `unpublished`).

use std::collections::HashMap;
use std::path::Path;

use newswire_devtools::scoring::bcubed::{bcubed, BCubed};
use newswire_devtools::uci_news::{interleaved_by_day, read_dev_months, UciStory};
use newswire_shared::article::Article;
use newswire_shared::enrichment::EVENT_ALTID_ROLE;
use serde::Serialize;

use super::corpora::{Document, Labels};

/// The seed of the interleaved order (the same as `event-eval`'s).
const INTERLEAVE_SEED: u64 = 2014;

/// The `altids` role of a story id in published ninjs.
const STORY_ID_ROLE: &str = "newswire:story-id";

/// The dev months as documents to push, in corpus order or interleaved by day
/// (`docs/event-clustering.md` says why both).
pub fn documents(path: &Path, interleaved: bool) -> anyhow::Result<Vec<Document>> {
    let stories = read_dev_months(path)?;
    let stories = if interleaved { interleaved_by_day(&stories, INTERLEAVE_SEED) } else { stories };
    Ok(stories.iter().enumerate().map(|(i, story)| document(i, story)).collect())
}

/// One row as a minimal ninjs story: its URL as uri, headline, publisher and time.
fn document(index: usize, story: &UciStory) -> Document {
    let at = chrono::DateTime::from_timestamp_millis(story.at_ms).unwrap_or_default();
    let ninjs = serde_json::json!({
        "uri": story.url,
        "version": "1",
        "firstcreated": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "headlines": [{"role": "main", "value": story.title}],
        "infosources": [{"name": story.publisher, "role": "publisher"}],
    });
    Document {
        id: format!("row-{index:06}"),
        content_type: "application/json",
        body: ninjs.to_string().into_bytes(),
        has_text: false,
        labels: Labels::Event { story: story.story.clone(), headline: story.title.clone() },
    }
}

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct EventScores {
    /// The pipeline's event clusters.
    pub event_clustering: BCubed,
    /// Stories with the same headline grouped, nothing else.
    pub exact_headline: BCubed,
    /// The pipeline's near-duplicate links (published story ids).
    pub near_duplicate: BCubed,
    /// Documents scored.
    pub documents: usize,
    /// Of them, not published (scored by their headline's first published story).
    pub unpublished: usize,
    /// Of the published, without an event id (event clustering off, or a defect).
    pub without_event: usize,
}

/// Scores the published stories of `documents` (`published[i]` is document `i`'s).
pub fn score(documents: &[Document], published: &[Option<&Article>]) -> EventScores {
    let altid = |article: &Article, role: &str| article.altids.iter().find(|a| a.role == role).map(|a| a.value.clone());
    let mut truth = Vec::new();
    let mut headlines = Vec::new();
    let mut events: Vec<Option<String>> = Vec::new();
    let mut stories: Vec<Option<String>> = Vec::new();
    let mut without_event = 0;
    for (document, article) in documents.iter().zip(published) {
        let Labels::Event { story, headline } = &document.labels else { continue };
        truth.push(story.as_str());
        headlines.push(headline.as_str());
        let event = article.and_then(|a| altid(a, EVENT_ALTID_ROLE));
        without_event += usize::from(article.is_some() && event.is_none());
        events.push(event);
        stories.push(article.and_then(|a| altid(a, STORY_ID_ROLE)));
    }
    let unpublished = published.iter().filter(|p| p.is_none()).count();
    let event_clustering = bcubed(&by_headline_when_missing(&events, &headlines), &truth);
    let near_duplicate = bcubed(&by_headline_when_missing(&stories, &headlines), &truth);
    let exact_headline = bcubed(&headlines, &truth);
    EventScores { event_clustering, exact_headline, near_duplicate, documents: truth.len(), unpublished, without_event }
}

/// Each document's cluster: its own, or, when it has none, that of the first
/// document with its headline that has one, or else a cluster of its own.
fn by_headline_when_missing(clusters: &[Option<String>], headlines: &[&str]) -> Vec<String> {
    let mut first: HashMap<&str, &str> = HashMap::new();
    for (cluster, headline) in clusters.iter().zip(headlines) {
        if let Some(cluster) = cluster {
            first.entry(headline).or_insert(cluster);
        }
    }
    clusters
        .iter()
        .zip(headlines)
        .enumerate()
        .map(|(i, (cluster, headline))| match cluster {
            Some(cluster) => cluster.clone(),
            None => first.get(headline).map_or_else(|| format!("alone-{i}"), |c| (*c).to_owned()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::AltId;

    fn doc(story: &str, headline: &str) -> Document {
        Document {
            id: headline.into(),
            content_type: "application/json",
            body: Vec::new(),
            has_text: false,
            labels: Labels::Event { story: story.into(), headline: headline.into() },
        }
    }

    fn article(event: &str, story_id: &str) -> Article {
        Article {
            altids: vec![AltId { role: EVENT_ALTID_ROLE.into(), value: event.into() }, AltId { role: STORY_ID_ROLE.into(), value: story_id.into() }],
            ..Default::default()
        }
    }

    #[test]
    fn a_row_becomes_a_ninjs_story_with_its_url_headline_publisher_and_time() {
        let story = UciStory { title: "Fed holds rates".into(), url: "http://x.com/a".into(), publisher: "Reuters".into(), story: "dA".into(), at_ms: 1_394_000_000_000 };
        let d = document(7, &story);
        let json: serde_json::Value = serde_json::from_slice(&d.body).unwrap();
        assert_eq!(d.id, "row-000007");
        assert_eq!(json["uri"], "http://x.com/a");
        assert_eq!(json["headlines"][0]["value"], "Fed holds rates");
        assert_eq!(json["infosources"][0]["name"], "Reuters");
        assert_eq!(json["firstcreated"], "2014-03-05T06:13:20.000Z");
    }

    #[test]
    fn published_event_ids_are_scored_and_an_unpublished_duplicate_follows_its_headline() {
        let docs = [doc("s1", "A"), doc("s1", "B"), doc("s1", "A"), doc("s2", "C")];
        let (a, b, c) = (article("e1", "k1"), article("e1", "k2"), article("e2", "k3"));
        let published = [Some(&a), Some(&b), None, Some(&c)];
        let scores = score(&docs, &published);
        assert_eq!((scores.documents, scores.unpublished, scores.without_event), (4, 1, 0));
        assert_eq!(scores.event_clustering.f1, 1.0, "the dropped copy of A is scored in A's event");
        assert!(scores.near_duplicate.f1 < 1.0 && scores.exact_headline.f1 < 1.0);
        assert_eq!(scores.event_clustering.predicted_clusters, 2);
    }
}
