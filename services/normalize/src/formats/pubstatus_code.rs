//! Reading a publication status code as a wire editor would: a kill is a kill
//! however it is spelt (the rule is documented in [`crate::problems`]).

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
    fn codes_that_name_no_status_are_unknown() {
        for unknown in ["stat:maybe", "draft", "", "42", "pending"] {
            assert_eq!(read(unknown), Reading::Unknown, "{unknown}");
        }
    }
}
