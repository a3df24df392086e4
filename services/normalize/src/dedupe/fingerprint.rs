//! Content fingerprints: an exact hash of the normalized headline and body, and
//! a 64-bit SimHash over word shingles for near-duplicates.

use newswire_shared::article::Article;
use newswire_shared::ids;

/// Words per shingle.
const SHINGLE_WORDS: usize = 2;

/// The largest Hamming distance between two SimHashes that still counts as a
/// near-duplicate.
///
/// Chosen from data: `dedupe::calibration` measures it on the 30 articles of at
/// least 100 words in `../shared/extraction-dev` (run it with `--nocapture`).
/// With 2-word shingles, light re-edits (a new headline, the last paragraph cut,
/// a sentence added, one word in 40 changed) stayed at or below 11 bits, while
/// the closest pair of different articles was 19 bits apart (1st percentile 22,
/// median 31). 3- and 4-word shingles separated worse (edits up to 15–16 bits,
/// unrelated from 20–21), single words much worse (unrelated pairs from 5 bits).
/// 12 keeps every measured edit with a bit to spare and stays well below
/// unrelated stories: for independent 64-bit hashes P(distance ≤ 12) ≈ 2·10⁻⁸,
/// so a week of 100,000 stories gives about one false link per 500 stories
/// checked at worst, and a false link only shares a story id, it never drops.
pub const NEAR_MAX_DISTANCE: u32 = 12;

/// What dedupe compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hex digest of the normalized headline and body: equal means identical content.
    pub exact: String,
    /// SimHash of the word shingles of headline and body.
    pub simhash: u64,
}

/// The fingerprint of an article's main headline and plain-text body.
pub fn fingerprint(article: &Article) -> Fingerprint {
    let headline = Words::of(article.headline().unwrap_or_default());
    let body = Words::of(article.body_text().unwrap_or_default());
    let exact = ids::digest(&[headline.joined.as_bytes(), body.joined.as_bytes()]);
    let all: Vec<&str> = headline.iter().chain(body.iter()).collect();
    Fingerprint { exact, simhash: simhash(&all) }
}

/// A text's words, lower-cased, joined by single spaces, with where each word
/// is (one string instead of one per word). Words are runs of letters and
/// digits, so punctuation, quotes and spacing differences do not make two
/// copies different.
struct Words {
    joined: String,
    spans: Vec<(usize, usize)>,
}

impl Words {
    fn of(text: &str) -> Words {
        let mut joined: Vec<u8> = Vec::with_capacity(text.len());
        let mut spans = Vec::with_capacity(text.len() / 5);
        let mut push = |word: &str| {
            if !joined.is_empty() {
                joined.push(b' ');
            }
            let start = joined.len();
            if word.is_ascii() {
                joined.extend_from_slice(word.as_bytes());
                joined[start..].make_ascii_lowercase();
            } else {
                joined.extend_from_slice(word.to_lowercase().as_bytes());
            }
            spans.push((start, joined.len()));
        };
        if text.is_ascii() {
            // Bytes are characters: the same words, without decoding.
            for word in text.as_bytes().split(|b| !b.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
                push(std::str::from_utf8(word).expect("ASCII is UTF-8"));
            }
        } else {
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).for_each(push);
        }
        Words { joined: String::from_utf8(joined).expect("words cut from a str at character boundaries"), spans }
    }

    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans.iter().map(|&(start, end)| &self.joined[start..end])
    }
}

/// SimHash (Charikar) of the word shingles: each bit is the majority vote of
/// that bit across the shingles' 64-bit hashes (a shingle's hash is that of its
/// words joined by spaces).
pub fn simhash(words: &[&str]) -> u64 {
    let width = SHINGLE_WORDS.min(words.len().max(1));
    let mut ones = BitCounts { lanes: [0; 8], pending: 0, totals: [0; 64], added: 0 };
    for shingle in words.windows(width) {
        ones.add(hash64(shingle));
    }
    ones.majority()
}

/// How many of the hashes added had each of the 64 bits set, counted eight
/// bits at a time in the bytes of a `u64` (eight adds a hash instead of 64).
struct BitCounts {
    /// Byte `k` of lane `j` counts bit `8j + k` since the last flush (at most 255).
    lanes: [u64; 8],
    /// Hashes added since the last flush.
    pending: u32,
    /// Bit `i`'s count up to the last flush.
    totals: [u64; 64],
    /// Hashes added in all.
    added: u64,
}

impl BitCounts {
    fn add(&mut self, hash: u64) {
        for (j, lane) in self.lanes.iter_mut().enumerate() {
            *lane += SPREAD[usize::from((hash >> (8 * j)) as u8)];
        }
        self.added += 1;
        self.pending += 1;
        if self.pending == 255 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (j, lane) in self.lanes.iter_mut().enumerate() {
            for k in 0..8 {
                self.totals[8 * j + k] += *lane >> (8 * k) & 0xFF;
            }
            *lane = 0;
        }
        self.pending = 0;
    }

    /// The bits more than half the hashes had: Charikar's vote, +1 for a one
    /// and −1 for a zero, above zero.
    fn majority(mut self) -> u64 {
        self.flush();
        (0..64).filter(|&bit| 2 * self.totals[bit] > self.added).fold(0, |acc, bit| acc | 1 << bit)
    }
}

