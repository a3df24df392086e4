//! Fuzzes the date reader: any text gives a UTC time or a DateError, never a
//! panic. The first byte picks the feed zone (zones with odd offsets and DST
//! rules), the rest is the text. A time that is read lies in the plausible
//! years, and reading its RFC 3339 form back gives the same instant.
#![no_main]
use newswire_normalize::dates::parse_in_zone;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let zone = newswire_fuzz::ZONES[pick as usize % newswire_fuzz::ZONES.len()];
    if let Ok(t) = parse_in_zone(text, zone) {
        newswire_fuzz::check_time("parsed", &t);
        let again = parse_in_zone(&t.to_rfc3339(), zone).expect("an RFC 3339 time it produced reads back");
        assert_eq!(again, t, "{text:?} in {zone}");
    }
});
