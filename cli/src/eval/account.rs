//! The accounting: what became of every push and of every story it held.
//!
//! A push is linked to what the pipeline did with it in two steps ([`link`]):
//! ingest answers each story's Kafka record key, and the raw record with that
//! key — and, when several pushes share the key (versions of one story, one
//! story in several formats), with the pushed bytes — gives the trace id ingest
//! minted for it, which every later record of that story carries (output
//! records and dead letters alike). A story is then *published* when a record
//! with its trace id is on the published topic, *dead-lettered* when one is on
//! the dead-letter topic, *dropped* when it stopped at a stage whose drop
//! counter rose by at least as many stories as stopped there, and
//! *unaccounted* (lost) otherwise.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

/// Ingest's answer to one push.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PushAnswer {
    /// An HTTP answer: 202/200 list the stories `(id, accepted|duplicate)`;
    /// others carry ingest's `{error, detail}`.
    Answered {
        /// HTTP status.
        status: u16,
        /// The stories of a 202/200 answer.
        stories: Vec<(String, String)>,
        /// The error code of a refusal.
        error: Option<String>,
        /// Its detail.
        detail: Option<String>,
    },
    /// No HTTP answer (connection refused, timeout).
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// A dead letter seen for a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetter {
    /// The stage that gave up.
    pub stage: String,
    /// Its short reason.
    pub reason: String,
    /// Its detail.
    pub detail: String,
}

/// A raw record: the trace id ingest gave it and a digest of its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSeen {
    /// Its `newswire-trace-id`.
    pub trace_id: String,
    /// [`newswire_shared::ids::digest`] of its payload.
    pub digest: String,
}

/// One pushed document, as the accounting needs it.
#[derive(Debug, Clone)]
pub struct Pushed<'a> {
    /// Its id in the corpus.
    pub id: &'a str,
    /// [`newswire_shared::ids::digest`] of the pushed bytes.
    pub digest: &'a str,
    /// Whether it held article text.
    pub has_text: bool,
    /// Ingest's answer.
    pub answer: &'a PushAnswer,
}

/// What the topics showed of one story (one trace id).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    /// On the raw topic.
    pub raw: bool,
    /// On the normalized topic.
    pub normalized: bool,
    /// On the enriched topic.
    pub enriched: bool,
    /// Records on the published topic.
    pub published: usize,
    /// Whether the (last) published copy has no body text.
    pub empty_body: bool,
    /// Dead letters.
    pub dead: Vec<DeadLetter>,
}

/// What became of one story.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "fate", rename_all = "snake_case")]
pub enum Fate {
    /// On the published topic.
    Published,
    /// Answered `duplicate` by ingest (a re-push within the corpus): not written again.
    Duplicate,
    /// On the dead-letter topic.
    DeadLettered {
        /// The stage.
        stage: String,
        /// The reason.
        reason: String,
        /// The detail.
        detail: String,
    },
    /// Stopped at a stage that counted a deliberate drop.
    Dropped {
        /// The stage.
        stage: String,
        /// The reason from the stage's drop counter (several, comma separated, when it counted several).
        reason: String,
    },
    /// Nowhere: neither published, dead-lettered nor counted as dropped.
    Unaccounted {
        /// The last topic it was seen on (`none`: not even raw).
        last_seen: String,
    },
}

/// One story of one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryOutcome {
    /// The story key (ingest's id).
    pub key: String,
    /// Its trace id, when seen.
    pub trace_id: Option<String>,
    /// What became of it.
    #[serde(flatten)]
    pub fate: Fate,
    /// Published records with its key (more than 1 is a doubled story).
    pub published_copies: usize,
    /// Published with an empty body although the input had text.
    pub empty_body: bool,
}

/// One document: its push and its stories.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentOutcome {
    /// Document id.
    pub id: String,
    /// Ingest's answer.
    pub push: PushAnswer,
    /// Its stories (none when refused).
    pub stories: Vec<StoryOutcome>,
}

