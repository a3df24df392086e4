//! The subscriber API's cursor: where a subscriber is in its topic, as the next
//! offset to read in each partition, bound to that topic.
//!
//! Written `c1.<topic tag>.<partition>-<offset>.<partition>-<offset>…`: URL-safe,
//! and opaque to subscribers (they send back what they were given). The tag is
//! the first 8 hex characters of the topic name's SHA-256, so a cursor given for
//! one subscription (or before its topic was renamed) is refused by another. A
//! partition the cursor does not name is read from its beginning.

use std::collections::BTreeMap;

/// A position in one subscription topic: partition → the next offset to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    tag: String,
    positions: BTreeMap<i32, i64>,
}

/// Why a cursor was refused (answered 400 with this reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor this API wrote.
    #[error("the cursor {0:?} is not one this API gave out (send back next_cursor or an event id unchanged)")]
    Malformed(String),
    /// A cursor of another subscription.
    #[error("the cursor belongs to another subscription")]
    OtherSubscription,
}

const VERSION: &str = "c1";

/// The tag binding cursors to `topic`.
fn tag(topic: &str) -> String {
    newswire_shared::ids::sha256_hex(topic.as_bytes())[..8].to_owned()
}

impl Cursor {
    /// The start of `topic`: every partition from its beginning.
    pub fn start(topic: &str) -> Self {
        Cursor { tag: tag(topic), positions: BTreeMap::new() }
    }

    /// Reads a cursor given out for `topic`.
    pub fn parse(text: &str, topic: &str) -> Result<Self, CursorError> {
        let malformed = || CursorError::Malformed(text.chars().take(80).collect());
        let mut parts = text.trim().split('.');
        if parts.next() != Some(VERSION) {
            return Err(malformed());
        }
        let given = parts.next().ok_or_else(malformed)?;
        if given.len() != 8 || !given.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(malformed());
        }
        if given != tag(topic) {
            return Err(CursorError::OtherSubscription);
        }
        let mut positions = BTreeMap::new();
        for part in parts {
            let (partition, offset) = part.split_once('-').ok_or_else(malformed)?;
            let partition: i32 = partition.parse().map_err(|_| malformed())?;
            let offset: i64 = offset.parse().map_err(|_| malformed())?;
            if partition < 0 || offset < 0 || positions.insert(partition, offset).is_some() {
                return Err(malformed());
            }
        }
        Ok(Cursor { tag: given.to_owned(), positions })
    }

    /// The next offset to read in `partition`, or `None` for its beginning.
    pub fn position(&self, partition: i32) -> Option<i64> {
        self.positions.get(&partition).copied()
    }

    /// Every partition the cursor names, with its next offset.
    pub fn positions(&self) -> impl Iterator<Item = (i32, i64)> + '_ {
        self.positions.iter().map(|(p, o)| (*p, *o))
    }

    /// Moves past the record at `offset` of `partition`.
    pub fn advance(&mut self, partition: i32, offset: i64) {
        let next = self.positions.entry(partition).or_insert(0);
        *next = (*next).max(offset + 1);
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{VERSION}.{}", self.tag)?;
        for (partition, offset) in &self.positions {
            write!(f, ".{partition}-{offset}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written_and_advances_past_each_record() {
        let mut cursor = Cursor::start("news.sport");
        assert_eq!(cursor.position(0), None, "a partition not named is read from its beginning");
        cursor.advance(2, 41);
        cursor.advance(0, 3);
        cursor.advance(2, 7);
        assert_eq!((cursor.position(0), cursor.position(2)), (Some(4), Some(42)), "never moves back");
        let text = cursor.to_string();
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'), "URL-safe: {text}");
        assert_eq!(Cursor::parse(&text, "news.sport").unwrap(), cursor);
    }

    #[test]
    fn a_cursor_of_another_topic_or_garbage_is_refused_with_a_reason() {
        let text = Cursor::start("news.sport").to_string();
        assert_eq!(Cursor::parse(&text, "news.politics"), Err(CursorError::OtherSubscription));
        for bad in ["", "abc", "c1", "c1.zz", "c2.12345678", &format!("{text}.1"), &format!("{text}.1-x"), &format!("{text}.-1-2"), &format!("{text}.1-2.1-3")] {
            assert!(matches!(Cursor::parse(bad, "news.sport"), Err(CursorError::Malformed(_))), "{bad:?}");
        }
    }
}
