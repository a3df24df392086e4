//! Metadata a source sent that normalize could not use: recorded on the story
//! (`Article.newswire.problems`) instead of losing it. A metadata field is
//! never a reason to lose a story; only a story with neither a headline nor a
//! body is dead-lettered (`no_content`).
//!
//! This is the one place where the `field` and `kind` words are defined. They
//! are metric labels (`newswire_field_problems_total{stage,field,kind}`) and
//! the `newswire-field-problems` header, so both sets are fixed and small; the
//! source element and the value as sent go in the detail, for people.
//!
//! | field | kinds | what the story carries instead |
//! |---|---|---|
//! | `versioncreated`, `firstcreated` | `unreadable`, `placeholder`, `out_of_range`, `nonexistent` | the format's next date for that field (RSS `dc:date` after `pubDate`, NITF `story.date` after `date.issue`, an HTML page's next source), else the other of the two, else none |
//! | `embargoed` | `unreadable`, `out_of_range`, `nonexistent` | an embargo 24 hours after the story's arrival ([`crate::formats::embargo`]): held, never released at once, never held forever |
//! | `embargoed` | `placeholder` | no embargo (a template's or zero value says none was set) |
//! | `urgency` | `unreadable`, `out_of_range` | none |
//! | `pubstatus` | `nonstandard`, `unknown` | the status a nonstandard code names; for an unknown code, the format's default (usable) |
//! | `version` | `unreadable` | what the story would carry without a version (1) |
//! | `charset` | `label_overruled`, `unknown_label` | the encoding the bytes are in, as ingest decided (`shared::story::charset`) |
//! | `uri` | `shared_page_url` | an id from its content, when its page URL already names a different story |
//! | `body` | `extraction_empty` | the whole text (less the headline), when extraction found no story in it |
//!
//! Pubstatus: the standard codes (`usable`, `withheld`, `canceled`/`cancelled`,
//! as a bare word, a qcode `stat:…` or a NewsCodes URI) are read as they are.
//! A code that is not standard but says what it means is read as that and
//! recorded `nonstandard`, so that a kill is never turned into a usable story
//! by its spelling: `kill`, `killed`, `cancellation`, `withdrawn` are a kill;
//! `embargo…` and `hold` in a format without an embargoed status are withheld; a
//! misspelling within two letters of one standard code and no other (`cancled`,
//! `witheld`) is that code. Anything else is recorded `unknown` and the story
//! keeps the format's default. The status `embargoed` of NewsML 1.2 and NITF is
//! standard there and is no status but an embargo: the story is usable and held
//! until the time the format gives ([`crate::formats::embargo`]).
//!
//! Version: dedupe drops a story whose version is not above the newest seen
//! for its uri (at an equal version, a later `versioncreated` counts as newer),
//! and remembers the highest version seen. An unreadable version falls back to
//! 1, the lowest, so it can never raise that record: a later real version of
//! the story (2 and up) still passes, and so does a later version 1 edit with
//! a later `versioncreated`. The cost is on the other side: a story with an
//! unreadable version sent after a real version 3 is dropped as stale, as a
//! versionless copy of an updated story would be.

use newswire_shared::article::{Article, FieldProblem};

use crate::dates::DateError;

/// An article field whose source value could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `versioncreated`: when this version was made.
    VersionCreated,
    /// `firstcreated`: when the story was first made.
    FirstCreated,
    /// `embargoed`: the time before which the story may not be published.
    Embargoed,
    /// `urgency`: 1 (highest) to 9.
    Urgency,
    /// `pubstatus`: usable, withheld or canceled.
    PubStatus,
    /// `version`: the story's version number.
    Version,
    /// The character encoding the source declared.
    Charset,
    /// `uri`: the story's identity.
    Uri,
    /// The story's body, as extraction found it.
    Body,
}

impl Field {
    /// Every field, for checks that a recorded word is one of them.
    pub const ALL: [Field; 9] = [
        Field::VersionCreated,
        Field::FirstCreated,
        Field::Embargoed,
        Field::Urgency,
        Field::PubStatus,
        Field::Version,
        Field::Charset,
        Field::Uri,
        Field::Body,
    ];

    /// The word recorded, a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::VersionCreated => "versioncreated",
            Field::FirstCreated => "firstcreated",
            Field::Embargoed => "embargoed",
            Field::Urgency => "urgency",
            Field::PubStatus => "pubstatus",
            Field::Version => "version",
            Field::Charset => "charset",
            Field::Uri => "uri",
            Field::Body => "body",
        }
    }
}

