//! Text that was UTF-8, read once as Latin-1 and written out again as UTF-8
//! ("Investorâ\u{80}\u{99}s" for "Investor’s"), put back.

/// `text` decoded again when it is double-encoded UTF-8, else `None`.
///
/// Only text with a C1 control character (U+0080–U+009F) is suspect: no
/// real text has one, but every double-encoded quote, dash or accent does.
/// It is repaired only when all of it fits in Latin-1 and those bytes are
/// valid UTF-8, so text that merely has an accent ("café") is never touched.
pub fn repaired(text: &str) -> Option<String> {
    if !text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return None;
    }
    let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect::<Option<_>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_double_encoded_apostrophe_and_accent_are_put_back() {
        assert_eq!(repaired("The chef\u{e2}\u{80}\u{99}s caf\u{c3}\u{a9}").as_deref(), Some("The chef\u{2019}s caf\u{e9}"));
    }

    #[test]
    fn text_that_is_not_double_encoded_is_left_alone() {
        assert_eq!(repaired("The chef’s café"), None, "no C1 character");
        assert_eq!(repaired("caf\u{e9}\u{80}"), None, "Latin-1 bytes that are no UTF-8");
        assert_eq!(repaired("\u{2019}\u{80}"), None, "a character beyond Latin-1");
    }
}
