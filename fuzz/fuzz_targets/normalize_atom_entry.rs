//! Fuzzes normalize's atom-entry parser: any bytes give an article or a StageError, never a panic or hang.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = newswire_normalize::formats::parse("atom-entry", data, None, chrono_tz::Europe::London);
});
