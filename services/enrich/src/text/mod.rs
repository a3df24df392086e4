//! The text enrich analyses: the headline and the body's paragraphs joined into
//! one string, with the paragraph, sentence and word boundaries the other
//! modules work on (all as byte ranges into that string).

pub mod dateline;
pub mod document;
pub mod sentences;
pub mod spans;
pub mod stopwords;
pub mod tokens;

pub use document::Document;
pub use tokens::Token;
