//! Fuzzes normalize's scraped-text parser through the stage's per-story path
//! (`normalize::normalize`, which calls `formats::parse("scraped-text", …)`): any bytes give
//! an article or a StageError, never a panic or hang, and an article that passes
//! keeps normalize's promises (see `newswire_fuzz::check_normalized`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    newswire_fuzz::normalize_and_check(newswire_shared::story::SourceFormat::ScrapedText, data);
});
