//! CoNLL's figures for published stories: how many gold mentions survive in
//! the published text, and entity F1 of the published people, organisations
//! and places against the gold PER/ORG/LOC names.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use newswire_shared::article::{Article, Concept};
use serde::Serialize;

use newswire_devtools::conll::Mention;
use newswire_devtools::scoring::words::{name_key, prf, words};

/// True positives, false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Found and right.
    pub tp: usize,
    /// Found, not in the gold set.
    pub fp: usize,
    /// In the gold set, not found.
    pub fn_: usize,
}

impl Counts {
    /// Precision, recall and F1.
    pub fn prf(&self) -> (f64, f64, f64) {
        prf(self.tp, self.tp + self.fp, self.tp + self.fn_)
    }

    fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

/// One document's entity figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DocEntities {
    /// The document's id.
    pub id: String,
    /// Gold mentions (all four kinds, with repeats).
    pub mentions: usize,
    /// Those whose words still occur in the published headline and body.
    pub mentions_found: usize,
    /// Per kind (`PER`, `ORG`, `LOC`): distinct names matched by kind and name.
    pub by_kind: BTreeMap<String, Counts>,
    /// All three kinds together, matched by name whatever the kind.
    pub any_kind: Counts,
    /// Gold mentions whose words are not in the published text, to chase.
    pub missing: Vec<String>,
}

/// Scores one document; `published` is None when nothing was published.
pub fn score_document(id: &str, gold: &[Mention], published: Option<&Article>) -> DocEntities {
    let text = published.map(|a| format!("{}\n{}", a.headline().unwrap_or(""), a.body_text().unwrap_or(""))).unwrap_or_default();
    let haystack = words(&text);
    // Each occurrence in the text serves one gold mention of those words, in order.
    let mut left: HashMap<Vec<String>, usize> = HashMap::new();
    let (mut found, mut missing) = (0, Vec::new());
    for mention in gold {
        let needle = words(&mention.text);
        let available = left.entry(needle.clone()).or_insert_with(|| occurrences(&haystack, &needle));
        if *available > 0 {
            *available -= 1;
            found += 1;
        } else {
            missing.push(format!("{} {}", mention.kind, mention.text));
        }
    }

    let gold_names: BTreeSet<(String, String)> = gold
        .iter()
        .filter(|m| matches!(m.kind.as_str(), "PER" | "ORG" | "LOC"))
        .map(|m| (m.kind.clone(), name_key(&m.text)))
        .filter(|(_, n)| !n.is_empty())
        .collect();
    let predicted = published.map(predicted_names).unwrap_or_default();
    let mut by_kind: BTreeMap<String, Counts> = BTreeMap::new();
    for kind in ["PER", "ORG", "LOC"] {
        let g: BTreeSet<&String> = gold_names.iter().filter(|(k, _)| k == kind).map(|(_, n)| n).collect();
        let p: BTreeSet<&String> = predicted.iter().filter(|(k, _)| k == kind).map(|(_, n)| n).collect();
        let tp = g.intersection(&p).count();
        by_kind.insert(kind.to_owned(), Counts { tp, fp: p.len() - tp, fn_: g.len() - tp });
    }
    let g: BTreeSet<&String> = gold_names.iter().map(|(_, n)| n).collect();
    let p: BTreeSet<&String> = predicted.iter().map(|(_, n)| n).collect();
    let tp = g.intersection(&p).count();
    DocEntities { id: id.to_owned(), mentions: gold.len(), mentions_found: found, by_kind, any_kind: Counts { tp, fp: p.len() - tp, fn_: g.len() - tp }, missing }
}

/// The published names by kind: `people` are PER, `organisations` ORG,
/// `places` and the dateline place (`located`) LOC.
fn predicted_names(article: &Article) -> BTreeSet<(String, String)> {
    let name = |c: &Concept| c.name.clone().or_else(|| c.literal.clone()).unwrap_or_default();
    let mut names = BTreeSet::new();
    for (kind, concepts) in [("PER", &article.people), ("ORG", &article.organisations), ("LOC", &article.places)] {
        names.extend(concepts.iter().map(|c| (kind.to_owned(), name_key(&name(c)))));
    }
    if let Some(located) = &article.located {
        names.insert(("LOC".to_owned(), name_key(located)));
    }
    names.retain(|(_, n)| !n.is_empty());
    names
}

