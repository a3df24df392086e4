//! Plain text as lines, and the lines that belong together.
//!
//! A story sent as plain text carries its structure in line breaks: agencies
//! send one sentence a line, and results tables, scoreboards, market tables
//! and lists of names one row a line. The rule (general, for every text):
//!
//! - a blank line always ends a paragraph;
//! - a line that ends a sentence ([`ends_a_sentence`]) is a paragraph of its own;
//! - adjacent lines that do not end a sentence (rows, list items, a sub-heading
//!   over its rows) are one block, kept as one paragraph whose lines are
//!   separated by `\n` — shown as `<br>` in the HTML body
//!   ([`crate::text::paragraphs_to_html`]).
//!
//! So a table keeps its rows together and in order, and a story of one
//! sentence a line keeps one paragraph a sentence. Runs of spaces inside a row
//! are collapsed like all text ([`crate::text::clean`]): column alignment is
//! not kept, the cells and their order are.

use crate::text::clean;

/// The non-empty lines of a text, cleaned, and where blank lines were.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceLines {
    /// Each non-empty line, cleaned with [`clean`].
    pub lines: Vec<String>,
    /// Whether a blank line came before each line (the first line: `false`).
    pub blank_before: Vec<bool>,
}

impl SourceLines {
    /// Splits `text` into cleaned non-empty lines.
    pub fn of(text: &str) -> Self {
        let mut out = SourceLines::default();
        let mut blank = false;
        for raw in text.lines() {
            let line = clean(raw);
            if line.is_empty() {
                blank = !out.lines.is_empty();
                continue;
            }
            out.lines.push(line);
            out.blank_before.push(blank);
            blank = false;
        }
        out
    }

    /// Groups the lines at `kept` (ascending indices into [`Self::lines`]) into
    /// paragraphs by the rule in the module doc. Lines are adjacent only when
    /// nothing was left out between them.
    pub fn paragraphs(&self, kept: &[usize]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut previous: Option<usize> = None;
        for &i in kept {
            let line = &self.lines[i];
            let joins =
                previous.is_some_and(|p| p + 1 == i && !self.blank_before[i] && !ends_a_sentence(&self.lines[p]) && !ends_a_sentence(line));
            match out.last_mut() {
                Some(block) if joins => {
                    block.push('\n');
                    block.push_str(line);
                }
                _ => out.push(line.clone()),
            }
            previous = Some(i);
        }
        out
    }
}

/// A line whose last word ends a sentence: `.`, `!`, `?`, `…`, `:` or `;`,
/// possibly inside closing quotes or brackets (`… he said.”`, `(… 4-38).`).
/// A row ending in a bracket (`Jane Doe (GBR)`) or a number does not.
pub fn ends_a_sentence(line: &str) -> bool {
    line.trim_end_matches(['"', '”', '’', '\'', ')', ']', '»']).ends_with(['.', '!', '?', '…', ':', ';'])
}

/// Most words a table row or list item has.
const ROW_MAX_WORDS: usize = 16;

/// A line that is a row of a table or an item of a list, not prose: short,
/// not a sentence, and either numbers for a quarter or more of its words (two
/// at least: `1. Jane Doe (GBR) 2:03.45`, `Plymouth 2 Preston 1`, `Dollar
/// 1.5135 1.5140`), or three words or more ending in a number (`M. Waugh c and
/// b Jayasuriya 50`), or starting with a list marker (`- `, `* `, `• `, `1. `,
/// `2) `). A caption with a date in it (`… on Aug. 31, 2019. (AP)`) is not one.
pub fn is_table_row(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() > ROW_MAX_WORDS || ends_a_sentence(line) {
        return false;
    }
    let numbers = words.iter().filter(|w| is_number(w)).count();
    let numeric = numbers >= 2 && numbers * 4 >= words.len();
    let ends_in_number = words.len() >= 3 && words.last().is_some_and(|w| is_number(w));
    numeric || ends_in_number || starts_with_list_marker(&words)
}

/// A word that is a number, a score, a time or a change: `5040`, `2:03.45`,
/// `+0.4%`, `7,512.3`, `1-21`, `(0)69`, `14h`.
fn is_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '(')) && word.contains(|c: char| c.is_ascii_digit())
}

/// `- item`, `* item`, `• item`, `1. item`, `12) item`, with words after the marker.
fn starts_with_list_marker(words: &[&str]) -> bool {
    let Some((first, rest)) = words.split_first() else { return false };
    let bullet = matches!(*first, "-" | "*" | "•" | "–" | "·");
    let number = first.len() > 1 && first.ends_with(['.', ')']) && first[..first.len() - 1].chars().all(|c| c.is_ascii_digit());
    (bullet || number) && !rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(source: &SourceLines) -> Vec<String> {
        source.paragraphs(&(0..source.lines.len()).collect::<Vec<_>>())
    }

    #[test]
    fn one_sentence_a_line_gives_one_paragraph_a_sentence() {
        let source = SourceLines::of("The harbour reopened on Monday.\nShips came back within hours.\n“It is over,” he said.”");
        assert_eq!(all(&source), ["The harbour reopened on Monday.", "Ships came back within hours.", "“It is over,” he said.”"]);
    }

    #[test]
    fn adjacent_rows_stay_one_block_in_order_and_a_blank_line_ends_it() {
        let text = "Results on Friday:\nDivision two\nPlymouth 2 Preston 1\nSwansea 1 Lincoln 2\n\nDivision three\nBury 0 Hull 0";
        let source = SourceLines::of(text);
        assert_eq!(
            all(&source),
            ["Results on Friday:", "Division two\nPlymouth 2 Preston 1\nSwansea 1 Lincoln 2", "Division three\nBury 0 Hull 0"]
        );
    }

    #[test]
    fn lines_with_a_left_out_line_between_them_are_not_joined() {
        let source = SourceLines::of("Jane Doe\nAdvertisement\nJohn Roe");
        assert_eq!(source.paragraphs(&[0, 2]), ["Jane Doe", "John Roe"]);
    }

    #[test]
    fn a_sub_heading_over_a_sentence_is_its_own_paragraph() {
        let source = SourceLines::of("Repairs\nEngineers will inspect the sea wall.");
        assert_eq!(all(&source), ["Repairs", "Engineers will inspect the sea wall."]);
    }

    #[test]
    fn rows_of_results_scores_markets_and_lists_are_table_rows_and_prose_is_not() {
        for row in [
            "1. Jane Doe (GBR) 2:03.45",
            "Plymouth 2 Preston 1",
            "Dollar 1.5135 1.5140",
            "FTSE 100 7,512.3 +0.4%",
            "- Jane Doe",
            "12) John Roe",
            "M. Waugh c and b Jayasuriya 50",
        ] {
            assert!(is_table_row(row), "{row}");
        }
        for line in [
            "The harbour reopened on Monday after 3 days and 2 nights.",
            "Home",
            "Top 10 stories",
            "Jane Doe",
            "A ship leaves the port on Aug. 31, 2019. (AP)",
        ] {
            assert!(!is_table_row(line), "{line}");
        }
    }

    #[test]
    fn sentence_ends_are_seen_through_closing_quotes_and_brackets_but_a_bracketed_row_is_not_one() {
        assert!(ends_a_sentence("He said: “No.”"));
        assert!(ends_a_sentence("Somerset 83 (P. Simmons 4-38)."));
        assert!(ends_a_sentence("Results of matches on Friday:"));
        assert!(!ends_a_sentence("1. Jane Doe (GBR)"));
        assert!(!ends_a_sentence("Dollar 1.5135"));
    }
}
