//! The project's list of IPTC Media Topics (`data/medtop.tsv`): code, parent,
//! IPTC's English label, and the cue words and phrases the classifier counts.

use rustc_hash::FxHashMap as HashMap;

/// The URI prefix of IPTC Media Topic codes.
pub const MEDTOP_URI: &str = "http://cv.iptc.org/newscodes/mediatopic/";

/// The topic list compiled into the binary.
pub const SHIPPED: &str = include_str!("../../data/medtop.tsv");

/// One Media Topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    /// The eight-digit code, e.g. `11000000`.
    pub code: String,
    /// Index of its broader topic, if it is not top-level.
    pub parent: Option<usize>,
    /// IPTC's English label.
    pub label: String,
    /// Depth: 1 for the 17 top-level topics.
    pub level: u8,
}

impl Topic {
    /// Its complete URI, e.g. `http://cv.iptc.org/newscodes/mediatopic/11000000`.
    pub fn uri(&self) -> String {
        format!("{MEDTOP_URI}{}", self.code)
    }
}

/// One cue word of a phrase: matched exactly, or as a prefix when written with a trailing `*`.
#[derive(Debug, Clone, PartialEq)]
pub struct CueWord {
    /// The lower-case word or prefix.
    pub text: String,
    /// Whether any word starting with `text` matches.
    pub prefix: bool,
}

impl CueWord {
    /// Whether lower-case `word` matches this cue word.
    pub fn matches(&self, word: &str) -> bool {
        if self.prefix {
            word.starts_with(&self.text)
        } else {
            word == self.text
        }
    }
}

/// A cue phrase and the topics it points to.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// Its words.
    pub words: Vec<CueWord>,
    /// The topics (indexes into [`Taxonomy::topics`]) it is a cue for.
    pub topics: Vec<usize>,
}

/// A malformed topic file.
#[derive(Debug, thiserror::Error)]
#[error("medtop line {line}: {problem}")]
pub struct TaxonomyError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub problem: String,
}

/// The topics and cues, indexed for matching.
#[derive(Debug, Default)]
pub struct Taxonomy {
    /// All topics, parents before children.
    pub topics: Vec<Topic>,
    /// All cue phrases.
    pub cues: Vec<Cue>,
    /// Cues (indexes into `cues`) by their exact first word.
    pub by_first_word: HashMap<String, Vec<usize>>,
    /// Cues whose first word is a prefix, by the prefix's first three characters
    /// (or the whole prefix when shorter).
    pub by_first_prefix: HashMap<String, Vec<usize>>,
    /// A bit per hash of the keys of `by_first_word`, then of `by_first_prefix`:
    /// most words start no cue, and two bits say so without a lookup.
    key_bits: Vec<u64>,
    /// A bit per three lower-case ASCII letters that some cue's first word
    /// starts with: a word starting with three others starts no cue.
    starts: Vec<u64>,
}

/// The bit of [`Taxonomy`]'s `starts` for a word, if its first three bytes are
/// lower-case ASCII letters.
fn start_bit(word: &str) -> Option<usize> {
    match word.as_bytes() {
        [a @ b'a'..=b'z', b @ b'a'..=b'z', c @ b'a'..=b'z', ..] => {
            Some(usize::from(a - b'a') * 676 + usize::from(b - b'a') * 26 + usize::from(c - b'a'))
        }
        _ => None,
    }
}

/// Bits in each half of [`Taxonomy`]'s quick test.
const KEY_BITS: usize = 1 << 14;

/// The quick test's bit for a key, in the half `half` (0 for words, 1 for prefixes).
fn key_bit(key: &str, half: usize) -> usize {
    bit_of(fold_bytes(FNV_START, key.as_bytes()), half)
}

const FNV_START: u32 = 0x811c_9dc5;