/// `SPREAD[b]` has byte `k` set to bit `k` of `b`.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut bit = 0;
        while bit < 8 {
            table[byte] |= ((byte as u64 >> bit) & 1) << (8 * bit);
            bit += 1;
        }
        byte += 1;
    }
    table
};

/// Bits in which two SimHashes differ.
#[inline]
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// A stable 64-bit hash of `words` joined by spaces (FNV-1a, then the SplitMix64
/// finaliser so every bit depends on every input byte); stable across runs,
/// unlike std's hasher.
fn hash64(words: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |byte: u8| {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            add(b' ');
        }
        word.bytes().for_each(&mut add);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Text;

    fn article(headline: &str, body: &str) -> Article {
        Article { headlines: vec![Text::plain("main", headline)], bodies: vec![Text::plain("main", body)], ..Default::default() }
    }

    #[test]
    fn exact_fingerprints_ignore_case_spacing_and_punctuation_only() {
        let a = fingerprint(&article("Harbour reopens", "The port  reopened on Monday."));
        let b = fingerprint(&article("HARBOUR REOPENS", "The port reopened on Monday"));
        let c = fingerprint(&article("Harbour reopens", "The port reopened on Tuesday."));
        assert_eq!(a.exact, b.exact);
        assert_ne!(a.exact, c.exact);
    }

    /// The fingerprint as first written (a string per word and per shingle):
    /// stored fingerprints must stay comparable with new ones.
    fn reference(article: &Article) -> Fingerprint {
        let words = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
        };
        let hash = |text: &str| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for byte in text.bytes() {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            h ^= h >> 30;
            h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
            h ^= h >> 27;
            h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
            h ^ (h >> 31)
        };
        let headline = words(article.headline().unwrap_or_default());
        let body = words(article.body_text().unwrap_or_default());
        let exact = ids::digest(&[headline.join(" ").as_bytes(), body.join(" ").as_bytes()]);
        let all: Vec<&str> = headline.iter().chain(body.iter()).map(String::as_str).collect();
        let mut votes = [0i32; 64];
        for shingle in all.windows(SHINGLE_WORDS.min(all.len().max(1))) {
            let h = hash(&shingle.join(" "));
            for (bit, vote) in votes.iter_mut().enumerate() {
                *vote += if h >> bit & 1 == 1 { 1 } else { -1 };
            }
        }
        let simhash = votes.iter().enumerate().filter(|(_, v)| **v > 0).fold(0u64, |acc, (bit, _)| acc | 1 << bit);
        Fingerprint { exact, simhash }
    }

    #[test]
    fn fingerprints_are_the_same_as_the_first_implementation_made() {
        let pieces = ["The ", "PORT", " reopened", "—", "Ünïcödé ", "ΟΔΟΣ ", "İstanbul", "’s", "42", "  ", "\n", "x", "ﬁne", "Straße ", "-"];
        let mut seed = 11u64;
        let mut text = || {
            let mut out = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                out.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            out
        };
        for _ in 0..2000 {
            let a = article(&text(), &text());
            assert_eq!(fingerprint(&a), reference(&a), "{a:?}");
        }
        assert_eq!(fingerprint(&article("", "")), reference(&article("", "")));
        assert_eq!(fingerprint(&article("One", "")), reference(&article("One", "")));
    }

    #[test]
    fn long_and_ascii_only_texts_fingerprint_as_the_first_implementation_did() {
        // More than 255 shingles (the bit counts' flush), and texts of ASCII
        // only (the bytewise word split), as well as mixed ones.
        let ascii = ["The ", "port", " reopened", " on", "-", "42", "  ", "\n", "Monday.", "x", "(AP)"];
        let mixed = ["Straße ", "ﬁne", "—", "İstanbul", "port ", "’s"];
        let mut seed = 7u64;
        for round in 0..60 {
            let mut body = String::new();
            for _ in 0..(200 + round * 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let pieces: &[&str] = if round % 2 == 0 || !seed.is_multiple_of(50) { &ascii } else { &mixed };
                body.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let a = article("Port reopens", &body);
            assert_eq!(fingerprint(&a), reference(&a), "round {round}");
        }
        // One shingle over and over: every bit it has is counted past 255.
        let a = article("Port reopens", &"port reopens ".repeat(700));
        assert_eq!(fingerprint(&a), reference(&a));
    }

    #[test]
    fn a_light_edit_is_near_and_another_story_is_far() {
        let body = "The port of Dover reopened on Monday after a week of storm repairs. Ferries and freight services resumed at noon and queues on the A20 eased by the evening. The harbour master said the port was open for business and thanked the crews who worked through the weekend. Shipping companies said timetables would return to normal by Wednesday.";
        let original = fingerprint(&article("Dover harbour reopens after storm repairs", body));
        let edited = fingerprint(&article("Dover harbour reopens after storm repairs", &body.replace("by Wednesday", "by Thursday")));
        let other = fingerprint(&article(
            "Council approves new library",
            "The city council approved plans for a new central library on Tuesday. The building will open in 2025 and hold more than 200,000 books, councillors said after a long debate.",
        ));
        assert!(distance(original.simhash, edited.simhash) <= NEAR_MAX_DISTANCE, "{}", distance(original.simhash, edited.simhash));
        assert!(distance(original.simhash, other.simhash) > NEAR_MAX_DISTANCE, "{}", distance(original.simhash, other.simhash));
    }
}