/// The corpus's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Documents pushed.
    pub pushed: usize,
    /// Pushes answered 202.
    pub accepted_pushes: usize,
    /// Pushes answered 200 (every story a duplicate).
    pub duplicate_pushes: usize,
    /// Pushes refused, by `status error`.
    pub refused: BTreeMap<String, usize>,
    /// Stories ingest accepted (written to Kafka).
    pub stories_accepted: usize,
    /// Stories ingest answered `duplicate`.
    pub stories_duplicate: usize,
    /// Accepted stories published.
    pub published: usize,
    /// Published stories with more than one published record.
    pub published_more_than_once: usize,
    /// Dead letters, by `stage/reason`.
    pub dead_lettered: BTreeMap<String, usize>,
    /// Drops, by `stage/reason`.
    pub dropped: BTreeMap<String, usize>,
    /// Accepted stories not accounted for: lost.
    pub unaccounted: usize,
    /// Published with an empty body although the input had text.
    pub empty_body_with_text: usize,
}

/// The stage that consumes each topic, in pipeline order.
const STAGES: [(&str, &str); 3] = [("raw", "normalize"), ("normalized", "enrich"), ("enriched", "publish")];

/// The trace id of each accepted story of each push (None: not on the raw
/// topic, or a duplicate). A raw record whose bytes are the pushed bytes wins;
/// otherwise (a story cut out of a feed document) the first raw record of the
/// key that no other push took.
pub fn link(pushes: &[Pushed<'_>], raw: &HashMap<String, Vec<RawSeen>>) -> Vec<Vec<Option<String>>> {
    let mut used: HashSet<&str> = HashSet::new();
    let mut links: Vec<Vec<Option<String>>> = pushes.iter().map(|p| accepted_stories(p.answer).map(|_| None).collect()).collect();
    for exact in [true, false] {
        for (push, slots) in pushes.iter().zip(links.iter_mut()) {
            for ((key, status), slot) in accepted_stories(push.answer).zip(slots.iter_mut()) {
                if status != "accepted" || slot.is_some() {
                    continue;
                }
                let found = raw
                    .get(key)
                    .into_iter()
                    .flatten()
                    .find(|r| !used.contains(r.trace_id.as_str()) && (!exact || r.digest == push.digest));
                if let Some(record) = found {
                    used.insert(record.trace_id.as_str());
                    *slot = Some(record.trace_id.clone());
                }
            }
        }
    }
    links
}

/// Classifies every document's stories, given their [`link`]s, what each
/// trace id showed, and the drop counters' rises by `(stage, reason)`.
pub fn account(
    pushes: &[Pushed<'_>],
    links: &[Vec<Option<String>>],
    seen: &HashMap<String, Seen>,
    drops: &BTreeMap<(String, String), u64>,
) -> (Vec<DocumentOutcome>, Tally) {
    let nothing = Seen::default();
    let seen_of = |trace: &Option<String>| trace.as_ref().and_then(|t| seen.get(t)).unwrap_or(&nothing);
    // First pass: stories that stopped at a stage without a record, by stage.
    let mut stopped: HashMap<&str, usize> = HashMap::new();
    for (push, traces) in pushes.iter().zip(links) {
        for ((_, status), trace) in accepted_stories(push.answer).zip(traces) {
            let s = seen_of(trace);
            if status == "accepted" && s.published == 0 && s.dead.is_empty() {
                if let Some(stage) = stopping_stage(s) {
                    *stopped.entry(stage).or_default() += 1;
                }
            }
        }
    }
    let drop_reasons = |stage: &str| -> (u64, String) {
        let of_stage: Vec<(&String, &u64)> = drops.iter().filter(|((s, _), n)| s == stage && **n > 0).map(|((_, r), n)| (r, n)).collect();
        (of_stage.iter().map(|(_, n)| **n).sum(), of_stage.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>().join(","))
    };

    let mut tally = Tally { pushed: pushes.len(), ..Default::default() };
    let mut outcomes = Vec::with_capacity(pushes.len());
    for (push, traces) in pushes.iter().zip(links) {
        match push.answer {
            PushAnswer::Answered { status: 202, .. } => tally.accepted_pushes += 1,
            PushAnswer::Answered { status: 200, .. } => tally.duplicate_pushes += 1,
            PushAnswer::Answered { status, error, .. } => {
                *tally.refused.entry(format!("{status} {}", error.as_deref().unwrap_or("?"))).or_default() += 1;
            }
            PushAnswer::Failed { .. } => *tally.refused.entry("no answer".into()).or_default() += 1,
        }
        let mut stories = Vec::new();
        for ((key, status), trace) in accepted_stories(push.answer).zip(traces) {
            let s = seen_of(trace);
            let fate = if status != "accepted" {
                tally.stories_duplicate += 1;
                Fate::Duplicate
            } else if s.published > 0 {
                Fate::Published
            } else if let Some(dead) = s.dead.first() {
                Fate::DeadLettered { stage: dead.stage.clone(), reason: dead.reason.clone(), detail: dead.detail.clone() }
            } else {
                match stopping_stage(s) {
                    Some(stage) => {
                        let (dropped, reasons) = drop_reasons(stage);
                        if dropped > 0 && stopped.get(stage).copied().unwrap_or(0) as u64 <= dropped {
                            Fate::Dropped { stage: stage.to_owned(), reason: reasons }
                        } else {
                            Fate::Unaccounted { last_seen: last_topic(s).to_owned() }
                        }
                    }
                    None => Fate::Unaccounted { last_seen: last_topic(s).to_owned() },
                }
            };
            if status == "accepted" {
                tally.stories_accepted += 1;
            }
            let empty_body = matches!(fate, Fate::Published) && s.empty_body && push.has_text;
            match &fate {
                Fate::Published => {
                    tally.published += 1;
                    tally.published_more_than_once += usize::from(s.published > 1);
                    tally.empty_body_with_text += usize::from(empty_body);
                }
                Fate::DeadLettered { stage, reason, .. } => *tally.dead_lettered.entry(format!("{stage}/{reason}")).or_default() += 1,
                Fate::Dropped { stage, reason } => *tally.dropped.entry(format!("{stage}/{reason}")).or_default() += 1,
                Fate::Unaccounted { .. } => tally.unaccounted += 1,
                Fate::Duplicate => {}
            }
            stories.push(StoryOutcome { key: key.to_owned(), trace_id: trace.clone(), fate, published_copies: s.published, empty_body });
        }
        outcomes.push(DocumentOutcome { id: push.id.to_owned(), push: push.answer.clone(), stories });
    }
    (outcomes, tally)
}

/// The `(key, status)` of each story a push answer lists.
pub fn accepted_stories(answer: &PushAnswer) -> impl Iterator<Item = (&str, &str)> {
    let stories = match answer {
        PushAnswer::Answered { status: 200 | 202, stories, .. } => stories.as_slice(),
        _ => &[],
    };
    stories.iter().map(|(k, s)| (k.as_str(), s.as_str()))
}

/// The stage a story stopped at: the consumer of the last topic it reached.
fn stopping_stage(s: &Seen) -> Option<&'static str> {
    let reached = [s.raw, s.normalized, s.enriched];
    let last = reached.iter().rposition(|r| *r)?;
    Some(STAGES[last].1)
}

fn last_topic(s: &Seen) -> &'static str {
    let reached = [s.raw, s.normalized, s.enriched];
    reached.iter().rposition(|r| *r).map(|i| STAGES[i].0).unwrap_or("none")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, stories: &[(&str, &str)]) -> PushAnswer {
        PushAnswer::Answered { status, stories: stories.iter().map(|(k, s)| ((*k).into(), (*s).into())).collect(), error: None, detail: None }
    }

    fn seen(raw: bool, normalized: bool, enriched: bool, published: usize) -> Seen {
        Seen { raw, normalized, enriched, published, ..Default::default() }
    }

    fn raw(trace: &str, digest: &str) -> RawSeen {
        RawSeen { trace_id: trace.into(), digest: digest.into() }
    }

    /// Pushes whose digest is their id and whose only raw record has trace `t-<key>`.
    fn simple<'a>(ids: &[&'a str], answers: &'a [PushAnswer]) -> (Vec<Pushed<'a>>, HashMap<String, Vec<RawSeen>>) {
        let pushes: Vec<Pushed<'a>> = ids.iter().zip(answers).map(|(id, answer)| Pushed { id, digest: id, has_text: true, answer }).collect();
        let mut raws = HashMap::new();
        for push in &pushes {
            for (key, status) in accepted_stories(push.answer) {
                if status == "accepted" {
                    raws.insert(key.to_owned(), vec![raw(&format!("t-{key}"), push.digest)]);
                }
            }
        }
        (pushes, raws)
    }

    #[test]
    fn every_push_and_story_gets_exactly_one_fate() {
        let answers = vec![
            answered(202, &[("k1", "accepted")]),
            answered(200, &[("k2", "duplicate")]),
            answered(202, &[("k3", "accepted")]),
            PushAnswer::Answered { status: 415, stories: vec![], error: Some("unsupported_media_type".into()), detail: Some("x".into()) },
            answered(202, &[("k5", "accepted")]),
            answered(202, &[("k6", "accepted")]),
            answered(202, &[("k7a", "accepted"), ("k7b", "duplicate")]),
        ];
        let (pushes, raws) = simple(&["pub", "dup", "dead", "refused", "drop", "lost", "multi"], &answers);
        let mut topics = HashMap::new();
        topics.insert("t-k1".to_owned(), Seen { empty_body: true, ..seen(true, true, true, 2) });
        let dead = DeadLetter { stage: "normalize".into(), reason: "no_content".into(), detail: "d".into() };
        topics.insert("t-k3".to_owned(), Seen { dead: vec![dead], ..seen(true, false, false, 0) });
        topics.insert("t-k5".to_owned(), seen(true, false, false, 0));
        topics.insert("t-k6".to_owned(), seen(true, true, false, 0));
        topics.insert("t-k7a".to_owned(), seen(true, true, true, 1));
        let drops = BTreeMap::from([(("normalize".to_owned(), "duplicate_exact".to_owned()), 1u64)]);
        let links = link(&pushes, &raws);
        let (outcomes, tally) = account(&pushes, &links, &topics, &drops);

        assert_eq!(outcomes[0].stories[0].fate, Fate::Published);
        assert_eq!(outcomes[0].stories[0].trace_id.as_deref(), Some("t-k1"));
        assert!(outcomes[0].stories[0].empty_body);
        assert_eq!(outcomes[1].stories[0].fate, Fate::Duplicate);
        assert!(matches!(&outcomes[2].stories[0].fate, Fate::DeadLettered { reason, .. } if reason == "no_content"));
        assert!(outcomes[3].stories.is_empty());
        assert_eq!(outcomes[4].stories[0].fate, Fate::Dropped { stage: "normalize".into(), reason: "duplicate_exact".into() });
        assert_eq!(outcomes[5].stories[0].fate, Fate::Unaccounted { last_seen: "normalized".into() }, "enrich counted no drop");
        assert_eq!(outcomes[6].stories.len(), 2);

        assert_eq!(tally.pushed, 7);
        assert_eq!((tally.accepted_pushes, tally.duplicate_pushes), (5, 1));
        assert_eq!(tally.refused, BTreeMap::from([("415 unsupported_media_type".to_owned(), 1)]));
        assert_eq!((tally.stories_accepted, tally.stories_duplicate), (5, 2));
        assert_eq!((tally.published, tally.published_more_than_once, tally.empty_body_with_text), (2, 1, 1));
        assert_eq!(tally.dead_lettered, BTreeMap::from([("normalize/no_content".to_owned(), 1)]));
        assert_eq!(tally.dropped, BTreeMap::from([("normalize/duplicate_exact".to_owned(), 1)]));
        assert_eq!(tally.unaccounted, 1);
    }

    #[test]
    fn pushes_sharing_a_key_are_told_apart_by_their_bytes() {
        // Two versions of one story: same key, different bytes, different trace ids.
        let (v1, v2) = (answered(202, &[("k", "accepted")]), answered(202, &[("k", "accepted")]));
        let pushes = vec![
            Pushed { id: "v1", digest: "d1", has_text: true, answer: &v1 },
            Pushed { id: "v2", digest: "d2", has_text: true, answer: &v2 },
        ];
        // The raw topic has them in the other order.
        let raws = HashMap::from([("k".to_owned(), vec![raw("t2", "d2"), raw("t1", "d1")])]);
        let links = link(&pushes, &raws);
        assert_eq!(links, vec![vec![Some("t1".to_owned())], vec![Some("t2".to_owned())]]);

        let topics = HashMap::from([("t1".to_owned(), seen(true, true, true, 1)), ("t2".to_owned(), seen(true, false, false, 0))]);
        let drops = BTreeMap::from([(("normalize".to_owned(), "stale_version".to_owned()), 1u64)]);
        let (outcomes, tally) = account(&pushes, &links, &topics, &drops);
        assert_eq!(outcomes[0].stories[0].fate, Fate::Published);
        assert_eq!(outcomes[1].stories[0].fate, Fate::Dropped { stage: "normalize".into(), reason: "stale_version".into() });
        assert_eq!(tally.published, 1, "one published record is not counted for two pushes");
    }

    #[test]
    fn stories_cut_out_of_one_push_take_the_raw_records_of_their_keys() {
        let answer = answered(202, &[("a", "accepted"), ("b", "accepted")]);
        let pushes = vec![Pushed { id: "feed", digest: "whole", has_text: true, answer: &answer }];
        let raws = HashMap::from([("a".to_owned(), vec![raw("ta", "slice-a")]), ("b".to_owned(), vec![raw("tb", "slice-b")])]);
        assert_eq!(link(&pushes, &raws), vec![vec![Some("ta".to_owned()), Some("tb".to_owned())]]);
    }

    #[test]
    fn stories_stopped_at_a_stage_beyond_its_drop_count_are_all_unaccounted() {
        let answers = vec![answered(202, &[("a", "accepted")]), answered(202, &[("b", "accepted")])];
        let (pushes, raws) = simple(&["a", "b"], &answers);
        let topics = HashMap::from([("t-a".to_owned(), seen(true, false, false, 0)), ("t-b".to_owned(), seen(true, false, false, 0))]);
        let drops = BTreeMap::from([(("normalize".to_owned(), "stale_version".to_owned()), 1u64)]);
        let (_, tally) = account(&pushes, &link(&pushes, &raws), &topics, &drops);
        assert_eq!((tally.unaccounted, tally.dropped.len()), (2, 0), "one drop cannot explain two missing stories");
    }

    #[test]
    fn an_accepted_story_never_seen_on_any_topic_is_lost() {
        let answer = answered(202, &[("a", "accepted")]);
        let pushes = vec![Pushed { id: "a", digest: "d", has_text: false, answer: &answer }];
        let links = link(&pushes, &HashMap::new());
        let (outcomes, tally) = account(&pushes, &links, &HashMap::new(), &BTreeMap::new());
        assert_eq!(outcomes[0].stories[0].fate, Fate::Unaccounted { last_seen: "none".into() });
        assert_eq!(tally.unaccounted, 1);
    }
}