/// FNV-1a over `bytes`, continuing from `hash`.
fn fold_bytes(hash: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(hash, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// The quick test's bit for a key's [`fold_bytes`] hash, in the half `half`.
fn bit_of(hash: u32, half: usize) -> usize {
    half * KEY_BITS + (hash.wrapping_mul(0x9e37_79b9) >> 18) as usize % KEY_BITS
}

impl Taxonomy {
    /// The topic list shipped with the service.
    pub fn shipped() -> Result<Self, TaxonomyError> {
        Self::parse(SHIPPED)
    }

    /// Reads `code<TAB>parent<TAB>label<TAB>cue|cue…` lines (`#` lines are comments).
    /// A parent must be listed before its children.
    pub fn parse(tsv: &str) -> Result<Self, TaxonomyError> {
        let mut taxonomy = Taxonomy::default();
        let mut by_code: HashMap<String, usize> = HashMap::default();
        let mut cue_index: HashMap<String, usize> = HashMap::default();
        for (i, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let bad = |problem: String| TaxonomyError { line: i + 1, problem };
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < 3 {
                return Err(bad(format!("{} fields, expected 4", fields.len())));
            }
            let code = fields[0].trim();
            if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(format!("code {code:?} is not eight digits")));
            }
            let parent = match fields[1].trim() {
                "" => None,
                p => Some(*by_code.get(p).ok_or_else(|| bad(format!("parent {p:?} is not listed before it")))?),
            };
            let level = parent.map_or(1, |p| taxonomy.topics[p].level + 1);
            let index = taxonomy.topics.len();
            taxonomy.topics.push(Topic { code: code.to_owned(), parent, label: fields[2].trim().to_owned(), level });
            by_code.insert(code.to_owned(), index);
            for cue in fields.get(3).into_iter().flat_map(|c| c.split('|')).map(str::trim).filter(|c| !c.is_empty()) {
                let key = cue.to_lowercase();
                if key.split_whitespace().next().is_some_and(|w| w.ends_with('*') && w.chars().count() < 4) {
                    return Err(bad(format!("prefix cue {cue:?} is shorter than three letters")));
                }
                let cue_at = *cue_index.entry(key.clone()).or_insert_with(|| {
                    let words = key.split_whitespace().map(|w| CueWord { text: w.trim_end_matches('*').to_owned(), prefix: w.ends_with('*') }).collect();
                    taxonomy.cues.push(Cue { words, topics: Vec::new() });
                    taxonomy.cues.len() - 1
                });
                taxonomy.cues[cue_at].topics.push(index);
            }
        }
        for (i, cue) in taxonomy.cues.iter().enumerate() {
            let Some(first) = cue.words.first() else { continue };
            if first.prefix {
                taxonomy.by_first_prefix.entry(prefix_key(&first.text).to_owned()).or_default().push(i);
            } else {
                taxonomy.by_first_word.entry(first.text.clone()).or_default().push(i);
            }
        }
        taxonomy.starts = vec![0; (26 * 26 * 26usize).div_ceil(64)];
        for first in taxonomy.cues.iter().filter_map(|c| c.words.first()) {
            if let Some(bit) = start_bit(&first.text) {
                taxonomy.starts[bit / 64] |= 1 << (bit % 64);
            }
        }
        taxonomy.key_bits = vec![0; 2 * KEY_BITS / 64];
        let bits = taxonomy.by_first_word.keys().map(|k| key_bit(k, 0)).chain(taxonomy.by_first_prefix.keys().map(|k| key_bit(k, 1)));
        for bit in bits.collect::<Vec<_>>() {
            taxonomy.key_bits[bit / 64] |= 1 << (bit % 64);
        }
        Ok(taxonomy)
    }

    /// The cues whose first word may match lower-case `word`: those whose first
    /// word it is, then those whose first word is a prefix with its first three
    /// characters (each still has to be matched).
    pub fn cues_starting<'a>(&'a self, word: &str) -> impl Iterator<Item = usize> + 'a {
        let set = |bit: usize| self.key_bits.get(bit / 64).is_some_and(|bits| bits & (1 << (bit % 64)) != 0);
        // A cue's first word (exact, or a prefix of at least three letters)
        // shares the first three letters of every word it matches.
        if start_bit(word).is_some_and(|bit| self.starts.get(bit / 64).is_none_or(|bits| bits & (1 << (bit % 64)) == 0)) {
            return None.into_iter().chain(None).flatten().copied();
        }
        // One pass over the bytes hashes the prefix key and then the whole word.
        let key = prefix_key(word);
        let prefix_hash = fold_bytes(FNV_START, key.as_bytes());
        let word_hash = fold_bytes(prefix_hash, &word.as_bytes()[key.len()..]);
        let exact = if set(bit_of(word_hash, 0)) { self.by_first_word.get(word) } else { None };
        let prefixed = if set(bit_of(prefix_hash, 1)) { self.by_first_prefix.get(key) } else { None };
        exact.into_iter().chain(prefixed).flatten().copied()
    }

    /// The topic with `code`, if listed.
    pub fn find(&self, code: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.code == code)
    }
}

/// The key a prefix cue is filed under, and a word is looked up by: its first three characters.
pub fn prefix_key(word: &str) -> &str {
    match word.char_indices().nth(3) {
        Some((at, _)) => &word[..at],
        None => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_all_seventeen_top_level_topics_and_second_level_ones() {
        let t = Taxonomy::shipped().unwrap();
        assert_eq!(t.topics.iter().filter(|t| t.level == 1).count(), 17);
        assert!(t.topics.iter().filter(|t| t.level == 2).count() >= 60);
        let diplomacy = t.find("20000639").unwrap();
        assert_eq!(diplomacy.label, "diplomacy");
        let relations = &t.topics[diplomacy.parent.unwrap()];
        assert_eq!((relations.code.as_str(), relations.level), ("20000638", 2));
        assert_eq!(t.find("11000000").unwrap().uri(), "http://cv.iptc.org/newscodes/mediatopic/11000000");
    }

    #[test]
    fn cues_are_indexed_by_first_word_or_prefix() {
        let t = Taxonomy::parse("11000000\t\tpolitics\t\n20000574\t11000000\telection\telect*|polling station|vote\n").unwrap();
        assert_eq!(t.topics[1].parent, Some(0));
        assert!(t.by_first_word.contains_key("polling"));
        assert!(t.by_first_prefix.contains_key("ele"));
        assert!(t.cues[0].words[0].matches("electoral"));
    }

    #[test]
    fn a_child_listed_before_its_parent_is_an_error_naming_the_line() {
        let err = Taxonomy::parse("# c\n20000574\t11000000\telection\tvote\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
