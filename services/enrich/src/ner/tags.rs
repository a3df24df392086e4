//! The BIO tag set (O, B-X, I-X for CoNLL's four types) and chunking tags into spans.

use super::EntityKind;

/// How many tags there are: O plus B-/I- for each of the four kinds.
pub const TAGS: usize = 9;

const KINDS: [EntityKind; 4] = [EntityKind::Person, EntityKind::Organisation, EntityKind::Location, EntityKind::Misc];

/// One token's tag: 0 is O, `1 + 2k` is B-kind k, `2 + 2k` is I-kind k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(u8);

impl Tag {
    /// Outside any entity.
    pub const O: Tag = Tag(0);

    /// The tag with index `i` (< [`TAGS`]).
    pub fn from_index(i: usize) -> Tag {
        debug_assert!(i < TAGS);
        Tag(i as u8)
    }

    /// Every tag, in index order.
    pub fn all() -> impl Iterator<Item = Tag> {
        (0..TAGS).map(Tag::from_index)
    }

    /// Its index in `0..TAGS`.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Begins an entity of `kind`.
    pub fn begin(kind: EntityKind) -> Tag {
        Tag(1 + 2 * kind_index(kind))
    }

    /// Continues an entity of `kind`.
    pub fn inside(kind: EntityKind) -> Tag {
        Tag(2 + 2 * kind_index(kind))
    }

    /// The kind of entity it is part of, if any.
    pub fn kind(self) -> Option<EntityKind> {
        (self.0 > 0).then(|| KINDS[usize::from((self.0 - 1) / 2)])
    }

    /// Whether it is an I- tag.
    pub fn is_inside(self) -> bool {
        self.0 > 0 && self.0 & 1 == 0
    }

    /// Whether it is a B- tag.
    pub fn is_begin(self) -> bool {
        self.0 % 2 == 1
    }

    /// Parses `O`, `B-PER`, `I-LOC`, … (CoNLL's notation).
    pub fn parse(s: &str) -> Option<Tag> {
        if s == "O" {
            return Some(Tag::O);
        }
        let (prefix, kind) = s.split_once('-')?;
        let kind = kind_from_conll(kind)?;
        match prefix {
            "B" => Some(Tag::begin(kind)),
            "I" => Some(Tag::inside(kind)),
            _ => None,
        }
    }

    /// Whether a well-formed BIO sequence may have `cur` right after `prev`
    /// (`None` = sentence start): an I-X only continues an X.
    pub fn may_follow(prev: Option<Tag>, cur: Tag) -> bool {
        if !cur.is_inside() {
            return true;
        }
        prev.is_some_and(|p| p.kind() == cur.kind())
    }
}

fn kind_index(kind: EntityKind) -> u8 {
    match kind {
        EntityKind::Person => 0,
        EntityKind::Organisation => 1,
        EntityKind::Location => 2,
        EntityKind::Misc => 3,
    }
}

/// CoNLL's name for a kind: PER, ORG, LOC, MISC.
pub fn conll_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "PER",
        EntityKind::Organisation => "ORG",
        EntityKind::Location => "LOC",
        EntityKind::Misc => "MISC",
    }
}

/// The kind CoNLL's name stands for.
pub fn kind_from_conll(name: &str) -> Option<EntityKind> {
    KINDS.into_iter().find(|k| conll_name(*k) == name)
}

/// The four kinds in CoNLL's order.
pub fn kinds() -> [EntityKind; 4] {
    KINDS
}

/// An entity over tokens `start..end` of a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Its kind.
    pub kind: EntityKind,
}

/// The entities a tag sequence marks, chunked as conlleval does: a chunk starts at
/// a B-X, or at an I-X not continuing an X; so IOB1 and BIO2 both read right.
pub fn spans(tags: &[Tag]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<(usize, EntityKind)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let continues = tag.is_inside() && open.is_some_and(|(_, k)| Some(k) == tag.kind());
        if continues {
            continue;
        }
        if let Some((start, kind)) = open.take() {
            out.push(Span { start, end: i, kind });
        }
        open = tag.kind().map(|k| (i, k));
    }
    if let Some((start, kind)) = open {
        out.push(Span { start, end: tags.len(), kind });
    }
    out
}

/// The same entities as `tags` in BIO2 (every entity opens with B-).
pub fn to_bio2(tags: &[Tag]) -> Vec<Tag> {
    let mut out = vec![Tag::O; tags.len()];
    for span in spans(tags) {
        out[span.start] = Tag::begin(span.kind);
        for t in &mut out[span.start + 1..span.end] {
            *t = Tag::inside(span.kind);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &str) -> Vec<Tag> {
        s.split_whitespace().filter_map(Tag::parse).collect()
    }

    #[test]
    fn tags_round_trip_through_conll_names() {
        for tag in Tag::all() {
            let name = match tag.kind() {
                None => "O".to_string(),
                Some(k) => format!("{}-{}", if tag.is_begin() { "B" } else { "I" }, conll_name(k)),
            };
            assert_eq!(Tag::parse(&name), Some(tag), "{name}");
        }
        assert_eq!(Tag::parse("X-PER"), None);
        assert_eq!(Tag::parse("B-FOO"), None);
    }

    #[test]
    fn spans_chunk_bio2_and_iob1_alike() {
        let bio2 = spans(&tags("B-PER I-PER O B-LOC B-LOC I-LOC"));
        let iob1 = spans(&tags("I-PER I-PER O I-LOC B-LOC I-LOC"));
        assert_eq!(bio2, iob1);
        assert_eq!(bio2.len(), 3);
        assert_eq!((bio2[0].start, bio2[0].end, bio2[0].kind), (0, 2, EntityKind::Person));
        assert_eq!((bio2[2].start, bio2[2].end), (4, 6));
    }

    #[test]
    fn a_type_change_inside_ends_the_chunk() {
        let s = spans(&tags("B-ORG I-LOC"));
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].kind, EntityKind::Location);
    }

    #[test]
    fn inside_tags_only_continue_their_own_kind() {
        let i_per = Tag::inside(EntityKind::Person);
        assert!(!Tag::may_follow(None, i_per));
        assert!(!Tag::may_follow(Some(Tag::O), i_per));
        assert!(!Tag::may_follow(Some(Tag::begin(EntityKind::Location)), i_per));
        assert!(Tag::may_follow(Some(Tag::begin(EntityKind::Person)), i_per));
        assert!(Tag::may_follow(Some(i_per), i_per));
        assert!(Tag::may_follow(None, Tag::begin(EntityKind::Misc)));
    }

    #[test]
    fn to_bio2_opens_every_entity_with_begin() {
        assert_eq!(to_bio2(&tags("I-PER I-PER O I-LOC")), tags("B-PER I-PER O B-LOC"));
    }
}
