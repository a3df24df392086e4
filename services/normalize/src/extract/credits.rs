//! The two shapes of a picture credit at the end of a line, matched by hand:
//! `caption (credit)` and `caption Credit: credit`.
//!
//! They were regexes (`^(.{8,400}?)\s*\(([^()]{2,120})\)$` and
//! `(?i)^(.{0,600}?)\s*\b(?:credit|photo|photograph|image|picture|pic)s?\s*:\s*([^:]{2,60})$`).
//! Their bounded repeats of any character make the regex engine's lazy DFA
//! build and throw away states on every line, which profiles showed as a tenth
//! of normalize's CPU. The tests check these functions against those regexes.

/// Labels a credit may follow (`Credit: ESA`, `Photos: Jane Doe`), lower case.
const CREDIT_LABELS: [&str; 6] = ["credit", "photo", "photograph", "image", "picture", "pic"];

/// `line` as `caption (credit)`: the caption (8–400 characters, no line break)
/// and the credit (2–120 characters without parentheses), both trimmed.
pub fn parenthesised(line: &str) -> Option<(&str, &str)> {
    let inner = line.strip_suffix(')')?;
    let open = inner.rfind(['(', ')'])?;
    if inner.as_bytes()[open] != b'(' {
        return None;
    }
    let (before, credit) = (&inner[..open], &inner[open + 1..]);
    if !(2..=120).contains(&credit.chars().count()) {
        return None;
    }
    // The caption is the shortest prefix of at least 8 characters followed by
    // white space only, and holds no line break.
    let (all, trimmed) = (before.chars().count(), before.trim_end().chars().count());
    let shortest = trimmed.max(8);
    if shortest > all.min(400) || before.chars().take(shortest).any(|c| c == '\n') {
        return None;
    }
    Some((before.trim(), credit.trim()))
}

/// `line` as `caption Label: credit` (a label of [`CREDIT_LABELS`], any ASCII
/// case, perhaps plural, standing as a word): the caption (up to 600
/// characters, no line break; empty for a bare credit line) and the credit
/// (2–60 characters after the last colon, leading white space aside), both trimmed.
pub fn labelled(line: &str) -> Option<(&str, &str)> {
    let colon = line.rfind(':')?;
    let (head, after) = (&line[..colon], &line[colon + 1..]);
    // The credit: 2–60 characters once the colon's white space (any amount of it) is taken.
    let (all, spaces) = (after.chars().count(), after.chars().take_while(|c| c.is_whitespace()).count());
    if all < 2 || all.saturating_sub(60) > spaces.min(all - 2) {
        return None;
    }
    let labelled = head.trim_end();
    let caption = labelled[..label_start(labelled)?].trim_end();
    if caption.contains('\n') || caption.chars().count() > 600 {
        return None;
    }
    Some((caption.trim(), after.trim()))
}

/// Where a credit label (perhaps plural) that stands as a word ends `text`, in any ASCII case.
fn label_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    CREDIT_LABELS.iter().flat_map(|label| [(label, false), (label, true)]).find_map(|(label, plural)| {
        let start = bytes.len().checked_sub(label.len() + usize::from(plural))?;
        let word = &bytes[start..];
        let stem_matches = word[..label.len()].eq_ignore_ascii_case(label.as_bytes());
        let plural_matches = !plural || word[label.len()].eq_ignore_ascii_case(&b's');
        let stands_alone = start == 0 || !is_ascii_word(bytes[start - 1]);
        (stem_matches && plural_matches && stands_alone).then_some(start)
    })
}

/// Whether `b` is an ASCII word byte (letter, digit or underscore).
fn is_ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn paren_regex() -> Regex {
        Regex::new(r"^(.{8,400}?)\s*\(([^()]{2,120})\)$").unwrap()
    }

    fn labelled_regex() -> Regex {
        Regex::new(r"(?i)^(.{0,600}?)\s*(?-u:\b)(?:credit|photo|photograph|image|picture|pic)s?\s*:\s*([^:]{2,60})$").unwrap()
    }

    fn by_regex<'a>(re: &Regex, line: &'a str) -> Option<(&'a str, &'a str)> {
        re.captures(line).map(|c| (c.get(1).map_or("", |m| m.as_str()).trim(), c.get(2).map_or("", |m| m.as_str()).trim()))
    }

    #[test]
    fn the_usual_shapes_are_read() {
        assert_eq!(parenthesised("Liz Truss in Moscow (Foreign Ministry via AP)"), Some(("Liz Truss in Moscow", "Foreign Ministry via AP")));
        assert_eq!(labelled("A module for Mars. Credit: ESA"), Some(("A module for Mars.", "ESA")));
        assert_eq!(labelled("PHOTOS : Jane Doe"), Some(("", "Jane Doe")));
        assert_eq!(labelled("Their epic: a saga"), None);
        assert_eq!(parenthesised("Short (PA)"), None, "a caption under 8 characters");
    }

    #[test]
    fn they_agree_with_the_regexes_they_replace() {
        let (paren, label) = (paren_regex(), labelled_regex());
        let pieces = [
            "The talks", " ", "  ", "(", ")", "PA", "via AP", ":", " : ", "Credit", "credits", "Photo", "PHOTOGRAPHS", "pic", "epic",
            "image", "Pictures", "_photo", "é", "“", "”", ".", "\t", "\n", "x", "Liz Truss in Moscow", "Jane Doe", "a",
        ];
        let mut seed = 5u64;
        let mut checked = 0;
        for round in 0..60_000 {
            let mut line = String::new();
            for _ in 0..(2 + round % 14) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            assert_eq!(parenthesised(&line), by_regex(&paren, &line), "{line:?}");
            assert_eq!(labelled(&line), by_regex(&label, &line), "{line:?}");
            checked += usize::from(by_regex(&paren, &line).is_some()) + usize::from(by_regex(&label, &line).is_some());
        }
        assert!(checked > 1000, "the random lines match too rarely to test anything: {checked}");
        let long = format!("{} (PA)", "w".repeat(401));
        assert_eq!(parenthesised(&long), by_regex(&paren, &long));
        let long = format!("{} Credit: PA", "w".repeat(601));
        assert_eq!(labelled(&long), by_regex(&label, &long));
        let long_credit = format!("Photo: {}", "w".repeat(61));
        assert_eq!(labelled(&long_credit), by_regex(&label, &long_credit));
    }
}
