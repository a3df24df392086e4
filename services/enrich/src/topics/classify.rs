//! Scoring a story against the Media Topics by counting cue words and phrases.
//!
//! Every cue found in the text counts once per occurrence (twice in the
//! headline) for each topic it is listed under; a topic's score also includes
//! its narrower topics' scores. A topic is assigned when at least two different
//! cues were found for it (so one repeated word is not enough) and its score is
//! at least a quarter of the best top-level score. Relevance (0–100) is the
//! topic's score relative to that best score.

use super::taxonomy::Taxonomy;

/// Longest cue phrase, in words.
const MAX_CUE_WORDS: usize = 4;

/// Weight of a cue found in the headline.
const HEADLINE_WEIGHT: u32 = 2;

/// At most this many topics are assigned.
const MAX_TOPICS: usize = 8;

/// One assigned topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicScore {
    /// Index into [`Taxonomy::topics`].
    pub topic: usize,
    /// Relevance 0–100 (ninjs `relevance`).
    pub relevance: u8,
    /// Raw score: weighted cue count, including narrower topics.
    pub score: u32,
}

/// The topics of a story whose lower-case words are `words`, of which the first
/// `headline_words` are the headline's. Broader topics come before narrower
/// ones; among equals, the higher score first.
pub fn classify(taxonomy: &Taxonomy, words: &[&str], headline_words: usize) -> Vec<TopicScore> {
    let n = taxonomy.topics.len();
    let mut own = vec![0u32; n];
    // Every (topic, cue) found, and then the same for each broader topic.
    let mut found: Vec<(usize, usize)> = Vec::new();
    for i in 0..words.len() {
        let weight = if i < headline_words { HEADLINE_WEIGHT } else { 1 };
        // The cues a word can start, exact or prefix (each checked below).
        for cue_index in taxonomy.cues_starting(words[i]) {
            let cue = &taxonomy.cues[cue_index];
            let len = cue.words.len().min(MAX_CUE_WORDS);
            if i + len > words.len() || !cue.words.iter().zip(&words[i..i + len]).all(|(c, w)| c.matches(w)) {
                continue;
            }
            for &topic in &cue.topics {
                own[topic] += weight;
                found.push((topic, cue_index));
            }
        }
    }
    let mut total = own;
    for t in (0..n).rev() {
        if let Some(parent) = taxonomy.topics[t].parent {
            total[parent] += total[t];
        }
    }
    let mut found_under = Vec::with_capacity(found.len() * 3);
    for &(topic, cue) in &found {
        let mut at = Some(topic);
        while let Some(t) = at {
            found_under.push((t, cue));
            at = taxonomy.topics[t].parent;
        }
    }
    found_under.sort_unstable();
    found_under.dedup();
    // How many different cues were found for each topic, its narrower topics included.
    let mut cues = vec![0usize; n];
    for (topic, _) in found_under {
        cues[topic] += 1;
    }
    let best = (0..n).filter(|&t| taxonomy.topics[t].level == 1).map(|t| total[t]).max().unwrap_or(0);
    if best == 0 {
        return Vec::new();
    }
    let mut chosen: Vec<TopicScore> = (0..n)
        .filter(|&t| cues[t] >= 2 && total[t] * 4 >= best)
        .map(|t| TopicScore { topic: t, relevance: ((total[t] * 100 / best).min(100)) as u8, score: total[t] })
        .collect();
    chosen.retain(|s| taxonomy.topics[s.topic].parent.is_none_or(|p| chosen_contains(&total, &cues, p, best)));
    chosen.sort_by_key(|s| (taxonomy.topics[s.topic].level, std::cmp::Reverse(s.score), s.topic));
    chosen.truncate(MAX_TOPICS);
    chosen
}

fn chosen_contains(total: &[u32], cues: &[usize], topic: usize, best: u32) -> bool {
    cues[topic] >= 2 && total[topic] * 4 >= best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxonomy() -> Taxonomy {
        Taxonomy::parse(
            "11000000\t\tpolitics\tgovernment\n\
             20000638\t11000000\tinternational relations\ttalks|foreign minister|summit\n\
             20000639\t20000638\tdiplomacy\tdiplomat*|talks\n\
             15000000\t\tsport\t\n\
             20000822\t15000000\tcompetition discipline\tfootball|cricket\n",
        )
        .unwrap()
    }

    fn codes(text: &str, headline_words: usize) -> Vec<(String, u8)> {
        let t = taxonomy();
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        classify(&t, &words, headline_words).into_iter().map(|s| (t.topics[s.topic].code.clone(), s.relevance)).collect()
    }

    #[test]
    fn cues_from_narrower_topics_select_them_and_their_broader_topics() {
        let got = codes("The foreign minister held talks with diplomats at the summit", 0);
        let got: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(got, ["11000000", "20000638", "20000639"]);
    }

    #[test]
    fn one_repeated_cue_is_not_enough() {
        assert!(codes("football football football", 0).is_empty());
    }

    #[test]
    fn a_minor_topic_far_below_the_main_one_is_left_out_and_relevance_is_relative() {
        let text = "talks summit foreign minister talks diplomats talks summit government football cricket";
        let got = codes(text, 0);
        assert_eq!(got[0], ("11000000".to_owned(), 100));
        assert!(got.iter().all(|(c, _)| c != "15000000"), "{got:?}");
    }

    #[test]
    fn headline_cues_weigh_double() {
        let plain = codes("football cricket talks summit", 0);
        let headlined = codes("football cricket talks summit", 2);
        let relevance = |v: &[(String, u8)], code: &str| v.iter().find(|(c, _)| c == code).map(|(_, r)| *r);
        assert_eq!((relevance(&plain, "11000000"), relevance(&plain, "15000000")), (Some(100), Some(66)));
        assert_eq!((relevance(&headlined, "11000000"), relevance(&headlined, "15000000")), (Some(75), Some(100)));
    }
}
