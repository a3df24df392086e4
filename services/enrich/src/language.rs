//! Language identification with whatlang, reported as a BCP 47 tag.

/// The language of `text` as a BCP 47 tag (`en`, `fr`, …), when whatlang is confident.
pub fn detect(text: &str) -> Option<String> {
    let info = whatlang::detect(text)?;
    if !info.is_reliable() {
        return None;
    }
    Some(bcp47(info.lang()).to_owned())
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
