//! Language identification with whatlang, reported as a BCP 47 tag.
//!
//! English, most of what a newswire carries, is recognised first by a cheaper
//! test: at least a fifth of the first 200 words are English function words
//! (which other languages do not share). Everything else goes to whatlang,
//! whose cost is mostly fixed per call (it scores every language it knows).

/// How much of a text is looked at: the headline and lede decide the language
/// as well as the whole story does, at a fraction of the cost.
pub const SAMPLE_BYTES: usize = 300;

/// The language of `text` (its first [`SAMPLE_BYTES`]) as a BCP 47 tag (`en`,
/// `fr`, …), when whatlang is confident.
pub fn detect(text: &str) -> Option<String> {
    if looks_english(text) {
        return Some("en".to_owned());
    }
    whatlang_tag(text)
}

/// whatlang's verdict on the first [`SAMPLE_BYTES`] of `text`, if it is confident.
fn whatlang_tag(text: &str) -> Option<String> {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = whatlang::detect(&text[..end])?;
    if !info.is_reliable() {
        return None;
    }
    Some(bcp47(info.lang()).to_owned())
}

/// [`detect`] of the headline and the body joined by a space, without copying
/// more of the body than the test needs.
pub fn detect_parts(headline: &str, body: &str) -> Option<String> {
    if looks_english_parts(&[headline, body]) {
        return Some("en".to_owned());
    }
    let mut text = String::with_capacity(headline.len() + 1 + SAMPLE_BYTES + 4);
    text.push_str(headline);
    text.push(' ');
    let mut end = body.len().min(SAMPLE_BYTES);
    while !body.is_char_boundary(end) {
        end += 1;
    }
    text.push_str(&body[..end]);
    whatlang_tag(&text)
}

/// Whether BCP 47 `tag` is English (`en`, `en-GB`, any case).
pub fn is_english(tag: &str) -> bool {
    let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
    primary.eq_ignore_ascii_case("en") || primary.eq_ignore_ascii_case("eng")
}

/// How many words [`looks_english`] looks at.
const ENGLISH_SAMPLE_WORDS: usize = 200;

/// Function words frequent in English text and rare as words in other languages.
const ENGLISH_FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "is", "was", "that", "for", "with", "on", "said", "his", "her", "it", "by", "at", "from", "which", "have",
    "has", "had", "be", "were", "are", "this", "not", "but", "they", "their", "would", "will", "been", "who", "she", "he", "its",
];

/// Whether at least a fifth of the first 200 words (of at least 20) are English function words.
fn looks_english(text: &str) -> bool {
    looks_english_parts(&[text])
}

/// [`looks_english`] of `parts` joined by spaces.
fn looks_english_parts(parts: &[&str]) -> bool {
    let (mut total, mut english) = (0usize, 0usize);
    'parts: for part in parts {
        let bytes = part.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            // The next run of letters (ASCII ones tested byte by byte).
            let letter_at = |i: usize| -> (bool, usize) {
                let b = bytes[i];
                if b.is_ascii() {
                    (b.is_ascii_alphabetic(), 1)
                } else {
                    let c = part[i..].chars().next().unwrap_or(' ');
                    (c.is_alphabetic(), c.len_utf8())
                }
            };
            let (letter, width) = letter_at(at);
            if !letter {
                at += width;
                continue;
            }
            let start = at;
            at += width;
            while at < bytes.len() {
                let (letter, width) = letter_at(at);
                if !letter {
                    break;
                }
                at += width;
            }
            total += 1;
            if at - start <= 5 && is_function_word(&part[start..at]) {
                english += 1;
            }
            if total == ENGLISH_SAMPLE_WORDS {
                break 'parts;
            }
        }
    }
    total >= 20 && english * 5 >= total
}

