//! Reading a publication status code as a wire editor would: a kill is a kill
//! however it is spelt (the rule is documented in [`crate::problems`]); and
//! reading the word an editorial advisory opens with ("KILL", "Kill this story",
//! "MANDATORY KILL", "ELIMINATION", "WITHDRAWAL", "WITHHOLD"), for formats that
//! announce kills in text (NITF `ed-msg`, ANPA advisories).

use newswire_shared::article::PubStatus;

/// The standard codes, as their last segment is spelt (ninjs, NewsML-G2 `stat:`, NewsCodes URIs).
const STANDARD: &[(&str, PubStatus)] =
    &[("usable", PubStatus::Usable), ("withheld", PubStatus::Withheld), ("canceled", PubStatus::Canceled), ("cancelled", PubStatus::Canceled)];

/// Beginnings of nonstandard words that say what the status is.
const SAYS: &[(&str, PubStatus)] = &[
    ("cancel", PubStatus::Canceled),
    ("kil", PubStatus::Canceled),
    ("withdr", PubStatus::Canceled),
    ("embargo", PubStatus::Withheld),
    ("hold", PubStatus::Withheld),
];

/// Most letters a misspelling may differ from a standard code by.
const MAX_MISSPELLING: usize = 2;

/// How a code was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A standard code.
    Standard(PubStatus),
    /// Not a standard code, but it says which status it means.
    Nonstandard(PubStatus),
    /// No status we know.
    Unknown,
}

/// Reads `code`: its last `:` or `/` segment, without case and without anything but letters.
pub fn read(code: &str) -> Reading {
    let last = code.trim().rsplit([':', '/']).next().unwrap_or_default();
    let word: String = last.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_lowercase()).collect();
    if let Some((_, status)) = STANDARD.iter().find(|(standard, _)| *standard == word && last.eq_ignore_ascii_case(standard)) {
        return Reading::Standard(*status);
    }
    if word.is_empty() {
        return Reading::Unknown;
    }
    if let Some((_, status)) = STANDARD.iter().chain(SAYS).find(|(start, _)| word.starts_with(start)) {
        return Reading::Nonstandard(*status);
    }
    let near: Vec<PubStatus> = STANDARD
        .iter()
        .filter(|(standard, _)| strsim::levenshtein(standard, &word) <= MAX_MISSPELLING)
        .map(|(_, status)| *status)
        .collect();
    match near.first() {
        Some(first) if near.iter().all(|s| s == first) => Reading::Nonstandard(*first),
        _ => Reading::Unknown,
    }
}

/// Words that open an advisory announcing a kill or a withhold (accents left out).
const ADVISORY: &[(&str, PubStatus)] = &[
    ("kill", PubStatus::Canceled),
    ("elimination", PubStatus::Canceled),
    ("eliminacion", PubStatus::Canceled),
    ("withdrawal", PubStatus::Canceled),
    ("withdrawn", PubStatus::Canceled),
    ("withhold", PubStatus::Withheld),
];

/// Words that may stand before the advisory word: "MANDATORY KILL", "URGENT KILL".
const ADVISORY_LEAD: &[&str] = &["mandatory", "urgent", "editors", "advisory"];

/// The status an advisory announces by its opening word (after an optional lead
/// word such as "MANDATORY" and punctuation), with the text after that word;
/// `None` when it opens with no such word ("Kills rise", "Killing of" are not advisories).
pub fn advisory(text: &str) -> Option<(PubStatus, &str)> {
    let mut rest = text.trim_start();
    for _ in 0..3 {
        let end = rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len());
        let word: String = rest[..end].chars().filter_map(|c| unaccent(c.to_lowercase().next()?)).collect();
        let after = &rest[end..];
        if let Some((_, status)) = ADVISORY.iter().find(|(w, _)| *w == word) {
            return Some((*status, after));
        }
        if !ADVISORY_LEAD.contains(&word.as_str()) {
            return None;
        }
        rest = after.trim_start_matches(|c: char| !c.is_alphabetic());
    }
    None
}

/// The letter without its accent, for the few accented letters advisory words use.
fn unaccent(c: char) -> Option<char> {
    Some(match c {
        'á' | 'à' => 'a',
        'é' | 'è' => 'e',
        'í' => 'i',
        'ó' => 'o',
        'ú' => 'u',
        c => c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_codes_in_every_spelling() {
        assert_eq!(read("stat:canceled"), Reading::Standard(PubStatus::Canceled));
        assert_eq!(read("Cancelled"), Reading::Standard(PubStatus::Canceled));
        assert_eq!(read("http://cv.iptc.org/newscodes/pubstatusg2/withheld"), Reading::Standard(PubStatus::Withheld));
        assert_eq!(read(" usable "), Reading::Standard(PubStatus::Usable));
    }

    #[test]
    fn a_kill_is_a_kill_however_it_is_spelt() {
        for kill in ["kill", "KILLED", "stat:kill", "cancellation", "withdrawn", "cancled", "canceld", "cancel-led", "stat:cancelled!"] {
            assert_eq!(read(kill), Reading::Nonstandard(PubStatus::Canceled), "{kill}");
        }
    }

    #[test]
    fn embargoes_holds_and_misspelt_withholds_are_withheld() {
        for held in ["Embargoed", "hold", "witheld", "stat:withheId"] {
            assert_eq!(read(held), Reading::Nonstandard(PubStatus::Withheld), "{held}");
        }
    }

    #[test]
    fn advisories_that_open_with_a_kill_or_withhold_word() {
        for (text, status, rest) in [
            ("KILL", PubStatus::Canceled, ""),
            ("Kill this story", PubStatus::Canceled, " this story"),
            ("MANDATORY KILL: legal", PubStatus::Canceled, ": legal"),
            ("Editors: kill the story", PubStatus::Canceled, " the story"),
            ("ELIMINACIÓN", PubStatus::Canceled, ""),
            ("WITHDRAWAL — see note", PubStatus::Canceled, " — see note"),
            ("WITHHOLD", PubStatus::Withheld, ""),
        ] {
            assert_eq!(advisory(text), Some((status, rest)), "{text}");
        }
        for text in ["Kills rise in city", "Killing of a journalist", "Mandatory evacuation", "", "The kill was announced"] {
            assert_eq!(advisory(text), None, "{text}");
        }
    }

    #[test]
    fn codes_that_name_no_status_are_unknown() {
        for unknown in ["stat:maybe", "draft", "", "42", "pending"] {
            assert_eq!(read(unknown), Reading::Unknown, "{unknown}");
        }
    }
}
