//! The dateline wire copy opens with: `LONDON (Reuters) -`, `WASHINGTON (AP) —`.
//! The place is where the story happened; the agency in brackets is its source,
//! not something the story mentions.

use std::ops::Range;

use super::Document;

/// Longest region after the dateline's place (`, Fla.`, `, England`), in bytes.
const MAX_REGION_BYTES: usize = 20;

/// Longest agency name read between the brackets, in bytes.
const MAX_AGENCY_BYTES: usize = 40;

/// Where the agency of the dateline that opens the body is, if it opens with
/// one: a place in capitals, the agency in brackets, then a dash or a colon.
pub fn agency(doc: &Document) -> Option<Range<usize>> {
    let first = doc.paragraphs.first()?.clone();
    let paragraph = &doc.text[first.clone()];
    let open = paragraph.find(" (")?;
    // The place in capitals, perhaps with a short state or country after a
    // comma as AP writes it (`ST. PETERSBURG, Fla.`).
    let (place, region) = paragraph[..open].split_once(',').unwrap_or((&paragraph[..open], ""));
    let place_in_capitals = place.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && place.chars().all(|c| c.is_uppercase() || matches!(c, ' ' | '.' | '\'' | '-'));
    if !place_in_capitals || region.len() > MAX_REGION_BYTES || region.contains(['(', ')']) {
        return None;
    }
    let name_start = open + 2;
    let close = name_start + paragraph[name_start..].find(')')?;
    let name = &paragraph[name_start..close];
    if name.trim().is_empty() || name.len() > MAX_AGENCY_BYTES {
        return None;
    }
    let after = paragraph[close + 1..].trim_start();
    let dash_or_colon = after.starts_with(['-', '\u{2013}', '\u{2014}', ':']);
    dash_or_colon.then(|| first.start + name_start..first.start + close)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency_of(body: &str) -> Option<String> {
        let doc = Document::from_parts("Headline", body);
        agency(&doc).map(|r| doc.text[r].to_owned())
    }

    #[test]
    fn wire_datelines_give_their_agency() {
        assert_eq!(agency_of("LONDON (Newswire) - Officials issued flood warnings.").as_deref(), Some("Newswire"));
        assert_eq!(agency_of("WASHINGTON (AP) \u{2014} The Senate voted.").as_deref(), Some("AP"));
        assert_eq!(agency_of("ST. PETERSBURG, Fla. (Reuters): Rain.").as_deref(), Some("Reuters"));
        assert_eq!(agency_of("Moscow (Reuters) - Rain.").as_deref(), None, "a place not in capitals is not a dateline");
        assert_eq!(agency_of("NEW YORK, N.Y. (Reuters): Rain.").as_deref(), Some("Reuters"));
    }

    #[test]
    fn ordinary_openings_have_none() {
        assert_eq!(agency_of("The Foreign Secretary (Liz Truss) - she said."), None);
        assert_eq!(agency_of("NATO (the alliance) met."), None);
        assert_eq!(agency_of("UK (PA)"), None, "no dash after the brackets");
        assert_eq!(agency_of(""), None);
    }
}