/// Whether `word` (at most 5 bytes) is one of [`ENGLISH_FUNCTION_WORDS`], in any ASCII case.
fn is_function_word(word: &str) -> bool {
    static PACKED: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let packed = PACKED.get_or_init(|| {
        let mut all: Vec<u64> = ENGLISH_FUNCTION_WORDS.iter().filter_map(|w| pack(w)).collect();
        all.sort_unstable();
        all
    });
    pack(word).is_some_and(|w| packed.binary_search(&w).is_ok())
}

/// A word of at most 7 bytes as a number, ASCII letters in lower case (`None` for longer words).
fn pack(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    if bytes.len() > 7 {
        return None;
    }
    Some(bytes.iter().fold(bytes.len() as u64, |n, b| n << 8 | u64::from(b.to_ascii_lowercase())))
}

/// ISO 639-3 codes from whatlang mapped to the shortest BCP 47 tag.
fn bcp47(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Eng => "en",
        Fra => "fr",
        Deu => "de",
        Spa => "es",
        Ita => "it",
        Por => "pt",
        Nld => "nl",
        Rus => "ru",
        Ukr => "uk",
        Pol => "pl",
        Swe => "sv",
        Dan => "da",
        Nob => "nb",
        Fin => "fi",
        Tur => "tr",
        Ara => "ar",
        Heb => "he",
        Hin => "hi",
        Jpn => "ja",
        Kor => "ko",
        Cmn => "zh",
        Ell => "el",
        Ces => "cs",
        Hun => "hu",
        Ron => "ro",
        other => other.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_french_and_german_stories_are_told_apart() {
        let en = "The Foreign Secretary said the talks in Moscow were difficult but necessary, and that she had been clear with her counterpart about the costs of an invasion of Ukraine.";
        let fr = "La ministre des Affaires étrangères a déclaré que les discussions à Moscou avaient été difficiles mais nécessaires, et qu'elle avait été claire avec son homologue sur le coût d'une invasion.";
        let de = "Die Außenministerin sagte, die Gespräche in Moskau seien schwierig, aber notwendig gewesen, und sie habe ihrem Amtskollegen die Kosten einer Invasion der Ukraine deutlich gemacht.";
        assert_eq!(detect(en).as_deref(), Some("en"));
        assert_eq!(detect(fr).as_deref(), Some("fr"));
        assert_eq!(detect(de).as_deref(), Some("de"));
        assert!(!looks_english(fr) && !looks_english(de));
    }

    #[test]
    fn the_english_test_counts_words_as_runs_of_letters() {
        let reference = |text: &str| {
            let words = text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).take(ENGLISH_SAMPLE_WORDS);
            let (mut total, mut english) = (0usize, 0usize);
            for word in words {
                total += 1;
                if word.len() <= 5 && ENGLISH_FUNCTION_WORDS.iter().any(|f| f.eq_ignore_ascii_case(word)) {
                    english += 1;
                }
            }
            total >= 20 && english * 5 >= total
        };
        let pieces = ["the ", "The", "of", "ÉTÉ ", "été", " a", "Moscow", "42", "–", "’s ", "and—the ", "Ünïcödé", "\n", "THE", "x"];
        let mut seed = 7u64;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..60 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            assert_eq!(looks_english(&text), reference(&text), "{text:?}");
        }
    }

    #[test]
    fn english_tags_are_told_from_others() {
        for tag in ["en", "EN-gb", "en_US", " eng "] {
            assert!(is_english(tag), "{tag}");
        }
        for tag in ["de", "fr-CA", "", "enx", "ne"] {
            assert!(!is_english(tag), "{tag}");
        }
    }

    #[test]
    fn detecting_on_headline_and_body_agrees_with_the_joined_text() {
        let body = "The Foreign Secretary said the talks in Moscow were difficult but necessary. ".repeat(40);
        let short = "Die Außenministerin sagte, die Gespräche in Moskau seien schwierig gewesen.";
        for (headline, body) in [("Talks", body.as_str()), ("", short), ("Überschrift", "x"), ("", ""), ("Talks in Moscow", "é")] {
            assert_eq!(detect_parts(headline, body), detect(&format!("{headline} {body}")), "{headline:?}");
        }
    }
}
