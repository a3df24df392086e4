//! Parts of a page's titles that are no headline, and how a headline is
//! written: labels after a bar, a logo that is a web address, capitals.

/// Whether `text` is one web address ("Example.com", "news.example.org").
pub fn is_web_address(text: &str) -> bool {
    let text = text.trim();
    !text.contains(' ')
        && text.rsplit_once('.').is_some_and(|(name, tld)| !name.is_empty() && (2..=6).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// `title` less the logo (an `<h1>` that is a web address) it starts with,
/// separator or not: "example.com Harbour reopens" → "Harbour reopens".
pub fn without_logo<'a>(title: &'a str, logos: &[&str]) -> &'a str {
    let rest = logos.iter().find_map(|logo| {
        let rest = title.get(logo.len()..)?;
        (title[..logo.len()].eq_ignore_ascii_case(logo) && rest.starts_with(' ')).then(|| rest.trim_start())
    });
    rest.filter(|r| !r.is_empty()).unwrap_or(title)
}

/// The most words a label after a bar has ("Opinion", "Patient Education").
const MAX_LABEL_WORDS: usize = 4;

/// `headline` less the short labels after bars at its end: "Harbour reopens
/// after storm | Opinion | Example Times" → "Harbour reopens after storm". A
/// bar is no headline punctuation; what follows it is a section, a site or
/// search keywords. A longer part after a bar is a second deck and is kept,
/// and so is a headline of one word before the bar.
pub fn without_labels_after_bar(headline: &str) -> String {
    let mut kept = headline.trim();
    while let Some((head, tail)) = kept.rsplit_once(" | ") {
        let words = tail.split_whitespace().count();
        if !(1..=MAX_LABEL_WORDS).contains(&words) || head.split_whitespace().count() < 2 {
            break;
        }
        kept = head.trim_end();
    }
    kept.to_owned()
}

/// Whether `text` is written in capitals: letters, and none in lower case.
pub fn shouts(text: &str) -> bool {
    let letters = || text.chars().filter(|c| c.is_alphabetic());
    letters().count() >= 4 && !letters().any(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_labels_after_a_bar_go_and_a_second_deck_stays() {
        assert_eq!(without_labels_after_bar("Harbour reopens after storm | Opinion | Example Times"), "Harbour reopens after storm");
        assert_eq!(without_labels_after_bar("Ten ferries to try | The best crossings of the northern coast"), "Ten ferries to try | The best crossings of the northern coast", "a second deck stays");
        assert_eq!(without_labels_after_bar("Harbour | Example Times"), "Harbour | Example Times", "a one-word headline keeps its tail");
    }

    #[test]
    fn a_logo_goes_from_the_start_of_a_title_only_when_the_page_shows_it() {
        assert_eq!(without_logo("example.com Harbour reopens", &["example.com"]), "Harbour reopens");
        assert_eq!(without_logo("Example.com buys a ferry line", &[]), "Example.com buys a ferry line");
        assert_eq!(without_logo("example.com", &["example.com"]), "example.com");
        assert!(is_web_address("News.Example.org") && !is_web_address("Example News") && !is_web_address("v2.0"));
    }

    #[test]
    fn capitals_are_text_with_no_lower_case_letter() {
        assert!(shouts("HARBOUR REOPENS, 2026"));
        assert!(!shouts("Harbour REOPENS") && !shouts("UK"));
    }
}
