//! Kills and withholds in IPTC 7901 / ANPA-1312 messages, which have no status
//! field: the wires announce them in the slug and in an advisory line.
//!
//! - The header slug (keyword), the structural signal: a slug token that is, or
//!   ends in, `-KILL` (AP's `BC-Harbour-Reopens-KILL`), `-ELIMINATION` (its
//!   Spanish service), `-WITHDRAWAL` or `-WITHHOLD` (any case). Read as the
//!   status without a problem.
//! - The first line of the text, when it opens with such a word in capitals
//!   followed by nothing or by punctuation: "KILL", "MANDATORY KILL — Editors: …",
//!   "WITHDRAWAL: …" ([`pubstatus_code::advisory`]). Read as the status and recorded
//!   `nonstandard` ([`crate::problems`]), since it is free text. A headline that
//!   merely begins with the word ("KILL ORDER ISSUED", "Kills rise") is no advisory.
//!
//! A kill wins over a withhold when both are said.

use newswire_shared::article::{Article, PubStatus};

use crate::formats::pubstatus_code;
use crate::problems::{self, Field, Kind};

/// Sets `article.pubstatus` from the slug tokens of the header and the message text.
pub fn read(slug: &[&str], text: &str, article: &mut Article) {
    let from_slug = slug.iter().filter_map(|token| slug_status(token));
    let from_line = advisory_line(text).inspect(|(status, line)| {
        let detail = format!("text: advisory line {line:?} is not a status field; read as {}", status.as_str());
        problems::note(article, Field::PubStatus, Kind::Nonstandard, detail);
    });
    let found: Vec<PubStatus> = from_slug.chain(from_line.map(|(status, _)| status)).collect();
    if let Some(status) = found.iter().copied().find(|s| *s == PubStatus::Canceled).or(found.first().copied()) {
        article.pubstatus = status;
    }
}

/// The status a slug token announces by its last `-` segment (or itself).
fn slug_status(token: &str) -> Option<PubStatus> {
    let last = token.rsplit('-').next()?;
    pubstatus_code::advisory(last).filter(|(_, rest)| rest.is_empty()).map(|(status, _)| status)
}

/// The status the text's first non-blank line announces, with that line.
fn advisory_line(text: &str) -> Option<(PubStatus, String)> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line.trim_start_matches(['^', '<']);
    let (status, rest) = pubstatus_code::advisory(line)?;
    let opening = &line[..line.len() - rest.len()];
    let in_capitals = !opening.chars().any(char::is_lowercase);
    let stands_alone = rest.trim_start().chars().next().is_none_or(|c| !c.is_alphanumeric());
    (in_capitals && stands_alone).then(|| (status, line.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(slug: &[&str], text: &str) -> (PubStatus, usize) {
        let mut article = Article::default();
        read(slug, text, &mut article);
        (article.pubstatus, article.newswire.problems.len())
    }

    #[test]
    fn a_kill_or_withhold_slug_is_read_without_a_problem() {
        assert_eq!(status_of(&["BC-Harbour-Reopens-KILL"], "The story."), (PubStatus::Canceled, 0));
        assert_eq!(status_of(&["BC-Puerto-ELIMINATION"], "La historia."), (PubStatus::Canceled, 0));
        assert_eq!(status_of(&["BC-Harbour", "Kill"], "The story."), (PubStatus::Canceled, 0));
        assert_eq!(status_of(&["BC-Harbour-Withhold"], "The story."), (PubStatus::Withheld, 0));
    }

    #[test]
    fn an_advisory_line_in_capitals_is_a_kill_and_is_recorded() {
        assert_eq!(status_of(&["BC-Harbour"], "KILL\n\nEditors: kill the story slugged BC-Harbour."), (PubStatus::Canceled, 1));
        assert_eq!(status_of(&["BC-Harbour"], "  MANDATORY KILL — Editors: kill the story."), (PubStatus::Canceled, 1));
        assert_eq!(status_of(&["BC-Harbour"], "^WITHDRAWAL: the story is withdrawn<"), (PubStatus::Canceled, 1));
    }

    #[test]
    fn headlines_and_slugs_that_only_contain_the_word_are_not_kills() {
        for (slug, text) in [
            (&["BC-Kill-Switch-Law"][..], "The story."),
            (&["BC-Skills"][..], "The story."),
            (&["BC-Harbour"][..], "KILL ORDER ISSUED FOR ROGUE WHALE\n\nThe story."),
            (&["BC-Harbour"][..], "Kill this story"),
            (&["BC-Harbour"][..], "Kills rise in the capital."),
        ] {
            assert_eq!(status_of(slug, text), (PubStatus::Usable, 0), "{slug:?} {text:?}");
        }
    }

    #[test]
    fn a_kill_wins_over_a_withhold() {
        assert_eq!(status_of(&["BC-Harbour-WITHHOLD"], "KILL"), (PubStatus::Canceled, 1));
    }
}
