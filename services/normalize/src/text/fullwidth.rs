//! Full-width punctuation and letters (U+FF01–U+FF5E, as East Asian input
//! methods type them) in text that is otherwise not East Asian: "Work？".

/// `text` with its full-width ASCII forms as ASCII, when it has some and no
/// Chinese, Japanese or Korean characters (whose text uses them rightly).
pub fn to_ascii(text: &str) -> Option<String> {
    if !text.chars().any(is_fullwidth_ascii) || text.chars().any(is_east_asian) {
        return None;
    }
    let ascii = |c: char| if is_fullwidth_ascii(c) { char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c) } else { c };
    Some(text.chars().map(ascii).collect())
}

fn is_fullwidth_ascii(c: char) -> bool {
    ('\u{ff01}'..='\u{ff5e}').contains(&c)
}

/// CJK ideographs and punctuation, kana, Hangul.
fn is_east_asian(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{11ff}' | '\u{3000}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_punctuation_in_an_english_line_becomes_ascii() {
        assert_eq!(to_ascii("Does the ferry run on Sunday？（Yes）").as_deref(), Some("Does the ferry run on Sunday?(Yes)"));
    }

    #[test]
    fn east_asian_text_keeps_its_full_width_punctuation() {
        assert_eq!(to_ascii("東京で大雨？"), None);
        assert_eq!(to_ascii("Plain ASCII?"), None);
    }
}
