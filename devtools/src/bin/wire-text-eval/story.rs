//! CoNLL documents as the plain-text wire stories agencies send, and how much
//! of each survives normalize.

use newswire_shared::article::Article;

use newswire_devtools::conll::ConllStory;

/// A document as a wire story: the first sentence is the headline, every
/// other sentence a line of the body (one sentence a line, no blank lines;
/// `newswire eval` pushes the same story with a blank line after the headline).
pub fn wire_text(doc: &ConllStory) -> String {
    if doc.body.is_empty() {
        doc.headline.clone()
    } else {
        format!("{}\n{}", doc.headline, doc.body)
    }
}

/// What of one story's text is still in its article.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Kept {
    /// Gold mentions in the story.
    pub mentions: usize,
    /// Gold mentions still in headline + body.
    pub mentions_kept: usize,
    /// Input lines (sentences).
    pub lines: usize,
    /// Input lines that are a line of headline or body, as many times as sent.
    pub lines_kept: usize,
    /// Whether the article has no body although the story had more than one line.
    pub empty_body: bool,
}

/// Scores `article` against `doc` and its text `input`. A mention string the
/// input holds `n` times and the output `m < n` times counts `m/n` of its
/// gold mentions as kept (substring counts on both sides, so a name inside a
/// longer one does not inflate either).
pub fn kept(doc: &ConllStory, input: &str, article: &Article) -> Kept {
    let headline = article.headline().unwrap_or_default();
    let body = article.body_text().unwrap_or_default();
    let output = format!("{headline}\n{body}");
    let mut distinct: Vec<&str> = doc.mentions.iter().map(|m| m.text.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut mentions_kept = 0;
    for mention in distinct {
        let gold = doc.mentions.iter().filter(|m| m.text == mention).count();
        let (sent, left) = (input.matches(mention).count(), output.matches(mention).count());
        mentions_kept += if left >= sent { gold } else { gold * left / sent.max(1) };
    }
    let mut out_lines: Vec<&str> = output.lines().filter(|l| !l.is_empty()).collect();
    let mut lines_kept = 0;
    for line in input.lines() {
        if let Some(at) = out_lines.iter().position(|l| *l == line) {
            out_lines.swap_remove(at);
            lines_kept += 1;
        }
    }
    let lines = input.lines().count();
    Kept { mentions: doc.mentions.len(), mentions_kept, lines, lines_kept, empty_body: lines > 1 && body.is_empty() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_devtools::conll::Mention;
    use newswire_shared::article::Text;

    fn doc() -> ConllStory {
        let per = |text: &str| Mention { kind: "PER".into(), text: text.into() };
        ConllStory { number: 1, headline: "Simmons stars".into(), body: "Phil Simmons took four".into(), mentions: vec![per("Simmons"), per("Phil Simmons")] }
    }

    #[test]
    fn a_story_kept_whole_keeps_every_mention_and_line() {
        let input = wire_text(&doc());
        assert_eq!(input, "Simmons stars\nPhil Simmons took four");
        let mut a = Article::default();
        a.headlines.push(Text::plain("main", "Simmons stars"));
        a.bodies.push(Text::plain("main", "Phil Simmons took four"));
        assert_eq!(kept(&doc(), &input, &a), Kept { mentions: 2, mentions_kept: 2, lines: 2, lines_kept: 2, empty_body: false });
    }

    #[test]
    fn a_lost_body_loses_its_lines_and_the_mentions_only_it_held() {
        let input = wire_text(&doc());
        let mut a = Article::default();
        a.headlines.push(Text::plain("main", "Simmons stars"));
        let k = kept(&doc(), &input, &a);
        assert_eq!((k.mentions_kept, k.lines_kept, k.empty_body), (0, 1, true), "Simmons: 1 of 2 left rounds down; Phil Simmons lost");
    }
}