/// Non-overlapping occurrences of the word sequence `needle` in `haystack`.
fn occurrences(haystack: &[String], needle: &[String]) -> usize {
    if needle.is_empty() || needle.len() > haystack.len() {
        return 0;
    }
    let (mut count, mut i) = (0, 0);
    while i + needle.len() <= haystack.len() {
        if haystack[i..i + needle.len()] == *needle {
            count += 1;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    count
}

/// CoNLL's figures over a corpus (micro-averaged over documents).
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntitySummary {
    /// Documents scored.
    pub documents: usize,
    /// Gold mentions.
    pub mentions: usize,
    /// Gold mentions still in the published text.
    pub mentions_found: usize,
    /// Per-kind counts summed over documents.
    pub by_kind: BTreeMap<String, Counts>,
    /// PER, ORG and LOC together, kind and name matched.
    pub typed: Counts,
    /// PER, ORG and LOC together, name matched whatever the kind.
    pub any_kind: Counts,
}

/// Sums the documents' figures.
pub fn summarize(docs: &[DocEntities]) -> EntitySummary {
    let mut s = EntitySummary { documents: docs.len(), ..Default::default() };
    for d in docs {
        s.mentions += d.mentions;
        s.mentions_found += d.mentions_found;
        for (kind, counts) in &d.by_kind {
            s.by_kind.entry(kind.clone()).or_default().add(*counts);
            s.typed.add(*counts);
        }
        s.any_kind.add(d.any_kind);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Text;

    fn mention(kind: &str, text: &str) -> Mention {
        Mention { kind: kind.into(), text: text.into() }
    }

    fn concept(name: &str) -> Concept {
        Concept { name: Some(name.into()), ..Default::default() }
    }

    #[test]
    fn mentions_count_as_found_when_their_words_survive_as_often_as_in_the_gold() {
        let gold = vec![mention("PER", "Simmons"), mention("PER", "Simmons"), mention("LOC", "U.S."), mention("ORG", "Leicestershire")];
        let article = Article {
            headlines: vec![Text::plain("main", "LEICESTERSHIRE WIN")],
            bodies: vec![Text::plain("main", "Simmons scored in the US.")],
            ..Default::default()
        };
        let d = score_document("d", &gold, Some(&article));
        assert_eq!(d.mentions, 4);
        // One Simmons of two; "U.S." is the words "u s", not "us"; the headline counts.
        assert_eq!(d.mentions_found, 2);
        assert_eq!(d.missing, vec!["PER Simmons".to_owned(), "LOC U.S.".to_owned()]);
        assert_eq!(score_document("d", &gold, None).mentions_found, 0);
    }

    #[test]
    fn entity_f1_matches_distinct_names_by_kind_and_the_dateline_is_a_place() {
        let gold = vec![mention("PER", "Phil Simmons"), mention("PER", "Simmons"), mention("LOC", "London"), mention("ORG", "ICC"), mention("MISC", "West Indian")];
        let article = Article {
            people: vec![concept("Phil Simmons")],
            organisations: vec![concept("London")],
            located: Some("LONDON".into()),
            ..Default::default()
        };
        let d = score_document("d", &gold, Some(&article));
        assert_eq!(d.by_kind["PER"], Counts { tp: 1, fp: 0, fn_: 1 });
        assert_eq!(d.by_kind["LOC"], Counts { tp: 1, fp: 0, fn_: 0 }, "the dateline place counts as a place");
        assert_eq!(d.by_kind["ORG"], Counts { tp: 0, fp: 1, fn_: 1 });
        // Names alone: {phil simmons, simmons, london, icc} against {phil simmons, london}.
        assert_eq!(d.any_kind, Counts { tp: 2, fp: 0, fn_: 2 });

        let s = summarize(&[d.clone(), d]);
        assert_eq!(s.typed, Counts { tp: 4, fp: 2, fn_: 4 });
        let (p, r, _) = s.typed.prf();
        assert!((p - 4.0 / 6.0).abs() < 1e-12 && (r - 0.5).abs() < 1e-12);
    }
}
