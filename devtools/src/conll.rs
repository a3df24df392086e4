//! CoNLL-2003 documents turned into plain-text wire stories, with their gold
//! entity mentions.
//!
//! A document runs from one `-DOCSTART-` line to the next; sentences are
//! separated by blank lines; each line is a token with its tag in the last
//! column (IOB1 or BIO2). The story's headline is the first sentence and its
//! body the remaining sentences, one a line. Tokens are joined the way wire
//! text is written (no space before `,` `.` `'s` `n't` …, none after `(` `$`).

/// An entity mention of the gold annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// `PER`, `ORG`, `LOC` or `MISC`.
    pub kind: String,
    /// The mention as it reads in the story (tokens joined like the story text).
    pub text: String,
}

/// One CoNLL document as a wire story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConllStory {
    /// 1-based position of the document in the file.
    pub number: usize,
    /// The first sentence.
    pub headline: String,
    /// The other sentences, one a line.
    pub body: String,
    /// Every gold mention, in order (headline included).
    pub mentions: Vec<Mention>,
}

impl ConllStory {
    /// The plain-text story pushed to ingest: headline, a blank line, the body.
    pub fn text(&self) -> String {
        format!("{}\n\n{}\n", self.headline, self.body)
    }
}

/// Splits a CoNLL file into stories; documents with no sentence are skipped.
pub fn stories(conll: &str) -> Vec<ConllStory> {
    let mut stories = Vec::new();
    let mut sentences: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    let mut number = 0;
    let mut flush = |sentences: &mut Vec<Vec<(String, String)>>, number: usize| {
        if let Some(story) = story_of(number, sentences) {
            stories.push(story);
        }
        sentences.clear();
    };
    for line in conll.lines() {
        let mut columns = line.split_whitespace();
        let Some(token) = columns.next() else {
            if !current.is_empty() {
                sentences.push(std::mem::take(&mut current));
            }
            continue;
        };
        if token == "-DOCSTART-" {
            if !current.is_empty() {
                sentences.push(std::mem::take(&mut current));
            }
            if number > 0 {
                flush(&mut sentences, number);
            }
            number += 1;
            continue;
        }
        let tag = columns.last().unwrap_or("O");
        current.push((token.to_owned(), tag.to_owned()));
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    flush(&mut sentences, number.max(1));
    stories
}

fn story_of(number: usize, sentences: &[Vec<(String, String)>]) -> Option<ConllStory> {
    let (first, rest) = sentences.split_first()?;
    let mut mentions = Vec::new();
    for sentence in sentences {
        mentions.extend(mentions_of(sentence));
    }
    let line = |s: &Vec<(String, String)>| join_tokens(s.iter().map(|(t, _)| t.as_str()));
    Some(ConllStory {
        number,
        headline: line(first),
        body: rest.iter().map(line).collect::<Vec<_>>().join("\n"),
        mentions,
    })
}

/// The entity spans of one sentence: `B-X` starts one, `I-X` continues one of
/// kind X (or starts one, as in IOB1, after a different tag).
fn mentions_of(sentence: &[(String, String)]) -> Vec<Mention> {
    let mut mentions = Vec::new();
    let mut open: Option<(String, Vec<&str>)> = None;
    for (token, tag) in sentence {
        let (prefix, kind) = tag.split_once('-').unwrap_or((tag.as_str(), ""));
        let continues = prefix == "I" && open.as_ref().is_some_and(|(k, _)| k == kind);
        if continues {
            if let Some((_, tokens)) = open.as_mut() {
                tokens.push(token);
            }
            continue;
        }
        if let Some((kind, tokens)) = open.take() {
            mentions.push(Mention { kind, text: join_tokens(tokens.into_iter()) });
        }
        if matches!(prefix, "B" | "I") && !kind.is_empty() {
            open = Some((kind.to_owned(), vec![token.as_str()]));
        }
    }
    if let Some((kind, tokens)) = open {
        mentions.push(Mention { kind, text: join_tokens(tokens.into_iter()) });
    }
    mentions
}

/// Joins tokens as running text: no space before closing punctuation and
/// clitics, none after opening brackets and currency signs.
pub fn join_tokens<'a>(tokens: impl Iterator<Item = &'a str>) -> String {
    const NO_SPACE_BEFORE: &[&str] = &[",", ".", ";", ":", "!", "?", "%", ")", "]", "}", "'s", "'S", "n't", "'re", "'ve", "'ll", "'d", "'m"];
    const NO_SPACE_AFTER: &[&str] = &["(", "[", "{", "$"];
    let mut text = String::new();
    let mut glue_next = true;
    for token in tokens {
        if !glue_next && !NO_SPACE_BEFORE.contains(&token) {
            text.push(' ');
        }
        text.push_str(token);
        glue_next = NO_SPACE_AFTER.contains(&token);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_DOCS: &str = "-DOCSTART- -X- O O\n\nCRICKET NN I-NP O\n- : O O\nLEICESTERSHIRE NNP I-NP B-ORG\nWIN VB I-VP O\n. . O O\n\nLONDON NNP I-NP B-LOC\n1996-08-30 CD I-NP O\n\nWest B-MISC\nIndian I-MISC\nPhil B-PER\nSimmons I-PER\nscored O\n( O\n48 O\n) O\n, O\nSimmons B-PER\n's O\nbest O\n. O\n\n-DOCSTART- O\n\nEU I-ORG\nrejects O\nGerman I-MISC\ncall O\n. O\n";

    #[test]
    fn each_docstart_begins_a_story_whose_headline_is_its_first_sentence() {
        let stories = stories(TWO_DOCS);
        assert_eq!(stories.len(), 2);
        assert_eq!(stories[0].headline, "CRICKET - LEICESTERSHIRE WIN.");
        assert_eq!(stories[0].body, "LONDON 1996-08-30\nWest Indian Phil Simmons scored (48), Simmons's best.");
        assert_eq!(stories[0].text(), format!("{}\n\n{}\n", stories[0].headline, stories[0].body));
        assert_eq!((stories[0].number, stories[1].number), (1, 2));
        assert_eq!(stories[1].headline, "EU rejects German call.");
        assert_eq!(stories[1].body, "");
    }

    #[test]
    fn gold_mentions_are_the_tagged_spans_in_bio2_and_iob1() {
        let stories = stories(TWO_DOCS);
        let kinds_and_texts = |s: &ConllStory| s.mentions.iter().map(|m| (m.kind.clone(), m.text.clone())).collect::<Vec<_>>();
        assert_eq!(
            kinds_and_texts(&stories[0]),
            vec![
                ("ORG".into(), "LEICESTERSHIRE".into()),
                ("LOC".into(), "LONDON".into()),
                ("MISC".into(), "West Indian".into()),
                ("PER".into(), "Phil Simmons".into()),
                ("PER".into(), "Simmons".into()),
            ]
        );
        // IOB1: an I- tag after O opens a mention.
        assert_eq!(kinds_and_texts(&stories[1]), vec![("ORG".into(), "EU".into()), ("MISC".into(), "German".into())]);
    }

    #[test]
    fn a_b_tag_right_after_a_mention_of_the_same_kind_starts_a_new_one() {
        let s = stories("-DOCSTART- O\n\nA O\nParis B-LOC\nLondon B-LOC\nRome I-LOC\n");
        let texts: Vec<_> = s[0].mentions.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, vec!["Paris", "London Rome"]);
    }
}