/// What was wrong with a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not in any form we read (a date format we do not know, urgency "high",
    /// version "v2", an ambiguous zone abbreviation).
    Unreadable,
    /// A stand-in for no value: an unfilled template, zeros, year 1, the Unix epoch, "null".
    Placeholder,
    /// Well-formed but outside what the field allows (a year outside 1800–2200, urgency 0 or 12).
    OutOfRange,
    /// A local time that never happened in its zone (skipped when clocks went forward).
    Nonexistent,
    /// A pubstatus code outside the standard ones, read as the status it names.
    Nonstandard,
    /// A pubstatus code that names no status we know; the format's default is kept.
    Unknown,
    /// A declared charset that the bytes overruled (they are UTF-8).
    LabelOverruled,
    /// A declared charset that names no encoding.
    UnknownLabel,
    /// A page URL that a different story already holds.
    SharedPageUrl,
    /// Extraction found no story in text that is there; the whole text was kept.
    ExtractionEmpty,
}

impl Kind {
    /// Every kind, for checks that a recorded word is one of them.
    pub const ALL: [Kind; 10] = [
        Kind::Unreadable,
        Kind::Placeholder,
        Kind::OutOfRange,
        Kind::Nonexistent,
        Kind::Nonstandard,
        Kind::Unknown,
        Kind::LabelOverruled,
        Kind::UnknownLabel,
        Kind::SharedPageUrl,
        Kind::ExtractionEmpty,
    ];

    /// The word recorded, a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unreadable => "unreadable",
            Kind::Placeholder => "placeholder",
            Kind::OutOfRange => "out_of_range",
            Kind::Nonexistent => "nonexistent",
            Kind::Nonstandard => "nonstandard",
            Kind::Unknown => "unknown",
            Kind::LabelOverruled => "label_overruled",
            Kind::UnknownLabel => "unknown_label",
            Kind::SharedPageUrl => "shared_page_url",
            Kind::ExtractionEmpty => "extraction_empty",
        }
    }

    /// The kind of a charset note ingest wrote (`newswire-charset-note`: `kind: detail`).
    pub fn of_charset_note(word: &str) -> Kind {
        match word {
            "unknown_label" => Kind::UnknownLabel,
            _ => Kind::LabelOverruled,
        }
    }

    /// The kind of a time that could not be read.
    pub fn of_date(error: &DateError) -> Kind {
        match error {
            DateError::Unrecognised(_) | DateError::UnknownZone { .. } => Kind::Unreadable,
            DateError::Placeholder(_) => Kind::Placeholder,
            DateError::Implausible { .. } => Kind::OutOfRange,
            DateError::Nonexistent { .. } => Kind::Nonexistent,
        }
    }
}

/// Records on `article` that `field`'s value could not be used as sent.
pub fn note(article: &mut Article, field: Field, kind: Kind, detail: impl Into<String>) {
    article.note_problem(field.as_str(), kind.as_str(), detail);
}

/// Whether a problem with `field` was recorded on `article`.
pub fn has(article: &Article, field: Field) -> bool {
    article.newswire.problems.iter().any(|p| p.field == field.as_str())
}

/// The `newswire-field-problems` header value: each distinct `field:kind`
/// pair once, in the order first recorded, separated by commas; `None` when
/// nothing was recorded.
pub fn header_value(problems: &[FieldProblem]) -> Option<String> {
    let mut pairs: Vec<String> = Vec::new();
    for problem in problems {
        let pair = format!("{}:{}", problem.field, problem.kind);
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    Some(pairs.join(",")).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_lists_each_pair_once_in_the_order_recorded() {
        let mut a = Article::default();
        assert_eq!(header_value(&a.newswire.problems), None);
        note(&mut a, Field::VersionCreated, Kind::Unreadable, "pubDate: x");
        note(&mut a, Field::Urgency, Kind::OutOfRange, "urgency: 12");
        note(&mut a, Field::VersionCreated, Kind::Unreadable, "dc:date: y");
        assert_eq!(header_value(&a.newswire.problems).as_deref(), Some("versioncreated:unreadable,urgency:out_of_range"));
        assert_eq!(a.newswire.problems.len(), 3, "every problem keeps its own detail");
    }

    #[test]
    fn the_vocabularies_are_label_safe_words() {
        let words = Field::ALL.iter().map(|f| f.as_str()).chain(Kind::ALL.iter().map(|k| k.as_str()));
        for word in words {
            assert!(!word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{word}");
        }
    }
}
