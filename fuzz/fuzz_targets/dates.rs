//! Fuzzes the date reader: any text gives a UTC time or a DateError, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = newswire_normalize::dates::parse_in_zone(text, chrono_tz::Europe::London);
    }
});
