//! Courtesy titles that precede names and are not part of them.

/// Honorifics as written before a name (matched case-sensitively, with or without a full stop).
pub const HONORIFICS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Sir", "Dame", "Lord", "Lady", "Prof", "Professor", "Rev", "Revd", "Baroness", "Baron",
    "Madam", "Mme", "Mlle", "Herr", "Frau", "Señor", "Sr", "Sra",
];

/// Whether `word` (possibly ending in a full stop) is an honorific.
pub fn is_honorific(word: &str) -> bool {
    // Every honorific starts with one of these letters.
    if !matches!(word.as_bytes().first(), Some(b'M' | b'D' | b'S' | b'L' | b'P' | b'R' | b'B' | b'H' | b'F')) {
        return false;
    }
    HONORIFICS.contains(&word.trim_end_matches('.'))
}

/// `name` without leading honorifics, and whether there were any:
/// `"Ms Truss"` → `("Truss", true)`.
pub fn strip(name: &str) -> (&str, bool) {
    let mut rest = name.trim();
    let mut found = false;
    while let Some((first, tail)) = rest.split_once(char::is_whitespace) {
        if !is_honorific(first) {
            break;
        }
        rest = tail.trim_start();
        found = true;
    }
    (rest, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_honorific_starts_with_a_letter_the_quick_test_lets_through() {
        assert!(HONORIFICS.iter().all(|h| is_honorific(h) && is_honorific(&format!("{h}."))));
        assert!(!is_honorific("Truss") && !is_honorific("mr"));
    }

    #[test]
    fn honorifics_are_stripped_from_names_and_reported() {
        assert_eq!(strip("Ms Truss"), ("Truss", true));
        assert_eq!(strip("Mr. Sergei Lavrov"), ("Sergei Lavrov", true));
        assert_eq!(strip("Sir Keir Starmer"), ("Keir Starmer", true));
        assert_eq!(strip("Liz Truss"), ("Liz Truss", false));
        assert_eq!(strip("Dr"), ("Dr", false));
    }
}
